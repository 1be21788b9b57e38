import type { Component, Provenance } from './provenance';
import type { EnergySource, SourceStats } from './source';
import {
  EMPTY_USAGE,
  machineUsageReader,
  usageBetween,
  weightedUsage,
  type UsageReader,
  type UsageSums,
  type WindowUsage,
} from './usage';
import { wallClockMs } from '../clock';

/**
 * Samples every source on a timer (1 Hz by default; faster while someone asks), publishes live
 * power, and measures windows. A window's energy comes from a source's hardware counter read
 * at its two edges where there is one (`measured`), else from the integral of power samples
 * (`sampled`, or `estimated` for a model), with an idle baseline subtracted on request.
 * Nothing here blocks the event loop: reads are async, and samples never overlap.
 */

export interface PowerReading {
  sourceId: string;
  component: Component;
  /** W; undefined when the source has no fresh figure this time. */
  powerW: number | undefined;
  /** Live power is `sampled` for hardware sources, `estimated` for models. */
  kind: Provenance;
  stats?: SourceStats;
}

export interface MeterReading {
  /** ms since the epoch. */
  time: number;
  readings: PowerReading[];
  /** Sum of the defined readings per component. */
  components: Partial<Record<Component, number>>;
  totalW: number;
}

export interface SourceEnergy {
  sourceId: string;
  name: string;
  component: Component;
  kind: Provenance;
  method: 'counter' | 'power x time';
  energyJ: number;
  meanPowerW: number;
  /** Share of the window that power samples covered (1 for a counter). */
  coverage: number;
  /** Why the window has no figure for this source (no reading at all): its energy is not counted. */
  missing?: string;
  idleW?: number;
  /** energyJ - idleW x duration; may be slightly negative when the work drew less than idle noise. */
  netEnergyJ?: number;
}

export interface ComponentEnergy {
  component: Component;
  energyJ: number;
  meanPowerW: number;
  netEnergyJ?: number;
  /** The weakest provenance among the component's sources. */
  kind: Provenance;
  /** Set when none of the component's sources gave a reading in the window: why. */
  missing?: string;
}

export interface WindowResult {
  startedAt: number;
  durationS: number;
  sources: SourceEnergy[];
  components: ComponentEnergy[];
  totalJ: number;
  netJ?: number;
  kind: Provenance;
  /** How busy the machine was: CPU and GPU utilisation, memory in use. */
  usage?: WindowUsage;
}

export interface IdleBaseline {
  durationS: number;
  /** Mean power per source id while idle. */
  powerW: Record<string, number>;
}

export interface MeterOptions {
  intervalMs?: number;
  /**
   * How often a source with both power and a counter (NVML) has its counter read between
   * windows (default 10 s: one NVML counter read costs milliseconds on some VMs). Windows always
   * read it at both edges; session totals lag by up to this much for such sources.
   */
  counterIntervalMs?: number;
  /** A clock in ms, for tests. */
  now?: () => number;
  /** Machine-wide CPU time and memory in use (default: the kernel's); null reads none. */
  usage?: UsageReader | null;
}

interface SourceState {
  source: EnergySource;
  lastPower?: number;
  lastPowerAt?: number;
  /** Running integral of sampled power, J, and the seconds it covers. */
  integralJ: number;
  coveredS: number;
  counterJ?: number;
  counterAt?: number;
  counterBroken?: boolean;
  stats?: SourceStats;
  statsAt?: number;
  error?: string;
}
/** Utilisation and memory are for people: once a second is enough, whatever the sampling rate. */
const STATS_INTERVAL_MS = 1000;
/** How far back `windowBetween` can look: a notebook cell's timing arrives when it has ended. */
const HISTORY_MS = 15 * 60 * 1000;

interface Snapshot {
  at: number;
  integralJ: number[];
  coveredS: number[];
  counterJ: (number | undefined)[];
  usage: UsageSums;
}

const RANK: Record<Provenance, number> = { measured: 0, sampled: 1, estimated: 2 };
const weakest = (kinds: Provenance[]): Provenance =>
  kinds.reduce<Provenance>((a, b) => (RANK[b] > RANK[a] ? b : a), 'measured');

export class Meter {
  readonly sources: readonly EnergySource[];
  private readonly states: SourceState[];
  private readonly baseIntervalMs: number;
  private readonly counterIntervalMs: number;
  /** The meter's clock, ms: windows' edges are stamped with it. */
  readonly now: () => number;
  private readonly requests = new Set<{ ms: number }>();
  private readonly listeners = new Set<(r: MeterReading) => void>();
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lastIntervalMs: number;
  private session: Snapshot | undefined;
  /** The sampled integrals after each sample, oldest first, for windows reconstructed later. */
  private readonly history: Snapshot[] = [];
  private readonly usageReader: UsageReader | undefined;
  private usage: UsageSums = [...EMPTY_USAGE];
  private ramAt: number | undefined;
  latest: MeterReading | undefined;

  constructor(sources: readonly EnergySource[], options: MeterOptions = {}) {
    this.sources = sources;
    this.states = sources.map((source) => ({ source, integralJ: 0, coveredS: 0 }));
    this.baseIntervalMs = options.intervalMs ?? 1000;
    this.counterIntervalMs = options.counterIntervalMs ?? 10_000;
    this.now = options.now ?? wallClockMs;
    this.lastIntervalMs = this.baseIntervalMs;
    this.usageReader = options.usage === null ? undefined : (options.usage ?? machineUsageReader());
  }

  get intervalMs(): number {
    return Math.min(this.baseIntervalMs, ...[...this.requests].map((r) => r.ms));
  }

  /** Starts the timer; the session's totals count from here. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.session = await this.edge();
    this.schedule();
  }

  /** Samples at least this often until disposed (a benchmark asks for 100 ms). */
  requestInterval(ms: number): { dispose(): void } {
    const request = { ms: Math.max(10, ms) };
    this.requests.add(request);
    this.intervalChanged();
    return {
      dispose: () => {
        this.requests.delete(request);
        this.intervalChanged();
      },
    };
  }

  onReading(listener: (r: MeterReading) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  /** Errors sources raised, one line per source, for the log. */
  errors(): string[] {
    return this.states.filter((s) => s.error).map((s) => `${s.source.name}: ${s.error}`);
  }

  /** Reads every source now (after any sample in progress); `counters` forces counter reads too. */
  sample(counters = false): Promise<MeterReading> {
    return this.serialised(() => this.readAll(counters));
  }

  /** Opens a window: counters are read and power sampled at this instant. */
  async begin(): Promise<EnergyWindow> {
    return new EnergyWindow(this, await this.edge());
  }

  /** Mean power of each source over `ms` of (supposedly) idle time. */
  async measureIdle(ms: number): Promise<IdleBaseline> {
    const window = await this.begin();
    await new Promise((r) => setTimeout(r, ms));
    const result = await window.end();
    return {
      durationS: result.durationS,
      powerW: Object.fromEntries(result.sources.map((s) => [s.sourceId, s.meanPowerW])),
    };
  }

  /**
   * A window reconstructed after the fact from the samples kept (the last 15 minutes): each
   * source's running integral interpolated at both edges. Counters are not read at past
   * instants, so every figure here is `sampled` (or `estimated`); `coverage` falls below 1 when
   * the samples do not reach back to `startMs`. Undefined when nothing was sampled in the window.
   */
  async windowBetween(startMs: number, endMs: number): Promise<WindowResult | undefined> {
    if (!(endMs > startMs)) return undefined;
    if (!this.latest || this.latest.time < endMs) await this.sample();
    const a = this.interpolate(startMs);
    const b = this.interpolate(endMs);
    if (!a || !b || b.at <= a.at) return undefined;
    return this.result({ ...a, at: startMs }, { ...b, at: endMs });
  }

  /** Energy since start(), from the latest samples (no new read). */
  sessionTotals(): WindowResult | undefined {
    return this.session && this.result(this.session, this.snapshot());
  }

  close(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.listeners.clear();
    for (const s of this.sources) s.close?.();
    this.usageReader?.close();
  }

  /** @internal */
  async endWindow(begin: Snapshot, idle: IdleBaseline | undefined): Promise<WindowResult> {
    return this.result(begin, await this.edge(), idle);
  }

  /** @internal One edge that ends a window and begins the next. */
  async splitWindow(begin: Snapshot): Promise<{ result: WindowResult; edge: Snapshot }> {
    const edge = await this.edge();
    return { result: this.result(begin, edge), edge };
  }

  /** Samples never overlap: each runs after the previous one settles. */
  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** A window's edge: a sample with counter reads, and the state right after it, in one step. */
  private edge(): Promise<Snapshot> {
    return this.serialised(async () => {
      await this.readAll(true);
      return this.snapshot();
    });
  }

  private schedule() {
    if (!this.running) return;
    this.timer = setTimeout(async () => {
      await this.sample().catch(() => undefined);
      this.schedule();
    }, this.intervalMs);
    // The sampler never keeps a process alive on its own (the CLI holds its own timer).
    this.timer.unref();
  }

  private intervalChanged() {
    const ms = this.intervalMs;
    if (ms === this.lastIntervalMs) return;
    this.lastIntervalMs = ms;
    for (const s of this.sources) s.setInterval?.(ms);
    if (this.running) {
      clearTimeout(this.timer);
      this.schedule();
    }
  }

  private async readAll(forceCounters: boolean): Promise<MeterReading> {
    const at = this.now();
    const readings = await Promise.all(this.states.map((st) => this.readOne(st, at, forceCounters)));
    this.readUsage(at, forceCounters, readings);
    const components: Partial<Record<Component, number>> = {};
    let totalW = 0;
    for (const r of readings) {
      if (r.powerW === undefined) continue;
      components[r.component] = (components[r.component] ?? 0) + r.powerW;
      totalW += r.powerW;
    }
    const reading: MeterReading = { time: at, readings, components, totalW };
    this.latest = reading;
    this.remember();
    for (const listener of this.listeners) {
      try {
        listener(reading);
      } catch {
        // A listener's failure is its own; sampling goes on.
      }
    }
    return reading;
  }

  private async readOne(st: SourceState, at: number, forceCounters: boolean): Promise<PowerReading> {
    const { source } = st;
    let powerW: number | undefined;
    try {
      if (source.power) powerW = await source.power();
      const counterDue = st.counterAt === undefined || at - st.counterAt >= this.counterIntervalMs;
      if (source.energy && !st.counterBroken && (forceCounters || !source.power || counterDue)) {
        const energyJ = await source.energy();
        // A counter-only source (RAPL): power is the counter's slope since the last read.
        if (!source.power && st.counterJ !== undefined && st.counterAt !== undefined && at > st.counterAt) {
          powerW = (energyJ - st.counterJ) / ((at - st.counterAt) / 1000);
        }
        st.counterJ = energyJ;
        st.counterAt = at;
      }
    } catch (e) {
      st.error = (e as Error).message;
      // A counter that failed once is not trusted again: windows fall back to power samples
      // (or to no figure, said as such), never to a stale counter's zero.
      if (source.energy) st.counterBroken = true;
    }
    if (powerW !== undefined && !Number.isFinite(powerW)) powerW = undefined;
    if (powerW !== undefined && st.lastPower !== undefined && st.lastPowerAt !== undefined && at > st.lastPowerAt) {
      const dt = (at - st.lastPowerAt) / 1000;
      st.integralJ += ((powerW + st.lastPower) / 2) * dt;
      st.coveredS += dt;
    }
    st.lastPower = powerW;
    st.lastPowerAt = powerW === undefined ? undefined : at;
    const kind: Provenance = source.kind === 'estimated' ? 'estimated' : 'sampled';
    if (source.stats && (forceCounters || st.statsAt === undefined || at - st.statsAt >= STATS_INTERVAL_MS)) {
      st.stats = safeStats(source);
      st.statsAt = at;
    }
    return { sourceId: source.id, component: source.component, powerW, kind, ...(st.stats && { stats: st.stats }) };
  }

  /** CPU time at every reading; memory and GPU utilisation when their stats were read. */
  private readUsage(at: number, edge: boolean, readings: PowerReading[]): void {
    const r = this.usageReader;
    const u = this.usage;
    if (r) {
      try {
        const t = r.cpu();
        [u[0], u[1]] = [t.busy, t.total];
        if (edge || this.ramAt === undefined || at - this.ramAt >= STATS_INTERVAL_MS) {
          const ram = r.ram();
          u[4]! += ram.usedBytes / 1024 ** 3;
          u[5]! += (ram.usedBytes / ram.totalBytes) * 100;
          u[6]! += 1;
          this.ramAt = at;
        }
      } catch {
        // usage is a detail beside the energy: a failed read leaves its columns empty
      }
    }
    for (const [i, st] of this.states.entries()) {
      const p = readings[i]!.stats?.utilizationPercent;
      if (st.source.component === 'gpu' && st.statsAt === at && p !== undefined) {
        u[2]! += p;
        u[3]! += 1;
      }
    }
  }

  private remember(): void {
    const s = this.snapshot();
    this.history.push({ ...s, counterJ: s.counterJ.map(() => undefined) });
    const cut = s.at - HISTORY_MS;
    let drop = 0;
    while (drop < this.history.length - 1 && this.history[drop]!.at < cut) drop++;
    if (drop > 0) this.history.splice(0, drop);
  }

  /** The integrals at `t`, linear between the samples around it; clamped to the first and last. */
  private interpolate(t: number): Snapshot | undefined {
    const h = this.history;
    if (h.length === 0) return undefined;
    if (t <= h[0]!.at) return h[0];
    if (t >= h[h.length - 1]!.at) return h[h.length - 1];
    let lo = 0;
    let hi = h.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (h[mid]!.at <= t) lo = mid;
      else hi = mid;
    }
    const [p, q] = [h[lo]!, h[hi]!];
    const f = (t - p.at) / (q.at - p.at);
    const mix = (x: number[], y: number[]) => x.map((v, i) => v + (y[i]! - v) * f);
    return {
      at: t,
      integralJ: mix(p.integralJ, q.integralJ),
      coveredS: mix(p.coveredS, q.coveredS),
      counterJ: p.counterJ,
      usage: mix(p.usage, q.usage),
    };
  }

  private snapshot(): Snapshot {
    return {
      at: this.latest?.time ?? this.now(),
      integralJ: this.states.map((s) => s.integralJ),
      coveredS: this.states.map((s) => s.coveredS),
      counterJ: this.states.map((s) => (s.counterBroken ? undefined : s.counterJ)),
      usage: [...this.usage],
    };
  }

  private result(a: Snapshot, b: Snapshot, idle?: IdleBaseline): WindowResult {
    const durationS = Math.max(0, (b.at - a.at) / 1000);
    const sources = this.states.map((st, i): SourceEnergy => {
      const { source } = st;
      const ca = a.counterJ[i];
      const cb = b.counterJ[i];
      const counter = source.kind === 'measured' && ca !== undefined && cb !== undefined;
      const energyJ = counter ? cb - ca : b.integralJ[i]! - a.integralJ[i]!;
      const coverage = counter ? 1 : durationS > 0 ? Math.min(1, (b.coveredS[i]! - a.coveredS[i]!) / durationS) : 0;
      const missing =
        !counter && coverage === 0 && durationS > 0 ? (st.error ?? 'no reading during the window') : undefined;
      return {
        ...(missing !== undefined && { missing }),
        sourceId: source.id,
        name: source.name,
        component: source.component,
        // A counter source whose counter failed falls back to power samples, and says so.
        kind: counter ? 'measured' : source.kind === 'estimated' ? 'estimated' : 'sampled',
        method: counter ? 'counter' : 'power x time',
        energyJ,
        meanPowerW: durationS > 0 ? energyJ / durationS : 0,
        coverage,
      };
    });
    const result = { ...summarise(a.at, durationS, sources), usage: usageBetween(a.usage, b.usage) };
    return idle ? applyBaseline(result, idle) : result;
  }
}

function safeStats(source: EnergySource): SourceStats | undefined {
  try {
    return source.stats!();
  } catch {
    return undefined;
  }
}

/** A measured stretch of time; `end()` returns its energy. */
export class EnergyWindow {
  private ended = false;
  constructor(
    private readonly meter: Meter,
    private readonly begin: Snapshot,
  ) {}

  /**
   * Closes the window. With `idle`, each source's idle power x duration is subtracted; with
   * `idleAfterMs` too, a second baseline is measured after the window and the two are averaged.
   */
  async end(options: { idle?: IdleBaseline; idleAfterMs?: number } = {}): Promise<WindowResult> {
    if (this.ended) throw new Error('This energy window has already ended.');
    this.ended = true;
    let idle = options.idle;
    const result = await this.meter.endWindow(this.begin, idle);
    if (!options.idleAfterMs) return result;
    const after = await this.meter.measureIdle(options.idleAfterMs);
    idle = idle ? averageBaselines(idle, after) : after;
    return applyBaseline(result, idle);
  }

  /** Ends this window and opens the next at the same instant (one counter read for both). */
  async split(): Promise<{ result: WindowResult; next: EnergyWindow }> {
    if (this.ended) throw new Error('This energy window has already ended.');
    this.ended = true;
    const { result, edge } = await this.meter.splitWindow(this.begin);
    return { result, next: new EnergyWindow(this.meter, edge) };
  }
}

/**
 * Windows apart in time (one phase of many items) as one: energies and durations added, each
 * source's coverage weighted by duration; a source missing from every window stays missing.
 */
export function sumWindows(windows: readonly WindowResult[]): WindowResult {
  if (windows.length === 0) throw new RangeError('No windows to add.');
  const durationS = windows.reduce((t, w) => t + w.durationS, 0);
  const sources = windows[0]!.sources.map((first, i): SourceEnergy => {
    const all = windows.map((w) => w.sources[i]!);
    const present = all.filter((s) => s.missing === undefined);
    const energyJ = present.reduce((t, s) => t + s.energyJ, 0);
    const covered = windows.reduce(
      (t, w, k) => t + (all[k]!.missing === undefined ? all[k]!.coverage * w.durationS : 0),
      0,
    );
    return {
      ...(present.length === 0 && { missing: first.missing }),
      sourceId: first.sourceId,
      name: first.name,
      component: first.component,
      kind: weakest(all.map((s) => s.kind)),
      method: all.every((s) => s.method === 'counter') ? 'counter' : 'power x time',
      energyJ,
      meanPowerW: durationS > 0 ? energyJ / durationS : 0,
      coverage: durationS > 0 ? Math.min(1, covered / durationS) : 0,
    };
  });
  const usage = weightedUsage(windows.map((w) => ({ usage: w.usage, seconds: w.durationS })));
  return { ...summarise(windows[0]!.startedAt, durationS, sources), usage };
}

export function averageBaselines(a: IdleBaseline, b: IdleBaseline): IdleBaseline {
  const powerW: Record<string, number> = {};
  for (const id of new Set([...Object.keys(a.powerW), ...Object.keys(b.powerW)])) {
    const values = [a.powerW[id], b.powerW[id]].filter((v): v is number => v !== undefined);
    powerW[id] = values.reduce((s, v) => s + v, 0) / values.length;
  }
  return { durationS: a.durationS + b.durationS, powerW };
}

/** The same result with each source's idle power x duration subtracted. */
export function applyBaseline(result: WindowResult, idle: IdleBaseline): WindowResult {
  const sources = result.sources.map((s) => {
    const idleW = idle.powerW[s.sourceId];
    return idleW === undefined ? s : { ...s, idleW, netEnergyJ: s.energyJ - idleW * result.durationS };
  });
  return { ...summarise(result.startedAt, result.durationS, sources), ...(result.usage && { usage: result.usage }) };
}

function summarise(startedAt: number, durationS: number, sources: SourceEnergy[]): WindowResult {
  const sum = (xs: number[]) => xs.reduce((t, x) => t + x, 0);
  const components = (['gpu', 'cpu', 'ram'] as const).flatMap((component): ComponentEnergy[] => {
    const all = sources.filter((s) => s.component === component);
    if (all.length === 0) return [];
    const of = all.filter((s) => s.missing === undefined);
    if (of.length === 0)
      return [
        {
          component,
          energyJ: 0,
          meanPowerW: 0,
          kind: weakest(all.map((s) => s.kind)),
          missing: all.map((s) => `${s.name}: ${s.missing}`).join('; '),
        },
      ];
    const net = of.every((s) => s.netEnergyJ !== undefined) ? sum(of.map((s) => s.netEnergyJ!)) : undefined;
    const energyJ = sum(of.map((s) => s.energyJ));
    return [
      {
        component,
        energyJ,
        meanPowerW: durationS > 0 ? energyJ / durationS : 0,
        ...(net !== undefined && { netEnergyJ: net }),
        kind: weakest(of.map((s) => s.kind)),
      },
    ];
  });
  const present = components.filter((c) => c.missing === undefined);
  const netJ =
    present.length > 0 && present.every((c) => c.netEnergyJ !== undefined)
      ? sum(present.map((c) => c.netEnergyJ!))
      : undefined;
  return {
    startedAt,
    durationS,
    sources,
    components,
    totalJ: sum(sources.filter((s) => s.missing === undefined).map((s) => s.energyJ)),
    ...(netJ !== undefined && { netJ }),
    kind: weakest((present.length ? present : components).map((c) => c.kind)),
  };
}
