import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProbeEnvironment } from '../../src/core/energy/probe';
import { openRaplSources } from '../../src/core/energy/rapl';
import { fakeFs, type FakeTree } from './fakeFs';

const PC = '/sys/class/powercap';
const linux = (tree: FakeTree): ProbeEnvironment => ({
  platform: 'linux',
  sysfsRoot: '/sys',
  env: {},
  fs: fakeFs(tree),
});

function zone(tree: FakeTree, dir: string, name: string, uj: number | { error: string }, max = 262143328850) {
  tree[`${PC}/${dir}/name`] = `${name}\n`;
  tree[`${PC}/${dir}/energy_uj`] = typeof uj === 'number' ? `${uj}\n` : uj;
  tree[`${PC}/${dir}/max_energy_range_uj`] = `${max}\n`;
}

describe('RAPL sources', () => {
  it('reads packages as CPU and DRAM as RAM, skips core/uncore/psys and the mmio duplicate', async () => {
    const tree: FakeTree = {};
    zone(tree, 'intel-rapl:0', 'package-0', 1000);
    zone(tree, 'intel-rapl:0:0', 'core', 10);
    zone(tree, 'intel-rapl:0:1', 'dram', 20);
    zone(tree, 'intel-rapl:1', 'psys', 30);
    zone(tree, 'intel-rapl-mmio:0', 'package-0', 40);
    const { sources, notes } = await openRaplSources(linux(tree));
    assert.deepEqual(
      sources.map((s) => [s.id, s.component, s.kind]),
      [
        ['rapl:package-0', 'cpu', 'measured'],
        ['rapl:package-0/dram', 'ram', 'measured'],
      ],
    );
    assert.deepEqual(notes, []);
  });

  it('accumulates energy across a counter wrap-around using max_energy_range_uj', async () => {
    const tree: FakeTree = {};
    zone(tree, 'intel-rapl:0', 'package-0', 999_000_000, 1_000_000_000);
    const [pkg] = (await openRaplSources(linux(tree))).sources;
    assert.equal(await pkg!.energy!(), 0);
    tree[`${PC}/intel-rapl:0/energy_uj`] = '500000000\n'; // wrapped: +1 J to the top, +500 J after
    assert.equal(await pkg!.energy!(), 501);
    tree[`${PC}/intel-rapl:0/energy_uj`] = '502000000\n';
    assert.equal(await pkg!.energy!(), 503);
  });

  it('opens nothing from root-only counters (the probe gives the fix) and notes broken ones', async () => {
    const tree: FakeTree = {};
    zone(tree, 'intel-rapl:0', 'package-0', { error: 'EACCES' });
    zone(tree, 'intel-rapl:1', 'package-1', { error: 'EIO' });
    const { sources, notes } = await openRaplSources(linux(tree));
    assert.deepEqual(sources, []);
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, /package-1.*EIO/);
  });

  it('opens nothing where there is no powercap, or off Linux', async () => {
    assert.deepEqual(await openRaplSources(linux({})), { sources: [], notes: [] });
    assert.deepEqual(await openRaplSources({ ...linux({}), platform: 'win32' }), { sources: [], notes: [] });
  });
});
