// Bad numbers and odd input get a message about the value, never a stack trace, an internal
// error text or a figure of Infinity.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runMain } from '../unit/runMain';
import { tempDir } from '../support/tempDir';

describe('bad numbers and odd input', { timeout: 60_000 }, () => {
  const cases: [string[], RegExp][] = [
    [['estimate', '--energy-kwh', '1e308', '--intensity', '1000'], /the result is too large to be a number/],
    // Each with a short --duration or a command, so that a value let through ends the test, not hangs it.
    [
      ['monitor', '--interval-ms', '0x10', '--duration', '0.1'],
      /--interval-ms must be a whole number from 10 to 3,600,000, not '0x10'/,
    ],
    [
      ['monitor', '--interval-ms', '1e308', '--duration', '0.1'],
      /--interval-ms must be a whole number from 10 to 3,600,000, not '1e308'/,
    ],
    [['run', '--idle-ms', '1e308', '--', 'true'], /--idle-ms must be a whole number from 0 to 3,600,000, not '1e308'/],
    [
      ['bench', '--model', 'x', '--task', 'image-classification', '--repeats', '1e308'],
      /--repeats must be a whole number from 1 to 1,000, not '1e308'/,
    ],
    [['run', '--pue', '1e308', '--', 'true'], /--pue must be a number from 1 to 5, not '1e308'/],
    [['run', '--intensity', '1e308', '--', 'true'], /--intensity must be a number from 0 to 5,000, not '1e308'/],
    [['estimate', '--energy-kwh', '1', '--intensity', '1e308'], /--intensity must be a number from 0 to 5,000/],
    [['estimate', '--energy-kwh', '0x10', '--intensity', '100'], /--energy-kwh must be a number >= 0, not '0x10'/],
    [['estimate', '--energy-kwh', 'Infinity', '--intensity', '100'], /must be a number >= 0/],
    [['estimate', '--energy-kwh', '', '--intensity', '100'], /must be a number >= 0/],
    [['bench', '--model', 'x', '--task', 'image-classification', '--samples', '-1'], /--samples .*-1/],
    [
      ['compare', '--model', 'a', '--model', 'b', '--task', 'summarization', '--tolerance'],
      /--tolerance needs a value/,
    ],
    [['monitor', '--duration', '0x10'], /--duration must be a number from 0 to 604,800, not '0x10'/],
  ];
  for (const [argv, message] of cases) {
    it(argv.join(' '), async () => {
      const r = await runMain(...argv);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, message);
      assert.doesNotMatch(r.err, /ambiguous|∞| {4}at |TypeError|Cannot read/);
    });
  }

  it('scan --runs with records cut or edited by hand skips them', async () => {
    const dir = tempDir('cl-adv-runs-');
    const runs = join(dir, 'runs.jsonl');
    writeFileSync(
      runs,
      `${JSON.stringify({ schema: 'carbonlens.bench/1', runId: 'x', result: { summary: {} } })}\n{"schema":\n`,
    );
    writeFileSync(join(dir, 'a.yaml'), 'model: google/vit-base-patch16-384\n');
    const r = await runMain('scan', join(dir, 'a.yaml'), '--runs', runs);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.err + r.out, /Cannot read properties/);
  });
});
