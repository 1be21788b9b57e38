import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { EvalSet } from '../../src/core/bench/datasets/evalSet';
import { runBenchmark, type BenchPhase } from '../../src/core/bench/harness';
import { Meter } from '../../src/core/energy/meter';
import type { EnergySource } from '../../src/core/energy/source';
import type { PipelineFactory, TaskPipeline } from '../../src/core/models/runtime';

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
  const folder = mkdtempSync(join(tmpdir(), 'cl-harness-'));
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

  it('a split pipeline: every input prepared in its own metered phase, then the model alone', async () => {
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
      return Object.assign(pipe, { dispose: async () => undefined, split: { prepare, infer } });
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
    const measured = calls.slice(-4);
    assert.deepEqual(measured, ['prepare', 'prepare', 'infer', 'infer'], 'both batches prepared before the model ran');
    const part = (x: { components: { component: string; jPerItem: number }[] }, c: string) =>
      x.components.find((y) => y.component === c)?.jPerItem;
    assert.deepEqual([part(r.phases!.preprocess, 'cpu'), part(r.phases!.preprocess, 'gpu')], [1, 0]);
    assert.deepEqual([part(r.phases!.model, 'cpu'), part(r.phases!.model, 'gpu')], [0, 5]);
    assert.equal(r.summary.jPerItem, 6, 'end to end is the sum');
    assert.equal(r.phases!.model.itemsPerS, 100, '10 ms an item in the model');
    assert.match(r.runtime!.preprocessing, /all inputs prepared before the model ran, metered as their own phase/);
  });
});
