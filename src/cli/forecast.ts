// `carbonlens forecast`: the grid's intensity ahead, and the cleanest window for a job.
import { asSentence } from '../core/messages';
import { parseArgs } from 'node:util';
import {
  fetchForecast,
  fetchTypicalDay,
  forecastTarget,
  type Forecast,
  type ForecastTarget,
} from '../core/carbon/forecast';
import { resolveIntensity } from '../core/carbon/intensity';
import { cleanestWindow, noWindowReason, parseDuration, type CleanWindow } from '../core/carbon/window';
import { gramsText, intensityText } from '../core/units';
import { forecastCacheFromEnv, liveOptionsFromEnv, PLACE_OPTIONS, placeQuery } from './carbonOptions';
import { numberOption, UsageError } from './usage';

export const FORECAST_HELP = `Usage: carbonlens forecast (--region R | --location L | --country C | --place P | --postcode PC)
                          [--duration 2h] [--within 24h] [--energy-kwh X] [--typical] [--json]

The grid's intensity ahead, from the sources that publish forecasts: the UK Carbon Intensity API
for Great Britain (national, or a postcode's region; no token) and Electricity Maps for any zone
with ELECTRICITYMAPS_TOKEN (where your plan has forecasts). Then the cleanest window for a job of
--duration starting within --within: when it starts, its mean intensity, the saving against
starting now, and with --energy-kwh the gCO2e either way. Answers are kept 30 minutes in
~/.cache/carbonlens/forecasts.json. Where no source covers the place, it says so and exits 1: a
forecast is never made up from annual figures.

  --duration D       the job's length: 30m, 2h, 1.5h (default 1h)
  --within D         latest start, counted from now (default 24h; the forecast's end bounds it too)
  --energy-kwh X     the job's energy, for gCO2e now and in the window
  --typical          also the typical day: mean intensity per hour (UTC) over the last 30 days
  --json             { source, issued_at, location, slots: [{ start, minutes, g_per_kwh }],
                       window?: { start, end, mean, now, saving_percent, grams?, grams_now? },
                       no_window?, notes: [what the source left out, gaps], typical? }
                     (now, saving_percent and grams_now are null where the forecast does not
                     cover a start now)
`;

const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16);
const inTime = (ms: number) => {
  const m = Math.round(ms / 60_000);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
};

export function windowSentence(w: CleanWindow, durationMs: number, now: number, energyKwh?: number): string {
  const when = w.start <= now + 60_000 ? 'now' : `at ${hhmm(w.start)} UTC (in ${inTime(w.start - now)})`;
  const length = inTime(durationMs).replace(' 0 min', '');
  if (w.nowGco2PerKwh === undefined || w.savingPercent === undefined) {
    const grams =
      energyKwh === undefined ? '' : `; for ${energyKwh} kWh: ${gramsText(energyKwh * w.meanGco2PerKwh)} CO2e`;
    return `Cleanest ${length} window: starts ${when}, mean ${intensityText(w.meanGco2PerKwh)}; the forecast does not cover a start now, so there is no saving to give${grams}.`;
  }
  const grams =
    energyKwh === undefined
      ? ''
      : `; for ${energyKwh} kWh: ${gramsText(energyKwh * w.meanGco2PerKwh)} CO2e instead of ${gramsText(energyKwh * w.nowGco2PerKwh)}`;
  return `Cleanest ${length} window: starts ${when}, mean ${intensityText(w.meanGco2PerKwh)} against ${intensityText(w.nowGco2PerKwh)} starting now, ${w.savingPercent.toFixed(0)}% less${grams}.`;
}

/** The place options as a forecast target; the error says what would have one. */
export function forecastTargetFrom(values: Record<string, string | boolean | undefined>): ForecastTarget {
  const postcode = typeof values.postcode === 'string' ? values.postcode : undefined;
  const query = placeQuery(values as Parameters<typeof placeQuery>[0]);
  if (!postcode && !query) throw new UsageError('Say where: --region, --location, --country, --place or --postcode.');
  const figure = query ? resolveIntensity(query) : undefined;
  return forecastTarget(
    { countryIso3: figure?.countryIso3, location: figure?.location ?? `postcode ${postcode}`, postcode },
    liveOptionsFromEnv(),
  );
}

export async function runForecast(args: string[], out: (text: string) => void): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      ...PLACE_OPTIONS,
      postcode: { type: 'string' },
      duration: { type: 'string' },
      within: { type: 'string' },
      'energy-kwh': { type: 'string' },
      typical: { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const durationMs = parseDuration(values.duration ?? '1h');
  if (!durationMs) throw new UsageError(`--duration takes a length like 30m or 2h, not '${values.duration}'.`);
  const withinMs = parseDuration(values.within ?? '24h');
  if (!withinMs) throw new UsageError(`--within takes a length like 8h, not '${values.within}'.`);
  const energyKwh = numberOption('--energy-kwh', values['energy-kwh'], 0);
  const target = forecastTargetFrom(values);
  const options = liveOptionsFromEnv();
  const now = Date.now();
  const forecast: Forecast = await fetchForecast(target, {
    ...options,
    now,
    forecastCache: forecastCacheFromEnv(),
  }).catch((e: Error) => {
    // A source's failure stands alone here: a sentence ("The UK Carbon Intensity API answered HTTP 503.").
    e.message = asSentence(e.message);
    throw e;
  });
  const window = cleanestWindow(forecast.slots, durationMs, withinMs, now);
  const typical = values.typical ? await fetchTypicalDay(target, { ...options, now }) : undefined;
  if (values.json) {
    out(
      JSON.stringify(
        {
          source: forecast.source,
          issued_at: forecast.issuedAt,
          location: forecast.location,
          slots: forecast.slots.map((s) => ({
            start: new Date(s.start).toISOString(),
            minutes: s.durationMs / 60_000,
            g_per_kwh: s.gco2PerKwh,
          })),
          ...(window && {
            window: {
              start: new Date(window.start).toISOString(),
              end: new Date(window.end).toISOString(),
              mean: window.meanGco2PerKwh,
              now: window.nowGco2PerKwh ?? null,
              saving_percent: window.savingPercent ?? null,
              ...(energyKwh !== undefined && {
                grams: energyKwh * window.meanGco2PerKwh,
                grams_now: window.nowGco2PerKwh === undefined ? null : energyKwh * window.nowGco2PerKwh,
              }),
            },
          }),
          ...(!window && { no_window: noWindowReason(forecast.slots, durationMs, withinMs, now) }),
          notes: forecast.notes ?? [],
          ...(typical && { typical }),
        },
        null,
        2,
      ),
    );
    return 0;
  }
  out(`${forecast.location}: ${forecast.source}, issued ${forecast.issuedAt.slice(0, 16).replace('T', ' ')} UTC.`);
  const hours = forecast.slots.filter((s) => new Date(s.start).getUTCMinutes() === 0).slice(0, 48);
  out(hours.map((s) => `${hhmm(s.start)} ${Math.round(s.gco2PerKwh)}`).join('  '));
  for (const note of forecast.notes ?? []) out(`Note: ${note}`);
  out(
    window
      ? windowSentence(window, durationMs, now, energyKwh)
      : noWindowReason(forecast.slots, durationMs, withinMs, now),
  );
  if (typical) {
    out(
      `Typical day, ${typical.location}, ${typical.from} to ${typical.to} (${typical.source}); hour UTC: mean (10th-90th percentile)`,
    );
    out(
      typical.hours
        .map(
          (h) =>
            `${String(h.hour).padStart(2, '0')}h ${Math.round(h.mean)} (${Math.round(h.low)}-${Math.round(h.high)})`,
        )
        .join('  '),
    );
  }
  return 0;
}
