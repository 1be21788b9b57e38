// Forecasts as sources really send them: holes, nulls, repeats, points out of order, an irregular
// first step, a gap in the UK series, slots long past or far ahead, non-physical intensities, a
// cache file with a null in it. Each gives the right window or a clean message, never a window
// over missing data, never JavaScript's own error text.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Forecast, fetchForecast, NoForecastError } from '../../src/core/carbon/forecast';
import { FileIntensityCache, liveIntensity } from '../../src/core/carbon/live';
import { resolveIntensity } from '../../src/core/carbon/intensity';
import { cleanestWindow, noWindowReason } from '../../src/core/carbon/window';
import { serve, type TestServer } from '../support/server';
import { runMain } from '../unit/runMain';
import { killIfAlive, waitFor } from '../support/waitFor';
import { tempDir } from '../support/tempDir';

const HOUR = 3_600_000;
const HALF = HOUR / 2;
const NOW = Date.UTC(2026, 5, 1, 0, 10);
const DAY0 = Date.UTC(2026, 5, 1);
const iso = (t: number) => new Date(t).toISOString();
const ukTime = (t: number) => `${iso(t).slice(0, 16)}Z`;
const JS_ERROR = /Cannot read|undefined|null \(reading|is not a function|is not iterable|NaN|Infinity|∞/;

/** What the fake services answer next: an Electricity Maps forecast body, a UK `data` array, a latest body. */
let emBody: unknown;
let ukData: unknown;
let latest: unknown;
let api: TestServer;
before(async () => {
  api = await serve((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const json = (body: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/v3/carbon-intensity/forecast') return json(emBody);
    if (url.pathname === '/v3/carbon-intensity/latest') return json(latest);
    if (url.pathname.endsWith('/fw48h')) return json({ data: ukData });
    return res.writeHead(404).end('{}');
  });
});
after(() => api.close());

const em = { electricityMapsToken: 'good', timeoutMs: 2000 };
const zone = { kind: 'zone', zone: 'DE', label: 'Germany' } as const;
const options = (now = NOW) => ({ ...em, electricityMapsUrl: api.url, ukUrl: api.url, now });
const points = (hours: number[], values: (number | null)[], t0 = DAY0) =>
  hours.map((h, i) => ({ datetime: iso(t0 + h * HOUR), carbonIntensity: values[i] }));
const ukPeriods = (t0: number, gs: (number | null)[], skip: (i: number) => boolean = () => false) =>
  gs.flatMap((g, i) =>
    skip(i)
      ? []
      : [{ from: ukTime(t0 + i * HALF), to: ukTime(t0 + (i + 1) * HALF), intensity: { forecast: g, actual: null } }],
  );

describe('forecasts with holes (issue 35, item 4)', { timeout: 30_000 }, () => {
  it('a missing hour: the 2 h window starts at 03:00, where there is data, not at 02:00', async () => {
    emBody = { zone: 'DE', forecast: points([0, 1, 3, 4, 5], [100, 100, 10, 10, 300]), updatedAt: iso(DAY0) };
    const f = await fetchForecast(zone, options(DAY0));
    const w = cleanestWindow(f.slots, 2 * HOUR, Infinity, DAY0)!;
    assert.equal(iso(w.start), '2026-06-01T03:00:00.000Z');
    assert.equal(w.meanGco2PerKwh, 10);
    assert.equal(w.nowGco2PerKwh, 100);
    assert.match(f.notes!.join(' '), /No data from 2026-06-01 02:00 UTC to 2026-06-01 03:00 UTC/);
  });

  it('a null point is a hole too, and said', async () => {
    emBody = { zone: 'DE', forecast: points([0, 1, 2, 3, 4, 5], [100, 100, null, 10, 10, 300]) };
    const f = await fetchForecast(zone, options(DAY0));
    assert.equal(iso(cleanestWindow(f.slots, 2 * HOUR, Infinity, DAY0)!.start), '2026-06-01T03:00:00.000Z');
    assert.match(f.notes!.join(' '), /1 of 6 Electricity Maps entries had no time or no intensity/);
  });

  it('an irregular first step (15 min, then hourly): each point lasts until the next', async () => {
    emBody = {
      zone: 'DE',
      forecast: points([0, 0.25, 1.25, 2.25, 3.25, 4.25], [300, 300, 300, 50, 50, 300]),
    };
    const f = await fetchForecast(zone, options(DAY0));
    assert.deepEqual(
      f.slots.map((s) => s.durationMs / 60_000),
      [15, 60, 60, 60, 60, 60],
    );
    const w = cleanestWindow(f.slots, 2 * HOUR, Infinity, DAY0)!;
    assert.equal(iso(w.start), '2026-06-01T02:15:00.000Z');
    assert.equal(w.meanGco2PerKwh, 50);
  });

  it('points out of order are placed by their times; a repeated point is kept once; two values for one time are refused', async () => {
    emBody = { zone: 'DE', forecast: points([3, 0, 0, 2, 1, 4], [10, 100, 100, 10, 100, 300]) };
    const f = await fetchForecast(zone, options(DAY0));
    assert.deepEqual(
      f.slots.map((s) => [(s.start - DAY0) / HOUR, s.durationMs / HOUR, s.gco2PerKwh]),
      [
        [0, 1, 100],
        [1, 1, 100],
        [2, 1, 10],
        [3, 1, 10],
        [4, 1, 300],
      ],
    );
    emBody = { zone: 'DE', forecast: points([0, 0, 1, 2], [100, 300, 100, 10]) };
    await assert.rejects(
      fetchForecast(zone, options(DAY0)),
      /Electricity Maps sent two intensities for 2026-06-01 00:00 UTC \(100 and 300 gCO2e\/kWh\): the forecast is not used/,
    );
  });

  it('a gap in the UK series is reported, and the search uses the data after it', async () => {
    const t0 = Math.floor(NOW / HALF) * HALF;
    // 96 half hours, 2 h missing from 01:00; the clean hours come after the gap.
    ukData = ukPeriods(
      t0,
      Array.from({ length: 96 }, (_, i) => (i >= 10 && i < 14 ? 40 : 250)),
      (i) => i >= 2 && i < 6,
    );
    const f = await fetchForecast({ kind: 'uk-national' }, options());
    assert.equal(f.slots.length, 92, 'the data after the gap is kept');
    assert.match(f.notes!.join(' '), /No data from 2026-06-01 01:00 UTC to 2026-06-01 03:00 UTC/);
    const w = cleanestWindow(f.slots, 2 * HOUR, 24 * HOUR, NOW)!;
    assert.equal(iso(w.start), '2026-06-01T05:00:00.000Z');
    assert.equal(w.meanGco2PerKwh, 40);
    // The window search never spans the gap: a 1.5 h job from 00:10 would.
    assert.equal(
      cleanestWindow(f.slots, 1.5 * HOUR, 0.5 * HOUR, NOW),
      undefined,
      'only starts before the gap, none long enough',
    );
  });
});

describe('forecasts anchored to now (issue 36, items 3 and 4)', { timeout: 60_000 }, () => {
  it('slots 30 days old: no forecast from now on, not "starts now ... 56% less"', async () => {
    emBody = { zone: 'DE', forecast: points([0, 1, 2, 3], [300, 100, 100, 300], DAY0 - 30 * 24 * HOUR) };
    await assert.rejects(fetchForecast(zone, options()), (e: Error) => {
      assert.ok(e instanceof NoForecastError);
      assert.match(e.message, /No forecast from now on: .* ends at 2026-05-02 04:00 UTC, in the past/);
      return true;
    });
  });

  it('slots cut to those that end after now; a start now is now, not the first slot', async () => {
    emBody = { zone: 'DE', forecast: points([0, 1, 2, 3, 4], [500, 100, 100, 300, 300]) };
    const now = DAY0 + 1.5 * HOUR;
    const f = await fetchForecast(zone, options(now));
    assert.equal(f.slots[0]!.start, DAY0 + HOUR, 'the 00:00 slot ended');
    const w = cleanestWindow(f.slots, HOUR, 8 * HOUR, now)!;
    assert.equal(w.start, now, 'now, half way into the 01:00 slot');
    assert.equal(w.nowGco2PerKwh, 100);
  });

  it('--within counts from now: slots 20 days ahead give no window within 8 h, with the reason', async () => {
    const ahead = DAY0 + 20 * 24 * HOUR;
    const slots = [0, 1, 2].map((h) => ({ start: ahead + h * HOUR, durationMs: HOUR, gco2PerKwh: 100 + h }));
    assert.equal(cleanestWindow(slots, HOUR, 8 * HOUR, NOW), undefined);
    assert.match(
      noWindowReason(slots, HOUR, 8 * HOUR, NOW),
      /starts at 2026-06-21 00:00 UTC, later than the latest start/,
    );
    const w = cleanestWindow(slots, HOUR, Infinity, NOW)!;
    assert.equal(w.nowGco2PerKwh, undefined, 'no start now to compare with');
    assert.equal(w.savingPercent, undefined);
  });

  it('run --when-clean with a forecast in 2100 or 20 days ahead runs now and says why, never waits or overflows', async () => {
    const work = tempDir('cl-when-clean-');
    const cli = path.resolve(__dirname, '../../../dist/cli.js');
    for (const t0 of [Date.UTC(2100, 0, 1), Math.floor(Date.now() / HALF) * HALF + 20 * 24 * HOUR]) {
      ukData = ukPeriods(
        t0,
        Array.from({ length: 96 }, (_, i) => (i >= 4 && i < 8 ? 40 : 240)),
      );
      const marker = path.join(work, `ran-${t0}`);
      const child = spawn(
        process.execPath,
        [cli, 'run', '--when-clean', '--country', 'GB', '--within', '8h', '--idle-ms', '0', '--', 'touch', marker],
        {
          cwd: work,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: {
            ...process.env,
            CARBONLENS_UK_INTENSITY_URL: api.url,
            CARBONLENS_CACHE: path.join(work, `cache-${t0}`),
          },
        },
      );
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      const closed = new Promise<number | null>((r) => child.on('close', r));
      try {
        await waitFor('the command to run', () => existsSync(marker));
        assert.equal(await closed, 0, err);
        assert.match(err, /no clean window within 8h \(The forecast starts at .*later than the latest start asked for/);
        assert.doesNotMatch(err, /waiting/);
      } finally {
        killIfAlive(child.pid!);
      }
    }
  });

  it('a window 74 years ahead, asked for with --within: it waits (no timer overflow), and SIGTERM ends the wait', async () => {
    const work = tempDir('cl-when-clean-far-');
    const cli = path.resolve(__dirname, '../../../dist/cli.js');
    const t0 = Date.UTC(2100, 0, 1);
    ukData = ukPeriods(
      t0,
      Array.from({ length: 8 }, (_, i) => (i >= 4 ? 40 : 240)),
    );
    const marker = path.join(work, 'ran');
    const child = spawn(
      process.execPath,
      [cli, 'run', '--when-clean', '--country', 'GB', '--within', '700000h', '--idle-ms', '0', '--', 'touch', marker],
      {
        cwd: work,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, CARBONLENS_UK_INTENSITY_URL: api.url, CARBONLENS_CACHE: path.join(work, 'cache') },
      },
    );
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const closed = new Promise<number | null>((r) => child.on('close', r));
    try {
      await waitFor('the wait to be announced', () => /waiting\. Cleanest 1 h window: starts at 02:00 UTC/.test(err));
      // Before, setTimeout's 32-bit overflow fired at once and the command ran: it must not have.
      assert.equal(existsSync(marker), false);
      child.kill('SIGTERM');
      assert.equal(await closed, 130, err);
      assert.equal(existsSync(marker), false, 'the command never ran');
    } finally {
      killIfAlive(child.pid!);
    }
  });

  it('non-physical intensities are refused with a message: negative, 1e308', async () => {
    for (const bad of [-50, 1e308]) {
      emBody = { zone: 'DE', forecast: points([0, 1, 2], [100, bad, 100]) };
      await assert.rejects(fetchForecast(zone, options(DAY0)), (e: Error) => {
        assert.match(
          e.message,
          new RegExp(
            `Electricity Maps sent ${String(bad).replace(/[+.]/g, '\\$&')} gCO2e/kWh is not a grid intensity \\(0 to 2,000\\) for 2026-06-01 01:00 UTC`,
          ),
        );
        return true;
      });
      latest = { zone: 'DE', carbonIntensity: bad, datetime: iso(NOW) };
      const figure = await liveIntensity(
        { embedded: resolveIntensity({ country: 'DE' }) },
        { ...em, electricityMapsUrl: api.url },
      );
      assert.ok(figure.gco2PerKwh >= 0 && figure.gco2PerKwh <= 2000, String(figure.gco2PerKwh));
      assert.match(figure.fallback!, /is not a grid intensity/);
    }
  });
});

describe('wrong-shaped forecast JSON (issue 36, item 9)', { timeout: 30_000 }, () => {
  it('a null UK period, a null Electricity Maps point, a numeric updatedAt, data that is no list: clean answers', async () => {
    const t0 = Math.floor(NOW / HALF) * HALF;
    ukData = [null, ...ukPeriods(t0, [200, 100, 300])];
    const uk = await fetchForecast({ kind: 'uk-national' }, options());
    assert.equal(uk.slots.length, 3);
    emBody = { zone: 'DE', forecast: [null, ...points([0, 1], [100, 50])], updatedAt: 1_780_000_000 };
    const f = await fetchForecast(zone, options(DAY0));
    assert.equal(f.slots.length, 2);
    assert.equal(f.issuedAt, iso(DAY0), 'a numeric updatedAt is not a time: the fetch time is used');
    for (const body of [{ zone: 'DE', forecast: 'soon' }, null, { zone: 'DE', forecast: [null, 7, 'x'] }]) {
      emBody = body;
      await assert.rejects(fetchForecast(zone, options(DAY0)), (e: Error) => {
        assert.ok(e instanceof NoForecastError, e.message);
        assert.doesNotMatch(e.message, JS_ERROR);
        return true;
      });
    }
    ukData = { from: 'x' };
    await assert.rejects(fetchForecast({ kind: 'uk-national' }, options()), /sent an empty forecast/);
  });

  it('carbonlens forecast with a null UK period and a numeric updatedAt prints, and says what was left out', async () => {
    const t0 = Math.floor(Date.now() / HALF) * HALF;
    ukData = [
      null,
      ...ukPeriods(
        t0,
        Array.from({ length: 8 }, (_, i) => (i >= 4 ? 50 : 200)),
      ),
    ];
    process.env.CARBONLENS_UK_INTENSITY_URL = api.url;
    process.env.CARBONLENS_CACHE = tempDir('cl-forecast-');
    try {
      const r = await runMain('forecast', '--country', 'GB', '--duration', '1h');
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /Note: 1 of 9 the UK Carbon Intensity API entries had no time or no intensity/);
      assert.match(r.out, /Cleanest 1 h window: starts at/);
      assert.doesNotMatch(r.out + r.err, JS_ERROR);
    } finally {
      delete process.env.CARBONLENS_UK_INTENSITY_URL;
      delete process.env.CARBONLENS_CACHE;
    }
  });

  it('a null entry in the forecast cache breaks nothing: the forecast is fetched and the cache repaired', async () => {
    const dir = tempDir('cl-forecast-cache-');
    const file = path.join(dir, 'forecasts.json');
    const key = JSON.stringify([api.url, zone]);
    emBody = { zone: 'DE', forecast: points([0, 1, 2], [100, 50, 100]) };
    for (const bad of [
      { other: null },
      { [key]: null },
      { [key]: { figure: null, expires: Date.now() + HOUR } },
      { [key]: { figure: { source: 's', issuedAt: 'x', location: 'l', slots: [null] }, expires: Date.now() + HOUR } },
      {
        [key]: {
          figure: {
            source: 's',
            issuedAt: 'x',
            location: 'l',
            slots: [DAY0 + HOUR, DAY0].map((start) => ({ start, durationMs: HOUR, gco2PerKwh: 1 })),
          },
          expires: Date.now() + HOUR,
        },
      },
    ]) {
      writeFileSync(file, JSON.stringify(bad));
      const cache = new FileIntensityCache<Forecast>(file);
      const f = await fetchForecast(zone, { ...options(DAY0), forecastCache: cache });
      assert.equal(f.slots.length, 3);
      const kept = JSON.parse(readFileSync(file, 'utf8'));
      assert.equal(kept.other, undefined, 'the null entry is dropped');
      assert.equal(kept[key].figure.slots.length, 3, 'the fresh forecast is kept');
    }
  });
});
