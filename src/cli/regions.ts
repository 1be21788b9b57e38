import { parseArgs } from 'node:util';
import { compareRegions } from '../core/carbon/emissions';
import { resolveIntensity } from '../core/carbon/intensity';
import { citations } from '../core/citations';
import { gramsText } from '../core/units';
import { datasetOption, providerOption } from './carbonOptions';
import { numberOption, RANGES } from './usage';

export const REGIONS_HELP = `Usage: carbonlens regions [--provider gcp|aws|azure] [--from R] [--intensity-dataset NAME]
                         [--energy-kwh X] [--pue P] [--json]

Cloud regions ranked by grid intensity, cleanest first: the study's region table, for every
region of every provider (or one provider).

  --provider P     only gcp, aws or azure
  --from R         a reference region or zone: each row gets its saving in % against it
  --intensity-dataset NAME
                   latest (default), codecarbon, or gcp-2021 (the study's Table II);
                   --dataset, its former name, still works
  --energy-kwh X   also the emissions of this much energy in each region (g)
  --pue P          power usage effectiveness applied to --energy-kwh, >= 1 (default 1.0)
  --json           an array of { provider, region, location, intensity_g_per_kwh,
                   saving_percent (null without --from), grams?, year, source }
`;

export async function runRegions(args: string[], out: (text: string) => void): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      provider: { type: 'string' },
      from: { type: 'string' },
      'intensity-dataset': { type: 'string' },
      dataset: { type: 'string' },
      'energy-kwh': { type: 'string' },
      pue: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const provider = providerOption(values.provider);
  const dataset = datasetOption(values['intensity-dataset'] ?? values.dataset);
  const energyKwh = numberOption('--energy-kwh', values['energy-kwh']);
  const pue = numberOption('--pue', values.pue, RANGES.pue) ?? 1;
  const from = values.from === undefined ? undefined : resolveIntensity({ region: values.from }, { dataset, provider });
  const rows = compareRegions(energyKwh ?? 0, { dataset, providers: provider && [provider], from, pue });

  if (values.json) {
    out(
      JSON.stringify(
        rows.map((r) => ({
          provider: r.figure.provider,
          region: r.figure.region,
          location: r.figure.location,
          intensity_g_per_kwh: r.figure.gco2PerKwh,
          saving_percent: r.savingPercent ?? null,
          ...(energyKwh !== undefined && { grams: r.grams }),
          year: r.figure.year,
          source: r.figure.source,
        })),
        null,
        2,
      ),
    );
    return 0;
  }
  const header = [
    'provider',
    'region',
    'location',
    'gCO2e/kWh',
    ...(from ? [`saving vs ${from.region}`] : []),
    ...(energyKwh !== undefined ? ['CO2e'] : []),
    'year',
  ];
  const table = rows.map((r) => [
    r.figure.provider!,
    r.figure.region!,
    r.figure.location,
    String(Number(r.figure.gco2PerKwh.toPrecision(3))),
    ...(from ? [`${r.savingPercent!.toFixed(1)}%`] : []),
    ...(energyKwh !== undefined ? [gramsText(r.grams)] : []),
    String(r.figure.year ?? '-'),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  for (const row of [header, ...table])
    out(
      row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  // One line per document, once, with its link.
  out('');
  out(`Sources (${dataset ?? 'latest'} dataset):`);
  for (const c of citations([...new Set(rows.map((r) => r.figure.source))]))
    out(`  ${c.title}${c.url ? `: ${c.url}` : ''}`);
  return 0;
}
