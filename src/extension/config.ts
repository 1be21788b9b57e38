import * as vscode from 'vscode';
import { isDatasetName, type DatasetName } from '../core/carbon/datasets';

export interface CarbonLensConfig {
  readonly statusBarEnabled: boolean;
  /** Region, country, place or coordinates; '' when unknown. */
  readonly location: string;
  readonly dataset: DatasetName;
  readonly liveIntensity: boolean;
  readonly pue: number;
  readonly meterIntervalMs: number;
  /** A hub mirror; '' for huggingface.co. */
  readonly hubEndpoint: string;
  readonly hubOffline: boolean;
}

/** Secrets live in VS Code's SecretStorage, never in settings. */
export const ELECTRICITY_MAPS_SECRET = 'carbonlens.electricityMapsToken';
export const HF_TOKEN_SECRET = 'carbonlens.huggingFaceToken';

export function readConfig(): CarbonLensConfig {
  const c = vscode.workspace.getConfiguration('carbonlens');
  const dataset = c.get<string>('intensity.dataset', 'latest');
  const pue = c.get<number>('pue', 1);
  const interval = c.get<number>('meter.intervalMs', 1000);
  const endpoint = c.get<string>('hub.endpoint', '').trim();
  return Object.freeze({
    statusBarEnabled: c.get<boolean>('statusBar.enabled', true),
    location: c.get<string>('location', '').trim(),
    // A hand-edited settings.json can hold anything: fall back to the defaults, never throw.
    dataset: isDatasetName(dataset) ? dataset : 'latest',
    liveIntensity: c.get<boolean>('intensity.live', false),
    pue: typeof pue === 'number' && pue >= 1 ? pue : 1,
    meterIntervalMs: typeof interval === 'number' && interval >= 250 && interval <= 60_000 ? Math.round(interval) : 1000,
    hubEndpoint: /^https?:\/\/\S+$/.test(endpoint) ? endpoint : '',
    hubOffline: c.get<boolean>('hub.offline', false),
  });
}

/** Calls `onChange` with a fresh config only when a `carbonlens.*` setting changed. */
export function watchConfig(onChange: (config: CarbonLensConfig) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('carbonlens')) onChange(readConfig());
  });
}
