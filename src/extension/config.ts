import * as vscode from 'vscode';
import { isDatasetName, type DatasetName } from '../core/carbon/datasets';

export interface CarbonLensConfig {
  readonly statusBarEnabled: boolean;
  /** Region, country, place or coordinates; '' when unknown. */
  readonly location: string;
  readonly dataset: DatasetName;
  readonly liveIntensity: boolean;
  readonly pue: number;
}

/** Where the Electricity Maps token lives: VS Code's SecretStorage, never settings. */
export const ELECTRICITY_MAPS_SECRET = 'carbonlens.electricityMapsToken';

export function readConfig(): CarbonLensConfig {
  const c = vscode.workspace.getConfiguration('carbonlens');
  const dataset = c.get<string>('intensity.dataset', 'latest');
  const pue = c.get<number>('pue', 1);
  return Object.freeze({
    statusBarEnabled: c.get<boolean>('statusBar.enabled', true),
    location: c.get<string>('location', '').trim(),
    // A hand-edited settings.json can hold anything: fall back to the defaults, never throw.
    dataset: isDatasetName(dataset) ? dataset : 'latest',
    liveIntensity: c.get<boolean>('intensity.live', false),
    pue: typeof pue === 'number' && pue >= 1 ? pue : 1,
  });
}

/** Calls `onChange` with a fresh config only when a `carbonlens.*` setting changed. */
export function watchConfig(onChange: (config: CarbonLensConfig) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('carbonlens')) onChange(readConfig());
  });
}
