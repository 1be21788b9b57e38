// What a person sees in the workbench, checked through headless Chromium: each check passes
// or fails on its own, and a failure leaves a screenshot in out/test-results/.
import { join } from 'node:path';

async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await input.press('Enter');
}

export async function runUiChecks(browser, url, resultsDir) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });

  const checks = [
    ['the status bar item appears', async () => {
      const item = page.locator('.statusbar-item', { hasText: 'CarbonLens' });
      await item.first().waitFor({ timeout: 30_000 });
    }],
    ['the command palette lists every CarbonLens command', async () => {
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.fill('>CarbonLens:');
      const rows = page.locator('.quick-input-list .monaco-list-row');
      await rows.first().waitFor();
      const labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? e.textContent));
      await page.keyboard.press('Escape');
      for (const title of ['CarbonLens: Show System Info', 'CarbonLens: Show Emissions Panel', 'CarbonLens: Open Log']) {
        if (!labels.some((l) => l?.includes(title))) throw new Error(`'${title}' missing from the palette: ${labels.join(' | ')}`);
      }
    }],
    ['the panel opens from the palette and shows the machine, its power sources and the grid intensity', async () => {
      await runCommand(page, 'CarbonLens: Show Emissions Panel');
      const frame = page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
      await frame.locator('#system h2', { hasText: 'This machine' }).waitFor({ timeout: 30_000 });
      const rows = await frame.locator('#sources tbody tr').count();
      if (rows !== 3) throw new Error(`expected 3 power sources in the panel, found ${rows}`);
      // No location is set in the demo workspace: the panel says so and offers to set one.
      await frame.locator('#intensity', { hasText: 'Location unknown' }).waitFor({ timeout: 10_000 });
      await frame.locator('#set-location', { hasText: 'Set location' }).waitFor({ timeout: 10_000 });
      await page.screenshot({ path: join(resultsDir, 'panel.png') });
    }],
    ['the panel shows its content again after being closed and reopened', async () => {
      await runCommand(page, 'View: Close Editor');
      await page.locator('iframe.webview').waitFor({ state: 'detached' });
      await runCommand(page, 'CarbonLens: Show Emissions Panel');
      const frame = page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
      await frame.locator('#sources tbody tr').first().waitFor({ timeout: 30_000 });
    }],
  ];

  let passed = 0;
  let failed = 0;
  for (const [i, [name, check]] of checks.entries()) {
    try {
      await check();
      passed++;
      console.log(`  ✔ ui: ${name}`);
    } catch (e) {
      failed++;
      console.log(`  ✘ ui: ${name}: ${e.message?.split('\n')[0]}`);
      await page.screenshot({ path: join(resultsDir, `ui-failure-${i + 1}.png`) }).catch(() => {});
    }
  }
  await page.close();
  return { passed, failed };
}
