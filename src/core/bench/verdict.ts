// Is model B as good as model A, and what does it save? A paired non-inferiority comparison on
// the same items: B is "as good" when the 95% interval of its per-item score minus A's stays
// above -tolerance; "worse" when it lies wholly below; otherwise the sample cannot tell. The
// energy: the difference of the two models' mean J/item over their windows, with a 95% Welch
// interval (energyDifference.ts); a saving is said only when it is beyond the noise.
import { emissionsGrams, JOULES_PER_KWH } from '../carbon/emissions';
import type { IntensityFigure } from '../carbon/intensity';
import type { BenchResult } from './harness';
import { joulesText } from '../units';
import { energyDifference, type EnergyDifference } from './energyDifference';
import { meanInterval, type Mean } from './metrics';

export interface Verdict {
  metric: string;
  tolerance: number;
  /** B minus A on the primary metric, per item, with its paired 95% interval. */
  difference: Mean;
  outcome: 'as-good' | 'worse' | 'inconclusive';
  /** A minus B in J/item over the windows, its interval, and whether it is beyond the noise. */
  energy: EnergyDifference;
  /** (A - B) / A of mean energy per item, in %; negative when B uses more (see `energy.measurable`). */
  energySavingPercent: number;
  /** Means over each model's windows (total energy, the record's `result.repeats`). */
  jPerItemA: number;
  jPerItemB: number;
  kwhSavedPerMillionItems: number;
  kgCo2SavedPerMillionItems?: number;
  /** Which energy per item the saving compares, and why. */
  energyBasis: string;
  /** Where both runs measured the model apart from input preparation: that saving too. */
  modelApart?: { jPerItemA: number; jPerItemB: number; savingPercent: number };
  /** Language models: each one's decode energy per output token (answers may differ in length). */
  jPerOutputToken?: { a: number; b: number };
  sentence: string;
}

export const DEFAULT_TOLERANCE = 0.02;

export function compareResults(
  a: BenchResult,
  b: BenchResult,
  tolerance = DEFAULT_TOLERANCE,
  intensity?: IntensityFigure,
  pue = 1,
): Verdict {
  if (a.scores.length !== b.scores.length)
    throw new Error(`The two runs scored different items (${a.scores.length} and ${b.scores.length}).`);
  const sign = a.quality.primary.higherIsBetter ? 1 : -1;
  const difference = meanInterval(b.scores.map((s, i) => sign * (s - a.scores[i])));
  // With identical answers the interval is a point: compare the mean itself.
  const low = Number.isFinite(difference.low) ? difference.low : difference.value;
  const high = Number.isFinite(difference.high) ? difference.high : difference.value;
  const outcome = low > -tolerance ? 'as-good' : high < -tolerance ? 'worse' : 'inconclusive';
  const energy = energyDifference(
    a.repeats.map((r) => r.jPerItem),
    b.repeats.map((r) => r.jPerItem),
    { a: a.summary.kind, b: b.summary.kind },
  );
  const jA = energy.jPerItemA;
  const jB = energy.jPerItemB;
  const kwhSaved = ((jA - jB) * 1e6) / JOULES_PER_KWH;
  const kgSaved = intensity
    ? (Math.sign(kwhSaved) * emissionsGrams(Math.abs(kwhSaved), intensity.gco2PerKwh, pue)) / 1000
    : undefined;
  const saving = ((jA - jB) / jA) * 100;
  const metric = a.quality.primary.metric;
  const diff = `${metric} B-A ${difference.value >= 0 ? '+' : ''}${difference.value.toFixed(3)} (95% CI ${low.toFixed(3)} to ${high.toFixed(3)}, n=${difference.n})`;
  const quality = {
    'as-good': `B is as good as A within ${tolerance} ${metric}`,
    worse: `B is worse than A by more than ${tolerance} ${metric}`,
    inconclusive: `these ${difference.n} items cannot tell whether B is within ${tolerance} ${metric} of A: compare them on more items`,
  }[outcome];
  const mA = a.phases?.model.jPerItem;
  const mB = b.phases?.model.jPerItem;
  const modelApart =
    mA !== undefined && mB !== undefined
      ? { jPerItemA: mA, jPerItemB: mB, savingPercent: ((mA - mB) / mA) * 100 }
      : undefined;
  const pipelined = !!(a.runtime?.pipeline && b.runtime?.pipeline);
  const energyBasis = pipelined
    ? 'end to end, pipelined (inputs prepared while the model runs): what serving these items costs, preparation included'
    : 'end to end: the whole measured run';
  // Shown only beside a saving beyond the noise: the model-apart windows are single and short.
  const apartText =
    modelApart && energy.measurable
      ? ` (the model alone, measured apart: ${modelApart.savingPercent >= 0 ? `${modelApart.savingPercent.toFixed(0)}% less` : `${(-modelApart.savingPercent).toFixed(0)}% more`})`
      : '';
  const ta = a.generation?.jPerOutputToken;
  const tb = b.generation?.jPerOutputToken;
  const tokens = ta !== undefined && tb !== undefined ? { a: ta, b: tb } : undefined;
  return {
    metric,
    tolerance,
    difference,
    outcome,
    energy,
    energySavingPercent: saving,
    jPerItemA: jA,
    jPerItemB: jB,
    kwhSavedPerMillionItems: kwhSaved,
    ...(kgSaved !== undefined && { kgCo2SavedPerMillionItems: kgSaved }),
    energyBasis,
    ...(modelApart && { modelApart }),
    ...(tokens && { jPerOutputToken: tokens }),
    sentence: `${quality} (${diff}), and B ${energy.text}${pipelined ? ' end to end, pipelined as a deployment runs it' : ''}${apartText}.${tokens ? ` Per output token while decoding: A ${joulesText(tokens.a)}, B ${joulesText(tokens.b)}.` : ''}`,
  };
}

/** The verdict as kept with each record of the pair, so the history, the panel and the exports carry it. */
export interface Comparison {
  /** This record's place in the pair: A the reference, B the candidate. */
  role: 'A' | 'B';
  otherRunId: string;
  otherModel: string;
  metric: string;
  tolerance: number;
  outcome: Verdict['outcome'];
  energy: EnergyDifference;
  sentence: string;
}

export function comparisonOf(verdict: Verdict, role: 'A' | 'B', other: { runId: string; model: string }): Comparison {
  return {
    role,
    otherRunId: other.runId,
    otherModel: other.model,
    metric: verdict.metric,
    tolerance: verdict.tolerance,
    outcome: verdict.outcome,
    energy: verdict.energy,
    sentence: verdict.sentence,
  };
}
