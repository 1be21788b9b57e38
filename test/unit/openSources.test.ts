import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GpuSelectionError } from '../../src/core/energy/gpuSelection';
import { openEnergySources } from '../../src/core/energy/openSources';
import type { ProbeEnvironment } from '../../src/core/energy/probe';
import { fakeFs, type FakeTree } from './fakeFs';

const PC = '/sys/class/powercap';
const probe = (tree: FakeTree): ProbeEnvironment => ({
  platform: 'linux',
  sysfsRoot: '/sys',
  env: { PATH: '/nowhere' },
  fs: fakeFs(tree),
});
const machine = { cpuBrand: 'AMD EPYC 7763 64-Core Processor', logicalCpus: 128, totalMemoryBytes: 64 * 1024 ** 3 };
const summary = (sources: { id: string; kind: string }[]) => sources.map((s) => `${s.id}:${s.kind}`);

describe('Choosing sources', { timeout: 10_000 }, () => {
  it('estimates CPU and RAM when no counter exists, and notes nothing it cannot fix', async () => {
    const { sources, notes } = await openEnergySources({ ...machine, probe: probe({}) });
    assert.deepEqual(summary(sources), ['cpu-estimate:estimated', 'ram-estimate:estimated']);
    assert.match(sources[0]!.detail, /TDP 280 W of "AMD EPYC 7763"/);
    assert.deepEqual(notes, []);
  });

  it('says once, with the fix, that RAPL is root-only, and falls back to the estimate', async () => {
    const { sources, notes } = await openEnergySources({
      ...machine,
      probe: probe({ [`${PC}/intel-rapl:0/name`]: 'package-0', [`${PC}/intel-rapl:0/energy_uj`]: { error: 'EACCES' } }),
    });
    assert.deepEqual(summary(sources), ['cpu-estimate:estimated', 'ram-estimate:estimated']);
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, /only root may read them.*sudo chmod a\+r/);
  });

  it('prefers RAPL counters for CPU and DRAM', async () => {
    const { sources } = await openEnergySources({
      ...machine,
      probe: probe({
        [`${PC}/intel-rapl:0/name`]: 'package-0',
        [`${PC}/intel-rapl:0/energy_uj`]: '1',
        [`${PC}/intel-rapl:0:0/name`]: 'dram',
        [`${PC}/intel-rapl:0:0/energy_uj`]: '1',
      }),
    });
    assert.deepEqual(summary(sources), ['rapl:package-0:measured', 'rapl:package-0/dram:measured']);
  });

  it('still estimates, and says it, on platforms without counters', async () => {
    const { sources } = await openEnergySources({ ...machine, probe: { ...probe({}), platform: 'darwin' } });
    assert.deepEqual(summary(sources), ['cpu-estimate:estimated', 'ram-estimate:estimated']);
  });

  it('refuses a GPU list where no NVIDIA GPU can be read, rather than ignore it', async () => {
    await assert.rejects(
      openEnergySources({ ...machine, probe: probe({}), gpus: { from: 'list', ids: ['1'], setting: '--gpu' } }),
      (e: Error) => e instanceof GpuSelectionError && /--gpu 1: no NVIDIA GPU can be read here/.test(e.message),
    );
  });

  it('takes an NVML that was asked for no GPU at its word: no nvidia-smi instead', async () => {
    const nvmlDir = '/opt/nvidia';
    const tree = { [`${nvmlDir}/libnvidia-ml.so.1`]: '', '/bin/nvidia-smi': '' };
    const binding = {
      libraryPath: `${nvmlDir}/libnvidia-ml.so.1`,
      deviceCount: () => 2,
      name: () => 'NVIDIA H100',
      powerMw: () => 100_000,
      instantPowerMw: () => undefined,
      totalEnergyMj: async () => 1,
      utilization: () => ({ gpuPercent: 0, memoryPercent: 0 }),
      memory: () => ({ usedBytes: 0, totalBytes: 1 }),
      powerLimitMw: () => 700_000,
      shutdown: () => undefined,
    };
    const opened = await openEnergySources({
      ...machine,
      probe: { ...probe(tree), env: { PATH: '/bin', LD_LIBRARY_PATH: nvmlDir, CUDA_VISIBLE_DEVICES: '' } },
      loadNvml: async () => binding,
    });
    assert.deepEqual(summary(opened.sources), ['cpu-estimate:estimated', 'ram-estimate:estimated']);
    assert.deepEqual([opened.gpus!.metered, opened.gpus!.leftOut.length], [[], 2]);
    assert.match(opened.gpus!.basis, /CUDA_VISIBLE_DEVICES is empty, so a run may use no GPU/);
  });
});
