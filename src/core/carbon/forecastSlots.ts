// A forecast's points as slots a window search can trust. Each point is placed by its own
// timestamp and lasts until the next point or one step of the series, whichever comes first:
// a missing hour or a null value leaves a hole, never a slot stretched over it. Identical repeats
// are dropped; two values for one time, overlapping periods or a non-physical intensity refuse the
// answer with a message naming the service and the time.
import { LiveError } from './live';
import { unphysical } from './physicalIntensity';
import type { IntensitySlot } from './window';

export interface ForecastPoint {
  start: number;
  /** Where the source says (the UK API's `to`); else the next point or one step later. */
  end?: number;
  gco2PerKwh: number;
}

export interface PlacedSlots {
  slots: IntensitySlot[];
  /** What was left out or missing, for the user: entries without a time or value, gaps. */
  notes: string[];
}

export const utcText = (t: number) => `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

const asObject = (x: unknown): Record<string, unknown> | undefined =>
  x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;

/**
 * One entry of a source's series as a point: `undefined` when it has no time or no value (null,
 * missing, not a number: left out and counted); a LiveError when its value is a number no grid
 * has (negative, huge), since a source that sends one cannot be trusted for the rest.
 */
export function forecastPoint(
  entry: unknown,
  fields: { start: string; end?: string; value: (e: Record<string, unknown>) => unknown },
  service: string,
): ForecastPoint | undefined {
  const e = asObject(entry);
  if (!e) return undefined;
  const start = typeof e[fields.start] === 'string' ? Date.parse(e[fields.start] as string) : Number.NaN;
  const end = fields.end && typeof e[fields.end] === 'string' ? Date.parse(e[fields.end] as string) : undefined;
  const g = fields.value(e);
  if (!Number.isFinite(start) || typeof g !== 'number') return undefined;
  if (end !== undefined && !(end > start)) return undefined;
  const why = unphysical(g);
  if (why) throw new LiveError(`${service} sent ${why} for ${utcText(start)}: the forecast is not used`);
  return { start, ...(end !== undefined && { end }), gco2PerKwh: g };
}

/** The series' usual step: the most common gap between consecutive starts (`fallbackMs` for one point). */
function usualStep(starts: readonly number[], fallbackMs: number): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < starts.length; i++) {
    const d = starts[i]! - starts[i - 1]!;
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best: [number, number] | undefined;
  for (const [d, n] of counts) if (!best || n > best[1] || (n === best[1] && d < best[0])) best = [d, n];
  return best?.[0] ?? fallbackMs;
}

/** Points (any order, `undefined` for an entry left out) as contiguous-where-the-data-is slots. */
export function placeSlots(
  entries: readonly (ForecastPoint | undefined)[],
  service: string,
  fallbackStepMs: number,
): PlacedSlots {
  const notes: string[] = [];
  const leftOut = entries.filter((p) => p === undefined).length;
  if (leftOut > 0)
    notes.push(
      `${leftOut} of ${entries.length} ${service} entries had no time or no intensity and were left out: no window spans them.`,
    );
  const sorted = entries.filter((p): p is ForecastPoint => p !== undefined).sort((a, b) => a.start - b.start);
  const points: ForecastPoint[] = [];
  for (const p of sorted) {
    const prev = points[points.length - 1];
    if (prev && prev.start === p.start) {
      if (prev.gco2PerKwh === p.gco2PerKwh && prev.end === p.end) continue; // the same point twice
      throw new LiveError(
        `${service} sent two intensities for ${utcText(p.start)} (${prev.gco2PerKwh} and ${p.gco2PerKwh} gCO2e/kWh): the forecast is not used`,
      );
    }
    points.push(p);
  }
  const step = usualStep(
    points.map((p) => p.start),
    fallbackStepMs,
  );
  const slots: IntensitySlot[] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const next = points[i + 1];
    const end = p.end ?? Math.min(p.start + step, next?.start ?? Infinity);
    if (next && end > next.start)
      throw new LiveError(
        `${service} sent overlapping periods at ${utcText(next.start)} (one runs to ${utcText(end)}): the forecast is not used`,
      );
    slots.push({ start: p.start, durationMs: end - p.start, gco2PerKwh: p.gco2PerKwh });
    if (next && end < next.start)
      notes.push(`No data from ${utcText(end)} to ${utcText(next.start)}: no window starts in or runs across the gap.`);
  }
  return { slots, notes };
}
