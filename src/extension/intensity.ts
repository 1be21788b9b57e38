import type * as vscode from 'vscode';
import { fetchTypicalDay, forecastTarget, type TypicalDay } from '../core/carbon/forecast';
import { parseCoordinates, resolvePlace, type IntensityFigure } from '../core/carbon/intensity';
import { liveIntensity, MemoryIntensityCache } from '../core/carbon/live';
import { ELECTRICITY_MAPS_SECRET, type CarbonLensConfig } from './config';

export interface IntensityState {
  /** The setting as given; '' when no location is set (the UI then asks for one). */
  location: string;
  figure?: IntensityFigure;
  /** Why there is no figure: an unknown name, coordinates without live data. */
  problem?: string;
}

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
      return {
        location,
        figure: await liveIntensity({ embedded, coordinates }, { electricityMapsToken: token, cache: this.cache }),
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
}
