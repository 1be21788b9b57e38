// `npm test` after the build: unit tests (node:test), then the integration suites in a real
// VS Code, then the packaged VSIX installed and smoke-tested. Ends with one plain line of totals.
import { spawn, spawnSync } from 'node:child_process';
import { runIntegration } from './integration/runTests.mjs';
import { runSmoke } from './smoke/runSmoke.mjs';

// A stuck test fails on its own timeout; a file whose test left a handle open still exits
// (--test-force-exit); and the whole unit run has a deadline, so `npm test` never hangs.
// Past the deadline its whole process group (every test file's process) is killed.
const UNIT_DEADLINE_MS = 20 * 60_000;
const unit = await new Promise((resolve) => {
  const child = spawn(
    process.execPath,
    [
      '--test',
      '--test-reporter=spec',
      '--test-force-exit',
      '--test-timeout=300000',
      'out/test/unit/',
      'out/test/adversarial/',
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: process.platform !== 'win32',
    },
  );
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d) => {
    stdout += d;
    process.stdout.write(d);
  });
  const killGroup = () => {
    try {
      if (process.platform === 'win32') child.kill('SIGKILL');
      else process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(() => {
    console.log(`The unit tests were stopped: still running after ${UNIT_DEADLINE_MS / 60_000} minutes.`);
    killGroup();
  }, UNIT_DEADLINE_MS);
  process.once('exit', killGroup);
  child.on('close', (status) => {
    clearTimeout(timer);
    resolve({ status, stdout });
  });
});
const count = (label) => Number(unit.stdout.match(new RegExp(`^ℹ ${label} (\\d+)$`, 'm'))?.[1] ?? 0);
const unitPassed = count('pass');
const unitFailed = count('fail') + (unit.status !== 0 && count('fail') === 0 ? 1 : 0);
const unitSkipped = count('skipped');
console.log(
  `unit: ${unitPassed} passed, ${unitFailed} failed${unitSkipped ? `, ${unitSkipped} skipped (see above why)` : ''}`,
);

// Every benchmark that needs no GPU, once, in a quick mode: a change that breaks one fails here
// (its figures are printed, not asserted: targets live in the benchmarks, not in tests).
const BENCHES = [
  ['activation', ['bench/activation.mjs'], { RUNS: '1' }],
  ['advisor scan', ['out/bench/advisorScan.mjs'], {}],
  ['meter CPU cost', ['out/bench/meterCpu.mjs'], { SECONDS_PER_RUN: '1' }],
  ['CLI start-up', ['bench/cliStartup.mjs'], { RUNS: '3' }],
];
let benchFailed = 0;
for (const [name, args, env] of BENCHES) {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  const ok = r.status === 0;
  if (!ok) benchFailed++;
  console.log(
    `  ${ok ? '✔' : '✘'} bench ${name}${ok ? '' : `: exit ${r.status ?? r.signal}\n${(r.stderr || r.stdout).slice(-2000)}`}`,
  );
}
console.log(`benches: ${BENCHES.length - benchFailed} passed, ${benchFailed} failed`);

let integration;
try {
  integration = await runIntegration();
} catch (e) {
  console.error(`Integration tests could not run: ${e.message ?? e}`);
  integration = { passed: 0, failed: 1 };
}
// The packaged VSIX, installed into code-server and exercised like a user would.
let smoke;
try {
  smoke = await runSmoke();
} catch (e) {
  console.error(`The smoke test of the packaged extension could not run: ${e.message ?? e}`);
  smoke = { passed: 0, failed: 1 };
}
const passed = unitPassed + BENCHES.length - benchFailed + integration.passed + smoke.passed;
const failed = unitFailed + benchFailed + integration.failed + smoke.failed;
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
