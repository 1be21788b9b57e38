// `npm test` after the build: unit tests (node:test), then the integration suites in a real
// VS Code, then the packaged VSIX installed and smoke-tested. Ends with one plain line of totals.
import { spawnSync } from 'node:child_process';
import { runIntegration } from './integration/runTests.mjs';
import { runSmoke } from './smoke/runSmoke.mjs';

const unit = spawnSync(process.execPath, ['--test', '--test-reporter=spec', 'out/test/unit/'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
process.stdout.write(unit.stdout);
const count = (label) => Number(unit.stdout.match(new RegExp(`^ℹ ${label} (\\d+)$`, 'm'))?.[1] ?? 0);
const unitPassed = count('pass');
const unitFailed = count('fail') + (unit.status !== 0 && count('fail') === 0 ? 1 : 0);
const unitSkipped = count('skipped');
console.log(`unit: ${unitPassed} passed, ${unitFailed} failed${unitSkipped ? `, ${unitSkipped} skipped (see above why)` : ''}`);

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
const passed = unitPassed + integration.passed + smoke.passed;
const failed = unitFailed + integration.failed + smoke.failed;
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
