import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveIntensity } from '../../src/core/carbon/intensity';
import { FileIntensityCache, liveIntensity, MemoryIntensityCache, type LiveOptions } from '../../src/core/carbon/live';
import { tempDir } from '../support/tempDir';

/** One local server that answers like Electricity Maps (/v3/...) and the UK API (/intensity). */
let server: Server;
let base: string;
let mode = 'ok';
const requests: string[] = [];
before(async () => {
  server = createServer((req, res) => {
    requests.push(`${req.url} token=${req.headers['auth-token'] ?? ''}`);
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const url = new URL(req.url!, 'http://x');
    if (mode === 'slow') {
      // never answers
    } else if (mode === '429') json(429, { message: 'rate limited' });
    else if (mode === 'malformed') res.writeHead(200).end('<html>not json');
    else if (url.pathname === '/intensity') {
      json(200, {
        data: [
          {
            from: '2026-11-28T16:00Z',
            to: '2026-11-28T16:30Z',
            intensity: { forecast: 180, actual: mode === 'forecast-only' ? null : 175, index: 'moderate' },
          },
        ],
      });
    } else if (url.pathname === '/v3/carbon-intensity/latest') {
      // Electricity Maps' documentation: without shouldUseFallbackCallerLookup=false the API may
      // answer for the caller's IP location; 'wrong-zone' answers for another zone regardless.
      const lookup = url.searchParams.get('shouldUseFallbackCallerLookup') !== 'false';
      const zone =
        mode === 'wrong-zone' || (mode === 'caller-lookup' && lookup)
          ? 'FR'
          : (url.searchParams.get('zone') ?? (url.searchParams.get('lat') ? 'CA-QC' : null));
      if (req.headers['auth-token'] !== 'good-token') json(401, { message: 'invalid token' });
      else if (zone === 'US') json(404, { message: 'zone not found' });
      else
        json(200, {
          zone,
          carbonIntensity: 123,
          datetime: '2026-11-28T16:00:00.000Z',
          updatedAt: '2026-11-28T16:05:00.000Z',
          emissionFactorType: 'lifecycle',
          isEstimated: false,
        });
    } else json(404, {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const options = (extra: Partial<LiveOptions> = {}): LiveOptions => ({
  electricityMapsUrl: base,
  ukUrl: base,
  timeoutMs: 500,
  ...extra,
});
const germany = () => resolveIntensity({ country: 'DE' });
const britain = () => resolveIntensity({ country: 'GB' });

describe('Live intensity', () => {
  it("reads Electricity Maps with the token, for the figure's country", async () => {
    mode = 'ok';
    const f = await liveIntensity({ embedded: germany() }, options({ electricityMapsToken: 'good-token' }));
    assert.deepEqual(
      [f.gco2PerKwh, f.scope, f.dataset, f.countryIso3, f.datetime, f.year],
      [123, 'live', 'live', 'DEU', '2026-11-28T16:00:00.000Z', 2026],
    );
    assert.match(f.source, /Electricity Maps API v3.*lifecycle/);
    assert.equal(f.fallback, undefined);
    assert.match(requests.at(-1)!, /zone=DE&shouldUseFallbackCallerLookup=false token=good-token/);
  });

  it("never takes the caller's location for the zone asked for, and rejects an answer for another zone", async () => {
    mode = 'caller-lookup';
    const asked = await liveIntensity({ embedded: germany() }, options({ electricityMapsToken: 'good-token' }));
    assert.equal(asked.countryIso3, 'DEU');
    assert.equal(asked.fallback, undefined);
    mode = 'wrong-zone';
    const f = await liveIntensity({ embedded: germany() }, options({ electricityMapsToken: 'good-token' }));
    assert.equal(f.scope, 'country', 'the embedded figure stands in');
    assert.match(f.fallback ?? '', /zone FR, not DE/);
  });

  it('reads Electricity Maps by coordinates', async () => {
    mode = 'ok';
    const f = await liveIntensity(
      { coordinates: { lat: 46.8, lon: -71.2 } },
      options({ electricityMapsToken: 'good-token' }),
    );
    assert.deepEqual([f.gco2PerKwh, f.location, f.countryIso3], [123, 'zone CA-QC', 'CAN']);
  });

  it('reads the UK API for Great Britain without a token, actual before forecast', async () => {
    mode = 'ok';
    const actual = await liveIntensity({ embedded: britain() }, options());
    assert.deepEqual([actual.gco2PerKwh, actual.countryIso3], [175, 'GBR']);
    assert.match(actual.source, /UK Carbon Intensity API.*actual/);
    mode = 'forecast-only';
    const forecast = await liveIntensity({ embedded: britain() }, options());
    assert.equal(forecast.gco2PerKwh, 180);
    assert.match(forecast.source, /forecast/);
  });

  for (const [what, setup, why] of [
    ['a rejected token', { m: 'ok', token: 'bad-token' }, /rejected the token \(HTTP 401\)/],
    ['a rate limit', { m: '429', token: 'good-token' }, /rate-limited.*HTTP 429/],
    ['a timeout', { m: 'slow', token: 'good-token' }, /did not answer within 0.5 s/],
    ['an answer that is not JSON', { m: 'malformed', token: 'good-token' }, /not JSON/],
  ] as const) {
    it(`falls back to the embedded figure, saying so, on ${what}`, async () => {
      mode = setup.m;
      const embedded = germany();
      const f = await liveIntensity({ embedded }, options({ electricityMapsToken: setup.token }));
      assert.equal(f.gco2PerKwh, embedded.gco2PerKwh);
      assert.equal(f.dataset, 'latest');
      assert.match(f.fallback!, why);
      assert.match(f.fallback!, /using the embedded 2024 figure/);
    });
  }

  it('falls back when a zone is unknown to Electricity Maps, or nothing live covers the place', async () => {
    mode = 'ok';
    const us = await liveIntensity(
      { embedded: resolveIntensity({ region: 'us-west1' }) },
      options({ electricityMapsToken: 'good-token' }),
    );
    assert.match(us.fallback!, /HTTP 404/);
    const noToken = await liveIntensity({ embedded: germany() }, options());
    assert.match(noToken.fallback!, /no live source for Germany without an Electricity Maps token/);
    await assert.rejects(liveIntensity({ coordinates: { lat: 1, lon: 2 } }, options()), /No live intensity/);
  });

  it('serves repeated requests from the cache', async () => {
    mode = 'ok';
    const cache = new MemoryIntensityCache();
    const before = requests.length;
    await liveIntensity({ embedded: britain() }, options({ cache }));
    mode = '429';
    const again = await liveIntensity({ embedded: britain() }, options({ cache }));
    assert.equal(again.gco2PerKwh, 175);
    assert.equal(requests.length, before + 1);
  });

  it('keeps a file cache across processes, and survives a corrupt one', async () => {
    mode = 'ok';
    const file = join(tempDir('carbonlens-cache-'), 'sub', 'intensity.json');
    await liveIntensity({ embedded: britain() }, options({ cache: new FileIntensityCache(file) }));
    assert.equal(JSON.parse(readFileSync(file, 'utf8'))['uk:national'].figure.gco2PerKwh, 175);
    assert.equal(new FileIntensityCache(file).get('uk:national')!.gco2PerKwh, 175);
    writeFileSync(file, '{"uk:national": tru');
    assert.equal(new FileIntensityCache(file).get('uk:national'), undefined);
  });
});
