// How busy the machine was during a window, for the utilisation columns CodeCarbon writes:
// CPU from the kernel's busy/total CPU time at both edges (exact, not a mean of samples), RAM
// in use (total - available) and GPU utilisation as means of the readings taken in the window.
import { freemem, totalmem } from 'node:os';
import { cpuTimesReader, type CpuTimes } from './cpuEstimate';

export interface WindowUsage {
  cpuPercent?: number;
  gpuPercent?: number;
  ramPercent?: number;
  ramUsedGB?: number;
}

export interface UsageReader {
  cpu(): CpuTimes;
  /** Bytes in use and installed. */
  ram(): { usedBytes: number; totalBytes: number };
  close(): void;
}

export function machineUsageReader(): UsageReader {
  const times = cpuTimesReader();
  return {
    cpu: () => times.read(),
    ram: () => {
      const totalBytes = totalmem();
      return { usedBytes: totalBytes - freemem(), totalBytes };
    },
    close: () => times.close(),
  };
}

/** Running sums, kept in each meter snapshot: [cpuBusy, cpuTotal, gpuSum, gpuN, ramUsedGB sum, ram% sum, ramN]. */
export type UsageSums = number[];
export const EMPTY_USAGE: UsageSums = [0, 0, 0, 0, 0, 0, 0];

/** The window's usage from the sums at its two edges; a figure with no reading inside is left out. */
export function usageBetween(a: UsageSums, b: UsageSums): WindowUsage {
  const d = b.map((v, i) => v - a[i]!);
  const [busy, total, gpuSum, gpuN, ramGB, ramPct, ramN] = d as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return {
    ...(total > 0 && { cpuPercent: (busy / total) * 100 }),
    ...(gpuN > 0 && { gpuPercent: gpuSum / gpuN }),
    ...(ramN > 0 && { ramPercent: ramPct / ramN, ramUsedGB: ramGB / ramN }),
  };
}

/** Usage over stretches of time taken as one: each figure the mean of its parts, weighted by their seconds. */
export function weightedUsage(parts: readonly { usage?: WindowUsage; seconds: number }[]): WindowUsage {
  const out: WindowUsage = {};
  for (const key of ['cpuPercent', 'gpuPercent', 'ramPercent', 'ramUsedGB'] as const) {
    const having = parts.filter((p) => p.usage?.[key] !== undefined);
    const seconds = having.reduce((t, p) => t + p.seconds, 0);
    if (having.length && seconds > 0) out[key] = having.reduce((t, p) => t + p.usage![key]! * p.seconds, 0) / seconds;
  }
  return out;
}
