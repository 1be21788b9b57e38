// The README's first command ends in `node test/integration/launch.mjs`: check that it serves
// the workbench with CarbonLens loaded, on a demo workspace with its random-weights model (made
// when absent, as on a fresh clone), and that Ctrl-C leaves no code-server behind.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, repoRoot } from './codeServer.mjs';
import { DEMO_MODEL } from './demoModel.mjs';

export async function runQuickStartCheck() {
  const port = await freePort();
  const child = spawn(process.execPath, [join(repoRoot, 'test/integration/launch.mjs')], {
    cwd: repoRoot,
    env: { ...process.env, CARBONLENS_USE_CODE_SERVER: '1', CARBONLENS_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  try {
    const deadline = Date.now() + 90_000;
    let url;
    while (
      !(url = output.match(/http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+/)?.[0]) &&
      Date.now() < deadline &&
      child.exitCode === null
    ) {
      await new Promise((r) => setTimeout(r, 200));
    }
    if (!url) throw new Error(`no URL printed: ${output.slice(-500)}`);
    if (!url.includes(encodeURIComponent('extensionDevelopmentPath')))
      throw new Error(`the URL does not load the extension: ${url}`);
    const page = await fetch(url);
    if (!page.ok || !(await page.text()).includes('workbench'))
      throw new Error(`GET ${url} answered ${page.status} without a workbench`);
    const demoConfig = join(repoRoot, 'test/fixtures/demo-workspace', DEMO_MODEL, 'config.json');
    let config;
    try {
      config = JSON.parse(readFileSync(demoConfig, 'utf8'));
    } catch (e) {
      throw new Error(`npm start left no demo model: ${e.message}`);
    }
    if (config.carbonlens_random_weights !== true) throw new Error(`${demoConfig} does not say its weights are random`);
    child.kill('SIGINT');
    await Promise.race([
      exited,
      new Promise((_, reject) => setTimeout(() => reject(new Error('launch.mjs ignored Ctrl-C for 10 s')), 10_000)),
    ]);
    // SIGTERM is sent as launch.mjs exits; give code-server a moment to finish.
    const running = () => spawnSync('pgrep', ['-f', `bind-addr 127.0.0.1:${port}`], { encoding: 'utf8' }).stdout.trim();
    let left = running();
    for (let i = 0; left && i < 50; i++, left = running()) await new Promise((r) => setTimeout(r, 100));
    if (left) throw new Error(`code-server still running after Ctrl-C (pids ${left.replace(/\n/g, ', ')})`);
    console.log(
      `  ✔ start: npm start served ${new URL(url).origin}, with the random-weights demo model, and stopped on Ctrl-C`,
    );
    return { passed: 1, failed: 0 };
  } catch (e) {
    console.log(`  ✘ start: ${e.message}`);
    return { passed: 0, failed: 1 };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
