// Whose energy? A run's share of the machine's, from its own processes: the root process and its
// descendants, found at the sampler's pace through /proc (Linux). CPU: the set's CPU time against
// the whole machine's busy CPU time, applied to the CPU's energy above idle (idle power is not
// attributed: it is spent whether the run goes or not). GPU: the set's share of NVML's
// per-process SM utilisation, applied to each GPU's energy above idle. RAM: the set's resident
// memory against the memory in use, applied to the RAM's energy. Each figure says it is
// `attributed`, over the provenance of the machine figure it comes from.
import { readdirSync } from 'node:fs';
import type { WindowResult } from '../energy/meter';
import type { Provenance } from '../energy/provenance';
import type { EnergySource } from '../energy/source';
import { readProc } from '../procfs';

export interface ComponentAttribution {
  component: 'cpu' | 'gpu' | 'ram';
  /** The run's share of the component's energy (0-1). */
  share: number;
  /** What the share applies to: the component's energy above idle, or its whole energy. */
  baseJ: number;
  base: 'above idle' | 'whole';
  energyJ: number;
  /** The machine figure's provenance; the attributed figure is `attributed` over it. */
  kind: Provenance;
}

export interface Attribution {
  method: 'process';
  /** How many processes the run had, at most at once, and in all. */
  processes: { peak: number; seen: number };
  /** CPU time (clock ticks) of the run's processes and of the whole machine, busy, in the window. */
  cpuTicks?: { run: number; machineBusy: number };
  components: ComponentAttribution[];
  totalJ: number;
  /** Components left with machine figures, and why. */
  notes: string[];
}

/** /proc/PID/stat: CPU ticks (utime + stime + cutime + cstime: reaped children count), RSS pages, threads. */
function readStat(pid: number): { ticks: number; rssPages: number; ppid: number; threads: number } | undefined {
  const s = readProc(`/proc/${pid}/stat`);
  if (!s) return undefined;
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  if (f[0] === 'Z') return undefined;
  return {
    ppid: Number(f[1]),
    ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]),
    threads: Number(f[17]),
    rssPages: Number(f[21]),
  };
}

/** A process's children, from /proc/PID/task/TID/children: each thread's (the main one's alone when it has one). */
function childrenOf(pid: number, threads: number): number[] {
  let tids = [String(pid)];
  if (threads > 1) {
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      return [];
    }
  }
  const out: number[] = [];
  for (const tid of tids) {
    for (const c of (readProc(`/proc/${pid}/task/${tid}/children`) ?? '').split(' ')) if (c.trim()) out.push(Number(c));
  }
  return out;
}

const PAGE = 4096;

/**
 * Follows one run's processes while it goes: call `sample()` at each meter reading (the first
 * when the run starts, the last as it ends), `finish(window)` at its end.
 */
export class ProcessSetTracker {
  /** pid -> first and last cumulative CPU ticks seen, and whether its parent was in the set. */
  private readonly seen = new Map<number, { first: number; last: number; parent: number }>();
  private peak = 0;
  private rssSum = 0;
  private usedSum = 0;
  private rssSamples = 0;
  private readonly gpu = new Map<string, { mine: number; all: number; samples: number }>();
  private readonly supported: string | undefined;

  constructor(
    private readonly rootPid: number,
    private readonly gpuSources: readonly EnergySource[] = [],
    platform: NodeJS.Platform = process.platform,
  ) {
    this.supported = platform === 'linux' ? undefined : `per-process figures need Linux's /proc (here: ${platform})`;
  }

  /** One look at the set: its processes' CPU time and memory, and the GPUs' per-process utilisation. */
  sample(ramUsedBytes?: number): void {
    if (this.supported) return;
    const live: number[] = [];
    const queue = [this.rootPid];
    const inSet = new Set<number>();
    let rss = 0;
    while (queue.length) {
      const pid = queue.shift()!;
      if (inSet.has(pid)) continue;
      const st = readStat(pid);
      if (!st) continue;
      inSet.add(pid);
      live.push(pid);
      rss += st.rssPages * PAGE;
      const known = this.seen.get(pid);
      if (known) known.last = st.ticks;
      else this.seen.set(pid, { first: st.ticks, last: st.ticks, parent: st.ppid });
      queue.push(...childrenOf(pid, st.threads));
    }
    this.peak = Math.max(this.peak, live.length);
    if (ramUsedBytes) {
      this.rssSum += rss;
      this.usedSum += ramUsedBytes;
      this.rssSamples++;
    }
    for (const source of this.gpuSources) {
      const util = source.processUtilization?.();
      if (!util) continue;
      const g = this.gpu.get(source.id) ?? { mine: 0, all: 0, samples: 0 };
      for (const u of util) {
        g.all += u.smUtil;
        if (inSet.has(u.pid)) g.mine += u.smUtil;
      }
      g.samples++;
      this.gpu.set(source.id, g);
    }
  }

  /**
   * The set's CPU ticks in the window. A child reaped by a parent in the set moves its whole time
   * into the parent's cutime/cstime: the child's own count is taken back out so it is not twice.
   */
  cpuTicks(): number {
    let ticks = 0;
    for (const [pid, s] of this.seen) {
      ticks += s.last - s.first;
      const reaped = readStat(pid) === undefined && this.seen.has(s.parent) && readStat(s.parent) !== undefined;
      if (reaped) ticks -= s.last;
    }
    return Math.max(0, ticks);
  }

  /**
   * `rootTicks`: the root's whole CPU time when the kernel has told it (a child we reaped: our
   * cutime + cstime), which also holds every descendant it reaped; else the sampled figure.
   */
  finish(window: WindowResult, machineBusyTicks: number, rootTicks?: number): Attribution {
    const notes: string[] = [];
    const components: ComponentAttribution[] = [];
    if (this.supported) notes.push(`Machine figures: ${this.supported}.`);
    const runTicks = rootTicks ?? this.cpuTicks();
    for (const c of window.components) {
      const above = c.netEnergyJ;
      const baseJ = above ?? c.energyJ;
      const base: ComponentAttribution['base'] = above === undefined ? 'whole' : 'above idle';
      if (this.supported) continue;
      if (c.component === 'cpu') {
        const share = machineBusyTicks > 0 ? Math.min(1, runTicks / machineBusyTicks) : 0;
        components.push({
          component: 'cpu',
          share,
          baseJ: Math.max(0, baseJ),
          base,
          energyJ: share * Math.max(0, baseJ),
          kind: c.kind,
        });
      } else if (c.component === 'ram') {
        if (this.rssSamples === 0 || this.usedSum <= 0) {
          notes.push('RAM: no memory reading during the run; left unattributed.');
          continue;
        }
        // A constant RAM model has no energy above idle: the share applies to its whole energy.
        const share = Math.min(1, this.rssSum / this.usedSum);
        components.push({
          component: 'ram',
          share,
          baseJ: c.energyJ,
          base: 'whole',
          energyJ: share * c.energyJ,
          kind: c.kind,
        });
      } else {
        const sources = window.sources.filter((s) => s.component === 'gpu');
        let mine = 0;
        let all = 0;
        for (const s of sources) {
          const g = this.gpu.get(s.sourceId);
          if (!g || g.samples === 0) continue;
          mine += g.mine;
          all += g.all;
        }
        if (all === 0) {
          notes.push(
            this.gpu.size === 0
              ? 'GPU: NVML gave no per-process utilisation here (another driver, a container without host pids, or nvidia-smi only); its energy stays the machine figure, unattributed.'
              : 'GPU: no process used the GPU during the run, by NVML; its energy stays unattributed.',
          );
          continue;
        }
        const share = mine / all;
        components.push({
          component: 'gpu',
          share,
          baseJ: Math.max(0, baseJ),
          base,
          energyJ: share * Math.max(0, baseJ),
          kind: c.kind,
        });
      }
    }
    return {
      method: 'process',
      processes: { peak: this.peak, seen: this.seen.size },
      ...(!this.supported && { cpuTicks: { run: runTicks, machineBusy: machineBusyTicks } }),
      components,
      totalJ: components.reduce((t, c) => t + c.energyJ, 0),
      notes,
    };
  }
}

/** This process's children's CPU ticks (cutime + cstime): a reaped child's whole time. */
export function reapedChildTicks(): number {
  const s = readProc('/proc/self/stat');
  if (!s) throw new Error('/proc/self/stat cannot be read.');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[13]) + Number(f[14]);
}
