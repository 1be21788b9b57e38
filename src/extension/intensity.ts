import type * as vscode from 'vscode';
import {
  fetchForecast,
  fetchTypicalDay,
  forecastTarget,
  type Forecast,
  type TypicalDay,
} from '../core/carbon/forecast';
import { parseCoordinates, resolvePlace, type IntensityFigure } from '../core/carbon/intensity';
import { liveIntensity, MemoryIntensityCache } from '../core/carbon/live';
import { asSentence, messageText, remedyOf } from '../core/messages';
import { ELECTRICITY_MAPS_SECRET, type CarbonLensConfig } from './config';

export interface IntensityState {
  /** The setting as given; '' when no location is set (the UI then asks for one). */
  location: string;
  figure?: IntensityFigure;
  /** Why there is no figure: an unknown name, coordinates without live data. */
  problem?: string;
  /** The grid's intensity ahead, with live intensity on, where a source publishes one. */
  forecast?: Forecast;
  /** Why there is no forecast, with live intensity on. */
  forecastNote?: string;
}

const FORECAST_TTL_MS = 30 * 60 * 1000;

/** The grid intensity for the configured location: embedded, or live when turned on. */
export class GridIntensity {
  private readonly cache = new MemoryIntensityCache();

  constructor(private readonly secrets: vscode.SecretStorage) {}

  async current(config: CarbonLensConfig): Promise<IntensityState> {
    const location = config.location;
    if (!location) return { location };
    try {
      const coordinates = parseCoordinates(location);
      const embedded = coordinates ? undefined : resolvePlace(location, { dataset: config.dataset });
      if (!config.liveIntensity) {
        return embedded
          ? { location, figure: embedded }
          : {
              location,
              problem:
                'Coordinates need live intensity: turn on carbonlens.intensity.live and set an Electricity Maps token.',
            };
      }
      const token = await this.secrets.get(ELECTRICITY_MAPS_SECRET);
      const [figure, ahead] = await Promise.all([
        liveIntensity({ embedded, coordinates }, { electricityMapsToken: token, cache: this.cache }),
        embedded ? this.forecast(embedded, token) : Promise.resolve({ note: 'Coordinates have no forecast here.' }),
      ]);
      return {
        location,
        figure,
        ...('forecast' in ahead ? { forecast: ahead.forecast } : { forecastNote: ahead.note }),
      };
    } catch (e) {
      return { location, problem: (e as Error).message };
    }
  }

  /**
   * The place's typical day (the last 30 days, per UTC hour) for advice on cron schedules: only
   * with live intensity on (the user's consent to ask these services), from the UK API for Great
   * Britain or Electricity Maps with a token; undefined elsewhere, never a guess. Kept a day.
   */
  async typicalDay(config: CarbonLensConfig, figure: IntensityFigure | undefined): Promise<TypicalDay | undefined> {
    if (!config.liveIntensity || !figure) return undefined;
    const token = await this.secrets.get(ELECTRICITY_MAPS_SECRET);
    const key = `${figure.countryIso3}:${Boolean(token)}`;
    if (this.typical && this.typical.key === key && Date.now() - this.typical.at < 86_400_000) return this.typical.day;
    try {
      const target = forecastTarget(figure, { electricityMapsToken: token });
      const day = await fetchTypicalDay(target, { electricityMapsToken: token, timeoutMs: 10_000 });
      this.typical = { key, at: Date.now(), day };
      return day;
    } catch {
      return undefined;
    }
  }

  private typical: { key: string; at: number; day: TypicalDay } | undefined;
  private ahead: { key: string; at: number; forecast: Forecast } | undefined;

  /** The forecast for the place, kept half an hour; or why there is none. */
  private async forecast(
    figure: IntensityFigure,
    token: string | undefined,
  ): Promise<{ forecast: Forecast } | { note: string }> {
    const key = `${figure.countryIso3}:${Boolean(token)}`;
    if (this.ahead?.key === key && Date.now() - this.ahead.at < FORECAST_TTL_MS)
      return { forecast: this.ahead.forecast };
    try {
      const forecast = await fetchForecast(forecastTarget(figure, { electricityMapsToken: token }), {
        electricityMapsToken: token,
        timeoutMs: 10_000,
      });
      this.ahead = { key, at: Date.now(), forecast };
      return { forecast };
    } catch (e) {
      // The catalogue's editor voice: the token command, not the environment variable.
      const remedy = remedyOf(e);
      return { note: remedy ? messageText(remedy, 'editor') : asSentence((e as Error).message) };
    }
  }
}
