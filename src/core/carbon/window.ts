import type { Forecast } from './forecast';
import { intensityText } from '../units';

// The cleanest window for a job of a given length: over a forecast of intensity slots (each a
// start time, a length and gCO2e/kWh), the start that gives the lowest mean intensity over the
// job's duration, at now or a slot boundary within the horizon. A window lies inside one stretch
// of contiguous slots: it never starts in, or runs across, a gap. Prefix sums make it linear:
// 48 h of 30-minute slots, every duration from 30 min to 12 h, is a few thousand additions.

export interface IntensitySlot {
  /** ms since the epoch. */
  start: number;
  /** ms. */
  durationMs: number;
  gco2PerKwh: number;
}

export interface CleanWindow {
  start: number;
  end: number;
  /** Mean intensity over the window (time-weighted). */
  meanGco2PerKwh: number;
  /** The same for a start now; undefined where the forecast does not cover a job started now. */
  nowGco2PerKwh?: number;
  /** (1 - mean / now) x 100; undefined with `nowGco2PerKwh`. */
  savingPercent?: number;
}

/** The slots as stretches without gaps, each cut to start no earlier than `from`. */
function stretches(slots: readonly IntensitySlot[], from: number): IntensitySlot[][] {
  const out: IntensitySlot[][] = [];
  let prevEnd = -Infinity;
  for (const s of slots) {
    if (s.start < prevEnd) throw new RangeError('forecast slots overlap or are out of order');
    const end = s.start + s.durationMs;
    const startsRun = s.start !== prevEnd;
    prevEnd = end;
    if (end <= from) continue;
    const cut = s.start < from ? { ...s, start: from, durationMs: end - from } : s;
    if (startsRun || out.length === 0) out.push([cut]);
    else out[out.length - 1]!.push(cut);
  }
  return out;
}

/**
 * The window of `durationMs` with the lowest mean intensity among starts at `now` (by default the
 * first slot's start) or a later slot boundary, up to `withinMs` after `now`, whose whole duration
 * the forecast covers without a gap. Slots must be in order and not overlap; gaps are allowed.
 * Undefined when no such window exists.
 */
export function cleanestWindow(
  slots: readonly IntensitySlot[],
  durationMs: number,
  withinMs = Infinity,
  now?: number,
): CleanWindow | undefined {
  if (slots.length === 0 || !(durationMs > 0)) return undefined;
  const from = now ?? slots[0]!.start;
  let best: { start: number; mean: number } | undefined;
  let nowMean: number | undefined;
  for (const run of stretches(slots, from)) {
    // cumulative gCO2e/kWh x ms at each slot boundary
    const at: number[] = [run[0]!.start];
    const cum: number[] = [0];
    for (const s of run) {
      at.push(s.start + s.durationMs);
      cum.push(cum[cum.length - 1]! + s.gco2PerKwh * s.durationMs);
    }
    const end = at[at.length - 1]!;
    // Mean over [at[i], at[i] + duration): the end falls in slot k, which only moves forward.
    let k = 0;
    const meanFrom = (i: number) => {
      const stop = at[i]! + durationMs;
      while (k < run.length - 1 && at[k + 1]! < stop) k++;
      return (cum[k]! + (stop - at[k]!) * run[k]!.gco2PerKwh - cum[i]!) / durationMs;
    };
    for (let i = 0; i < run.length; i++) {
      const start = at[i]!;
      if (start - from > withinMs || start + durationMs > end) break;
      const m = meanFrom(i);
      if (start === from) nowMean = m;
      if (!best || m < best.mean - 1e-9) best = { start, mean: m };
    }
  }
  if (!best) return undefined;
  return {
    start: best.start,
    end: best.start + durationMs,
    meanGco2PerKwh: best.mean,
    ...(nowMean !== undefined && {
      nowGco2PerKwh: nowMean,
      savingPercent: nowMean > 0 ? (1 - best.mean / nowMean) * 100 : 0,
    }),
  };
}

/** Why `cleanestWindow` found none, in words. */
export function noWindowReason(
  slots: readonly IntensitySlot[],
  durationMs: number,
  withinMs: number,
  now: number,
): string {
  const first = slots.find((s) => s.start + s.durationMs > now);
  if (!first) return 'The forecast has nothing from now on.';
  if (first.start - now > withinMs)
    return `The forecast starts at ${new Date(first.start).toISOString().slice(0, 16).replace('T', ' ')} UTC, later than the latest start asked for.`;
  const longest = Math.max(
    ...stretches(slots, now).map((r) => r[r.length - 1]!.start + r[r.length - 1]!.durationMs - r[0]!.start),
  );
  const h = (ms: number) => `${Math.round((ms / 3_600_000) * 10) / 10} h`;
  return `No stretch of the forecast without a gap is as long as the job (${h(durationMs)}; the longest from now: ${h(longest)}).`;
}

/** "2h", "90m", "1.5h", "30min", "45" (minutes): ms; undefined when it is none of these. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(h|hr|hours?|m|min|minutes?|s|sec|seconds?)?\s*$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'm').toLowerCase();
  const ms = unit.startsWith('h') ? n * 3_600_000 : unit.startsWith('s') ? n * 1000 : n * 60_000;
  return ms > 0 ? ms : undefined;
}

/**
 * "Cleaner at 03:00 (−41% for a 1 h job)": a clearly better start for a one-hour job in the next
 * 12 h, 20% less or more and at least half an hour away; undefined when there is none.
 */
export function cleanerSoon(forecast: Forecast | undefined, now = Date.now()): string | undefined {
  if (!forecast) return undefined;
  let w: CleanWindow | undefined;
  try {
    w = cleanestWindow(forecast.slots, 3_600_000, 12 * 3_600_000, now);
  } catch {
    return undefined; // slots out of order: no advice from them
  }
  if (!w || w.savingPercent === undefined || w.nowGco2PerKwh === undefined) return undefined;
  if (w.savingPercent < 20 || w.start < now + 30 * 60_000) return undefined;
  const at = new Date(w.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return `Cleaner at ${at} (−${w.savingPercent.toFixed(0)}% for a 1 h job): ${intensityText(w.meanGco2PerKwh)} against ${intensityText(w.nowGco2PerKwh)} now. Forecast: ${forecast.source}.`;
}
