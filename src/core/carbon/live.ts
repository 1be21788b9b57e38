import { mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomically } from '../atomicWrite';
import { readJson, timeLimit } from '../boundedJson';
import { UserError } from '../userError';
import { dirname } from 'node:path';
import { ISO_ALPHA2_TO_ALPHA3 } from '../../generated/intensityTables';
import type { Coordinates, IntensityFigure } from './intensity';
import { unphysical } from './physicalIntensity';

/**
 * Live grid intensity, optional: Electricity Maps (any zone, needs a token) and the UK's free
 * Carbon Intensity API (Great Britain only). Answers are cached; a timeout, a rate limit or any
 * error gives the embedded figure back with `fallback` saying why, never a silent guess.
 */

export const ELECTRICITY_MAPS_URL = 'https://api.electricitymap.org';
export const UK_CARBON_INTENSITY_URL = 'https://api.carbonintensity.org.uk';
/** Electricity Maps updates hourly, the UK API every half hour. */
export const LIVE_TTL_MS = 15 * 60 * 1000;

/** Answers of the live services (figures, forecasts), each kept until it expires. */
export interface IntensityCache<T = IntensityFigure> {
  get(key: string): T | undefined;
  set(key: string, figure: T, ttlMs: number): void;
}

export class MemoryIntensityCache<T = IntensityFigure> implements IntensityCache<T> {
  private readonly entries = new Map<string, { figure: T; expires: number }>();
  get(key: string) {
    const e = this.entries.get(key);
    return e && e.expires > Date.now() ? e.figure : undefined;
  }
  set(key: string, figure: T, ttlMs: number) {
    this.entries.set(key, { figure, expires: Date.now() + ttlMs });
  }
}

/** For the CLI, whose process ends after one answer: a JSON file, replaced atomically. */
export class FileIntensityCache<T = IntensityFigure> implements IntensityCache<T> {
  constructor(private readonly file: string) {}
  private read(): Record<string, { figure: T; expires: number }> {
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8'));
      return data && typeof data === 'object' ? data : {};
    } catch {
      return {}; // missing or corrupt: start over, it is only a cache
    }
  }
  get(key: string) {
    const e = this.read()[key];
    return e && typeof e.expires === 'number' && e.expires > Date.now() ? e.figure : undefined;
  }
  set(key: string, figure: T, ttlMs: number) {
    const now = Date.now();
    // Only well-formed entries are kept: a `null` or foreign one is dropped, never read.
    const data = Object.fromEntries(
      Object.entries(this.read()).filter(
        ([, e]) => e !== null && typeof e === 'object' && typeof e.expires === 'number' && e.expires > now,
      ),
    );
    data[key] = { figure, expires: now + ttlMs };
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileAtomically(this.file, JSON.stringify(data));
    } catch {
      // A read-only cache folder costs a request next time, nothing more.
    }
  }
}

export interface LiveOptions {
  /** Electricity Maps API token; without one only Great Britain has a live source. */
  electricityMapsToken?: string;
  electricityMapsUrl?: string;
  ukUrl?: string;
  timeoutMs?: number;
  cache?: IntensityCache;
  fetch?: typeof fetch;
}

/** Where the live figure is wanted: an embedded figure (its country picks the zone), coordinates, or both. */
export interface LiveTarget {
  embedded?: IntensityFigure;
  coordinates?: Coordinates;
}

export const ALPHA3_TO_ALPHA2 = Object.fromEntries(Object.entries(ISO_ALPHA2_TO_ALPHA3).map(([a2, a3]) => [a3, a2]));

export class LiveError extends UserError {
  constructor(message: string) {
    super(message, 'live');
  }
}

export async function getJson(
  url: string,
  headers: Record<string, string>,
  options: LiveOptions,
  service: string,
): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const limit = timeLimit(timeoutMs);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      headers: { accept: 'application/json', ...headers },
      signal: limit,
      // A token never follows a redirect: these APIs do not redirect, so one is refused below.
      redirect: 'manual',
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError')
      throw new LiveError(`${service} did not answer within ${timeoutMs / 1000} s`);
    throw new LiveError(`${service} is unreachable (${err.cause?.code ?? err.message})`);
  }
  if (response.status >= 300 && response.status < 400)
    throw new LiveError(
      `${service} answered with a redirect (HTTP ${response.status}), which is not followed: check the endpoint`,
    );
  if (response.status === 401 || response.status === 403)
    throw new LiveError(`${service} rejected the token (HTTP ${response.status}): set a valid one`);
  if (response.status === 429) throw new LiveError(`${service} rate-limited this client (HTTP 429)`);
  if (!response.ok) throw new LiveError(`${service} answered HTTP ${response.status}`);
  try {
    return await readJson(response, url, limit);
  } catch (e) {
    throw new LiveError(`${service}: ${(e as Error).message.replace(/\.$/, '')}`);
  }
}

async function electricityMaps(target: LiveTarget, options: LiveOptions): Promise<IntensityFigure> {
  const service = 'Electricity Maps';
  const zone = target.embedded?.countryIso3 ? ALPHA3_TO_ALPHA2[target.embedded.countryIso3] : undefined;
  const where = target.coordinates
    ? `lat=${target.coordinates.lat}&lon=${target.coordinates.lon}`
    : zone
      ? `zone=${zone}`
      : undefined;
  if (!where) throw new LiveError(`${service} needs a country or coordinates`);
  const base = (options.electricityMapsUrl ?? ELECTRICITY_MAPS_URL).replace(/\/+$/, '');
  const body = (await getJson(
    // Without this flag the API may answer for the caller's IP location instead of the zone asked for.
    `${base}/v3/carbon-intensity/latest?${where}&shouldUseFallbackCallerLookup=false`,
    { 'auth-token': options.electricityMapsToken! },
    options,
    service,
  )) as Record<string, unknown>;
  const g = body?.carbonIntensity;
  if (typeof g !== 'number') throw new LiveError(`${service} sent no carbonIntensity`);
  if (unphysical(g)) throw new LiveError(`${service} sent ${unphysical(g)}`);
  const zoneName = typeof body.zone === 'string' ? body.zone : (zone ?? where);
  if (zone && !target.coordinates && zoneName !== zone)
    throw new LiveError(`${service} answered for zone ${zoneName}, not ${zone}, the zone asked for`);
  const factor = typeof body.emissionFactorType === 'string' ? `, ${body.emissionFactorType} emission factors` : '';
  const estimated = body.isEstimated === true ? ', estimated by Electricity Maps' : '';
  return {
    gco2PerKwh: g,
    scope: 'live',
    location:
      target.embedded && !target.coordinates ? `${target.embedded.location} (zone ${zoneName})` : `zone ${zoneName}`,
    countryIso3: ISO_ALPHA2_TO_ALPHA3[zoneName.slice(0, 2)] ?? target.embedded?.countryIso3,
    dataset: 'live',
    source: `Electricity Maps API v3, latest carbon intensity${factor}${estimated}`,
    year: typeof body.datetime === 'string' ? new Date(body.datetime).getUTCFullYear() : new Date().getUTCFullYear(),
    ...(typeof body.datetime === 'string' && { datetime: body.datetime }),
  };
}

async function ukCarbonIntensity(options: LiveOptions): Promise<IntensityFigure> {
  const service = 'the UK Carbon Intensity API';
  const base = (options.ukUrl ?? UK_CARBON_INTENSITY_URL).replace(/\/+$/, '');
  const body = (await getJson(`${base}/intensity`, {}, options, service)) as {
    data?: { from?: string; intensity?: { actual?: number | null; forecast?: number | null } }[];
  };
  const period = Array.isArray(body?.data) ? body.data[0] : undefined;
  const actual = period?.intensity?.actual;
  const forecast = period?.intensity?.forecast;
  const g = typeof actual === 'number' ? actual : forecast;
  if (typeof g !== 'number') throw new LiveError(`${service} sent no intensity`);
  if (unphysical(g)) throw new LiveError(`${service} sent ${unphysical(g)}`);
  return {
    gco2PerKwh: g,
    scope: 'live',
    location: 'Great Britain (national)',
    countryIso3: 'GBR',
    dataset: 'live',
    source: `UK Carbon Intensity API (National Energy System Operator), ${typeof actual === 'number' ? 'actual' : 'forecast'} for the current half hour`,
    year: period?.from ? new Date(period.from).getUTCFullYear() : new Date().getUTCFullYear(),
    ...(period?.from && { datetime: period.from }),
  };
}

/**
 * The live figure for a target, from the cache when fresh. Falls back to the embedded figure,
 * with `fallback` set, when no live source covers the target or the source fails; throws only
 * when there is no embedded figure to fall back to (coordinates alone).
 */
export async function liveIntensity(target: LiveTarget, options: LiveOptions = {}): Promise<IntensityFigure> {
  const useElectricityMaps = Boolean(options.electricityMapsToken);
  const inGreatBritain = !target.coordinates && target.embedded?.countryIso3 === 'GBR';
  const fallBack = (why: string): IntensityFigure => {
    if (!target.embedded) throw new Error(`No live intensity: ${why}.`);
    return { ...target.embedded, fallback: `${why}; using the embedded ${target.embedded.year ?? 'undated'} figure` };
  };
  if (!useElectricityMaps && !inGreatBritain) {
    return fallBack(
      `no live source for ${target.embedded?.location ?? 'these coordinates'} without an Electricity Maps token`,
    );
  }
  const key = useElectricityMaps
    ? `electricitymaps:${target.coordinates ? `${target.coordinates.lat},${target.coordinates.lon}` : target.embedded?.countryIso3}`
    : 'uk:national';
  const cached = options.cache?.get(key);
  if (cached) return cached;
  try {
    const figure = useElectricityMaps ? await electricityMaps(target, options) : await ukCarbonIntensity(options);
    options.cache?.set(key, figure, LIVE_TTL_MS);
    return figure;
  } catch (e) {
    if (e instanceof LiveError) return fallBack(`live intensity unavailable: ${e.message}`);
    throw e;
  }
}
