import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Meter, sumWindows } from '../../src/core/energy/meter';
import type { EnergySource } from '../../src/core/energy/source';
import { waitFor } from '../support/waitFor';

/** A clock the test moves, and sources whose readings the test sets. */
function rig() {
  const clock = { t: 1_000_000 };
  const gpu = { powerW: 100 as number | undefined, counterJ: 0 };
  const cpu = { powerW: 20 as number | undefined };
  const sources: EnergySource[] = [
    {
      id: 'gpu',
      component: 'gpu',
      name: 'GPU',
      kind: 'measured',
      detail: '',
      power: () => gpu.powerW,
      energy: async () => gpu.counterJ,
    },
    { id: 'cpu', component: 'cpu', name: 'CPU', kind: 'estimated', detail: '', power: () => cpu.powerW },
  ];
  const meter = new Meter(sources, { now: () => clock.t, counterIntervalMs: 1e9 });
  /** Advances time by `s` seconds with the GPU drawing `w` watts (its counter follows). */
  const run = (s: number, w: number) => {
    clock.t += s * 1000;
    gpu.counterJ += s * w;
    gpu.powerW = w;
  };
  return { clock, gpu, cpu, meter, run };
}

describe('Meter usage', () => {
  it("gives a window's CPU busy share from the counters at its edges, and means of memory and GPU utilisation", async () => {
    const clock = { t: 1_000_000 };
    const cpuTimes = { busy: 1000, total: 4000 };
    const ram = { usedBytes: 4 * 1024 ** 3, totalBytes: 16 * 1024 ** 3 };
    let gpuUtil = 50;
    const gpu: EnergySource = {
      id: 'gpu',
      component: 'gpu',
      name: 'GPU',
      kind: 'sampled',
      detail: '',
      power: () => 100,
      stats: () => ({ utilizationPercent: gpuUtil }),
    };
    const meter = new Meter([gpu], {
      now: () => clock.t,
      usage: { cpu: () => ({ ...cpuTimes }), ram: () => ({ ...ram }), close() {} },
    });
    const w = await meter.begin(); // edge: cpu 1000/4000, ram 4 GB, gpu 50
    clock.t += 1000;
    Object.assign(cpuTimes, { busy: 1300, total: 4400 });
    ram.usedBytes = 8 * 1024 ** 3;
    gpuUtil = 100;
    await meter.sample(); // ram 8 GB, gpu 100
    clock.t += 1000;
    Object.assign(cpuTimes, { busy: 1500, total: 4800 });
    gpuUtil = 70;
    const r = await w.end(); // edge: ram 8 GB, gpu 70
    // CPU: (1500 - 1000) / (4800 - 4000) = 62.5%; the readings inside the window: after its first edge.
    assert.deepEqual(r.usage, { cpuPercent: 62.5, gpuPercent: 85, ramPercent: 50, ramUsedGB: 8 });
    meter.close();
  });
});

describe('Meter windows', () => {
  it('takes a counter source from its counter, and integrates power for the others', async () => {
    const { meter, run, cpu } = rig();
    const w = await meter.begin();
    run(1, 300); // a burst the power samples never see at its true height
    await meter.sample();
    cpu.powerW = 40;
    run(1, 100);
    const r = await w.end();
    assert.equal(r.durationS, 2);
    const gpu = r.sources.find((s) => s.sourceId === 'gpu')!;
    assert.deepEqual([gpu.energyJ, gpu.kind, gpu.method, gpu.coverage], [400, 'measured', 'counter', 1]);
    const cpuE = r.sources.find((s) => s.sourceId === 'cpu')!;
    assert.deepEqual([cpuE.energyJ, cpuE.kind, cpuE.method], [20 + 30, 'estimated', 'power x time']); // trapezoids: 20,20 then 20,40
    assert.equal(r.totalJ, 450);
    assert.equal(r.kind, 'estimated');
    assert.deepEqual(
      r.components.map((c) => [c.component, c.energyJ, c.kind]),
      [
        ['gpu', 400, 'measured'],
        ['cpu', 50, 'estimated'],
      ],
    );
  });

  it('subtracts an idle baseline measured before the window, per source', async () => {
    const { meter, run, gpu } = rig();
    const before = await meter.begin();
    run(2, 80);
    const idleResult = await before.end();
    const idle = {
      durationS: idleResult.durationS,
      powerW: Object.fromEntries(idleResult.sources.map((s) => [s.sourceId, s.meanPowerW])),
    };
    assert.deepEqual(idle.powerW, { gpu: 80, cpu: 20 });
    gpu.powerW = 80;
    const w = await meter.begin();
    run(0.1, 480);
    const r = await w.end({ idle });
    const g = r.sources.find((s) => s.sourceId === 'gpu')!;
    assert.ok(Math.abs(g.energyJ - 48) < 1e-9);
    assert.ok(Math.abs(g.netEnergyJ! - 40) < 1e-9);
    assert.ok(Math.abs(r.netJ! - 40) < 1e-9); // the CPU's net is 0: it drew its idle power
  });

  it('lets windows overlap, each with its own edges', async () => {
    const { meter, run } = rig();
    const outer = await meter.begin();
    run(1, 100);
    const inner = await meter.begin();
    run(1, 200);
    const innerR = await inner.end();
    run(1, 100);
    const outerR = await outer.end();
    assert.equal(innerR.sources[0]!.energyJ, 200);
    assert.equal(outerR.sources[0]!.energyJ, 400);
    await assert.rejects(inner.end(), /already ended/);
  });

  it('falls back to power x time, labelled sampled, when a counter fails', async () => {
    const { meter, run } = rig();
    (meter.sources[0] as { energy?: () => Promise<number> }).energy = async () => {
      throw new Error('GPU is lost');
    };
    const w = await meter.begin();
    run(1, 100);
    const r = await w.end();
    const g = r.sources[0]!;
    assert.deepEqual([g.kind, g.method, g.energyJ], ['sampled', 'power x time', 100]);
    assert.deepEqual(meter.errors(), ['GPU: GPU is lost']);
  });

  it('reports how much of a window power samples covered when readings are missing', async () => {
    const { meter, run, cpu } = rig();
    const w = await meter.begin();
    run(1, 100);
    cpu.powerW = undefined;
    await meter.sample();
    run(1, 100);
    cpu.powerW = 20;
    await meter.sample();
    run(2, 100);
    const r = await w.end();
    const c = r.sources.find((s) => s.sourceId === 'cpu')!;
    assert.equal(c.coverage, 0.5);
    assert.equal(c.energyJ, 40);
  });

  it('derives power from a counter-only source (RAPL) between reads', async () => {
    const clock = { t: 0 };
    let joules = 0;
    const meter = new Meter(
      [{ id: 'rapl', component: 'cpu', name: 'pkg', kind: 'measured', detail: '', energy: async () => joules }],
      { now: () => clock.t },
    );
    await meter.sample();
    clock.t += 500;
    joules += 25;
    const r = await meter.sample();
    assert.equal(r.readings[0]!.powerW, 50);
    assert.equal(r.components.cpu, 50);
  });
});

describe('Meter sampling', () => {
  it('samples on its timer, faster while asked, and tells streaming sources the rate', async () => {
    const rates: number[] = [];
    let reads = 0;
    const meter = new Meter(
      [
        {
          id: 's',
          component: 'gpu',
          name: 's',
          kind: 'sampled',
          detail: '',
          power: () => ++reads,
          setInterval: (ms) => rates.push(ms),
        },
      ],
      { intervalMs: 1000 },
    );
    await meter.start();
    const fast = meter.requestInterval(20);
    assert.equal(meter.intervalMs, 20);
    const before = reads;
    await waitFor('5 samples at 20 ms', () => reads - before >= 5);
    fast.dispose();
    assert.equal(meter.intervalMs, 1000);
    assert.deepEqual(rates, [20, 1000]);
    meter.close();
  });

  it('never runs two samples of a source at once, and a failing listener does not stop it', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const slow: EnergySource = {
      id: 'slow',
      component: 'cpu',
      name: 'slow',
      kind: 'sampled',
      detail: '',
      power: async () => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((r) => setTimeout(r, 20));
        inFlight--;
        return 1;
      },
    };
    const meter = new Meter([slow]);
    meter.onReading(() => {
      throw new Error('listener bug');
    });
    const seen: number[] = [];
    meter.onReading((r) => seen.push(r.totalW));
    await Promise.all([meter.sample(), meter.sample(), meter.sample()]);
    assert.equal(maxInFlight, 1);
    assert.deepEqual(seen, [1, 1, 1]);
  });

  it('closes its sources', () => {
    let closed = 0;
    const meter = new Meter([
      { id: 'a', component: 'gpu', name: 'a', kind: 'sampled', detail: '', close: () => closed++ },
    ]);
    meter.close();
    assert.equal(closed, 1);
  });
});

describe('Meter windows split and added', () => {
  it('splits a window at one edge, so the two parts add up to the whole, and adds windows apart in time', async () => {
    const { meter, run } = rig();
    const whole = await meter.begin();
    const first = await meter.begin();
    run(2, 100);
    const { result: a, next } = await first.split();
    run(1, 300);
    const b = await next.end();
    const all = await whole.end();
    assert.equal(a.sources[0]!.energyJ, 200);
    assert.equal(b.sources[0]!.energyJ, 300);
    assert.equal(a.durationS + b.durationS, all.durationS);
    assert.equal(a.sources[0]!.energyJ + b.sources[0]!.energyJ, all.sources[0]!.energyJ);
    await assert.rejects(first.split(), /already ended/);

    run(5, 50); // a pause between the windows counts in neither
    const c = await (await meter.begin()).end();
    const gap = await meter.begin();
    run(1, 500);
    const d = await gap.end();
    const sum = sumWindows([a, b, c, d]);
    assert.equal(sum.durationS, 4);
    assert.equal(sum.sources[0]!.energyJ, 1000);
    assert.equal(sum.sources[0]!.method, 'counter');
    assert.equal(sum.sources[0]!.kind, 'measured');
    assert.equal(sum.components.find((x) => x.component === 'gpu')!.meanPowerW, 250);
    assert.equal(
      sum.totalJ,
      sum.sources.reduce((t, x) => t + (x.missing ? 0 : x.energyJ), 0),
    );
    assert.throws(() => sumWindows([]), /No windows/);
    meter.close();
  });
});
