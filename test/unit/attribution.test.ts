import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WindowResult } from '../../src/core/energy/meter';
import type { EnergySource } from '../../src/core/energy/source';
import { ProcessSetTracker } from '../../src/core/tracking/attribution';

const gpu = (util: (() => { pid: number; smUtil: number }[] | undefined) | undefined): EnergySource => ({
  id: 'nvml:0',
  component: 'gpu',
  name: 'GPU 0',
  kind: 'measured',
  detail: '',
  power: () => 300,
  ...(util && { processUtilization: util }),
});

/** A window with GPU and CPU energy above idle. */
const window = (): WindowResult => ({
  startedAt: 0,
  durationS: 10,
  totalJ: 3500,
  netJ: 2200,
  kind: 'measured',
  sources: [
    {
      sourceId: 'nvml:0',
      name: 'GPU 0',
      component: 'gpu',
      kind: 'measured',
      method: 'counter',
      energyJ: 3000,
      meanPowerW: 300,
      coverage: 1,
      idleW: 100,
      netEnergyJ: 2000,
    },
    {
      sourceId: 'cpu',
      name: 'CPU',
      component: 'cpu',
      kind: 'estimated',
      method: 'power x time',
      energyJ: 500,
      meanPowerW: 50,
      coverage: 1,
      idleW: 30,
      netEnergyJ: 200,
    },
  ],
  components: [
    { component: 'gpu', energyJ: 3000, meanPowerW: 300, netEnergyJ: 2000, kind: 'measured' },
    { component: 'cpu', energyJ: 500, meanPowerW: 50, netEnergyJ: 200, kind: 'estimated' },
  ],
});

describe('attribution to a run’s processes', { skip: process.platform !== 'linux' && 'needs /proc' }, () => {
  it('gives the GPU energy above idle by the set’s share of per-process SM utilisation', () => {
    // This process is the set; another pid shares the GPU.
    let tick = 0;
    const samples = [
      [
        { pid: process.pid, smUtil: 60 },
        { pid: 999_999, smUtil: 20 },
      ],
      [
        { pid: process.pid, smUtil: 40 },
        { pid: 999_999, smUtil: 40 },
      ],
    ];
    const tracker = new ProcessSetTracker(process.pid, [gpu(() => samples[tick++])]);
    tracker.sample(1e9);
    tracker.sample(1e9);
    const a = tracker.finish(window(), 1000, 250);
    const g = a.components.find((c) => c.component === 'gpu')!;
    assert.equal(g.share, 100 / 160);
    assert.equal(g.base, 'above idle');
    assert.equal(g.energyJ, (100 / 160) * 2000);
    const cpu = a.components.find((c) => c.component === 'cpu')!;
    assert.deepEqual([cpu.share, cpu.energyJ], [0.25, 50]);
    assert.deepEqual(a.cpuTicks, { run: 250, machineBusy: 1000 });
  });

  it('leaves a component with the machine figure and says why, never a silent zero', () => {
    const noNvml = new ProcessSetTracker(process.pid, [gpu(undefined)]);
    noNvml.sample();
    const a = noNvml.finish(window(), 1000, 100);
    assert.equal(
      a.components.some((c) => c.component === 'gpu'),
      false,
    );
    assert.match(a.notes.join(' '), /GPU: NVML gave no per-process utilisation here/);
    const elsewhere = new ProcessSetTracker(process.pid, [], 'darwin');
    elsewhere.sample();
    const b = elsewhere.finish(window(), 1000, 100);
    assert.deepEqual(b.components, []);
    assert.match(b.notes[0]!, /need Linux's \/proc \(here: darwin\)/);
  });
});
