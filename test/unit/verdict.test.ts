import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BenchResult, RepeatResult } from '../../src/core/bench/harness';
import { compareResults } from '../../src/core/bench/verdict';

const repeat = (jPerItem: number): RepeatResult => ({
  seconds: 1,
  itemsPerS: 100,
  energyJ: jPerItem * 100,
  jPerItem,
  components: [{ component: 'gpu', kind: 'measured', jPerItem }],
  kind: 'measured',
});

/** A classification result: end to end `e2e` J/item; the model apart `model` J/item, when given. */
function result(e2e: number, model?: number): BenchResult {
  return {
    device: 'cuda',
    dtype: 'fp16',
    attempts: [],
    batch: 32,
    items: 4,
    load: { seconds: 1, energyJ: 1, kind: 'measured' },
    // Three windows a model, a little apart: compare states a saving only beyond their noise.
    repeats: [repeat(e2e * 0.99), repeat(e2e), repeat(e2e * 1.01)],
    summary: repeat(e2e),
    ...(model !== undefined && {
      phases: { preprocess: repeat(e2e - model), model: repeat(model) },
      runtime: {
        executionProvider: 'cuda',
        dtype: 'fp16',
        batch: 32,
        batchChosenBy: 'user',
        preprocessing: 'threads',
        pipeline: { depth: 3, peakRssBytes: 1 },
        graphCapture: { enabled: false, why: '' },
      },
    }),
    warnings: [],
    quality: {
      primary: { metric: 'accuracy', value: 1, low: 0.5, high: 1, n: 4, higherIsBetter: true },
      others: [],
    },
    answers: ['a', 'b', 'c', 'd'],
    scores: [1, 1, 1, 1],
  };
}

describe('the verdict says which energy it compares', { timeout: 10_000 }, () => {
  it('pipelined runs: the end-to-end saving, with the model-apart saving beside it', () => {
    const v = compareResults(result(0.4, 0.1), result(0.2, 0.025));
    assert.ok(Math.abs(v.energySavingPercent - 50) < 1e-9);
    assert.deepEqual([v.modelApart!.jPerItemA, v.modelApart!.jPerItemB], [0.1, 0.025]);
    assert.ok(Math.abs(v.modelApart!.savingPercent - 75) < 1e-9);
    assert.match(v.energyBasis, /^end to end, pipelined/);
    assert.match(
      v.sentence,
      /uses 50% less energy per item \(B-A -50%, 95% CI [^)]*\) end to end, pipelined as a deployment runs it \(the model alone, measured apart: 75% less\)\./,
    );
  });

  it('runs without a model phase: the whole run, and nothing claimed about the model alone', () => {
    const v = compareResults(result(0.4), result(0.3));
    assert.equal(v.modelApart, undefined);
    assert.equal(v.energyBasis, 'end to end: the whole measured run');
    assert.match(v.sentence, /uses 25% less energy per item \(B-A -25%, 95% CI [^)]*\)\.$/);
    assert.doesNotMatch(v.sentence, /model alone/);
  });
});
