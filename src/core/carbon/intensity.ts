import { sourceName } from '../citations';
import { intensityText } from '../units';
import { ISO_ALPHA2_TO_ALPHA3 } from '../../generated/intensityTables';
import { dataset, type CloudProvider, type CloudRegionRow, type DatasetName } from './datasets';

/** A grid carbon intensity and where it comes from. Every figure shown to a person is one. */
export interface IntensityFigure {
  gco2PerKwh: number;
  /** What the input matched. */
  scope: 'cloud-region' | 'country' | 'subnational' | 'explicit' | 'live';
  provider?: CloudProvider;
  /** The cloud region id, for a cloud region. */
  region?: string;
  /** A place a person recognises. */
  location: string;
  countryIso3?: string;
  dataset: DatasetName | 'explicit' | 'live';
  source: string;
  year: number | null;
  /** Set when a live figure was wanted and this embedded one stands in: why. */
  fallback?: string;
  /** For a live figure: the time it is for (ISO 8601). */
  datetime?: string;
}

/** `location` and `place` are the same free text (`resolvePlace`): a region id, a country, a place. */
export type IntensityQuery =
  | { intensity: number }
  | { region: string }
  | { location: string }
  | { place: string }
  | { country: string };

export interface LookupOptions {
  dataset?: DatasetName;
  /** Limits region and location matches to one provider. */
  provider?: CloudProvider;
}

/** Unknown or ambiguous input: the message lists the close matches. */
export class LookupError extends Error {
  constructor(
    message: string,
    readonly candidates: string[],
    /** Says what the candidates are when there are several. */
    lead = 'Close matches',
  ) {
    super(
      candidates.length
        ? `${message} ${candidates.length === 1 ? `Did you mean ${candidates[0]}?` : `${lead}: ${candidates.join('; ')}.`}`
        : message,
    );
  }
}

/** Lower case, no diacritics, single spaces: "Sāo Paulo" and "sao  paulo" are the same place. */
export const normalisePlace = (s: string) =>
  s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();

/** "gcp us-west1 (Oregon, 79.2 gCO2e/kWh, Google Cloud 2024)": the text that names it alone, then what it is. */
const describeRegion = (r: CloudRegionRow) =>
  `${r.provider} ${r.region} (${r.location || r.countryIso3}, ${intensityText(r.gco2PerKwh)}, ${sourceName(r.source, r.year)})`;

export function regionFigure(r: CloudRegionRow, name: DatasetName): IntensityFigure {
  return {
    gco2PerKwh: r.gco2PerKwh,
    scope: 'cloud-region',
    provider: r.provider,
    region: r.region,
    location: r.location || r.countryIso3,
    countryIso3: r.countryIso3,
    dataset: name,
    source: r.source,
    year: r.year,
  };
}

export function resolveIntensity(query: IntensityQuery, options: LookupOptions = {}): IntensityFigure {
  if ('intensity' in query) {
    const g = query.intensity;
    if (!Number.isFinite(g) || g < 0)
      throw new LookupError(`An intensity must be a number of gCO2e/kWh >= 0, not ${g}.`, []);
    return {
      gco2PerKwh: g,
      scope: 'explicit',
      location: 'given intensity',
      dataset: 'explicit',
      source: 'given by the user',
      year: null,
    };
  }
  if ('region' in query) return resolveRegion(query.region, options);
  if ('country' in query) return resolveCountry(query.country, options);
  return resolvePlace('place' in query ? query.place : query.location, options);
}

/** Cloud zones name their region: GCP `us-west4-a`, AWS `us-east-1a`. */
export function zoneToRegion(id: string): string | undefined {
  return /^([a-z]+-[a-z]+\d+)-[a-z]$/.exec(id)?.[1] ?? /^([a-z]{2}(?:-gov)?-[a-z]+-\d+)[a-z]$/.exec(id)?.[1];
}

function resolveRegion(input: string, options: LookupOptions): IntensityFigure {
  const name = options.dataset ?? 'latest';
  const id = input.trim().toLowerCase();
  const regions = dataset(name)
    .regions()
    .filter((r) => !options.provider || r.provider === options.provider);
  let matches = regions.filter((r) => r.region === id);
  if (matches.length === 0) {
    const region = zoneToRegion(id);
    if (region) matches = regions.filter((r) => r.region === region);
  }
  if (matches.length === 1) return regionFigure(matches[0]!, name);
  if (matches.length > 1)
    throw new LookupError(`'${input}' is a region of several providers.`, matches.map(describeRegion), 'Name one');
  const where = `${options.provider ? `${options.provider} ` : ''}region`;
  throw new LookupError(
    `No ${where} '${input}' in the ${name} dataset.`,
    closest(
      id,
      regions.map((r) => [r.region, describeRegion(r)]),
    ),
  );
}

function resolveCountry(input: string, options: LookupOptions): IntensityFigure {
  const name = options.dataset ?? 'latest';
  const countries = dataset(name).countries();
  if (countries.length === 0)
    throw new LookupError(
      `The ${name} dataset has no country figures: give a cloud region or a place, or use another dataset.`,
      [],
    );
  const code = input.trim().toUpperCase();
  // "UK" is reserved for the United Kingdom in ISO 3166-1 and is what people type.
  const iso3 = code.length === 2 ? (code === 'UK' ? 'GBR' : ISO_ALPHA2_TO_ALPHA3[code]) : code;
  const row =
    countries.find((c) => c.iso3 === iso3) ?? countries.find((c) => normalisePlace(c.name) === normalisePlace(input));
  if (row)
    return {
      gco2PerKwh: row.gco2PerKwh,
      scope: 'country',
      location: row.name,
      countryIso3: row.iso3,
      dataset: name,
      source: row.source,
      year: row.year,
    };
  const known = code.length === 2 && ISO_ALPHA2_TO_ALPHA3[code] !== undefined;
  throw new LookupError(
    known
      ? `No figure for country ${code} (${ISO_ALPHA2_TO_ALPHA3[code]}) in the ${name} dataset.`
      : `Unknown country '${input}': give an ISO 3166 code (DE or DEU) or a name.`,
    known
      ? []
      : closest(
          normalisePlace(input),
          countries.flatMap((c) => [
            [c.iso3.toLowerCase(), `${c.iso3} ${c.name}`] as [string, string],
            [normalisePlace(c.name), `${c.iso3} ${c.name}`] as [string, string],
          ]),
        ),
  );
}

/** The names a place goes by: "US West (Oregon)" -> itself, "US West", "Oregon"; "SE3 - Sweden ..." -> "SE3". */
function placeNames(location: string): string[] {
  const whole = normalisePlace(location);
  const names = new Set([whole]);
  for (const m of whole.matchAll(/\(([^)]+)\)/g)) names.add(m[1]!.trim());
  const outside = whole.replace(/\([^)]*\)/g, ' ');
  for (const part of outside.split(/,| - /)) if (part.trim()) names.add(part.trim().replace(/\s+/g, ' '));
  return [...names];
}

interface Place {
  names: string[];
  label: string;
  countryIso3?: string;
  /** Set for a country: its name, typed in full, means the country. */
  isCountry?: boolean;
  year: number | null;
  figure: () => IntensityFigure;
}

function places(options: LookupOptions): Place[] {
  const name = options.dataset ?? 'latest';
  const ds = dataset(name);
  const out: Place[] = ds
    .regions()
    .filter((r) => !options.provider || r.provider === options.provider)
    .filter((r) => r.location)
    .map((r) => ({
      names: placeNames(r.location),
      label: describeRegion(r),
      countryIso3: r.countryIso3,
      year: r.year,
      figure: () => regionFigure(r, name),
    }));
  if (options.provider) return out;
  for (const s of ds.subnational()) {
    out.push({
      names: placeNames(s.region),
      label: `${s.region}, ${s.countryIso3} (${intensityText(s.gco2PerKwh)}, ${sourceName(s.source, s.year)})`,
      countryIso3: s.countryIso3,
      year: s.year,
      figure: () => ({
        gco2PerKwh: s.gco2PerKwh,
        scope: 'subnational',
        location: s.region,
        countryIso3: s.countryIso3,
        dataset: name,
        source: s.source,
        year: s.year,
      }),
    });
  }
  for (const c of ds.countries()) {
    out.push({
      names: [normalisePlace(c.name)],
      label: `${c.name} (${c.iso3}, ${intensityText(c.gco2PerKwh)}, ${sourceName(c.source, c.year)})`,
      isCountry: true,
      countryIso3: c.iso3,
      year: c.year,
      figure: () => ({
        gco2PerKwh: c.gco2PerKwh,
        scope: 'country',
        location: c.name,
        countryIso3: c.iso3,
        dataset: name,
        source: c.source,
        year: c.year,
      }),
    });
  }
  return out;
}

/** A country code as people type it (DE, DEU, UK), as ISO alpha-3; undefined when it is none. */
export function countryCode(text: string): string | undefined {
  const code = text.trim().toUpperCase();
  if (code === 'UK') return 'GBR';
  if (code.length === 2) return ISO_ALPHA2_TO_ALPHA3[code];
  return code.length === 3 && Object.values(ISO_ALPHA2_TO_ALPHA3).includes(code) ? code : undefined;
}

function resolveLocation(input: string, options: LookupOptions): IntensityFigure {
  // "Quebec, CAN": a place name narrowed to one country.
  const narrowed = /^(.+),\s*([A-Za-z]{2,3})$/.exec(input.trim());
  const country = narrowed ? countryCode(narrowed[2]!) : undefined;
  const key = normalisePlace(country ? narrowed![1]! : input);
  const all = places(options).filter((p) => !country || p.countryIso3 === country);
  const matches = all.filter((p) => p.names.includes(key));
  // A country's name means the country, not a cloud region that carries the same name.
  const countries = matches.filter((p) => p.isCountry);
  if (countries.length === 1) return countries[0]!.figure();
  if (matches.length === 1) return matches[0]!.figure();
  if (matches.length > 1) {
    throw new LookupError(
      `'${input}' matches ${matches.length} places.`,
      matches.sort((a, b) => (b.year ?? 0) - (a.year ?? 0)).map((m) => m.label),
      'Name one (newest figure first)',
    );
  }
  throw new LookupError(
    `No place named '${input}' in the ${options.dataset ?? 'latest'} dataset: give its country (France or FR), a US state, Canadian province or Nordic zone, a cloud region id, or latitude,longitude with live intensity.`,
    closest(
      key,
      all.flatMap((p) => p.names.map((n): [string, string] => [n, p.label])),
    ),
  );
}

/** Up to five labels whose key is a near miss: a prefix, a substring, or a few edits away. */
export function closest(key: string, entries: [key: string, label: string][]): string[] {
  const scored = new Map<string, number>();
  for (const [k, label] of entries) {
    let score: number | undefined;
    if (key.length >= 2 && (k.startsWith(key) || key.startsWith(k))) score = 0.5;
    else if (key.length >= 3 && k.includes(key)) score = 1;
    else {
      const d = editDistance(key, k);
      if (d <= Math.max(1, Math.floor(Math.max(key.length, k.length) / 4))) score = d;
    }
    if (score !== undefined && score < (scored.get(label) ?? Infinity)) scored.set(label, score);
  }
  return [...scored.entries()]
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, 5)
    .map(([label]) => label);
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

export interface Coordinates {
  lat: number;
  lon: number;
}

/** "45.5,-73.6" as coordinates, or undefined. */
export function parseCoordinates(text: string): Coordinates | undefined {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!m) return undefined;
  const lat = Number(m[1]);
  const lon = Number(m[2]);
  return Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? { lat, lon } : undefined;
}

/**
 * One free-text location (the extension's setting): a region or zone id, else an ISO country
 * code, else a place name. Coordinates have no embedded figure: they need a live source.
 */
export function resolvePlace(text: string, options: LookupOptions = {}): IntensityFigure {
  const value = text.trim();
  if (!value) throw new LookupError('No location is set.', []);
  if (parseCoordinates(value))
    throw new LookupError(
      `Coordinates (${value}) need live intensity (Electricity Maps); set a region or a country for an embedded figure.`,
      [],
    );
  // "aws eu-west-3": a region of one provider.
  const cloud = /^(gcp|aws|azure)[\s:/]+(\S+)$/i.exec(value);
  if (cloud) return resolveRegion(cloud[2]!, { ...options, provider: cloud[1]!.toLowerCase() as CloudProvider });
  const attempts: (() => IntensityFigure)[] = [() => resolveRegion(value, options)];
  if (/^[a-z]{2,3}$/i.test(value) && !options.provider) attempts.push(() => resolveCountry(value, options));
  let lastError: unknown;
  for (const attempt of [...attempts, () => resolveLocation(value, options)]) {
    try {
      return attempt();
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}
