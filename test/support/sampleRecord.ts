// One benchmark record with every field set, for tests of what is written from it.
import type { BenchResult } from '../../src/core/bench/harness';
import { benchRecord, type BenchRecord } from '../../src/core/bench/record';
import { resolveIntensity } from '../../src/core/carbon/intensity';

const result: BenchResult = {
  device: 'cpu',
  dtype: 'fp32',
  attempts: [{ device: 'cpu', ok: true }],
  batch: 1,
  items: 100,
  load: { seconds: 1, energyJ: 50, kind: 'estimated' },
  repeats: [],
  summary: {
    seconds: 10,
    itemsPerS: 10,
    energyJ: 3600,
    netEnergyJ: 1800,
    jPerItem: 36,
    netJPerItem: 18,
    components: [
      { component: 'gpu', kind: 'measured', jPerItem: 27, netJPerItem: 15 },
      { component: 'cpu', kind: 'estimated', jPerItem: 9, netJPerItem: 3 },
    ],
    kind: 'estimated',
  },
  warnings: [],
  quality: {
    primary: { metric: 'accuracy', value: 0.9, low: 0.82, high: 0.95, n: 100, higherIsBetter: true },
    others: [],
  },
  answers: [],
  scores: [],
};

export function sampleRecord(
  intensity = true,
  model: Parameters<typeof benchRecord>[0]['model'] = {
    id: 'org/model, "v2"',
    folder: '/x',
    source: 'hub',
    commit: 'abc',
  },
): BenchRecord {
  return benchRecord({
    task: 'image-classification',
    model,
    set: { name: 'cifar10', source: 'hub', items: [], population: 10000, seed: 1 },
    result,
    inventory: {
      os: { platform: 'linux', distro: 'Debian', release: '12', arch: 'x64' },
      cpu: { brand: 'Xeon', manufacturer: 'Intel', physicalCores: 8, logicalCores: 16, speedGHz: null },
      memory: { totalBytes: 64 * 1024 ** 3 },
      gpus: [{ vendor: 'NVIDIA', model: 'H200', vramMiB: 1, driverVersion: null }],
      node: 'v20',
    },
    sources: [],
    intensity: intensity ? resolveIntensity({ region: 'europe-west1' }) : undefined,
    pue: 1.1,
    now: new Date('2026-01-02T03:04:05.678Z'),
  });
}
