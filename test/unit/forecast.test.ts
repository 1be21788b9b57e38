import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryIntensityCache } from '../../src/core/carbon/live';
import {
  type Forecast,
  fetchForecast,
  fetchTypicalDay,
  forecastTarget,
  NoForecastError,
  typicalHours,
} from '../../src/core/carbon/forecast';
import { cleanerSoon, cleanestWindow, parseDuration, type IntensitySlot } from '../../src/core/carbon/window';
import { runMain } from './runMain';
import { serve, type TestServer } from '../support/server';
import { tempDir } from '../support/tempDir';

const HALF_HOUR = 30 * 60_000;
const NOW = Date.UTC(2026, 2, 29, 0, 10); // the night the UK's clocks go forward (DST): UTC throughout

/** A seeded series of contiguous slots. */
function series(n: number, seed: number, slotMs = HALF_HOUR): IntensitySlot[] {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, (_, i) => ({
    start: NOW + i * slotMs,
    durationMs: slotMs,
    gco2PerKwh: Math.round(rnd() * 500),
  }));
}

/** Every slot-boundary start, the window's mean summed slot by slot (durations in whole slots). */
function bruteForce(slots: IntensitySlot[], slotsLong: number, withinSlots: number) {
  let best: { i: number; mean: number } | undefined;
  for (let i = 0; i <= withinSlots && i + slotsLong <= slots.length; i++) {
    const mean = slots.slice(i, i + slotsLong).reduce((t, s) => t + s.gco2PerKwh, 0) / slotsLong;
    if (!best || mean < best.mean - 1e-9) best = { i, mean };
  }
  return best;
}

describe('the cleanest window', () => {
  it('agrees with a brute-force search on random series, durations and horizons', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const slots = series(96, seed);
      const d = 1 + (seed % 24);
      const within = seed % 97;
      const ours = cleanestWindow(slots, d * HALF_HOUR, within * HALF_HOUR);
      const ref = bruteForce(slots, d, within)!;
      assert.ok(ours, `seed ${seed}`);
      assert.equal(ours.start, slots[ref.i]!.start, `seed ${seed}: start`);
      assert.ok(Math.abs(ours.meanGco2PerKwh - ref.mean) < 1e-9, `seed ${seed}: mean`);
      const now = bruteForce(slots, d, 0)!.mean;
      assert.ok(Math.abs(ours.nowGco2PerKwh! - now) < 1e-9);
    }
    // A duration that is not a whole number of slots weighs the last slot by the part it covers.
    const flat = [100, 100, 400].map((g, i) => ({ start: i * HALF_HOUR, durationMs: HALF_HOUR, gco2PerKwh: g }));
    assert.equal(cleanestWindow(flat, 1.5 * HALF_HOUR)!.nowGco2PerKwh, 100);
    assert.equal(cleanestWindow(flat, 2.5 * HALF_HOUR)!.meanGco2PerKwh, (100 + 100 + 200) / 2.5);
    assert.equal(cleanestWindow(flat, 4 * HALF_HOUR), undefined, 'longer than the forecast');
    assert.deepEqual(
      [parseDuration('2h'), parseDuration('90m'), parseDuration('1.5 hours'), parseDuration('x')],
      [7_200_000, 5_400_000, 5_400_000, undefined],
    );
  });

  it('says "cleaner at" only for a clearly better hour that is near and not now', () => {
    const mk = (gs: number[]) => ({
      source: 'test',
      issuedAt: new Date(NOW).toISOString(),
      location: 'here',
      slots: gs.map((g, i) => ({ start: NOW + i * HALF_HOUR, durationMs: HALF_HOUR, gco2PerKwh: g })),
    });
    const flat = Array.from({ length: 48 }, () => 200);
    assert.equal(cleanerSoon(mk(flat), NOW), undefined, 'no better hour');
    const dip = flat.map((g, i) => (i >= 6 && i < 8 ? 80 : g));
    assert.match(
      cleanerSoon(mk(dip), NOW)!,
      /^Cleaner at .* \(−60% for a 1 h job\): 80 gCO2e\/kWh against 200 gCO2e\/kWh now\. Forecast: test\.$/,
    );
    const late = flat.map((g, i) => (i >= 30 && i < 32 ? 80 : g));
    assert.equal(cleanerSoon(mk(late), NOW), undefined, 'beyond 12 h is not "soon"');
    const slight = flat.map((g, i) => (i >= 6 && i < 8 ? 180 : g));
    assert.equal(cleanerSoon(mk(slight), NOW), undefined, 'a 10% saving is not "clearly"');
  });

  it('averages a typical day per hour (UTC) with its spread', () => {
    const slots = Array.from({ length: 48 * 30 }, (_, i) => ({
      start: NOW + i * HALF_HOUR,
      durationMs: HALF_HOUR,
      gco2PerKwh: new Date(NOW + i * HALF_HOUR).getUTCHours() * 10 + (i % 2),
    }));
    const hours = typicalHours(slots);
    assert.equal(hours.length, 24);
    assert.deepEqual([hours[3]!.hour, hours[3]!.n, hours[3]!.low, hours[3]!.high], [3, 60, 30, 31]);
    assert.equal(hours[3]!.mean, 30.5);
  });
});

/** Answers as the UK Carbon Intensity API and Electricity Maps document (shapes from their docs). */
let api: TestServer;
let mode = 'ok';
before(async () => {
  api = await serve((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (mode === '429') return json(429, { error: { code: '429', message: 'Too many requests' } });
    // A forecast starts at the half hour asked for (`/intensity/{from}/fw48h`): the CLI asks for now's.
    const asked = Date.parse(/\/intensity\/([^/]+)\/fw48h/.exec(url.pathname)?.[1] ?? '');
    const t0 = Number.isFinite(asked) ? asked : Math.floor(NOW / HALF_HOUR) * HALF_HOUR;
    const period = (i: number, g: number) => ({
      from: `${new Date(t0 + i * HALF_HOUR).toISOString().slice(0, 16)}Z`,
      to: `${new Date(t0 + (i + 1) * HALF_HOUR).toISOString().slice(0, 16)}Z`,
      intensity: { forecast: g, actual: null, index: 'moderate' },
    });
    // 96 half hours: high in the evening, lowest from 03:00 to 05:00 UTC.
    const g = (i: number) => (i >= 6 && i < 10 ? 50 : 250);
    if (url.pathname.startsWith('/intensity/') && url.pathname.endsWith('/fw48h'))
      return json(200, { data: mode === 'empty' ? [] : Array.from({ length: 96 }, (_, i) => period(i, g(i))) });
    if (url.pathname.startsWith('/regional/intensity/') && url.pathname.includes('/fw48h/postcode/'))
      return json(200, {
        data: {
          regionid: 13,
          shortname: 'London',
          postcode: 'SW1',
          data: Array.from({ length: 96 }, (_, i) => period(i, g(i) + 10)),
        },
      });
    if (/^\/intensity\/[^/]+\/[^/]+$/.test(url.pathname))
      return json(200, { data: Array.from({ length: 48 * 3 }, (_, i) => period(i - 48 * 14, 100 + (i % 48))) });
    if (url.pathname === '/v3/carbon-intensity/forecast') {
      if (req.headers['auth-token'] !== 'good') return json(401, { message: 'unauthorized' });
      const zone = url.searchParams.get('zone');
      return json(200, {
        zone: mode === 'wrong-zone' ? 'FR' : zone,
        forecast: Array.from({ length: 24 }, (_, i) => ({
          carbonIntensity: i === 5 ? 80 : 300,
          datetime: new Date(NOW - (NOW % 3_600_000) + i * 3_600_000).toISOString(),
        })),
        updatedAt: '2026-03-29T00:00:00.000Z',
      });
    }
    return json(404, { message: 'not found' });
  });
});
after(() => api.close());

const options = (extra = {}) => ({ ukUrl: api.url, electricityMapsUrl: api.url, timeoutMs: 2000, now: NOW, ...extra });

describe('forecasts', { timeout: 60_000 }, () => {
  it('reads the UK API nationally and for a postcode, and finds its cleanest window', async () => {
    mode = 'ok';
    const national = await fetchForecast({ kind: 'uk-national' }, options());
    assert.equal(national.slots.length, 96);
    assert.match(national.source, /UK Carbon Intensity API .* national forecast/);
    const w = cleanestWindow(national.slots, 2 * 3_600_000, 24 * 3_600_000)!;
    assert.equal(new Date(w.start).toISOString(), '2026-03-29T03:00:00.000Z');
    assert.equal(w.meanGco2PerKwh, 50);
    assert.equal(Math.round(w.savingPercent!), 80);
    // Kept half an hour: a second ask within it sends no request.
    const cache = new MemoryIntensityCache<Forecast>();
    const before = api.requests.length;
    await fetchForecast({ kind: 'uk-national' }, options({ forecastCache: cache }));
    await fetchForecast({ kind: 'uk-national' }, options({ forecastCache: cache }));
    assert.equal(api.requests.length - before, 1);
    const regional = await fetchForecast({ kind: 'uk-postcode', postcode: 'SW1' }, options());
    assert.equal(regional.location, 'London (postcode SW1)');
    assert.equal(regional.slots[0]!.gco2PerKwh, 260);
  });

  it('reads Electricity Maps with a token, refuses another zone, and says where no forecast exists', async () => {
    mode = 'ok';
    const target = forecastTarget({ countryIso3: 'DEU', location: 'Germany' }, { electricityMapsToken: 'good' });
    const f = await fetchForecast(target, options({ electricityMapsToken: 'good' }));
    assert.equal(f.issuedAt, '2026-03-29T00:00:00.000Z');
    assert.equal(f.slots[0]!.durationMs, 3_600_000);
    assert.equal(cleanestWindow(f.slots, 3_600_000)!.meanGco2PerKwh, 80);
    mode = 'wrong-zone';
    await assert.rejects(fetchForecast(target, options({ electricityMapsToken: 'good' })), /zone FR, not DE/);
    assert.throws(() => forecastTarget({ countryIso3: 'DEU', location: 'Germany' }, {}), NoForecastError);
    assert.throws(
      () => forecastTarget({ countryIso3: 'DEU', location: 'Germany' }, {}),
      /Electricity Maps needs a token/,
    );
    mode = 'empty';
    await assert.rejects(fetchForecast({ kind: 'uk-national' }, options()), /empty forecast/);
    mode = '429';
    await assert.rejects(fetchForecast({ kind: 'uk-national' }, options()), /rate limit|429/i);
  });

  it('builds a typical day from the UK API in 14-day requests', async () => {
    mode = 'ok';
    const before = api.requests.length;
    const day = await fetchTypicalDay({ kind: 'uk-national' }, options({ days: 30 }));
    const asked = api.requests.slice(before).map((r) => r.path);
    assert.equal(asked.length, 3, asked.join(' '));
    assert.equal(day.hours.length, 24);
    assert.match(day.source, /actual intensities where published/);
  });

  it('carbonlens forecast prints the window, and exits 1 where no source covers the place', async () => {
    mode = 'ok';
    process.env.CARBONLENS_UK_INTENSITY_URL = api.url;
    process.env.CARBONLENS_CACHE = tempDir('cl-forecast-cache-');
    try {
      const r = await runMain('forecast', '--country', 'GB', '--duration', '2h', '--energy-kwh', '1.5', '--json');
      assert.equal(r.code, 0, r.err);
      const out = JSON.parse(r.out);
      assert.ok(out.window.saving_percent >= 0);
      assert.equal(out.window.grams_now, 1.5 * out.window.now);
      const none = await runMain('forecast', '--country', 'DE');
      assert.equal(none.code, 1);
      assert.match(none.err, /No forecast for Germany/);
      assert.equal((await runMain('forecast', '--country', 'GB', '--duration', 'soon')).code, 2);
    } finally {
      delete process.env.CARBONLENS_UK_INTENSITY_URL;
      delete process.env.CARBONLENS_CACHE;
    }
  });
});
