// What to suggest for a model or a region, and the evidence behind it. A model suggestion needs
// evidence: a comparison measured on this machine ranks first, a published one second; with
// neither there is no suggestion.
import type { RunSummary } from '../bench/history';
import { dataset, type CloudRegionRow, type DatasetName } from '../carbon/datasets';
import { zoneToRegion } from '../carbon/intensity';
import type { TypicalDay } from '../carbon/forecast';
import { type CronZone, fromUtc, parseCron, toUtc } from './cron';
import {
  acceleratorLabel,
  acceleratorSource,
  acceleratorZones,
  continentOf,
  countryName,
  partitionOf,
  zonesOf,
  zonesSource,
} from './regionData';
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
  regionScope: 'country',
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
  /** Country names of both regions: a suggestion abroad says so. */
  countries: { from: string; to: string };
  /** Zones of the new region for the config's zones, those offering its accelerators first. */
  zones?: string[];
  /** Accelerators the config names, which the new region offers. */
  accelerators?: string[];
  sources: string[];
}

export interface ScheduleSuggestion {
  kind: 'schedule';
  replacement: string;
  /** Hours in the schedule's zone, and in UTC (the typical day's). */
  from: { hour: number; utcHour: number; gco2PerKwh: number };
  to: { hour: number; utcHour: number; gco2PerKwh: number };
  /** The schedule's time zone, and what was assumed when the file does not state it. */
  zone: string;
  zoneAssumed?: string;
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

/** The cloud region a value names (a zone names its region), or undefined. */
export function regionRow(value: string, name: DatasetName): CloudRegionRow | undefined {
  const id = value.trim().toLowerCase();
  let byId = regionRows.get(name);
  if (!byId) {
    byId = new Map();
    // The first row of each region, as a search in the table's order finds it.
    for (const r of dataset(name).regions()) if (!byId.has(r.region)) byId.set(r.region, r);
    regionRows.set(name, byId);
  }
  return byId.get(id) ?? byId.get(zoneToRegion(id) ?? '');
}
const regionRows = new Map<DatasetName, Map<string, CloudRegionRow>>();

/** What a region's config asks of another region: its accelerators, and zones to map its zones to. */
export interface RegionNeeds {
  /** Accelerators the config names (regionData's names: `tpu-v5e`, `h100`, ...). */
  accelerators?: readonly string[];
  /** Distinct zones of the region in the config, each needing a zone of the new region. */
  zones?: number;
}

export interface RegionChoice {
  suggestion?: RegionSuggestion;
  /** Why there is none, for a hover: "already among the cleanest in Canada". */
  reason: string;
}

/** The zones of `region` offering every accelerator named, or undefined where the data does not say. */
function usableZones(provider: string, region: string, accelerators: readonly string[]): readonly string[] | undefined {
  let zones = zonesOf(provider, region);
  for (const a of accelerators) {
    const offering = acceleratorZones(provider, a);
    if (!offering) return undefined;
    const here = offering.filter((z) => z.startsWith(`${region}-`) || zoneToRegion(z) === region);
    zones = zones ? zones.filter((z) => here.includes(z)) : here;
  }
  return zones;
}

/** The cleanest region in scope that can take the workload, or why there is none. */
export function chooseRegion(value: string, options: AdvisorOptions, needs: RegionNeeds = {}): RegionChoice {
  const from = regionRow(value, options.dataset);
  if (!from) return { reason: `${value} is not a region in the ${options.dataset} dataset` };
  const fromCountry = countryName(from.countryIso3);
  const accelerators = needs.accelerators ?? [];
  const uncovered = accelerators.filter((a) => !acceleratorZones(from.provider, a));
  if (uncovered.length)
    return {
      reason: `the config names ${uncovered.map(acceleratorLabel).join(', ')}, and CarbonLens has no data on which ${from.provider} regions offer it`,
    };
  const partition = partitionOf(from.provider, from.region);
  const inScope = (r: CloudRegionRow) =>
    options.regionScope === 'any' ||
    (options.regionScope === 'country'
      ? r.countryIso3 === from.countryIso3
      : continentOf(r.countryIso3) !== undefined && continentOf(r.countryIso3) === continentOf(from.countryIso3));
  const scopeText =
    options.regionScope === 'country'
      ? `in ${fromCountry}`
      : options.regionScope === 'continent'
        ? `on ${fromCountry}'s continent`
        : `of ${from.provider}`;
  if (from.gco2PerKwh <= 0) return { reason: `${from.region} has no positive intensity figure` };
  const candidates = dataset(options.dataset)
    .regions()
    .filter(
      (r) =>
        r.provider === from.provider &&
        r.region !== from.region &&
        partitionOf(r.provider, r.region) === partition &&
        inScope(r),
    )
    .sort((a, b) => a.gco2PerKwh - b.gco2PerKwh);
  const cleaner = candidates.filter((r) => (1 - r.gco2PerKwh / from.gco2PerKwh) * 100 >= options.minSavingPercent);
  if (!cleaner.length)
    return {
      reason: `already among the cleanest ${scopeText}${partition !== from.provider ? ` (${partition} partition)` : ''}: no region there emits ${options.minSavingPercent}% less`,
    };
  const zonesNeeded = needs.zones ?? 0;
  for (const best of cleaner) {
    let zones: readonly string[] | undefined;
    if (accelerators.length || zonesNeeded > 0) {
      zones = usableZones(from.provider, best.region, accelerators);
      if (!zones || zones.length === 0 || zones.length < zonesNeeded) continue;
    }
    const savingPercent = (1 - best.gco2PerKwh / from.gco2PerKwh) * 100;
    const zoneSource = zones ? zonesSource(from.provider, best.region) : undefined;
    const accSources = accelerators.map((a) => acceleratorSource(from.provider, a)).filter((x): x is string => !!x);
    return {
      reason: '',
      suggestion: {
        kind: 'region',
        replacement: best.region,
        provider: from.provider,
        from: { region: from.region, location: from.location, gco2PerKwh: from.gco2PerKwh, year: from.year },
        to: { region: best.region, location: best.location, gco2PerKwh: best.gco2PerKwh, year: best.year },
        savingPercent,
        countries: { from: fromCountry, to: countryName(best.countryIso3) },
        ...(zones && { zones: [...zones] }),
        ...(accelerators.length && { accelerators: [...accelerators] }),
        sources: [...new Set([from.source, best.source, ...(zoneSource ? [zoneSource] : []), ...accSources])],
      },
    };
  }
  return {
    reason: accelerators.length
      ? `no cleaner region ${scopeText} offers ${accelerators.map(acceleratorLabel).join(' and ')} in the data`
      : `no cleaner region ${scopeText} has zones in CarbonLens's data to move the config's zones to`,
  };
}

/** A cleaner region for a value on its own (a zone gets a zone of the new region); see chooseRegion. */
export function suggestRegion(
  value: string,
  options: AdvisorOptions,
  needs?: RegionNeeds,
): RegionSuggestion | undefined {
  const id = value.trim().toLowerCase();
  const row = regionRow(id, options.dataset);
  if (!row) return undefined;
  const isZone = row.region !== id;
  const s = chooseRegion(value, options, { ...needs, zones: Math.max(needs?.zones ?? 0, isZone ? 1 : 0) }).suggestion;
  if (s && isZone && s.zones) return { ...s, replacement: s.zones[0]! };
  return s;
}

/**
 * A cron job at a fixed hour moved to the hour of the typical day (UTC) with the lowest mean
 * intensity; hours compared in UTC, written in the schedule's zone (default UTC).
 */
export function suggestSchedule(
  value: string,
  options: AdvisorOptions,
  /** null: a zone that cannot be read, so no advice. */
  zone: CronZone | null = { zone: 'UTC', offsetMinutes: 0 },
): ScheduleSuggestion | undefined {
  const day = options.typicalDay;
  const fixed = parseCron(value)?.fixed;
  if (!day || !fixed || !zone) return undefined;
  const utc = toUtc(fixed, zone);
  const at = day.hours.find((h) => h.hour === utc.hour);
  const best = [...day.hours].sort((a, b) => a.mean - b.mean || a.hour - b.hour)[0];
  if (!at || !best || best.hour === utc.hour || at.mean <= 0) return undefined;
  const savingPercent = (1 - best.mean / at.mean) * 100;
  if (savingPercent < options.minSavingPercent) return undefined;
  const moved = fromUtc({ hour: best.hour, minute: utc.minute }, zone);
  return {
    kind: 'schedule',
    replacement: `${moved.minute} ${moved.hour} ${fixed.rest}`,
    from: { hour: fixed.hour, utcHour: utc.hour, gco2PerKwh: at.mean },
    to: { hour: moved.hour, utcHour: best.hour, gco2PerKwh: best.mean },
    zone: zone.zone,
    ...(zone.assumed && { zoneAssumed: zone.assumed }),
    savingPercent,
    location: day.location,
    period: `${day.from} to ${day.to}`,
    sources: [day.source],
  };
}
