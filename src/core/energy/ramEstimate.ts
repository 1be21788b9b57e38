import { arch as osArch } from 'node:os';
import type { EnergySource } from './source';

/**
 * RAM power when no DRAM counter can be read: a model, labelled `estimated`, constant (memory
 * power barely follows load, so a window's idle-subtracted RAM energy is ~0 by construction).
 *
 * - `dimm` (default): CodeCarbon 3.x's model. It guesses the number of modules from the size and
 *   counts 5 W a module on x86 (1.5 W on ARM), a little less per module past 4, with a floor of
 *   two modules. DRAM power follows the modules and their ranks far more than their capacity.
 *   So a 512 GB server comes out near 40 W here, which matches datasheet figures of a few watts
 *   per RDIMM, where the per-GB rule gives 192 W.
 * - `per-gb`: 3 W per 8 GB (0.375 W/GB), Crucial's guidance for DDR3/DDR4, which CodeCarbon used
 *   through 2.x. Kept for comparison with figures made that way.
 */
export type RamModel = 'dimm' | 'per-gb';
export const RAM_MODELS: readonly RamModel[] = ['dimm', 'per-gb'];
export const RAM_WATTS_PER_GB = 0.375;

/** CodeCarbon 3.3's `RAM._estimate_dimm_count`. */
export function estimateDimmCount(totalGb: number): number {
  if (totalGb <= 2) return 1;
  if (totalGb <= 16) return 2;
  if (totalGb <= 32) return 4;
  if (totalGb <= 64) return 4;
  if (totalGb <= 128) return 8;
  for (const size of [128, 64, 32, 16, 8, 4]) {
    if (size <= totalGb / 8) return Math.min(32, Math.ceil(totalGb / size));
  }
  return 8;
}

/** CodeCarbon 3.3's `RAM._calculate_ram_power`: W for `totalGb` of memory. */
export function dimmModelWatts(totalGb: number, arm: boolean): number {
  const n = estimateDimmCount(totalGb);
  const per = arm ? 1.5 : 5;
  const min = arm ? 3 : per * 2;
  const tiers = [
    [4, 1],
    [4, 0.9],
    [8, 0.8],
    [Number.POSITIVE_INFINITY, 0.7],
  ] as const;
  let left = n;
  let watts = 0;
  for (const [count, factor] of tiers) {
    const k = Math.min(left, count);
    watts += per * factor * k;
    left -= k;
  }
  return Math.max(min, watts);
}

export function ramEstimateSource(totalBytes: number, model: RamModel = 'dimm', arch = osArch()): EnergySource {
  const gb = totalBytes / 1024 ** 3;
  const arm = /^arm/.test(arch);
  const watts = model === 'dimm' ? dimmModelWatts(gb, arm) : gb * RAM_WATTS_PER_GB;
  const detail =
    model === 'dimm'
      ? `CodeCarbon 3.x's module model: ${gb.toFixed(1)} GB taken as ${estimateDimmCount(gb)} modules at ${arm ? '1.5 W (ARM)' : '5 W'} each = ${watts.toFixed(1)} W, constant.`
      : `${RAM_WATTS_PER_GB} W per GB of installed memory (CodeCarbon 2.x) x ${gb.toFixed(1)} GB = ${watts.toFixed(1)} W, constant.`;
  return {
    id: 'ram-estimate',
    component: 'ram',
    name: `RAM (${gb.toFixed(0)} GB)`,
    kind: 'estimated',
    detail,
    power: () => watts,
  };
}
