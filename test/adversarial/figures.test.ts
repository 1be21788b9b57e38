// A figure with no data behind it is not a measurement: a source that never answers, a counter
// that fails mid-run, one that runs backwards or jumps, are said as such, never as 0 J measured.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Meter } from '../../src/core/energy/meter';
import { openRaplSources } from '../../src/core/energy/rapl';
import { fakeFs, type FakeTree } from '../unit/fakeFs';

const PC = '/sys/class/powercap/intel-rapl:0';
async function rapl(uj: string, range?: string) {
  const tree: FakeTree = { [`${PC}/name`]: 'package-0\n', [`${PC}/energy_uj`]: uj };
  if (range) tree[`${PC}/max_energy_range_uj`] = range;
  const { sources } = await openRaplSources({ platform: 'linux', sysfsRoot: '/sys', env: {}, fs: fakeFs(tree) });
  return { tree, source: sources[0]! };
}

describe('figures without data', { timeout: 30_000 }, () => {
  it('a GPU source that never gives a reading: no figure, with the reason, and not in the total', async () => {
    const clock = { t: 0 };
    const meter = new Meter(
      [
        { id: 'smi', component: 'gpu', name: 'GPU 0', kind: 'sampled', detail: '', power: () => undefined },
        { id: 'cpu', component: 'cpu', name: 'CPU', kind: 'estimated', detail: '', power: () => 10 },
      ],
      { now: () => clock.t },
    );
    const w = await meter.begin();
    for (let i = 0; i < 3; i++) {
      clock.t += 1000;
      await meter.sample();
    }
    const r = await w.end();
    const gpu = r.components.find((c) => c.component === 'gpu')!;
    assert.match(gpu.missing!, /GPU 0: no reading during the window/);
    assert.equal(r.totalJ, r.components.find((c) => c.component === 'cpu')!.energyJ);
    assert.equal(r.kind, 'estimated');
  });

  it('a RAPL counter that fails mid-run: no "0 J measured"', async () => {
    const { tree, source } = await rapl('1000000\n', '262143328850\n');
    const clock = { t: 0 };
    const meter = new Meter([source], { now: () => clock.t });
    const w = await meter.begin();
    tree[`${PC}/energy_uj`] = { error: 'EIO' };
    clock.t += 1000;
    await meter.sample();
    const r = await w.end();
    assert.notEqual(r.components[0]!.kind, 'measured');
    assert.match(r.components[0]!.missing ?? '', /EIO/);
  });

  it('a counter that goes backwards without a stated range, or jumps by 1e15 uJ, is a fault', async () => {
    const back = await rapl('5000000\n');
    await back.source.energy!();
    back.tree[`${PC}/energy_uj`] = '1000\n';
    await assert.rejects(back.source.energy!(), /went backwards and states no max_energy_range_uj/);
    const jump = await rapl('5000000\n', '262143328850\n');
    await jump.source.energy!();
    jump.tree[`${PC}/energy_uj`] = `${1e15}\n`;
    await assert.rejects(jump.source.energy!(), /jumped by .* not a plausible reading/);
    const junk = await rapl('12abc\n', '262143328850\n');
    assert.equal(junk.source, undefined, 'a counter that does not read as one is not opened');
  });
});
