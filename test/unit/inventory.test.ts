import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Systeminformation } from 'systeminformation';
import { collectInventory, gpuLabel, type InventorySource } from '../../src/core/system/inventory';
import { formatSystemReport } from '../../src/core/system/report';

const fakeSi = (
  controllers: Partial<Systeminformation.GraphicsControllerData>[],
  cpu: Partial<Systeminformation.CpuData> = {},
): InventorySource => ({
  cpu: async () =>
    ({
      manufacturer: 'AMD',
      brand: 'Ryzen 9 7950X',
      cores: 32,
      physicalCores: 16,
      speed: 4.5,
      ...cpu,
    }) as Systeminformation.CpuData,
  mem: async () => ({ total: 64 * 1024 ** 3 }) as Systeminformation.MemData,
  graphics: async () => ({ controllers, displays: [] }) as unknown as Systeminformation.GraphicsData,
  osInfo: async () =>
    ({ platform: 'linux', distro: 'Ubuntu', release: '24.04', arch: 'x64' }) as Systeminformation.OsData,
});

describe('collectInventory', () => {
  it('maps CPU, memory and every GPU', async () => {
    const inv = await collectInventory(
      fakeSi([
        { vendor: 'NVIDIA', model: 'NVIDIA H200', vram: 143771, vramDynamic: false, driverVersion: '570.1' },
        { vendor: 'Intel', model: 'UHD 770', vram: 128, vramDynamic: true },
      ]),
      'v20.0.0',
    );
    assert.equal(inv.cpu.brand, 'AMD Ryzen 9 7950X');
    assert.equal(inv.cpu.physicalCores, 16);
    assert.equal(inv.cpu.logicalCores, 32);
    assert.equal(inv.memory.totalBytes, 64 * 1024 ** 3);
    assert.deepEqual(inv.gpus, [
      { vendor: 'NVIDIA', model: 'NVIDIA H200', vramMiB: 143771, driverVersion: '570.1' },
      // Shared memory is not dedicated VRAM: say nothing rather than a misleading figure.
      { vendor: 'Intel', model: 'UHD 770', vramMiB: null, driverVersion: null },
    ]);
    assert.equal(inv.node, 'v20.0.0');
  });

  it('says "unknown" instead of inventing names, and null for an unknown clock', async () => {
    const inv = await collectInventory(
      fakeSi([{ vendor: '', model: '', vram: null, vramDynamic: false }], { manufacturer: '', brand: '', speed: 0 }),
    );
    assert.equal(inv.cpu.brand, 'unknown CPU');
    assert.equal(inv.cpu.speedGHz, null);
    assert.equal(inv.gpus[0]!.model, 'unknown model');
  });
});

describe('gpuLabel', () => {
  it('names the vendor once', () => {
    assert.equal(
      gpuLabel({ vendor: 'NVIDIA Corporation', model: 'NVIDIA H200', vramMiB: null, driverVersion: null }),
      'NVIDIA H200',
    );
    assert.equal(
      gpuLabel({ vendor: 'Advanced Micro Devices, Inc.', model: 'Radeon RX 7900', vramMiB: null, driverVersion: null }),
      'Advanced Micro Devices, Inc. Radeon RX 7900',
    );
  });
});

describe('formatSystemReport', () => {
  it('prints the inventory, each source with its provenance, and the fix for a denied one', async () => {
    const inventory = await collectInventory(fakeSi([]));
    const lines = formatSystemReport({
      inventory,
      sources: [
        {
          component: 'cpu',
          name: 'rapl',
          kind: 'measured',
          state: 'denied',
          detail: 'root only.',
          fix: 'sudo chmod a+r X',
        },
        { component: 'gpu', name: 'nvml', kind: 'measured', state: 'absent', detail: 'No NVML.' },
      ],
    });
    const text = lines.join('\n');
    assert.match(text, /CPU: {4}AMD Ryzen 9 7950X, 16 cores \/ 32 threads, 4.5 GHz/);
    assert.match(text, /Memory: 64\.0 GiB/);
    assert.match(text, /GPUs: {3}none found/);
    assert.match(text, /CPU rapl \(measured\): permission denied\. root only\./);
    assert.match(text, /Fix: sudo chmod a\+r X/);
    assert.match(text, /will estimate energy/);
  });
});
