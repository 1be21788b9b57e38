import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { runMain } from './runMain';
import { tempDir } from '../support/tempDir';

const run = runMain;

describe('carbonlens estimate', () => {
  it('--json gives grams, the intensity and where it comes from', async () => {
    const r = await run(
      'estimate',
      '--energy-kwh',
      '0.1229',
      '--location',
      'Mumbai',
      '--dataset',
      'gcp-2021',
      '--json',
    );
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.ok(Math.abs(j.grams - 82.343) < 1e-9);
    assert.deepEqual(
      [j.intensity_g_per_kwh, j.region, j.provider, j.location, j.dataset, j.year, j.pue],
      [670, 'asia-south1', 'gcp', 'Mumbai', 'gcp-2021', 2021, 1],
    );
    assert.match(j.source, /Table II/);
  });

  it('applies PUE and projects requests per day', async () => {
    const j = JSON.parse(
      (
        await run(
          'estimate',
          '--energy-kwh',
          '0.001',
          '--intensity',
          '400',
          '--pue',
          '1.2',
          '--requests',
          '1000000',
          '--json',
        )
      ).out,
    );
    assert.ok(Math.abs(j.grams - 0.48) < 1e-12);
    assert.ok(Math.abs(j.projection.kg_per_year - 175_200) < 1e-6);
    assert.equal(j.dataset, 'explicit');
  });

  it('prints the formula in text', async () => {
    const r = await run('estimate', '--energy-kwh', '1', '--region', 'us-west4-a');
    assert.match(r.out, /^1 kWh x 357 gCO2e\/kWh x PUE 1 = 357 g CO2e$/m);
    assert.match(r.out, /gcp us-west4, Las Vegas; latest: Google Cloud 2024$/m);
    const tiny = await run('estimate', '--energy-kwh', '0.00000001', '--region', 'us-west4-a');
    assert.match(tiny.out, /= 3\.57 µg CO2e$/m, 'no exponent notation');
  });

  it('says what is wrong, with exit code 2: ambiguity, unknown names, bad numbers, no location', async () => {
    const ambiguous = await run('estimate', '--energy-kwh', '1', '--location', 'Oregon');
    assert.equal(ambiguous.code, 2);
    assert.match(ambiguous.err, /'Oregon' matches 3 places/);
    // Each choice is named as --location or --place takes it, newest figure first, with its year.
    assert.match(
      ambiguous.err,
      /Name one \(newest figure first\): gcp us-west1 \(Oregon, .*Google Cloud 2024\); aws us-west-2 .*AWS 2020\); Oregon \(OR\), USA .*2016\)/,
    );
    const chosen = await run('estimate', '--energy-kwh', '1', '--place', 'Oregon (OR), USA', '--json');
    assert.deepEqual([chosen.code, JSON.parse(chosen.out).scope], [0, 'subnational']);
    // A country's name is the country, by either option.
    for (const flag of ['--location', '--place']) {
      const france = await run('estimate', '--energy-kwh', '1', flag, 'France', '--json');
      assert.equal(france.code, 0, france.err);
      assert.deepEqual([JSON.parse(france.out).scope, JSON.parse(france.out).country_iso3], ['country', 'FRA']);
    }
    const unknown = await run('estimate', '--energy-kwh', '1', '--region', 'us-wset1');
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /gcp us-west1/);
    assert.equal((await run('estimate', '--energy-kwh', 'lots', '--country', 'DE')).code, 2);
    assert.match(
      (await run('estimate', '--energy-kwh', '1', '--country', 'DE', '--pue', '0.5')).err,
      /--pue must be a number from 1 to 5/,
    );
    assert.match(
      (await run('estimate', '--energy-kwh', '1')).err,
      /Give one of --intensity, --region, --location \(--place\) or --country/,
    );
    assert.match(
      (await run('estimate', '--energy-kwh', '1', '--country', 'DE', '--region', 'us-west1')).err,
      /Give only one of/,
    );
    assert.match(
      (await run('estimate', '--energy-kwh', '1', '--country', 'DE', '--dataset', 'nope')).err,
      /--intensity-dataset must be one of latest, codecarbon, gcp-2021/,
    );
  });

  it('--live uses the configured endpoint, and falls back with a note when it fails', async () => {
    let status = 200;
    const server = createServer((_req, res) => {
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ data: [{ from: '2026-11-28T16:00Z', intensity: { forecast: 99, actual: 98 } }] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const saved = { ...process.env };
    try {
      process.env.CARBONLENS_UK_INTENSITY_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      process.env.CARBONLENS_CACHE = tempDir('carbonlens-cli-cache-');
      delete process.env.ELECTRICITYMAPS_TOKEN;
      const live = JSON.parse((await run('estimate', '--energy-kwh', '1', '--country', 'GB', '--live', '--json')).out);
      assert.deepEqual([live.grams, live.dataset, live.fallback], [98, 'live', undefined]);
      status = 503;
      process.env.CARBONLENS_CACHE = tempDir('carbonlens-cli-cache-');
      const r = await run('estimate', '--energy-kwh', '1', '--country', 'GB', '--live');
      assert.match(
        r.out,
        /^Note: live intensity unavailable: the UK Carbon Intensity API answered HTTP 503; using the embedded 2024 figure\./m,
      );
    } finally {
      process.env = saved;
      server.close();
    }
  });
});

describe('carbonlens regions', () => {
  it("--json ranks a provider's regions with savings against --from", async () => {
    const r = await run(
      'regions',
      '--provider',
      'gcp',
      '--from',
      'asia-south1',
      '--dataset',
      'gcp-2021',
      '--energy-kwh',
      '0.1229',
      '--json',
    );
    assert.equal(r.code, 0, r.err);
    const rows = JSON.parse(r.out);
    assert.equal(rows.length, 23);
    assert.deepEqual(Object.keys(rows[0]).slice(0, 5), [
      'provider',
      'region',
      'location',
      'intensity_g_per_kwh',
      'saving_percent',
    ]);
    assert.deepEqual([rows[0].region, rows[0].intensity_g_per_kwh], ['northamerica-northeast2', 29]);
    assert.ok(Math.abs(rows[0].saving_percent - 95.67) < 0.01);
    assert.ok(Math.abs(rows[0].grams - 3.5641) < 1e-9);
  });

  it('lists every provider without --provider, and null savings without --from', async () => {
    const rows = JSON.parse((await run('regions', '--json')).out);
    assert.equal(rows.length, 117);
    assert.ok(rows.every((x: { saving_percent: unknown }) => x.saving_percent === null));
    assert.deepEqual(new Set(rows.map((x: { provider: string }) => x.provider)), new Set(['gcp', 'aws', 'azure']));
  });

  it('prints a table with its sources', async () => {
    const r = await run('regions', '--provider', 'azure', '--from', 'westeurope');
    assert.match(r.out.split('\n')[0]!, /^provider\s+region\s+location\s+gCO2e\/kWh\s+saving vs westeurope\s+year$/);
    // Each document once, with its link: not one repeated paragraph of repo paths.
    assert.match(
      r.out,
      /Sources \(latest dataset\):\n {2}AzureFootprintEstimationConstants\.ts of cloud-carbon-footprint\/cloud-carbon-footprint: https:\/\/github\.com\//,
    );
    const sources = r.out.slice(r.out.indexOf('Sources'));
    const lines = sources.split('\n').filter(Boolean);
    assert.equal(new Set(lines).size, lines.length, 'no document twice');
  });
});
