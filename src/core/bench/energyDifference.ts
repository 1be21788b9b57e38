// Does B use less energy per item than A, beyond the noise? Each model is measured in several
// windows (repeats of the whole set); the difference of their mean J/item gets a 95% Welch
// interval (unequal variances, Welch-Satterthwaite degrees of freedom), since the two models'
// windows are independent runs with their own spread. A saving is stated only when the interval
// excludes zero and the difference is above the meters' repeatability floor; otherwise the
// verdict is "no measurable difference".
import type { Provenance } from '../energy/provenance';

/** Fewer windows than this per model give no interval worth the name: compare measures at least this many. */
export const MIN_WINDOWS = 3;

/**
 * How compare runs each model: at least MIN_WINDOWS measured windows, after a warm-up over the
 * whole set (not metered), so the first model measured does not carry the process's warm-up
 * (code compiled on first use, caches, clocks) into its figures.
 */
export function comparePlan(repeats: number): { repeats: number; warmupBatches: number } {
  return { repeats: Math.max(MIN_WINDOWS, repeats), warmupBatches: Number.POSITIVE_INFINITY };
}

/**
 * The smallest difference, in % of A's energy per item, counted as real for each provenance,
 * whatever the interval says. Chosen, not measured: a counter's reading is exact to its step,
 * but the machine around it is not (clocks, temperature, other work: 2%); power x time adds the
 * samples' timing (5%); a model of power from load (TDP x load, W per GB) follows load and time,
 * not the work, so two runs of one model can differ by as much as the repeat-spread warning (10%).
 */
export const REPEATABILITY_PERCENT: Record<Provenance, number> = { measured: 2, sampled: 5, estimated: 10 };

export interface EnergyDifference {
  /** Mean J/item over each model's windows. */
  jPerItemA: number;
  jPerItemB: number;
  /** A minus B, J/item, with its 95% interval (NaN bounds with fewer than two windows a model). */
  savedJPerItem: number;
  low: number;
  high: number;
  windows: { a: number; b: number };
  /** The weaker provenance of the two runs, and its repeatability floor in %. */
  kind: Provenance;
  floorPercent: number;
  /** False: the interval holds zero, or the difference is under the floor, or too few windows. */
  measurable: boolean;
  /** (A - B) / A in %, with the interval's ends likewise; negative when B uses more. */
  savingPercent: number;
  savingLowPercent: number;
  savingHighPercent: number;
  /** "uses 12% less energy per item (B-A -12%, 95% CI -16% to -8%; 3 windows each, measured)" or "shows no measurable difference ...". */
  text: string;
}

/** Student's t 0.975 quantiles for 1-30 degrees of freedom. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
const Z975 = 1.959963984540054;

/** t's 0.975 quantile for `df` degrees of freedom (fractional: interpolated in 1/df; beyond 30, Cornish-Fisher). */
export function t975(df: number): number {
  if (!(df >= 1)) return Number.NaN;
  if (df > 30) {
    const z = Z975;
    return (
      z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2) // error < 1e-4 past 30
    );
  }
  const lo = Math.floor(df);
  const hi = Math.ceil(df);
  if (lo === hi) return T975[lo - 1]!;
  const w = (1 / df - 1 / hi) / (1 / lo - 1 / hi);
  return w * T975[lo - 1]! + (1 - w) * T975[hi - 1]!;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: readonly number[], m: number) => xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
const pct = (x: number) => `${Math.abs(x) < 10 ? x.toFixed(1) : x.toFixed(0)}%`;

const WEAKER: Provenance[] = ['estimated', 'sampled', 'measured'];

/** The energy difference between A's windows and B's (J/item each), and what can be said of it. */
export function energyDifference(
  a: readonly number[],
  b: readonly number[],
  kinds: { a: Provenance; b: Provenance },
): EnergyDifference {
  const kind = WEAKER.find((k) => k === kinds.a || k === kinds.b)!;
  const floorPercent = REPEATABILITY_PERCENT[kind];
  const mA = mean(a);
  const mB = mean(b);
  const saved = mA - mB;
  let low = Number.NaN;
  let high = Number.NaN;
  if (a.length >= 2 && b.length >= 2) {
    const sa = variance(a, mA) / a.length;
    const sb = variance(b, mB) / b.length;
    const se = Math.sqrt(sa + sb);
    // Welch-Satterthwaite; with no spread at all in either, the interval is the point.
    const df = se > 0 ? (sa + sb) ** 2 / (sa ** 2 / (a.length - 1) + sb ** 2 / (b.length - 1)) : Infinity;
    const half = se > 0 ? t975(df) * se : 0;
    low = saved - half;
    high = saved + half;
  }
  const toPercent = (j: number) => (j / mA) * 100;
  const savingPercent = toPercent(saved);
  const enough = a.length >= MIN_WINDOWS && b.length >= MIN_WINDOWS;
  const excludesZero = low > 0 || high < 0;
  const aboveFloor = Math.abs(savingPercent) >= floorPercent;
  const measurable = enough && excludesZero && aboveFloor;
  // Said as B minus A, in % of A, the interval likewise: -50% is B using half the energy.
  const signed = (x: number) => `${x > 0 ? '+' : x < 0 ? '-' : ''}${pct(Math.abs(x))}`;
  const interval = Number.isFinite(low)
    ? `, 95% CI ${signed(-toPercent(high))} to ${signed(-toPercent(low))}`
    : ', no interval';
  const windows =
    a.length === b.length
      ? `${a.length} window${a.length === 1 ? '' : 's'} each`
      : `${a.length} and ${b.length} windows`;
  const basis = `B-A ${signed(-savingPercent)}${interval}; ${windows}, ${kind}`;
  let text: string;
  if (measurable)
    text = `uses ${pct(Math.abs(savingPercent))} ${saved > 0 ? 'less' : 'more'} energy per item (${basis})`;
  else {
    const why = !enough
      ? `fewer than ${MIN_WINDOWS} windows a model`
      : !excludesZero
        ? 'the interval holds zero'
        : `under the ${floorPercent}% repeatability of ${kind} figures`;
    text = `shows no measurable difference in energy per item (${basis}: ${why})`;
  }
  return {
    jPerItemA: mA,
    jPerItemB: mB,
    savedJPerItem: saved,
    low,
    high,
    windows: { a: a.length, b: b.length },
    kind,
    floorPercent,
    measurable,
    savingPercent,
    savingLowPercent: toPercent(low),
    savingHighPercent: toPercent(high),
    text,
  };
}
