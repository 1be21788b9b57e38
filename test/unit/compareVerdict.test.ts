// compare's energy verdict: a difference with a 95% interval over several windows a model, and
// "no measurable difference" where the interval holds zero or the difference is under the
// meters' repeatability. Results are built by hand (no meter, no model): deterministic.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalSet } from '../../src/core/bench/datasets/evalSet';
import { comparePlan, energyDifference, t975 } from '../../src/core/bench/energyDifference';
import { type BenchResult, type RepeatResult, runBenchmark } from '../../src/core/bench/harness';
import { Meter } from '../../src/core/energy/meter';
import type { PipelineFactory, TaskPipeline } from '../../src/core/models/runtime';
import { summariseRun } from '../../src/core/bench/history';
import type { BenchRecord } from '../../src/core/bench/record';
import { compareResults, comparisonOf } from '../../src/core/bench/verdict';
import type { Provenance } from '../../src/core/energy/provenance';
import { markdownReport } from '../../src/core/report/markdownReport';
import { tempDir } from '../support/tempDir';

const repeat = (jPerItem: number, kind: Provenance): RepeatResult => ({
  seconds: 10,
  itemsPerS: 1,
  energyJ: jPerItem * 10,
  jPerItem,
  components: [],
  kind,
});

/** A result whose windows measured `js` J/item, every item answered right. */
function result(js: number[], kind: Provenance = 'estimated'): BenchResult {
  const repeats = js.map((j) => repeat(j, kind));
  const sorted = [...repeats].sort((a, b) => a.jPerItem - b.jPerItem);
  return {
    device: 'cpu',
    dtype: 'fp32',
    attempts: [],
    batch: 1,
    items: 8,
    load: { seconds: 1, energyJ: 1, kind },
    repeats,
    summary: sorted[Math.floor((sorted.length - 1) / 2)]!,
    warnings: [],
    quality: {
      primary: { metric: 'accuracy', value: 1, low: 0.7, high: 1, n: 8, higherIsBetter: true },
      others: [],
    },
    answers: Array(8).fill('cat'),
    scores: Array(8).fill(1),
  } as BenchResult;
}

/**
 * One process, one fake GPU counter: the process's first 10 items cost 3 J each (cold: code
 * compiled on first use, caches), every later one 1 J, whichever model runs them.
 */
function coldProcess() {
  const clock = { t: 1_000_000 };
  const gpu = { counterJ: 0, items: 0 };
  const meter = new Meter(
    [
      {
        id: 'gpu',
        component: 'gpu',
        name: 'GPU',
        kind: 'measured',
        detail: '',
        power: () => 100,
        energy: async () => gpu.counterJ,
      },
    ],
    { now: () => clock.t, counterIntervalMs: 1e9 },
  );
  const folder = tempDir('cl-compare-');
  writeFileSync(join(folder, 'config.json'), JSON.stringify({ id2label: { 0: 'cat', 1: 'dog' } }));
  const factory: PipelineFactory = async () => {
    const pipe = (async (inputs: unknown[]) => {
      for (const _ of inputs) gpu.counterJ += gpu.items++ < 10 ? 3 : 1;
      clock.t += 10 * inputs.length;
      return inputs.map((x) => ({ label: String(x), score: 1 }));
    }) as unknown as TaskPipeline;
    pipe.dispose = async () => undefined;
    return pipe;
  };
  const set: EvalSet = {
    name: 'pets',
    source: 'test',
    seed: 1,
    population: 10,
    items: Array.from({ length: 10 }, (_, i) => ({ id: String(i), input: 'cat', reference: 'cat' })),
  };
  const bench = (plan: { repeats?: number; warmupBatches?: number }) =>
    runBenchmark({
      task: 'image-classification',
      folder,
      device: 'cpu',
      dtype: 'fp32',
      set,
      meter,
      idleMs: 0,
      factory,
      ...plan,
    });
  return { bench };
}

describe('compare: a saving beyond noise', { timeout: 30_000 }, () => {
  it('a model against itself in one process: the first one measured carries no warm-up, and the verdict is "no measurable difference"', async () => {
    // What compare did before: one batch of warm-up, one window: A, measured first, pays the cold start.
    const before = coldProcess();
    const a0 = await before.bench({});
    const b0 = await before.bench({});
    assert.ok(a0.summary.jPerItem > 2 * b0.summary.jPerItem, 'the symptom: A looks far costlier than its copy');
    // compare's plan: a warm-up over the whole set, then three windows a model.
    const now = coldProcess();
    const a = await now.bench(comparePlan(1));
    const b = await now.bench(comparePlan(1));
    assert.deepEqual(
      [...a.repeats, ...b.repeats].map((r) => r.jPerItem),
      [1, 1, 1, 1, 1, 1],
    );
    const v = compareResults(a, b);
    assert.equal(v.energy.measurable, false);
    assert.match(
      v.sentence,
      /B shows no measurable difference in energy per item \(B-A 0\.0%, 95% CI 0\.0% to 0\.0%; 3 windows each, measured: the interval holds zero\)/,
    );
  });

  it('a model against an identical copy: "no measurable difference", in either order, never a percentage saved', () => {
    // The spread: one summariser measured 1.02 and 1.37 J/item in two runs.
    const first = result([1.37, 1.02, 1.2]);
    const second = result([1.1, 1.3, 1.05]);
    for (const [a, b] of [
      [first, second],
      [second, first],
    ] as const) {
      const v = compareResults(a, b);
      assert.equal(v.energy.measurable, false);
      assert.match(v.sentence, /B shows no measurable difference in energy per item/);
      assert.doesNotMatch(v.sentence, /% (less|more) energy/);
    }
    // Same figures twice: the interval holds zero.
    const same = compareResults(result([1.2, 1.3, 1.25]), result([1.25, 1.2, 1.3]));
    assert.match(same.energy.text, /the interval holds zero/);
  });

  it('one window a model (what compare measured before) gives no verdict on energy', () => {
    const v = compareResults(result([2]), result([1]));
    assert.equal(v.energy.measurable, false);
    assert.match(v.energy.text, /B-A -50%, no interval; 1 window each, estimated: fewer than 3 windows a model/);
  });

  it('a clear difference is stated with its 95% Welch interval', () => {
    const v = compareResults(result([2.0, 2.02, 1.98], 'measured'), result([1.0, 1.01, 0.99], 'measured'));
    assert.equal(v.energy.measurable, true);
    assert.match(
      v.sentence,
      /B uses 50% less energy per item \(B-A -50%, 95% CI -5\d% to -4\d%; 3 windows each, measured\)/,
    );
    assert.equal(v.jPerItemA, 2);
    assert.equal(v.jPerItemB, 1);
    // By hand: means 2 and 1, variances 4e-4 and 1e-4, se = sqrt(5e-4 / 3); df = 2 (5/3)^2 / (16/9 + 1/9) = 2.94.
    const se = Math.sqrt(5e-4 / 3);
    const df = (2 * (5 / 3) ** 2) / (16 / 9 + 1 / 9);
    assert.ok(Math.abs(v.energy.high - (1 + t975(df) * se)) < 1e-12);
  });

  it("a difference under the meter's repeatability is not a saving: 5% on estimated figures", () => {
    const v = compareResults(result([1.0, 1.001, 0.999]), result([0.95, 0.951, 0.949]));
    assert.equal(v.energy.measurable, false);
    assert.match(v.energy.text, /under the 10% repeatability of estimated figures/);
    const measured = compareResults(result([1.0, 1.001, 0.999], 'measured'), result([0.95, 0.951, 0.949], 'measured'));
    assert.equal(measured.energy.measurable, true, '5% is above the 2% floor of counters');
  });

  it("t's quantiles and the Welch interval match the tables", () => {
    assert.equal(t975(2), 4.303);
    assert.equal(t975(4), 2.776);
    assert.ok(Math.abs(t975(1e6) - 1.96) < 1e-3);
    assert.ok(Math.abs(t975(60) - 2.0003) < 1e-3);
    const d = energyDifference([1, 2, 3], [4, 5, 6], { a: 'measured', b: 'measured' });
    // se = sqrt(1/3 + 1/3), df = 4: half-width 2.776 x 0.8165.
    assert.ok(Math.abs(d.low - (-3 - 2.776 * Math.sqrt(2 / 3))) < 1e-9);
    assert.equal(d.kind, 'measured');
    assert.equal(energyDifference([1], [1], { a: 'measured', b: 'sampled' }).kind, 'sampled', 'the weaker of the two');
  });

  it('the verdict is kept with the pair: in the history, the panel row and the Markdown export', () => {
    const v = compareResults(result([1.37, 1.02, 1.2]), result([1.1, 1.3, 1.05]));
    const rec = (id: string, model: string, role: 'A' | 'B', other: string, otherModel: string): BenchRecord => ({
      schema: 'carbonlens.bench/1',
      runId: id,
      timestamp: '2026-12-01T10:00:00.000Z',
      task: 'image-classification',
      model: { id: model, source: 'hub' },
      dataset: { name: 'cifar10', source: 'hub', items: 8, population: 10000, seed: 1 },
      result: (({ answers: _a, scores: _s, ...r }) => r)(result([1, 1, 1])),
      machine: { os: 'Linux', cpu: 'Xeon', cpuCount: 2, gpus: [], ramGB: 8, node: 'v20' },
      sources: [],
      comparison: comparisonOf(v, role, { runId: other, model: otherModel }),
    });
    const a = rec('run-a', 'tiny-vit', 'A', 'run-b', 'tiny-vit-copy');
    const b = rec('run-b', 'tiny-vit-copy', 'B', 'run-a', 'tiny-vit');
    const row = summariseRun(b);
    assert.equal(row.comparison!.otherRunId, 'run-a');
    assert.equal(row.comparison!.energy, 'no measurable difference in energy per item from A (tiny-vit)');
    assert.match(summariseRun(a).comparison!.energy, /no measurable difference .* from B \(tiny-vit-copy\)/);
    const md = markdownReport([a, b]).markdown;
    assert.match(
      md,
      /- tiny-vit-copy \(B\) against tiny-vit \(A\): .*B shows no measurable difference in energy per item/,
    );
    // A measurable one reads from each side: B 50% less than A is A 100% more than B.
    const clear = compareResults(result([2, 2.02, 1.98], 'measured'), result([1, 1.01, 0.99], 'measured'));
    const ra = { ...a, comparison: comparisonOf(clear, 'A', { runId: 'run-b', model: 'tiny-vit-copy' }) };
    const rb = { ...b, comparison: comparisonOf(clear, 'B', { runId: 'run-a', model: 'tiny-vit' }) };
    assert.equal(summariseRun(rb).comparison!.energy, '50% less energy per item than A (tiny-vit)');
    assert.equal(summariseRun(ra).comparison!.energy, '100% more energy per item than B (tiny-vit-copy)');
  });
});
