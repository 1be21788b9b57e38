// Reads the four records of gpu-attribution.sh and writes what was measured: each job's solo
// GPU energy above idle, its attributed GPU energy when both ran, and the ratio.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const record = (name) => {
  const text = readFileSync(join(dir, `${name}.json`), 'utf8');
  return JSON.parse(text.slice(text.indexOf('{')));
};
const gpu = (r) => r.energy.components.find((c) => c.component === 'gpu');
const attributed = (r) => r.attribution?.components.find((c) => c.component === 'gpu');
const row = (job) => {
  const solo = record(`${job}-solo`);
  const both = record(`${job}-both`);
  const soloAbove = gpu(solo).netEnergyJ;
  const att = attributed(both);
  return {
    job,
    solo: {
      seconds: solo.durationS,
      gpuJ: gpu(solo).energyJ,
      gpuAboveIdleJ: soloAbove,
      attributedJ: attributed(solo)?.energyJ,
      share: attributed(solo)?.share,
    },
    together: {
      seconds: both.durationS,
      gpuJ: gpu(both).energyJ,
      gpuAboveIdleJ: gpu(both).netEnergyJ,
      attributedJ: att?.energyJ,
      share: att?.share,
      notes: both.attribution?.notes,
    },
    ratio: att ? att.energyJ / soloAbove : null,
  };
};
const rows = ['a', 'b'].map(row);
console.log(
  JSON.stringify(
    {
      what: 'GPU energy attributed to each of two concurrent jobs (share of NVML per-process SM utilisation x the GPU energy above idle) against the same job alone (GPU energy above idle)',
      command: 'bash bench/attribution/gpu-attribution.sh',
      gpu: readFileSync(join(dir, 'gpu.txt'), 'utf8').trim(),
      date: new Date().toISOString().slice(0, 10),
      jobs: rows,
      withinTarget: rows.every((r) => r.ratio !== null && Math.abs(r.ratio - 1) <= 0.15),
      target: 'each ratio within 15% of 1',
    },
    null,
    2,
  ),
);
