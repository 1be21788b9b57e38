// CPU the extension host uses while the developer codes and CarbonLens only samples: the real
// VS Code (code-server) with the extension, the panel opened then hidden behind another editor,
// measured from /proc/<pid>/stat over a window. Peer: the same host with the status bar item
// (and so the meter) turned off. Prints both and the ratio. Linux only.
//   npm run build && node bench/idleCpu.mjs [seconds]
import { execSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findChromium, freePort, repoRoot, startCodeServer, workbenchUrl } from '../test/integration/codeServer.mjs';

const SECONDS = Number(process.argv[2] ?? 30);
const TICKS = Number(execSync('getconf CLK_TCK').toString());
const demo = resolve(repoRoot, 'test/fixtures/demo-workspace');

const cpuTicks = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
};

function extensionHostPid(serverPid) {
  const rows = execSync('ps -eo pid,pgid,args').toString().split('\n');
  const row = rows.find((r) => r.includes('--type=extensionHost') && r.trim().split(/\s+/)[1] === String(serverPid));
  if (!row) throw new Error('no extension host process found');
  return Number(row.trim().split(/\s+/)[0]);
}

async function measure(label, settings, openPanel) {
  const { chromium } = await import('playwright-core');
  const dataDir = mkdtempSync(join(tmpdir(), 'cl-idle-'));
  mkdirSync(join(dataDir, 'user', 'User'), { recursive: true });
  writeFileSync(join(dataDir, 'user', 'User', 'settings.json'), JSON.stringify(settings));
  const server = await startCodeServer({ port: await freePort(), dataDir });
  const browser = await chromium.launch({ executablePath: findChromium(), args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(workbenchUrl(server.url, demo));
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // The palette lists an extension's commands once the extension host is up: retry until then.
    const run = async (title) => {
      for (let attempt = 1; ; attempt++) {
        await page.keyboard.press('F1');
        await page.locator('.quick-input-widget input').fill(`>${title}`);
        try {
          await page
            .locator('.quick-input-list .monaco-list-row', { hasText: title })
            .first()
            .waitFor({ timeout: 10_000 });
          await page.keyboard.press('Enter');
          return;
        } catch (e) {
          await page.keyboard.press('Escape');
          if (attempt === 3) throw e;
        }
      }
    };
    if (openPanel) {
      await run('CarbonLens: Show Emissions Panel');
      await page
        .frameLocator('iframe.webview')
        .frameLocator('iframe#active-frame')
        .locator('#live-chart')
        .waitFor({ timeout: 30_000 });
    }
    // Another editor in front: the panel (if any) is hidden, as while coding.
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill('classify.py');
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor();
    await page.keyboard.press('Enter');
    await page.waitForTimeout(10_000); // start-up work settles
    const pid = extensionHostPid(server.child.pid);
    const t0 = cpuTicks(pid);
    await page.waitForTimeout(SECONDS * 1000);
    const percent = ((cpuTicks(pid) - t0) / TICKS / SECONDS) * 100;
    console.log(`${label}: extension host CPU ${percent.toFixed(2)}% of one core over ${SECONDS} s`);
    return percent;
  } finally {
    await browser.close();
    server.stop();
  }
}

const ours = await measure('CarbonLens sampling at 1 Hz, panel hidden', {}, true);
const peer = await measure(
  'Peer: CarbonLens with the status bar (meter) off, panel never opened',
  { 'carbonlens.statusBar.enabled': false },
  false,
);
console.log(
  `Ratio: ${(ours / Math.max(peer, 0.01)).toFixed(2)}x the extension host's idle CPU without the meter (difference ${(ours - peer).toFixed(2)} points)`,
);
