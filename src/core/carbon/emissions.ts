import type { WindowResult } from '../energy/meter';
import type { Component, Provenance } from '../energy/provenance';
import { dataset, type CloudProvider, type CloudRegionRow, type DatasetName } from './datasets';
import { regionFigure, type IntensityFigure } from './intensity';

export const JOULES_PER_KWH = 3.6e6;

/**
 * gCO2e = energy (kWh) x grid intensity (gCO2e/kWh) x PUE. PUE (power usage effectiveness)
 * scales the machine's energy to the data centre's: 1.0 for a laptop or desktop, typically
 * 1.1-1.2 in large cloud data centres, around 1.5-1.6 as an industry-wide average (see docs/measurement.md).
 */
export function emissionsGrams(energyKwh: number, gco2PerKwh: number, pue = 1): number {
  if (!(energyKwh >= 0)) throw new RangeError(`Energy must be >= 0 kWh, not ${energyKwh}.`);
  if (!(pue >= 1)) throw new RangeError(`PUE must be >= 1, not ${pue}.`);
  return energyKwh * gco2PerKwh * pue;
}

export interface RegionEmission {
  figure: IntensityFigure;
  grams: number;
  /** Saving against the reference region, in % of its emissions; negative when worse. */
  savingPercent?: number;
}

export interface RegionComparisonOptions {
  dataset?: DatasetName;
  /** Only these providers (default: all in the dataset). */
  providers?: CloudProvider[];
  /** Only these region ids. */
  regions?: string[];
  /** The reference: each row's saving is against it. */
  from?: IntensityFigure;
  pue?: number;
}

/** The same energy in every region (of a provider, or a list), cleanest first. */
export function compareRegions(energyKwh: number, options: RegionComparisonOptions = {}): RegionEmission[] {
  const name = options.dataset ?? 'latest';
  const rows = dataset(name)
    .regions()
    .filter((r: CloudRegionRow) => !options.providers || options.providers.includes(r.provider))
    .filter((r) => !options.regions || options.regions.includes(r.region));
  const ref = options.from;
  const refGrams = ref && emissionsGrams(energyKwh, ref.gco2PerKwh, options.pue);
  return rows
    .map((r): RegionEmission => {
      const grams = emissionsGrams(energyKwh, r.gco2PerKwh, options.pue);
      const savingPercent = ref ? (ref.gco2PerKwh === 0 ? 0 : (1 - r.gco2PerKwh / ref.gco2PerKwh) * 100) : undefined;
      return { figure: regionFigure(r, name), grams, ...(refGrams !== undefined && { savingPercent }) };
    })
    .sort((a, b) => a.figure.gco2PerKwh - b.figure.gco2PerKwh || a.figure.region!.localeCompare(b.figure.region!));
}

export interface Projection {
  kwhPerDay: number;
  kwhPerYear: number;
  kgPerDay: number;
  kgPerYear: number;
}

/** Energy per request x requests per day, at one intensity. */
export function project(energyPerRequestKwh: number, requestsPerDay: number, gco2PerKwh: number, pue = 1): Projection {
  if (!(requestsPerDay >= 0)) throw new RangeError(`Requests per day must be >= 0, not ${requestsPerDay}.`);
  const kwhPerDay = energyPerRequestKwh * requestsPerDay;
  const kgPerDay = emissionsGrams(kwhPerDay, gco2PerKwh, pue) / 1000;
  return { kwhPerDay, kwhPerYear: kwhPerDay * 365, kgPerDay, kgPerYear: kgPerDay * 365 };
}

export interface WindowEmissions {
  grams: number;
  /** From the idle-subtracted energy, when the window has a baseline. */
  netGrams?: number;
  components: { component: Component; grams: number; kind: Provenance }[];
}

/** The emissions of a meter window (a benchmark, a run, a session) at one intensity. */
export function windowEmissions(window: WindowResult, gco2PerKwh: number, pue = 1): WindowEmissions {
  const g = (joules: number) => emissionsGrams(Math.max(0, joules) / JOULES_PER_KWH, gco2PerKwh, pue);
  return {
    grams: g(window.totalJ),
    ...(window.netJ !== undefined && { netGrams: g(window.netJ) }),
    components: window.components.map((c) => ({ component: c.component, grams: g(c.energyJ), kind: c.kind })),
  };
}
