import { parseArgs } from 'node:util';
import { sourceName } from '../core/citations';
import { gramsText, intensityText } from '../core/units';
import { emissionsGrams, project } from '../core/carbon/emissions';
import { parseCoordinates, resolveIntensity, type IntensityFigure } from '../core/carbon/intensity';
import { liveIntensity } from '../core/carbon/live';
import { datasetOption, liveOptionsFromEnv, PLACE_OPTIONS, placeQuery, providerOption } from './carbonOptions';
import { numberOption, RANGES, UsageError } from './usage';

export const ESTIMATE_HELP = `Usage: carbonlens estimate --energy-kwh X (--intensity G | --region R | --location L | --country C)
                          [--provider gcp|aws|azure] [--intensity-dataset NAME] [--pue P] [--requests N]
                          [--live] [--json]

Turns energy into emissions: gCO2e = kWh x grid intensity x PUE, and says where the intensity
comes from (dataset, source, year).

  --energy-kwh X   energy in kWh (per request, with --requests)
  --intensity G    an explicit grid intensity in gCO2e/kWh
  --region R       a cloud region or zone: us-west1, us-west4-a, us-east-1, westeurope
  --location L     a place: France, Texas, Oregon (OR), USA, Mumbai, SE3, aws us-west-2, or
                   coordinates "45.5,-73.6" with --live; --place L is the same (as the
                   carbonlens.location setting takes it)
  --country C      an ISO 3166 code (DE, DEU) or a country name
  --provider P     only this provider's regions (resolves 'Oregon' to one region)
  --intensity-dataset NAME
                   latest (default), codecarbon, or gcp-2021 (the study's Table II);
                   --dataset, its former name, still works
  --pue P          data-centre power usage effectiveness, >= 1 (default 1.0)
  --requests N     requests per day: adds kWh and kg per day and per year
  --live           the current intensity from Electricity Maps (ELECTRICITYMAPS_TOKEN) or, in
                   Great Britain, the UK Carbon Intensity API; falls back to the dataset, saying so
  --json           { grams, energy_kwh, intensity_g_per_kwh, pue, scope, provider?, region?,
                     location, country_iso3?, dataset, source, year, fallback?, projection? }
`;

/** Four significant figures, never exponent notation, thousands grouped: 0.001, 82.34, 130,415. */
const fmt = (n: number) =>
  Math.abs(n) >= 1000
    ? Math.round(n).toLocaleString('en-US')
    : Number(n.toPrecision(4)).toLocaleString('en-US', { maximumSignificantDigits: 4, useGrouping: false });

export function describeFigure(f: IntensityFigure): string {
  const where = f.region ? `${f.provider} ${f.region}, ${f.location}` : f.location;
  // The source's short name ("Ember 2024"); --json gives it in full, with its commit and path.
  return `${where}; ${f.dataset === 'explicit' ? 'given' : `${f.dataset}: ${sourceName(f.source, f.year)}`}`;
}

export async function runEstimate(args: string[], out: (text: string) => void): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      'energy-kwh': { type: 'string' },
      ...PLACE_OPTIONS,
      provider: { type: 'string' },
      'intensity-dataset': { type: 'string' },
      dataset: { type: 'string' },
      pue: { type: 'string' },
      requests: { type: 'string' },
      live: { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const energyKwh = numberOption('--energy-kwh', values['energy-kwh']);
  if (energyKwh === undefined) throw new UsageError('--energy-kwh is required.');
  const pue = numberOption('--pue', values.pue, RANGES.pue) ?? 1;
  const requests = numberOption('--requests', values.requests);
  const query = placeQuery(values);
  if (!query) throw new UsageError('Give one of --intensity, --region, --location (--place) or --country.');
  const options = {
    dataset: datasetOption(values['intensity-dataset'] ?? values.dataset),
    provider: providerOption(values.provider),
  };

  const text = 'location' in query ? query.location : 'place' in query ? query.place : undefined;
  const coordinates = text === undefined ? undefined : parseCoordinates(text);
  if (coordinates && !values.live)
    throw new UsageError(
      'Coordinates need --live (Electricity Maps); give a region, place or country for an embedded figure.',
    );
  let figure = coordinates ? undefined : resolveIntensity(query, options);
  if (values.live && figure?.scope !== 'explicit')
    figure = await liveIntensity({ embedded: figure, coordinates }, liveOptionsFromEnv());
  const f = figure!;
  const grams = emissionsGrams(energyKwh, f.gco2PerKwh, pue);
  const projection = requests === undefined ? undefined : project(energyKwh, requests, f.gco2PerKwh, pue);
  const results = [grams, ...(projection ? Object.values(projection) : [])];
  if (!results.every((v) => typeof v !== 'number' || Number.isFinite(v)))
    throw new UsageError('the result is too large to be a number: check --energy-kwh, --requests and --pue.');

  if (values.json) {
    out(
      JSON.stringify(
        {
          grams,
          energy_kwh: energyKwh,
          intensity_g_per_kwh: f.gco2PerKwh,
          pue,
          scope: f.scope,
          ...(f.provider && { provider: f.provider, region: f.region }),
          location: f.location,
          ...(f.countryIso3 && { country_iso3: f.countryIso3 }),
          dataset: f.dataset,
          source: f.source,
          year: f.year,
          ...(f.datetime && { datetime: f.datetime }),
          ...(f.fallback && { fallback: f.fallback }),
          ...(projection && {
            projection: {
              requests_per_day: requests,
              kwh_per_day: projection.kwhPerDay,
              kwh_per_year: projection.kwhPerYear,
              kg_per_day: projection.kgPerDay,
              kg_per_year: projection.kgPerYear,
            },
          }),
        },
        null,
        2,
      ),
    );
    return 0;
  }
  if (f.fallback) out(`Note: ${f.fallback}.`);
  out(`${fmt(energyKwh)} kWh x ${intensityText(f.gco2PerKwh)} x PUE ${pue} = ${gramsText(grams)} CO2e`);
  out(`Intensity: ${describeFigure(f)}`);
  if (projection) {
    out(
      `At ${requests} requests a day: ${fmt(projection.kwhPerDay)} kWh and ${fmt(projection.kgPerDay)} kgCO2e a day; ${fmt(projection.kwhPerYear)} kWh and ${fmt(projection.kgPerYear)} kgCO2e a year.`,
    );
  }
  return 0;
}
