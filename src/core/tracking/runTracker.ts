// Meter windows for runs the editor starts and ends (terminal commands, tasks, debug sessions,
// notebook cells), each over the one shared sampler. Runs may overlap: each keeps its own
// window and learns which others ran during it. The idle baseline of a run is the mean power
// over the quiet stretch before it began (up to 30 s with no other tracked run).
import { applyBaseline, type IdleBaseline, type WindowResult } from '../energy/meter';
import type { Attribution } from './attribution';
import { randomUuid } from '../randomUuid';

export type RunOrigin = 'terminal' | 'task' | 'debug' | 'notebook' | 'cli';
export const RUN_ORIGINS: readonly RunOrigin[] = ['terminal', 'task', 'debug', 'notebook', 'cli'];

export interface RunInfo {
  origin: RunOrigin;
  /** What the run is, without its arguments: an executable, a task or launch name, a cell. */
  label: string;
  /** The whole command line or cell source: only when the user allows storing it. */
  commandLine?: string;
}

/** What the tracker needs of the meter. */
export interface RunMeter {
  begin(): Promise<{ end(options?: { idle?: IdleBaseline }): Promise<WindowResult> }>;
  windowBetween(startMs: number, endMs: number): Promise<WindowResult | undefined>;
}

export interface FinishedRun {
  runId: string;
  info: RunInfo;
  startedAt: number;
  endedAt: number;
  exitCode?: number;
  window: WindowResult;
  /** Seconds of quiet time the idle baseline comes from; absent when there was too little. */
  idleSeconds?: number;
  /** The other tracked runs that were going at some point during this one. */
  overlaps: { runId: string; label: string }[];
  /** The run's own share, from its processes, where they are known. */
  attribution?: Attribution;
}

export interface TrackerOptions {
  /** Runs shorter than this are not recorded (read at each run's end). */
  minDurationS: () => number;
  now?: () => number;
}

interface Interval {
  runId: string;
  label: string;
  start: number;
  end?: number;
}

const QUIET_MAX_MS = 30_000;
const QUIET_MIN_MS = 5_000;
/** Closed runs are kept this long for overlap and quiet-time checks. */
const KEEP_MS = 20 * 60 * 1000;

export class RunTracker {
  private readonly intervals: Interval[] = [];
  private readonly now: () => number;

  constructor(
    private readonly meter: RunMeter,
    private readonly options: TrackerOptions,
  ) {
    this.now = options.now ?? (() => Date.now());
  }

  /** Runs open now. */
  get active(): number {
    return this.intervals.filter((i) => i.end === undefined).length;
  }

  /**
   * Opens a window now; `end` closes it. The run's counters are read at both edges where the
   * sources have them. Resolves to undefined when the run was shorter than the threshold.
   */
  start(info: RunInfo): { end(exitCode?: number): Promise<FinishedRun | undefined> } {
    const interval = this.open(info, this.now());
    const idle = this.idleBefore(interval);
    const window = this.meter.begin();
    // Failures surface at end(); until then they are not unhandled rejections.
    window.catch(() => undefined);
    idle.catch(() => undefined);
    let ended: Promise<FinishedRun | undefined> | undefined;
    return {
      end: (exitCode) =>
        (ended ??= (async () => {
          interval.end = this.now();
          const [w, baseline] = await Promise.all([window, idle]);
          const result = await w.end({ idle: baseline?.idle });
          return this.finish(interval, info, result, baseline?.seconds, exitCode);
        })()),
    };
  }

  /** A run whose edges are known only after it ended (a notebook cell's timing). */
  async record(info: RunInfo, startMs: number, endMs: number, exitCode?: number): Promise<FinishedRun | undefined> {
    if (!(endMs - startMs >= this.options.minDurationS() * 1000)) return undefined;
    const interval = this.open(info, startMs);
    interval.end = endMs;
    const [window, baseline] = await Promise.all([this.meter.windowBetween(startMs, endMs), this.idleBefore(interval)]);
    if (!window) return undefined;
    const result = baseline ? applyBaseline(window, baseline.idle) : window;
    return this.finish(interval, info, result, baseline?.seconds, exitCode);
  }

  private open(info: RunInfo, start: number): Interval {
    const cut = this.now() - KEEP_MS;
    for (let i = this.intervals.length - 1; i >= 0; i--) {
      const end = this.intervals[i]!.end;
      if (end !== undefined && end < cut) this.intervals.splice(i, 1);
    }
    const interval: Interval = { runId: randomUuid(), label: info.label, start };
    this.intervals.push(interval);
    return interval;
  }

  private finish(
    interval: Interval,
    info: RunInfo,
    window: WindowResult,
    idleSeconds: number | undefined,
    exitCode: number | undefined,
  ): FinishedRun | undefined {
    const end = interval.end!;
    if ((end - interval.start) / 1000 < this.options.minDurationS()) return undefined;
    const overlaps = this.intervals
      .filter((o) => o !== interval && o.start < end && (o.end === undefined || o.end > interval.start))
      .map((o) => ({ runId: o.runId, label: o.label }));
    return {
      runId: interval.runId,
      info,
      startedAt: interval.start,
      endedAt: end,
      ...(exitCode !== undefined && { exitCode }),
      window,
      ...(idleSeconds !== undefined && { idleSeconds }),
      overlaps,
    };
  }

  /** Mean power per source over the quiet stretch just before the run, if its samples span 5 s or more. */
  private async idleBefore(run: Interval): Promise<{ idle: IdleBaseline; seconds: number } | undefined> {
    let from = run.start - QUIET_MAX_MS;
    for (const o of this.intervals) {
      if (o === run || o.start >= run.start) continue;
      if (o.end === undefined || o.end > run.start) return undefined; // another run was going when this one began
      from = Math.max(from, o.end);
    }
    if (run.start - from < QUIET_MIN_MS) return undefined;
    const quiet = await this.meter.windowBetween(from, run.start);
    if (!quiet || quiet.sources.length === 0) return undefined;
    // The samples may not reach back to `from` (the meter started later): use the part they cover.
    const seconds = Math.min(...quiet.sources.map((s) => s.coverage * quiet.durationS));
    if (seconds * 1000 < QUIET_MIN_MS) return undefined;
    const powerW = Object.fromEntries(
      quiet.sources.map((s) => [s.sourceId, s.energyJ / (s.coverage * quiet.durationS)]),
    );
    return { idle: { durationS: seconds, powerW }, seconds };
  }
}
