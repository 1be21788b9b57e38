import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Meter } from '../../src/core/energy/meter';
import {
  fieldValue,
  loadNvmlBinding,
  NVML_ERROR_NOT_SUPPORTED,
  nvmlBoards,
  NvmlError,
  nvmlSources,
  openNvmlSources,
  type NvmlBinding,
} from '../../src/core/energy/nvml';
import { nodeProbeFs, type ProbeEnvironment } from '../../src/core/energy/probe';
import { buildFakeNvml } from '../support/fakeNvml';
import { fakeFs } from './fakeFs';

function fakeBinding(
  gpus: { name: string; powerMw: number; energyMj?: number; instantMw?: number }[],
): NvmlBinding & { shutdowns: number } {
  return {
    libraryPath: '/fake/libnvidia-ml.so.1',
    shutdowns: 0,
    deviceCount: () => gpus.length,
    name: (i) => gpus[i]!.name,
    powerMw: (i) => gpus[i]!.powerMw,
    instantPowerMw: (i) => gpus[i]!.instantMw,
    totalEnergyMj: async (i) => {
      const e = gpus[i]!.energyMj;
      if (e === undefined)
        throw new NvmlError('nvmlDeviceGetTotalEnergyConsumption', NVML_ERROR_NOT_SUPPORTED, 'Not Supported');
      return e;
    },
    utilization: () => ({ gpuPercent: 50, memoryPercent: 5 }),
    memory: () => ({ usedBytes: 1, totalBytes: 2 }),
    powerLimitMw: () => 700_000,
    shutdown() {
      this.shutdowns++;
    },
  };
}

const linuxProbe = (tree: Record<string, string>, env: Record<string, string> = {}): ProbeEnvironment => ({
  platform: 'linux',
  sysfsRoot: '/sys',
  env,
  fs: fakeFs(tree),
});

describe('NVML field values', () => {
  it('decodes each nvmlValueType_t as nvml.h defines it (3 unsigned long long, 4 signed long long)', () => {
    // nvml.h: NVML_VALUE_TYPE_DOUBLE = 0, UNSIGNED_INT = 1, UNSIGNED_LONG = 2,
    // UNSIGNED_LONG_LONG = 3, SIGNED_LONG_LONG = 4, SIGNED_INT = 5, UNSIGNED_SHORT = 6.
    const field = (type: number, write: (b: Buffer) => void) => {
      const b = Buffer.alloc(40);
      b.writeInt32LE(type, 24);
      write(b);
      return b;
    };
    assert.equal(fieldValue(field(0, (b) => b.writeDoubleLE(1.5, 32))), 1.5);
    assert.equal(fieldValue(field(1, (b) => b.writeUInt32LE(700_000, 32))), 700_000);
    assert.equal(
      fieldValue(
        field(2, (b) => b.writeBigUInt64LE(5_000_000_000n, 32)),
        'linux',
      ),
      5_000_000_000,
    );
    assert.equal(
      fieldValue(
        field(2, (b) => b.writeUInt32LE(7, 32)),
        'win32',
      ),
      7,
    );
    assert.equal(fieldValue(field(3, (b) => b.writeBigUInt64LE(2n ** 63n + 2048n, 32))), Number(2n ** 63n + 2048n));
    assert.equal(fieldValue(field(4, (b) => b.writeBigInt64LE(-5n, 32))), -5);
    assert.equal(fieldValue(field(5, (b) => b.writeInt32LE(-7, 32))), -7);
    assert.equal(fieldValue(field(6, (b) => b.writeUInt16LE(65535, 32))), 65535);
    assert.equal(fieldValue(field(9, () => {})), undefined);
  });
});

describe('NVML sources', () => {
  it('gives one source per GPU: counter GPUs measured, pre-Volta ones sampled, instant power preferred', async () => {
    const nvml = fakeBinding([
      { name: 'NVIDIA H200', powerMw: 126_000, instantMw: 130_000, energyMj: 5_000 },
      { name: 'Tesla P100', powerMw: 40_000 },
    ]);
    const [h200, p100] = await nvmlSources(nvml);
    assert.deepEqual([h200!.id, h200!.name, h200!.kind], ['nvml:0', 'NVIDIA H200 #0', 'measured']);
    assert.equal(h200!.power!(), 130);
    assert.equal(await h200!.energy!(), 5);
    assert.deepEqual(h200!.stats!(), {
      utilizationPercent: 50,
      memoryUsedBytes: 1,
      memoryTotalBytes: 2,
      powerLimitW: 700,
    });
    assert.deepEqual([p100!.id, p100!.kind, p100!.energy], ['nvml:1', 'sampled', undefined]);
    assert.equal(p100!.power!(), 40);
    assert.match(p100!.detail, /no NVML energy counter/);
    h200!.close!();
    assert.equal(nvml.shutdowns, 0);
    p100!.close!();
    assert.equal(nvml.shutdowns, 1, 'the last GPU closed shuts NVML down');
  });

  it('notes why NVML could not be used, and tries the next library', async () => {
    const tree = { '/opt/a/libnvidia-ml.so.1': '', '/opt/b/libnvidia-ml.so.1': '' };
    const tried: string[] = [];
    const opened = await openNvmlSources(linuxProbe(tree, { LD_LIBRARY_PATH: '/opt/a:/opt/b' }), async (file) => {
      tried.push(file);
      if (file.startsWith('/opt/a')) throw new NvmlError('nvmlInit_v2', 9, 'Driver Not Loaded');
      return fakeBinding([{ name: 'GPU', powerMw: 1, energyMj: 1 }]);
    });
    assert.deepEqual(tried, ['/opt/a/libnvidia-ml.so.1', '/opt/b/libnvidia-ml.so.1']);
    assert.equal(opened.sources.length, 1);
    const failing = await openNvmlSources(
      linuxProbe({ '/opt/a/libnvidia-ml.so.1': '' }, { LD_LIBRARY_PATH: '/opt/a' }),
      async () => {
        throw new NvmlError('nvmlInit_v2', 9, 'Driver Not Loaded');
      },
    );
    assert.deepEqual(failing.sources, []);
    assert.match(failing.notes[0]!, /NVML could not be used.*Driver Not Loaded \(NVML error 9\)/);
  });

  it('opens nothing, silently, where there is no NVML library', async () => {
    assert.deepEqual(await openNvmlSources(linuxProbe({})), { sources: [], notes: [] });
  });
});

// The real koffi path, against a stand-in libnvidia-ml.so.1 compiled from test/fixtures/fake-nvml.
const { libDir, skip: noCompiler } = buildFakeNvml();

describe('NVML through koffi', { skip: noCompiler, timeout: 60_000 }, () => {
  const probe = (): ProbeEnvironment => ({
    platform: 'linux',
    sysfsRoot: '/sys',
    env: { LD_LIBRARY_PATH: libDir! },
    fs: nodeProbeFs,
  });

  it('loads the library, lists both GPUs, reads power, the counter and stats', async () => {
    const { sources, notes } = await openNvmlSources(probe());
    assert.deepEqual(notes, []);
    assert.deepEqual(
      sources.map((s) => [s.name, s.kind]),
      [
        ['Fake GPU #0', 'measured'],
        ['Fake GPU #1', 'sampled'],
      ],
    );
    assert.equal(await sources[0]!.power!(), 100.001, 'instantaneous power field, 100 W + 1 mW');
    assert.ok((await sources[0]!.energy!()) >= 1000);
    assert.deepEqual(sources[1]!.stats!(), {
      utilizationPercent: 42,
      memoryUsedBytes: 2 ** 30,
      memoryTotalBytes: 80 * 2 ** 30,
      powerLimitW: 700,
    });
    // Per-process SM utilisation through the real ABI: the struct's layout and the in-and-out count.
    process.env.FAKE_NVML_PID = String(process.pid);
    assert.deepEqual(sources[0]!.processUtilization!(), [
      { pid: process.pid, smUtil: 30 },
      { pid: 4242, smUtil: 10 },
    ]);
    for (const s of sources) s.close!();
  });

  it('measures a window from the counter: 100 W for ~0.3 s', async () => {
    const { sources } = await openNvmlSources(probe());
    const meter = new Meter(sources);
    const w = await meter.begin();
    await new Promise((r) => setTimeout(r, 300));
    const r = await w.end();
    const gpu0 = r.sources[0]!;
    assert.equal(gpu0.method, 'counter');
    // Within 15%: with both cores busy, a counter read lands tens of ms after the edge is stamped.
    assert.ok(Math.abs(gpu0.meanPowerW - 100) < 15, `mean power ${gpu0.meanPowerW} W, expected ~100 W`);
    const gpu1 = r.sources[1]!;
    assert.equal(gpu1.method, 'power x time');
    assert.ok(Math.abs(gpu1.meanPowerW - 150) < 1, `mean power ${gpu1.meanPowerW} W, expected 150 W`);
    meter.close();
  });

  it('lists each board with its UUID, PCI bus id and MIG devices, and opens only those selected', async () => {
    Object.assign(process.env, { FAKE_NVML_GPUS: '4', FAKE_NVML_BUS: '48,38,28,18', FAKE_NVML_MIG: '2' });
    try {
      const binding = await loadNvmlBinding(`${libDir}/libnvidia-ml.so.1`);
      try {
        const boards = nvmlBoards(binding);
        assert.deepEqual(boards[0], {
          index: 0,
          name: 'Fake GPU',
          uuid: 'GPU-1000fade-1111-4222-8333-000000000000',
          pciBusId: '00000000:48:00.0',
        });
        assert.deepEqual(boards[2]!.mig, true);
        assert.deepEqual(boards[2]!.migDevices, [
          'MIG-300c0de0-1111-4222-8333-000000000002',
          'MIG-300c0de1-1111-4222-8333-000000000002',
        ]);
        assert.equal(boards[3]!.mig, undefined);
      } finally {
        binding.shutdown();
      }
      // PCI bus order is the reverse of NVML's here: CUDA's device 0 is NVML's board 3.
      const opened = await openNvmlSources(probe(), undefined, {
        from: 'env',
        visible: '0,MIG-300c0de1',
        order: 'PCI_BUS_ID',
      });
      assert.deepEqual(
        opened.sources.map((s) => s.name),
        ['Fake GPU #2', 'Fake GPU #3'],
      );
      assert.deepEqual(
        opened.gpus!.leftOut.map((b) => b.index),
        [0, 1],
      );
      assert.match(opened.notes.join(' '), /GPU 2 \(Fake GPU\) is in MIG mode/);
      for (const s of opened.sources) s.close!();
      const none = await openNvmlSources(probe(), undefined, { from: 'env', visible: '', order: undefined });
      assert.deepEqual([none.sources, none.gpus!.metered, none.gpus!.leftOut.length], [[], [], 4]);
      await assert.rejects(
        openNvmlSources(probe(), undefined, { from: 'list', ids: ['5'], setting: '--gpu' }),
        /--gpu 5: no such GPU\. This machine's GPUs \(NVML index, name, UUID\): 0 Fake GPU \(GPU-1000fade/,
      );
    } finally {
      for (const k of ['FAKE_NVML_GPUS', 'FAKE_NVML_BUS', 'FAKE_NVML_MIG']) delete process.env[k];
    }
  });

  it("reports a failing nvmlInit with NVML's own words", async () => {
    process.env.FAKE_NVML_INIT_ERROR = '9';
    try {
      const { sources, notes } = await openNvmlSources(probe());
      assert.deepEqual(sources, []);
      assert.match(notes[0]!, /nvmlInit_v2 failed: Driver Not Loaded \(NVML error 9\)/);
    } finally {
      delete process.env.FAKE_NVML_INIT_ERROR;
    }
  });
});
