import type { Forecast } from './forecast';
import { intensityText } from '../units';

// The cleanest window for a job of a given length: over a forecast of intensity slots (each a
// start time, a length and gCO2e/kWh), the start that gives the lowest mean intensity over the
// job's duration, starting at a slot boundary within the horizon. Prefix sums make it linear:
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
  /** The same for a start now (the first slot), for the saving. */
  nowGco2PerKwh: number;
  /** (1 - mean / now) x 100. */
  savingPercent: number;
}

/**
 * The window of `durationMs` with the lowest mean intensity among starts at slot boundaries from
 * the first slot up to `withinMs` after it, whose whole duration the forecast covers. Slots must
 * be contiguous and in order; undefined when the forecast is shorter than the job.
 */
export function cleanestWindow(
  slots: readonly IntensitySlot[],
  durationMs: number,
  withinMs = Infinity,
): CleanWindow | undefined {
  if (slots.length === 0 || !(durationMs > 0)) return undefined;
  const t0 = slots[0]!.start;
  // cumulative gCO2e/kWh x ms at each slot boundary
  const at: number[] = [t0];
  const cum: number[] = [0];
  for (const s of slots) {
    at.push(s.start + s.durationMs);
    cum.push(cum[cum.length - 1]! + s.gco2PerKwh * s.durationMs);
  }
  const end = at[at.length - 1]!;
  // Mean over [at[i], at[i] + duration): the end falls in slot k, which only moves forward.
  let k = 0;
  const meanFrom = (i: number) => {
    const stop = at[i]! + durationMs;
    while (k < slots.length - 1 && at[k + 1]! < stop) k++;
    return (cum[k]! + (stop - at[k]!) * slots[k]!.gco2PerKwh - cum[i]!) / durationMs;
  };
  let best: { start: number; mean: number } | undefined;
  let now: number | undefined;
  for (let i = 0; i < slots.length; i++) {
    const start = at[i]!;
    if (start - t0 > withinMs || start + durationMs > end) break;
    const m = meanFrom(i);
    now ??= m;
    if (!best || m < best.mean - 1e-9) best = { start, mean: m };
  }
  if (!best || now === undefined) return undefined;
  return {
    start: best.start,
    end: best.start + durationMs,
    meanGco2PerKwh: best.mean,
    nowGco2PerKwh: now,
    savingPercent: now > 0 ? (1 - best.mean / now) * 100 : 0,
  };
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
  const slots = forecast.slots.filter((s) => s.start + s.durationMs > now);
  const w = cleanestWindow(slots, 3_600_000, 12 * 3_600_000);
  if (!w || w.savingPercent < 20 || w.start < now + 30 * 60_000) return undefined;
  const at = new Date(w.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return `Cleaner at ${at} (−${w.savingPercent.toFixed(0)}% for a 1 h job): ${intensityText(w.meanGco2PerKwh)} against ${intensityText(w.nowGco2PerKwh)} now. Forecast: ${forecast.source}.`;
}
