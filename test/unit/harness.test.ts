import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { EvalSet } from '../../src/core/bench/datasets/evalSet';
import { runBenchmark, type BenchPhase } from '../../src/core/bench/harness';
import { Meter } from '../../src/core/energy/meter';
import type { EnergySource } from '../../src/core/energy/source';
import type { PipelineFactory, TaskPipeline } from '../../src/core/models/runtime';
import { tempDir } from '../support/tempDir';

/** A GPU whose counter the fake model advances: `joulesPerItem[k]` during the k-th pass over the set. */
function rig(joulesPerItem: number[]) {
  const clock = { t: 1_000_000 };
  const gpu = { counterJ: 0 };
  const sources: EnergySource[] = [
    {
      id: 'gpu',
      component: 'gpu',
      name: 'GPU',
      kind: 'measured',
      detail: '',
      power: () => 100,
      energy: async () => gpu.counterJ,
    },
  ];
  const meter = new Meter(sources, { now: () => clock.t, counterIntervalMs: 1e9 });
  let itemsSeen = 0;
  const folder = tempDir('cl-harness-');
  writeFileSync(join(folder, 'config.json'), JSON.stringify({ id2label: { 0: 'cat', 1: 'dog' } }));
  const factory: PipelineFactory = async () => {
    const pipe = (async (inputs: unknown[]) => {
      // The probe and the warm-up take one item each (pass 0); then one pass of 10 per repeat.
      const pass = Math.min(joulesPerItem.length - 1, Math.floor(Math.max(0, itemsSeen - 2) / 10));
      itemsSeen += inputs.length;
      clock.t += 10 * inputs.length;
      gpu.counterJ += joulesPerItem[pass] * inputs.length;
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
    items: Array.from({ length: 10 }, (_, i) => ({ id: String(i), input: i < 7 ? 'cat' : 'dog', reference: 'cat' })),
  };
  return { meter, factory, set, folder };
}

describe('benchmark harness', () => {
  it('meters the load apart, warms up, measures each repeat, and reports the median with its spread', async () => {
    const { meter, factory, set, folder } = rig([2, 3, 2]);
    const phases: BenchPhase[] = [];
    const r = await runBenchmark({
      task: 'image-classification',
      folder,
      device: 'cpu',
      dtype: 'fp32',
      set,
      meter,
      repeats: 3,
      idleMs: 0,
      factory,
      onPhase: (p) => phases.push(p),
    });
    assert.deepEqual(phases, ['load', 'warm-up', 'measure', 'measure', 'measure']);
    assert.equal(r.repeats.length, 3);
    assert.deepEqual(
      r.repeats.map((x) => x.jPerItem),
      [2, 3, 2],
    );
    assert.equal(r.summary.jPerItem, 2, 'the median repeat');
    assert.equal(r.summary.kind, 'measured');
    assert.equal(r.spreadPercent, 50);
    assert.match(r.warnings.join('\n'), /varied by 50% across repeats/);
    assert.equal(r.load.energyJ, 2, 'the probe inference counts as loading');
    assert.equal(r.quality.primary.metric, 'accuracy');
    assert.equal(r.quality.primary.value, 0.7);
    assert.deepEqual(r.scores, [1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    assert.equal(r.device, 'cpu');
  });

  it('stops between batches when cancelled, and rejects nonsense sizes', async () => {
    const { meter, factory, set, folder } = rig([1]);
    const controller = new AbortController();
    let seen = 0;
    const run = runBenchmark({
      task: 'image-classification',
      folder,
      device: 'cpu',
      dtype: 'fp32',
      set,
      meter,
      idleMs: 0,
      factory,
      signal: controller.signal,
      onItems: (done) => (seen = done) >= 3 && controller.abort(),
    });
    await assert.rejects(run, (e: Error) => e.name === 'AbortError' && /nothing was recorded/.test(e.message));
    assert.equal(seen, 3);
    await assert.rejects(
      runBenchmark({
        task: 'image-classification',
        folder,
        device: 'cpu',
        dtype: 'fp32',
        set,
        meter,
        idleMs: 0,
        factory,
        batch: 0,
      }),
      /Batch size must be a whole number >= 1/,
    );
  });

  it('a split pipeline: the model measured apart (inputs prepared first), then pipelined end to end', async () => {
    const { set, folder } = rig([0]);
    const clock = { t: 0 };
    let cpuJ = 0;
    let gpuJ = 0;
    const phased = new Meter(
      [
        { id: 'cpu', component: 'cpu', name: 'CPU', kind: 'measured', detail: '', energy: async () => cpuJ },
        { id: 'gpu', component: 'gpu', name: 'GPU', kind: 'measured', detail: '', energy: async () => gpuJ },
      ],
      { now: () => clock.t },
    );
    const calls: string[] = [];
    const factory: PipelineFactory = async () => {
      const prepare = async (inputs: unknown[]) => {
        calls.push('prepare');
        clock.t += 100 * inputs.length;
        cpuJ += 1 * inputs.length; // preprocessing: 1 J an item on the CPU
        return inputs;
      };
      const infer = async (prepared: unknown) => {
        calls.push('infer');
        const inputs = prepared as unknown[];
        clock.t += 10 * inputs.length;
        gpuJ += 5 * inputs.length; // the model: 5 J an item on the GPU
        return inputs.map((x) => ({ label: String(x), score: 1 }));
      };
      const pipe = (async (inputs: unknown[]) => infer(await prepare(inputs))) as unknown as TaskPipeline;
      return Object.assign(pipe, {
        dispose: async () => undefined,
        split: { prepare, infer, bytesPerItem: () => 1000 },
      });
    };
    calls.length = 0;
    const r = await runBenchmark({
      task: 'image-classification',
      folder,
      device: 'cpu',
      dtype: 'fp32',
      set,
      meter: phased,
      batch: 5,
      idleMs: 0,
      factory,
    });
    assert.deepEqual(
      calls.slice(-8, -4),
      ['prepare', 'prepare', 'infer', 'infer'],
      'measured apart: both batches prepared before the model ran',
    );
    assert.deepEqual(calls.slice(-4), ['prepare', 'prepare', 'infer', 'infer'], 'then pipelined: the next batch ahead');
    const part = (x: { components: { component: string; jPerItem: number }[] }, c: string) =>
      x.components.find((y) => y.component === c)?.jPerItem;
    assert.deepEqual([part(r.phases!.preprocess, 'cpu'), part(r.phases!.preprocess, 'gpu')], [1, 0]);
    assert.deepEqual([part(r.phases!.model, 'cpu'), part(r.phases!.model, 'gpu')], [0, 5]);
    assert.equal(r.phases!.model.itemsPerS, 100, '10 ms an item in the model');
    assert.equal(r.summary.jPerItem, 6, 'end to end: the pipelined window, both parts inside it');
    assert.equal(r.summary.seconds, 1.1, 'its own window (this clock does not overlap them)');
    assert.match(
      r.runtime!.preprocessing,
      /end to end pipelined \(up to 3 batches prepared while the model runs\); the model also measured apart/,
    );
    assert.deepEqual(
      { ...r.runtime!.pipeline!, peakRssBytes: 0 },
      { depth: 3, bytesPerBatch: 5000, bytesInFlight: 20_000, bytesPreparedAhead: 10_000, peakRssBytes: 0 },
    );
    assert.ok(r.runtime!.pipeline!.peakRssBytes > 0);
  });

  it('pipelined: prepares up to three batches ahead of the model, never more, and waits for them on failure', async () => {
    const { set, folder, meter } = rig([0]);
    const many: EvalSet = { ...set, items: Array.from({ length: 9 }, (_, i) => ({ ...set.items[0]!, id: String(i) })) };
    let started = 0;
    let finished = 0;
    let inferred = 0;
    const ahead: number[] = []; // batches prepared or preparing, not yet run, as each starts
    const gates: (() => void)[] = [];
    let failAt = -1;
    const factory: PipelineFactory = async () => {
      const prepare = (inputs: unknown[]) => {
        const k = started++;
        ahead.push(started - inferred);
        return new Promise<unknown[]>((resolve, reject) => {
          gates.push(() => {
            finished++;
            if (k === failAt) reject(new Error('a corrupt image'));
            else resolve(inputs);
          });
        });
      };
      const infer = async (prepared: unknown) => {
        inferred++;
        return (prepared as unknown[]).map((x) => ({ label: String(x), score: 1 }));
      };
      // Preparations finish in order, one whenever the harness waits.
      const release = setInterval(() => gates.shift()?.(), 1);
      const pipe = (async (inputs: unknown[]) => infer(await prepare(inputs))) as unknown as TaskPipeline;
      return Object.assign(pipe, {
        dispose: async () => clearInterval(release),
        split: { prepare, infer },
      });
    };
    const options = {
      task: 'image-classification',
      folder,
      device: 'cpu',
      dtype: 'fp32',
      set: many,
      meter,
      batch: 1,
      idleMs: 0,
      factory,
    } as const;
    const r = await runBenchmark(options);
    assert.equal(r.answers.length, 9);
    assert.equal(Math.max(...ahead.slice(-9)), 4, 'pipelined: three prepared ahead and the one the model takes next');
    assert.equal(Math.max(...ahead.slice(-18, -9)), 9, 'apart: the whole set prepared first');
    failAt = started + 2 + 9 + 4; // probe, warm-up, the set apart, then the 5th pipelined batch
    await assert.rejects(runBenchmark(options), /a corrupt image/);
    assert.equal(finished, started, 'no preparation left running after the failure');
  });
});
