// Packages this platform's VSIX, installs it into code-server like a user would
// (`--install-extension`), and checks the installed copy: the smoke suite in its extension host
// (test/smoke/index.ts), then a benchmark started from the command palette.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageTarget, TARGETS } from '../../scripts/package.mjs';
import { makeImageToText } from '../fixtures/tiny-models/make.mjs';
import {
  codeServerEntry,
  freePort,
  launchChromium,
  repoRoot,
  runHostSuite,
  startCodeServer,
  workbenchUrl,
} from '../integration/codeServer.mjs';
import { benchmarkFromPalette } from '../integration/ui.mjs';

const resultsDir = resolve(repoRoot, 'out/test-results');

export async function runSmoke() {
  const target = `${process.platform}-${process.arch}`;
  if (!TARGETS.includes(target)) {
    console.log(`smoke: no VSIX target for ${target}: skipped`);
    return { passed: 0, failed: 0 };
  }
  const vsix = packageTarget(target);
  console.log(`smoke: ${target} VSIX ${vsix.mb.toFixed(1)} MB, ${vsix.files} files`);
  // Outside the repository, so nothing resolves from its node_modules by accident.
  const scratch = mkdtempSync(join(tmpdir(), 'carbonlens-smoke-'));
  const extensions = join(scratch, 'extensions');
  try {
    execFileSync(
      process.execPath,
      [codeServerEntry(), '--extensions-dir', extensions, '--install-extension', vsix.path],
      {
        stdio: 'ignore',
        env: { ...process.env, XDG_CONFIG_HOME: join(scratch, 'config'), XDG_DATA_HOME: join(scratch, 'data') },
      },
    );
    const installed = readdirSync(extensions).filter((d) => d.startsWith('carbonlens.carbonlens-'));
    if (installed.length !== 1)
      throw new Error(`--install-extension left ${JSON.stringify(readdirSync(extensions))} in the extensions folder`);
    // The suite runs from a runner extension of its own; CarbonLens is only the installed copy.
    const runner = join(scratch, 'runner');
    mkdirSync(runner);
    writeFileSync(
      join(runner, 'package.json'),
      JSON.stringify({
        name: 'carbonlens-smoke-runner',
        publisher: 'carbonlens-test',
        version: '0.0.0',
        engines: { vscode: '^1.100.0' },
      }),
    );
    const resultsFile = join(scratch, 'results.json');
    const workspace = join(scratch, 'workspace');
    mkdirSync(workspace);
    const server = await startCodeServer({
      port: await freePort(),
      dataDir: scratch,
      env: { CARBONLENS_TEST_RESULTS: resultsFile, CARBONLENS_SMOKE_EXTENSIONS: extensions },
    });
    const browser = await launchChromium();
    let passed = 0;
    let failed = 0;
    try {
      await runHostSuite(
        browser,
        workbenchUrl(server.url, workspace, {
          extensionDevelopmentPath: runner,
          extensionTestsPath: resolve(repoRoot, 'out/test/smoke/index.js'),
        }),
        resultsFile,
        240_000,
      );
      const r = existsSync(resultsFile)
        ? JSON.parse(readFileSync(resultsFile, 'utf8'))
        : { passed: 0, failed: 1, failures: ['the smoke suite wrote no results'] };
      for (const f of r.failures) console.log(`  FAILED ${f}`);
      passed += r.passed;
      failed += r.failed;

      // What a user does first: Run Benchmark from the palette, with the installed extension alone.
      const ui = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      try {
        await ui.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
        await ui.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
        await ui.locator('.statusbar-item[aria-label^="CarbonLens"]').first().waitFor({ timeout: 30_000 });
        const model = join(scratch, 'tiny-trocr');
        makeImageToText(model);
        await benchmarkFromPalette(ui, model);
        console.log('  ✔ smoke ui: Run Benchmark from the palette with the installed extension');
        passed++;
      } catch (e) {
        mkdirSync(resultsDir, { recursive: true });
        await ui.screenshot({ path: join(resultsDir, 'smoke-failure.png') }).catch(() => undefined);
        console.log(`  ✘ smoke ui: Run Benchmark from the palette: ${e.message ?? e}`);
        failed++;
      }
    } finally {
      await browser.close();
      server.stop();
    }
    console.log(`smoke: ${passed} passed, ${failed} failed`);
    return { passed, failed };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  runSmoke().then(
    ({ failed }) => (process.exitCode = failed > 0 ? 1 : 0),
    (e) => {
      console.error(e.message ?? e);
      process.exitCode = 1;
    },
  );
}
