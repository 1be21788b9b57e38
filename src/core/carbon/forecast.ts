// Carbon-intensity forecasts and typical days, from the sources that publish them: the UK
// Carbon Intensity API (national or a postcode's region, 48 h in half hours, no token) and
// Electricity Maps (any zone, with the user's token, where their plan has forecasts). Each answer
// names its source and issue time. Where no source covers a place, the answer says so: a
// forecast is never made up from annual figures.
import {
  ALPHA3_TO_ALPHA2,
  getJson,
  type IntensityCache,
  LiveError,
  type LiveOptions,
  ELECTRICITY_MAPS_URL,
  UK_CARBON_INTENSITY_URL,
} from './live';
import { forecastPoint, type PlacedSlots, placeSlots, utcText } from './forecastSlots';
import { isPhysicalIntensity } from './physicalIntensity';
import type { IntensitySlot } from './window';
import { withRemedy } from '../messages';

export type ForecastTarget =
  | { kind: 'uk-national' }
  | { kind: 'uk-postcode'; postcode: string }
  | { kind: 'zone'; zone: string; label: string };

export interface Forecast {
  /** Which service, which series. */
  source: string;
  /** When the source issued it (or when it was fetched, where the source does not say). */
  issuedAt: string;
  location: string;
  slots: IntensitySlot[];
  /** What the source left out: entries without a time or value, gaps in the series. */
  notes?: string[];
}

export interface TypicalHour {
  /** 0-23, UTC. */
  hour: number;
  mean: number;
  /** 10th and 90th percentiles of the hour's values. */
  low: number;
  high: number;
  n: number;
}

export interface TypicalDay {
  source: string;
  location: string;
  /** The period the means come from (ISO dates). */
  from: string;
  to: string;
  hours: TypicalHour[];
}

export class NoForecastError extends Error {}

/** Where a forecast can come from for a place: GB (the UK API), else Electricity Maps with a token. */
export function forecastTarget(
  place: { countryIso3?: string; location: string; postcode?: string },
  options: LiveOptions,
): ForecastTarget {
  if (place.postcode) return { kind: 'uk-postcode', postcode: place.postcode.trim().toUpperCase() };
  if (place.countryIso3 === 'GBR' && !options.electricityMapsToken) return { kind: 'uk-national' };
  const zone = place.countryIso3 && ALPHA3_TO_ALPHA2[place.countryIso3];
  if (options.electricityMapsToken && zone) return { kind: 'zone', zone, label: place.location };
  throw withRemedy(new NoForecastError(''), { id: 'noForecast', params: { location: place.location } });
}

const HALF_HOUR = 30 * 60_000;

/** The UK API's periods as slots: each by its own `from` and `to`; a gap is noted, and the data after it kept. */
function ukSlots(periods: unknown, preferActual: boolean, service: string): PlacedSlots {
  const list = Array.isArray(periods) ? periods : [];
  const value = (e: Record<string, unknown>) => {
    const i = e.intensity as { forecast?: unknown; actual?: unknown } | null | undefined;
    if (!i || typeof i !== 'object') return undefined;
    return preferActual && typeof i.actual === 'number' ? i.actual : i.forecast;
  };
  return placeSlots(
    list.map((p) => forecastPoint(p, { start: 'from', end: 'to', value }, service)),
    service,
    HALF_HOUR,
  );
}

/** Electricity Maps' points (`datetime`, `carbonIntensity`), hourly unless the series says otherwise. */
function electricityMapsSlots(points: unknown, service: string): PlacedSlots {
  const list = Array.isArray(points) ? points : [];
  return placeSlots(
    list.map((p) => forecastPoint(p, { start: 'datetime', value: (e) => e.carbonIntensity }, service)),
    service,
    3_600_000,
  );
}

/** The forecast from `now` on: slots that ended are dropped; none left is no forecast. */
export function forecastFromNow(forecast: Forecast, now: number): Forecast {
  const slots = forecast.slots.filter((s) => s.start + s.durationMs > now);
  if (slots.length === 0) {
    const last = forecast.slots[forecast.slots.length - 1];
    throw new NoForecastError(
      `No forecast from now on: ${forecast.source} ends ${last ? `at ${utcText(last.start + last.durationMs)}` : 'before it starts'}, in the past.`,
    );
  }
  return slots.length === forecast.slots.length ? forecast : { ...forecast, slots };
}

/** A forecast as kept in a cache file: anything else there (null, another shape) is not served. */
function isForecast(x: unknown): x is Forecast {
  const f = x as Forecast | null;
  return (
    f !== null &&
    typeof f === 'object' &&
    typeof f.source === 'string' &&
    typeof f.issuedAt === 'string' &&
    typeof f.location === 'string' &&
    Array.isArray(f.slots) &&
    f.slots.every(
      (s, i) =>
        s !== null &&
        typeof s === 'object' &&
        Number.isFinite(s.start) &&
        s.durationMs > 0 &&
        isPhysicalIntensity(s.gco2PerKwh) &&
        // in order, none overlapping: as placeSlots made them
        (i === 0 || s.start >= f.slots[i - 1]!.start + f.slots[i - 1]!.durationMs),
    ) &&
    (f.notes === undefined || (Array.isArray(f.notes) && f.notes.every((n) => typeof n === 'string')))
  );
}

/** "2026-12-01T10:30Z", the UK API's form, for the half hour that holds `t`. */
const ukTime = (t: number) => `${new Date(Math.floor(t / HALF_HOUR) * HALF_HOUR).toISOString().slice(0, 16)}Z`;

/** Forecasts are reissued every half hour (the UK API) to hourly (Electricity Maps). */
export const FORECAST_TTL_MS = 30 * 60 * 1000;

/** The forecast for a target from `now` on, from `forecastCache` while it is fresh. */
export async function fetchForecast(
  target: ForecastTarget,
  options: LiveOptions & { now?: number; forecastCache?: IntensityCache<Forecast> } = {},
): Promise<Forecast> {
  // The service's address is part of the key: a mirror's answer is never served for another's.
  const service =
    target.kind === 'zone'
      ? (options.electricityMapsUrl ?? ELECTRICITY_MAPS_URL)
      : (options.ukUrl ?? UK_CARBON_INTENSITY_URL);
  const key = JSON.stringify([service, target]);
  const now = options.now ?? Date.now();
  const cached = options.forecastCache?.get(key);
  if (isForecast(cached)) return forecastFromNow(cached, now);
  const forecast = await requestForecast(target, { ...options, now });
  options.forecastCache?.set(key, forecast, FORECAST_TTL_MS);
  return forecastFromNow(forecast, now);
}

async function requestForecast(target: ForecastTarget, options: LiveOptions & { now?: number }): Promise<Forecast> {
  const now = options.now ?? Date.now();
  if (target.kind === 'zone') {
    const service = 'Electricity Maps';
    const base = (options.electricityMapsUrl ?? ELECTRICITY_MAPS_URL).replace(/\/+$/, '');
    const body = (await getJson(
      `${base}/v3/carbon-intensity/forecast?zone=${encodeURIComponent(target.zone)}`,
      { 'auth-token': options.electricityMapsToken! },
      options,
      service,
    )) as { zone?: unknown; forecast?: unknown; updatedAt?: unknown } | null;
    if (typeof body?.zone === 'string' && body.zone !== target.zone)
      throw new LiveError(`${service} answered for zone ${body.zone}, not ${target.zone}`);
    const { slots, notes } = electricityMapsSlots(body?.forecast, service);
    if (slots.length === 0) throw new NoForecastError(`${service} has no forecast for zone ${target.zone} now.`);
    const updated = typeof body?.updatedAt === 'string' ? Date.parse(body.updatedAt) : Number.NaN;
    return {
      source: `Electricity Maps API v3, carbon-intensity forecast for zone ${target.zone}`,
      issuedAt: new Date(Number.isFinite(updated) ? updated : now).toISOString(),
      location: `${target.label} (zone ${target.zone})`,
      slots,
      ...(notes.length > 0 && { notes }),
    };
  }
  const service = 'the UK Carbon Intensity API';
  const base = (options.ukUrl ?? UK_CARBON_INTENSITY_URL).replace(/\/+$/, '');
  const from = ukTime(now);
  if (target.kind === 'uk-national') {
    const body = (await getJson(`${base}/intensity/${from}/fw48h`, {}, options, service)) as { data?: unknown } | null;
    const { slots, notes } = ukSlots(body?.data, false, service);
    if (slots.length === 0) throw new NoForecastError(`${service} sent an empty forecast.`);
    return {
      source: 'UK Carbon Intensity API (NESO), national forecast, 48 h',
      issuedAt: new Date(now).toISOString(),
      location: 'Great Britain (national)',
      slots,
      ...(notes.length > 0 && { notes }),
    };
  }
  const body = (await getJson(
    `${base}/regional/intensity/${from}/fw48h/postcode/${encodeURIComponent(target.postcode)}`,
    {},
    options,
    service,
  )) as { data?: unknown } | null;
  const region = (Array.isArray(body?.data) ? body.data[0] : body?.data) as
    | { shortname?: unknown; data?: unknown }
    | null
    | undefined;
  const { slots, notes } = ukSlots(region?.data, false, service);
  if (slots.length === 0) throw new NoForecastError(`${service} has no forecast for postcode ${target.postcode}.`);
  return {
    source: 'UK Carbon Intensity API (NESO), regional forecast, 48 h',
    issuedAt: new Date(now).toISOString(),
    location: `${typeof region?.shortname === 'string' ? region.shortname : 'region'} (postcode ${target.postcode})`,
    slots,
    ...(notes.length > 0 && { notes }),
  };
}

/** Mean intensity per hour of day (UTC) over past slots, with the 10th-90th percentile spread. */
export function typicalHours(slots: readonly IntensitySlot[]): TypicalHour[] {
  const byHour: number[][] = Array.from({ length: 24 }, () => []);
  for (const s of slots) byHour[new Date(s.start).getUTCHours()]!.push(s.gco2PerKwh);
  const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
  return byHour.flatMap((xs, hour) => {
    if (xs.length === 0) return [];
    const sorted = [...xs].sort((a, b) => a - b);
    return [
      {
        hour,
        mean: xs.reduce((a, b) => a + b, 0) / xs.length,
        low: pct(sorted, 0.1),
        high: pct(sorted, 0.9),
        n: xs.length,
      },
    ];
  });
}

/** The last `days` days of the UK API's national (or a postcode's) intensities, as a typical day. */
export async function fetchTypicalDay(
  target: ForecastTarget,
  options: LiveOptions & { now?: number; days?: number } = {},
): Promise<TypicalDay> {
  const now = options.now ?? Date.now();
  const days = options.days ?? 30;
  const service = target.kind === 'zone' ? 'Electricity Maps' : 'the UK Carbon Intensity API';
  const slots: IntensitySlot[] = [];
  // Both APIs cap a range request (the UK API at 14 days, Electricity Maps at 10): ask in parts.
  const chunk = (target.kind === 'zone' ? 10 : 14) * 86_400_000;
  for (let start = now - days * 86_400_000; start < now; start += chunk) {
    const end = Math.min(now, start + chunk);
    if (target.kind === 'zone') {
      const base = (options.electricityMapsUrl ?? ELECTRICITY_MAPS_URL).replace(/\/+$/, '');
      const body = (await getJson(
        `${base}/v3/carbon-intensity/past-range?zone=${encodeURIComponent(target.zone)}&start=${new Date(start).toISOString()}&end=${new Date(end).toISOString()}`,
        { 'auth-token': options.electricityMapsToken! },
        options,
        service,
      )) as { data?: unknown } | null;
      slots.push(...electricityMapsSlots(body?.data, service).slots);
    } else {
      const base = (options.ukUrl ?? UK_CARBON_INTENSITY_URL).replace(/\/+$/, '');
      const path =
        target.kind === 'uk-national'
          ? `intensity/${ukTime(start)}/${ukTime(end)}`
          : `regional/intensity/${ukTime(start)}/${ukTime(end)}/postcode/${encodeURIComponent(target.postcode)}`;
      const body = (await getJson(`${base}/${path}`, {}, options, service)) as { data?: unknown } | null;
      const periods = Array.isArray(body?.data) ? body.data : (body?.data as { data?: unknown } | null)?.data;
      slots.push(...ukSlots(periods, true, service).slots);
    }
  }
  if (slots.length === 0) throw new NoForecastError(`${service} sent no past intensities for the last ${days} days.`);
  return {
    source:
      target.kind === 'zone'
        ? `Electricity Maps API v3, past range, zone ${target.zone}`
        : 'UK Carbon Intensity API (NESO), actual intensities where published, else forecast',
    location:
      target.kind === 'zone'
        ? `${target.label} (zone ${target.zone})`
        : target.kind === 'uk-national'
          ? 'Great Britain (national)'
          : `postcode ${target.postcode}`,
    from: new Date(now - days * 86_400_000).toISOString().slice(0, 10),
    to: new Date(now).toISOString().slice(0, 10),
    hours: typicalHours(slots),
  };
}
