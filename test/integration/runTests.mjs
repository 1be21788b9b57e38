// Runs the Mocha suites in out/test/integration inside a real VS Code extension host, then the
// UI checks. The host: desktop VS Code through @vscode/test-electron when one is given
// (VSCODE_EXECUTABLE_PATH, or CARBONLENS_TEST_HOST=electron to let it download one), else
// code-server driven by headless Chromium. The suites are the same in both.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort, launchChromium, repoRoot, runHostSuite, startCodeServer, workbenchUrl } from './codeServer.mjs';
import { ensureDemoModel } from './demoModel.mjs';
import { runQuickStartCheck } from './quickstart.mjs';
import { runUiChecks } from './ui.mjs';

const testsPath = resolve(repoRoot, 'out/test/integration/index.js');
const demoWorkspace = resolve(repoRoot, 'test/fixtures/demo-workspace');
const resultsDir = resolve(repoRoot, 'out/test-results');

function pickHost() {
  const wanted = process.env.CARBONLENS_TEST_HOST;
  if (wanted === 'electron' || wanted === 'code-server') return wanted;
  if (wanted) throw new Error(`CARBONLENS_TEST_HOST must be 'electron' or 'code-server', not '${wanted}'.`);
  return process.env.VSCODE_EXECUTABLE_PATH ? 'electron' : 'code-server';
}

function report(name, passed, failed) {
  console.log(`${name}: ${passed} passed, ${failed} failed`);
  return { passed, failed };
}

function readHostResults(file) {
  if (!existsSync(file))
    return {
      passed: 0,
      failed: 1,
      failures: ['the extension host wrote no results (did the test module load?)'],
      figures: {},
    };
  const r = JSON.parse(readFileSync(file, 'utf8'));
  console.log(`Extension host: ${r.host}`);
  for (const [k, v] of Object.entries(r.figures)) console.log(`  ${k}: ${JSON.stringify(v)}`);
  for (const f of r.failures) console.log(`  FAILED ${f}`);
  return r;
}

async function runInElectron(workspace, resultsFile) {
  const { runTests } = await import('@vscode/test-electron');
  await runTests({
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE_PATH,
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: testsPath,
    extensionTestsEnv: { CARBONLENS_TEST_RESULTS: resultsFile },
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome'],
  }).catch((e) =>
    // Tests are counted from the results file; this says why there may be none.
    console.log(
      `Desktop VS Code failed: ${e.message ?? e}. Set VSCODE_EXECUTABLE_PATH to an installed VS Code, or unset CARBONLENS_TEST_HOST to test in code-server.`,
    ),
  );
  const r = readHostResults(resultsFile);
  return [report('host', r.passed, r.failed)];
}

async function runInCodeServer(workspace, resultsFile, scratch) {
  const server = await startCodeServer({
    port: await freePort(),
    dataDir: join(scratch, 'code-server'),
    env: { CARBONLENS_TEST_RESULTS: resultsFile },
  });
  const browser = await launchChromium();
  try {
    // 1. The Mocha suites, inside the extension host.
    if (
      !(await runHostSuite(
        browser,
        workbenchUrl(server.url, workspace, { extensionTestsPath: testsPath }),
        resultsFile,
      ))
    )
      console.log('The extension host did not finish the suites within 5 minutes.');
    const r = readHostResults(resultsFile);
    const host = report('host', r.passed, r.failed);

    // 2. What a person sees: status bar, command palette, panel.
    const ui = await runUiChecks(browser, workbenchUrl(server.url, workspace), resultsDir, {
      machineSettings: join(scratch, 'code-server', 'user', 'Machine', 'settings.json'),
    });

    // 3. The README's `npm start`, headless: it serves the workbench and stops cleanly.
    const grep = process.env.CARBONLENS_TEST_GREP;
    const start = !grep || new RegExp(grep).test('start') ? await runQuickStartCheck() : { passed: 0, failed: 0 };
    return [host, report('ui', ui.passed, ui.failed), report('start', start.passed, start.failed)];
  } finally {
    await browser.close();
    server.stop();
  }
}

export async function runIntegration() {
  if (!existsSync(testsPath)) throw new Error(`${testsPath} is missing: run 'npm run build' first.`);
  mkdirSync(resultsDir, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'carbonlens-it-'));
  // Tests work on a copy: the fixture in git stays untouched.
  const workspace = join(scratch, 'demo-workspace');
  cpSync(demoWorkspace, workspace, { recursive: true });
  // As `npm start` leaves it: with its random-weights demo model.
  ensureDemoModel(workspace);
  const resultsFile = join(scratch, 'host-results.json');
  const host = pickHost();
  console.log(
    `Integration tests in ${host === 'electron' ? 'desktop VS Code (@vscode/test-electron)' : 'code-server + headless Chromium'}`,
  );
  try {
    const suites =
      host === 'electron'
        ? await runInElectron(workspace, resultsFile)
        : await runInCodeServer(workspace, resultsFile, scratch);
    return suites.reduce((a, s) => ({ passed: a.passed + s.passed, failed: a.failed + s.failed }), {
      passed: 0,
      failed: 0,
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  runIntegration().then(
    ({ failed }) => (process.exitCode = failed > 0 ? 1 : 0),
    (e) => {
      console.error(e.message ?? e);
      process.exitCode = 1;
    },
  );
}
