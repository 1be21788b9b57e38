// What to suggest for a model or a region, and the evidence behind it. A model suggestion needs
// evidence: a comparison measured on this machine ranks first, a published one second; with
// neither there is no suggestion.
import type { RunSummary } from '../bench/history';
import { dataset, type CloudRegionRow, type DatasetName } from '../carbon/datasets';
import { zoneToRegion } from '../carbon/intensity';
import type { TypicalDay } from '../carbon/forecast';
import { parseCron } from './cron';
import { modelRef, publishedAlternatives, publishedEnergySaving, sameModel, writeLike } from './catalogue';
import { swapMisfit } from './modelUse';

export interface AdvisorOptions {
  /** Largest quality loss, in % of the larger model's score, that still counts as "as good". */
  tolerancePercent: number;
  /** Where a greener region may be: the same country, the same continent, or anywhere. */
  regionScope: 'country' | 'continent' | 'any';
  /** Smallest saving worth a suggestion, in %. */
  minSavingPercent: number;
  dataset: DatasetName;
  /** Benchmarks run on this machine (carbonlens-runs.jsonl). */
  history: readonly RunSummary[];
  /** The place's typical day (mean intensity per UTC hour), for advice on cron schedules. */
  typicalDay?: TypicalDay;
}

export const DEFAULT_ADVISOR_OPTIONS: AdvisorOptions = {
  tolerancePercent: 5,
  regionScope: 'continent',
  minSavingPercent: 20,
  dataset: 'latest',
  history: [],
};

export interface ModelSuggestion {
  kind: 'model';
  replacement: string;
  evidence: 'measured-here' | 'published';
  /** One line per metric: both scores, the metric and its direction. */
  quality: string[];
  /** The first metric, for the one-line message: the suggestion's score against the current model's. */
  headline: { metric: string; suggested: number; current: number; higherIsBetter: boolean; on: string; by: string };
  params?: { from: number | null; to: number | null };
  /** Energy saving per item, in %, when measured or published. */
  savingPercent?: number;
  energy?: string;
  sources: string[];
  /** The catalogue's task name. */
  task: string;
  /** The quality loss allowed, in % of the larger model's score. */
  tolerancePercent: number;
}

export interface RegionSuggestion {
  kind: 'region';
  replacement: string;
  provider: string;
  from: { region: string; location: string; gco2PerKwh: number; year: number | null };
  to: { region: string; location: string; gco2PerKwh: number; year: number | null };
  savingPercent: number;
  sources: string[];
}

export interface ScheduleSuggestion {
  kind: 'schedule';
  replacement: string;
  from: { hour: number; gco2PerKwh: number };
  to: { hour: number; gco2PerKwh: number };
  savingPercent: number;
  /** Where and when the typical day comes from. */
  location: string;
  period: string;
  sources: string[];
}

export type Suggestion = ModelSuggestion | RegionSuggestion | ScheduleSuggestion;

/** Whether a replacement would work where the model is used (see modelUse.ts); everything fits by default. */
export type Fits = (replacement: string) => boolean;

export const withinTolerance = (large: number, small: number, higherIsBetter: boolean, tolerancePercent: number) => {
  const loss = higherIsBetter ? large - small : small - large;
  return loss <= (Math.abs(large) * tolerancePercent) / 100;
};
/** "top-1 accuracy % (GREEN 2023 study measurement; higher is better)" -> "top-1 accuracy %". */
const metricName = (metric: string) => metric.replace(/\s*\((?:[^()]*\b(?:higher|lower) is better[^()]*)\)/, '');
const score = (x: number) => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4))));

/** A smaller model measured on this machine: same task, set and metric, less energy, quality as good. */
function measuredHere(id: string, options: AdvisorOptions, fits: Fits): ModelSuggestion | undefined {
  const mine = options.history.filter((r) => sameModel(r.model, id));
  let best: { ours: RunSummary; theirs: RunSummary } | undefined;
  for (const ours of mine) {
    for (const theirs of options.history) {
      if (
        sameModel(theirs.model, id) ||
        !fits(theirs.model) ||
        theirs.task !== ours.task ||
        theirs.dataset !== ours.dataset ||
        theirs.quality.metric !== ours.quality.metric
      )
        continue;
      if (
        theirs.jPerItem >= ours.jPerItem ||
        !withinTolerance(
          ours.quality.value,
          theirs.quality.value,
          ours.quality.higherIsBetter,
          options.tolerancePercent,
        )
      )
        continue;
      if (!best || theirs.jPerItem / ours.jPerItem < best.theirs.jPerItem / best.ours.jPerItem) best = { ours, theirs };
    }
  }
  if (!best) return undefined;
  const { ours, theirs } = best;
  const q = (r: RunSummary) =>
    `${r.quality.value.toFixed(3)}${Number.isFinite(r.quality.low) ? ` (95% CI ${r.quality.low.toFixed(3)}-${r.quality.high.toFixed(3)})` : ''}`;
  const j = (x: number) => (x >= 1 ? `${x.toPrecision(3)} J` : `${(x * 1000).toPrecision(3)} mJ`);
  return {
    kind: 'model',
    replacement: theirs.model,
    evidence: 'measured-here',
    quality: [
      `${ours.quality.metric}: ${q(theirs)} for ${theirs.model} vs ${q(ours)} for ${ours.model} (${ours.quality.higherIsBetter ? 'higher' : 'lower'} is better) on ${ours.items} items of ${ours.dataset}`,
    ],
    headline: {
      metric: ours.quality.metric,
      suggested: theirs.quality.value,
      current: ours.quality.value,
      higherIsBetter: ours.quality.higherIsBetter,
      on: `${ours.items} items of ${ours.dataset}`,
      by: 'measured on this machine',
    },
    savingPercent: (1 - theirs.jPerItem / ours.jPerItem) * 100,
    energy: `${j(ours.jPerItem)} vs ${j(theirs.jPerItem)} per item (${ours.kind}/${theirs.kind}), measured here on ${ours.device} and ${theirs.device}`,
    sources: [`CarbonLens benchmarks of ${ours.timestamp.slice(0, 10)} and ${theirs.timestamp.slice(0, 10)}`],
    task: ours.task,
    tolerancePercent: options.tolerancePercent,
  };
}

function published(id: string, options: AdvisorOptions, fits: Fits): ModelSuggestion | undefined {
  const ref = modelRef(id);
  if (!ref) return undefined;
  const candidates: ModelSuggestion[] = [];
  for (const [small, rows] of publishedAlternatives(ref.canonical)) {
    if (!fits(small) || swapMisfit(id, small, undefined)) continue;
    // Verified figures first: SOURCES.md flags the study's unverified TrOCR row.
    const scored = rows
      .filter((r) => r.largeScore !== null && r.smallScore !== null)
      .sort((a, b) => Number(/NOT verified/i.test(a.source)) - Number(/NOT verified/i.test(b.source)));
    if (
      scored.length === 0 ||
      !scored.every((r) => withinTolerance(r.largeScore!, r.smallScore!, r.higherIsBetter, options.tolerancePercent))
    )
      continue;
    const saving = publishedEnergySaving(ref.canonical, small);
    candidates.push({
      kind: 'model',
      replacement: writeLike(small, ref.style),
      evidence: 'published',
      quality: scored.map(
        (r) =>
          `${metricName(r.metric)}: ${score(r.smallScore!)} for ${writeLike(small, ref.style)} vs ${score(r.largeScore!)} for ${id} (${r.higherIsBetter ? 'higher' : 'lower'} is better) on ${r.dataset}`,
      ),
      headline: {
        metric: metricName(scored[0]!.metric),
        suggested: scored[0]!.smallScore!,
        current: scored[0]!.largeScore!,
        higherIsBetter: scored[0]!.higherIsBetter,
        on: scored[0]!.dataset,
        by: /GREEN 2023 study/.test(scored[0]!.source) ? 'the study' : 'published',
      },
      params: { from: rows[0].largeParamsM, to: rows[0].smallParamsM },
      savingPercent: saving?.percent,
      energy:
        saving && `${saving.percent.toFixed(0)}% less energy in the study (${saving.workload}, ${saving.hardware})`,
      sources: [...new Set([...scored.map((r) => r.source), ...(saving ? [saving.source] : [])])],
      task: rows[0].task,
      tolerancePercent: options.tolerancePercent,
    });
  }
  // The best saving known, then the fewest parameters.
  candidates.sort(
    (a, b) =>
      (b.savingPercent ?? -1) - (a.savingPercent ?? -1) || (a.params?.to ?? Infinity) - (b.params?.to ?? Infinity),
  );
  return candidates[0];
}

/** `fits` says whether a replacement works where the id is used (the class or task that loads it). */
export function suggestModel(
  id: string,
  options: AdvisorOptions,
  fits: Fits = () => true,
): ModelSuggestion | undefined {
  return measuredHere(id, options, fits) ?? published(id, options, fits);
}

const CONTINENT: Record<string, string> = {
  USA: 'NA',
  CAN: 'NA',
  MEX: 'NA',
  BRA: 'SA',
  CHL: 'SA',
  BEL: 'EU',
  CHE: 'EU',
  DEU: 'EU',
  ESP: 'EU',
  FIN: 'EU',
  FRA: 'EU',
  GBR: 'EU',
  IRL: 'EU',
  ITA: 'EU',
  NLD: 'EU',
  NOR: 'EU',
  POL: 'EU',
  SWE: 'EU',
  CHN: 'AS',
  HKG: 'AS',
  IDN: 'AS',
  IND: 'AS',
  JPN: 'AS',
  KOR: 'AS',
  SGP: 'AS',
  TWN: 'AS',
  ARE: 'ME',
  BHR: 'ME',
  ISR: 'ME',
  QAT: 'ME',
  SAU: 'ME',
  ZAF: 'AF',
  AUS: 'OC',
  NZL: 'OC',
};

/** The cloud region a value names (a zone names its region), or undefined. */
function regionRow(value: string, name: DatasetName): CloudRegionRow | undefined {
  const id = value.trim().toLowerCase();
  const rows = dataset(name).regions();
  return rows.find((r) => r.region === id) ?? rows.find((r) => r.region === zoneToRegion(id));
}

export function suggestRegion(value: string, options: AdvisorOptions): RegionSuggestion | undefined {
  const from = regionRow(value, options.dataset);
  if (!from) return undefined;
  const inScope = (r: CloudRegionRow) =>
    options.regionScope === 'any' ||
    (options.regionScope === 'country'
      ? r.countryIso3 === from.countryIso3
      : CONTINENT[r.countryIso3] !== undefined && CONTINENT[r.countryIso3] === CONTINENT[from.countryIso3]);
  const best = dataset(options.dataset)
    .regions()
    .filter((r) => r.provider === from.provider && r.region !== from.region && inScope(r))
    .sort((a, b) => a.gco2PerKwh - b.gco2PerKwh)[0];
  if (!best || from.gco2PerKwh <= 0) return undefined;
  const savingPercent = (1 - best.gco2PerKwh / from.gco2PerKwh) * 100;
  if (savingPercent < options.minSavingPercent) return undefined;
  // A zone suggests a region: the zone letters of another region mean nothing.
  return {
    kind: 'region',
    replacement: best.region,
    provider: from.provider,
    from: { region: from.region, location: from.location, gco2PerKwh: from.gco2PerKwh, year: from.year },
    to: { region: best.region, location: best.location, gco2PerKwh: best.gco2PerKwh, year: best.year },
    savingPercent,
    sources: [...new Set([from.source, best.source])],
  };
}

/** A cron job at a fixed hour moved to the hour of the typical day with the lowest mean intensity. */
export function suggestSchedule(value: string, options: AdvisorOptions): ScheduleSuggestion | undefined {
  const day = options.typicalDay;
  const fixed = parseCron(value)?.fixed;
  if (!day || !fixed) return undefined;
  const at = day.hours.find((h) => h.hour === fixed.hour);
  const best = [...day.hours].sort((a, b) => a.mean - b.mean || a.hour - b.hour)[0];
  if (!at || !best || best.hour === fixed.hour || at.mean <= 0) return undefined;
  const savingPercent = (1 - best.mean / at.mean) * 100;
  if (savingPercent < options.minSavingPercent) return undefined;
  return {
    kind: 'schedule',
    replacement: `${fixed.minute} ${best.hour} ${fixed.rest}`,
    from: { hour: fixed.hour, gco2PerKwh: at.mean },
    to: { hour: best.hour, gco2PerKwh: best.mean },
    savingPercent,
    location: day.location,
    period: `${day.from} to ${day.to}`,
    sources: [day.source],
  };
}
