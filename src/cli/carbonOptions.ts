import { join } from 'node:path';
import { DATASET_NAMES, isDatasetName, type CloudProvider, type DatasetName } from '../core/carbon/datasets';
import type { Forecast } from '../core/carbon/forecast';
import { FileIntensityCache, type LiveOptions } from '../core/carbon/live';
import type { IntensityQuery } from '../core/carbon/intensity';
import { cacheDir } from './cacheDir';
import { numberOption, RANGES, UsageError } from './usage';

const PROVIDERS: readonly CloudProvider[] = ['gcp', 'aws', 'azure'];

export function datasetOption(value: string | undefined): DatasetName | undefined {
  if (value === undefined) return undefined;
  if (!isDatasetName(value))
    throw new UsageError(`--intensity-dataset must be one of ${DATASET_NAMES.join(', ')}, not '${value}'.`);
  return value;
}

export function providerOption(value: string | undefined): CloudProvider | undefined {
  if (value === undefined) return undefined;
  const p = value.toLowerCase() as CloudProvider;
  if (!PROVIDERS.includes(p))
    throw new UsageError(`--provider must be one of ${PROVIDERS.join(', ')}, not '${value}'.`);
  return p;
}

/** Live-intensity settings from the environment (the CLI has no secret store). */
export function liveOptionsFromEnv(env = process.env): LiveOptions {
  return {
    electricityMapsToken: env.ELECTRICITYMAPS_TOKEN || undefined,
    electricityMapsUrl: env.CARBONLENS_ELECTRICITYMAPS_URL || undefined,
    ukUrl: env.CARBONLENS_UK_INTENSITY_URL || undefined,
    cache: new FileIntensityCache(join(cacheDir(env), 'intensity.json')),
  };
}

/** Forecasts, kept half an hour beside the live figures. */
export function forecastCacheFromEnv(env = process.env): FileIntensityCache<Forecast> {
  return new FileIntensityCache<Forecast>(join(cacheDir(env), 'forecasts.json'));
}

/** The options that name where electricity comes from, shared by estimate and monitor. */
export const PLACE_OPTIONS = {
  intensity: { type: 'string' },
  region: { type: 'string' },
  location: { type: 'string' },
  country: { type: 'string' },
  /** Free text, as the carbonlens.location setting takes it; --location is the same. */
  place: { type: 'string' },
} as const;

type PlaceValues = Partial<Record<keyof typeof PLACE_OPTIONS, string>>;

/** The one place option given, as a lookup query; undefined when none is. */
export function placeQuery(values: PlaceValues): IntensityQuery | undefined {
  const given = (Object.keys(PLACE_OPTIONS) as (keyof typeof PLACE_OPTIONS)[]).filter((k) => values[k] !== undefined);
  if (given.length > 1)
    throw new UsageError('Give only one of --intensity, --region, --location, --place or --country.');
  const key = given[0];
  if (key === undefined) return undefined;
  return key === 'intensity'
    ? { intensity: numberOption('--intensity', values.intensity, RANGES.intensity)! }
    : ({ [key]: values[key]! } as IntensityQuery);
}
