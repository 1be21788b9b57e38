import { closeSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { type CpuTdpRow, cpuTdpRowsNaming } from '../../generated/cpuTdp';
import type { EnergySource } from './source';

/**
 * The CPU's power when no counter can be read: a model, labelled `estimated`.
 *
 * P = TDP x (IDLE_FRACTION + (1 - IDLE_FRACTION) x load), load being the whole machine's busy
 * share of CPU time since the previous reading. Linear in load, unlike CodeCarbon's reference
 * TDP x (0.1 + 0.9 x load^3): measured server power curves (SPECpower_ssj2008) rise close to
 * linearly with load, and the cubic term puts a half-loaded CPU at 21% of TDP, well under what
 * those curves show. Both agree at idle (10% of TDP) and at full load (TDP).
 * Unknown CPU model: PER_THREAD_WATTS x logical CPUs stands in for the TDP, and says so.
 */
export const IDLE_FRACTION = 0.1;
/** A middle figure between laptop parts (~2 W a thread: 15 W / 8) and desktop ones (~6 W: 95 W / 16). */
export const PER_THREAD_WATTS = 4;

const normalise = (s: string) =>
  s
    .toLowerCase()
    .replace(/\((r|tm|c)\)|[\u00ae\u2122]/g, ' ')
    .replace(/@.*$/, ' ') // "@ 3.60GHz"
    .replace(/\b(cpu|processor|\d+-core|with radeon.*|w\/ radeon.*)\b/g, ' ')
    .split(/[\s,]+/)
    .filter(Boolean);

/**
 * The table row for a CPU brand string such as "Intel(R) Core(TM) i7-9700K CPU @ 3.60GHz".
 * A row matches when each of its words is one of the brand's words (so "i7-9700" never matches
 * "i7-9700K"); the row with the most words wins. A row must name a model number: "Intel Xeon"
 * alone is not a match.
 */
export function matchCpuTdp(brand: string, table?: readonly CpuTdpRow[]): CpuTdpRow | undefined {
  const words = new Set(normalise(brand));
  // A row matches through a model number the brand has too, and each word of a row is part of its
  // name: only rows whose name holds one of the brand's numbered words are looked at (found in the
  // table's text, the rest never parsed), and a brand with none ("AMD EPYC") matches nothing.
  const numbered = [...words].filter((w) => /\d/.test(w));
  if (numbered.length === 0) return undefined;
  let best: { row: CpuTdpRow; score: number } | undefined;
  const candidates = table
    ? table.filter((row) => numbered.some((w) => row.name.toLowerCase().includes(w)))
    : cpuTdpRowsNaming(numbered);
  for (const row of candidates) {
    const rowWords = normalise(row.name);
    if (!rowWords.some((w) => /\d/.test(w))) continue;
    if (!rowWords.every((w) => words.has(w))) continue;
    const score = rowWords.length * 1000 + row.name.length;
    if (!best || score > best.score) best = { row, score };
  }
  return best?.row;
}

export interface CpuTimes {
  busy: number;
  total: number;
}

/**
 * Machine-wide CPU time: the first line of /proc/stat on Linux, os.cpus() elsewhere.
 * /proc/stat is read synchronously through a descriptor kept open: procfs is generated in
 * memory and never waits on a disk, and this costs ~3 us where fs.promises.readFile costs
 * ~250 us of CPU (measured with bench/meterCpu.ts) - the sampler's budget is 200 us a sample.
 */
export function cpuTimesReader(): { read(): CpuTimes; close(): void } {
  if (process.platform === 'linux') {
    let fd: number | undefined;
    const buf = Buffer.alloc(256);
    return {
      read() {
        fd ??= openSync('/proc/stat', 'r');
        const n = readSync(fd, buf, 0, buf.length, 0);
        const line = buf.toString('latin1', 0, n).split('\n', 1)[0]!;
        // cpu user nice system idle iowait irq softirq steal (guest time is inside user already)
        const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
        const total = f.reduce((a, b) => a + b, 0);
        return { busy: total - f[3]! - (f[4] ?? 0), total };
      },
      close() {
        if (fd !== undefined) closeSync(fd);
        fd = undefined;
      },
    };
  }
  return {
    read() {
      let busy = 0;
      let total = 0;
      for (const { times: t } of cpus()) {
        const sum = t.user + t.nice + t.sys + t.idle + t.irq;
        busy += sum - t.idle;
        total += sum;
      }
      return { busy, total };
    },
    close() {},
  };
}

export function cpuPowerModel(tdpWatts: number, load: number): number {
  const l = Math.min(1, Math.max(0, load));
  return tdpWatts * (IDLE_FRACTION + (1 - IDLE_FRACTION) * l);
}

/**
 * Physical CPU packages (sockets): distinct `physical_package_id`s in sysfs on Linux, as
 * `lscpu`'s "Socket(s)" counts them; 1 elsewhere and when sysfs cannot be read.
 */
export function cpuSockets(root = '/sys/devices/system/cpu'): number {
  if (process.platform !== 'linux') return 1;
  try {
    const ids = new Set<string>();
    for (const name of readdirSync(root)) {
      if (!/^cpu\d+$/.test(name)) continue;
      try {
        ids.add(readFileSync(`${root}/${name}/topology/physical_package_id`, 'utf8').trim());
      } catch {
        // an offline CPU has no topology
      }
    }
    return Math.max(1, ids.size);
  } catch {
    return 1;
  }
}

export function cpuEstimateSource(
  brand: string,
  logicalCpus: number,
  times: { read(): CpuTimes; close(): void } = cpuTimesReader(),
  sockets = cpuSockets(),
): EnergySource {
  const match = brand ? matchCpuTdp(brand) : undefined;
  // The table's TDP is per package: a two-socket server draws up to twice it, as CodeCarbon counts.
  const tdp = match ? match.tdpWatts * sockets : PER_THREAD_WATTS * logicalCpus;
  const basis = match
    ? `TDP ${match.tdpWatts} W of "${match.name}" (CodeCarbon's CPU table)${sockets > 1 ? ` x ${sockets} sockets = ${tdp} W` : ''}`
    : `CPU model ${brand ? `"${brand}"` : ''} not in the TDP table: ${PER_THREAD_WATTS} W x ${logicalCpus} threads = ${tdp} W stands in for its TDP`;
  let last: CpuTimes | undefined;
  let lastW: number | undefined;
  return {
    id: 'cpu-estimate',
    component: 'cpu',
    name: match ? match.name : `CPU (${logicalCpus} threads, model unknown)`,
    kind: 'estimated',
    detail: `${basis}, x (${IDLE_FRACTION} + ${1 - IDLE_FRACTION} x machine-wide CPU load).`,
    power() {
      const now = times.read();
      // CPU times count from boot, so the first reading's load is the load since boot: a stand-in
      // until the next reading, so that a window opened at once is not left without a CPU figure.
      // Two readings within one clock tick (10 ms on Linux) hold the previous figure.
      if (last && now.total <= last.total) return lastW;
      const from = last ?? { busy: 0, total: 0 };
      last = now;
      return (lastW = cpuPowerModel(tdp, (now.busy - from.busy) / (now.total - from.total)));
    },
    close: () => times.close(),
  };
}
