import type { EnergySource } from './source';

/**
 * RAM power when no DRAM counter can be read: 3 W per 8 GB (0.375 W/GB), the figure CodeCarbon
 * used through 2.x, from Crucial's guidance for DDR3/DDR4 modules. Constant: memory power barely
 * follows load, so a window's idle-subtracted RAM energy from this model is ~0 by construction.
 */
export const RAM_WATTS_PER_GB = 0.375;

export function ramEstimateSource(totalBytes: number): EnergySource {
  const gb = totalBytes / 1024 ** 3;
  const watts = gb * RAM_WATTS_PER_GB;
  return {
    id: 'ram-estimate',
    component: 'ram',
    name: `RAM (${gb.toFixed(0)} GB)`,
    kind: 'estimated',
    detail: `${RAM_WATTS_PER_GB} W per GB of installed memory x ${gb.toFixed(1)} GB = ${watts.toFixed(1)} W, constant.`,
    power: () => watts,
  };
}
