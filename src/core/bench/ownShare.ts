// A benchmark's own share of the machine's energy: the model runs in this very process, so its
// share is this process's CPU time over the machine's busy time, its SM utilisation among the
// GPU's processes (NVML), and its resident memory among the memory in use, over each measured
// window. Applied to the window's energy above idle once the baseline is known (`ownPerItem`).
import * as os from 'node:os';
import { cpuTimesReader } from '../energy/cpuEstimate';
import type { Meter, WindowResult } from '../energy/meter';

export interface OwnShares {
  cpu: number;
  gpu?: number;
  ram?: number;
}

export interface OwnPerItem {
  /** J per item attributed to this process, summed over the components that have a share. */
  jPerItem: number;
  components: { component: string; share: number; jPerItem: number; base: 'above idle' | 'whole' }[];
}

/** CPU time units of the machine counters: clock ticks (USER_HZ, 100) on Linux, ms elsewhere. */
const MS_PER_UNIT = process.platform === 'linux' ? 10 : 1;

/** Starts watching this process over a window; `finish()` gives its shares. */
export function watchOwnShare(meter: Meter): { finish(): OwnShares } {
  const times = cpuTimesReader();
  const busy0 = times.read().busy;
  const cpu0 = process.cpuUsage();
  let gpuMine = 0;
  let gpuAll = 0;
  let rss = 0;
  let used = 0;
  const gpus = meter.sources.filter((s) => s.component === 'gpu' && s.processUtilization);
  for (const g of gpus) g.processUtilization!(); // from now on
  const sub = meter.onReading(() => {
    for (const g of gpus)
      for (const u of g.processUtilization!() ?? []) {
        gpuAll += u.smUtil;
        if (u.pid === process.pid) gpuMine += u.smUtil;
      }
    rss += process.memoryUsage.rss();
    used += os.totalmem() - os.freemem();
  });
  return {
    finish() {
      sub.dispose();
      const cpuMs = (() => {
        const d = process.cpuUsage(cpu0);
        return (d.user + d.system) / 1000;
      })();
      const busyMs = (times.read().busy - busy0) * MS_PER_UNIT;
      times.close();
      return {
        cpu: busyMs > 0 ? Math.min(1, cpuMs / busyMs) : 0,
        ...(gpuAll > 0 && { gpu: gpuMine / gpuAll }),
        ...(used > 0 && { ram: Math.min(1, rss / used) }),
      };
    },
  };
}

/** The shares applied to a window's energy (above idle where the baseline is known), per item. */
export function ownPerItem(window: WindowResult, shares: OwnShares, items: number): OwnPerItem {
  const components = window.components.flatMap((c) => {
    const share = shares[c.component as keyof OwnShares];
    if (share === undefined) return [];
    // A constant RAM model has no energy above idle: its share applies to its whole energy.
    const above = c.component !== 'ram' && c.netEnergyJ !== undefined;
    const base = Math.max(0, above ? c.netEnergyJ! : c.energyJ);
    return [
      {
        component: c.component,
        share,
        jPerItem: (share * base) / items,
        base: above ? ('above idle' as const) : ('whole' as const),
      },
    ];
  });
  return { jPerItem: components.reduce((t, c) => t + c.jPerItem, 0), components };
}
