import * as vscode from 'vscode';
import { isDatasetName, type CloudProvider, type DatasetName } from '../core/carbon/datasets';

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
  /** The NuGet feed of onnxruntime's CUDA provider. */
  readonly cudaProviderFeed: string;
  /** Which runs started from the editor are metered, and how they are kept. */
  readonly runs: {
    readonly terminal: boolean;
    readonly tasks: boolean;
    readonly debug: boolean;
    readonly notebooks: boolean;
    readonly minSeconds: number;
    readonly flashSeconds: number;
    readonly storeCommandLines: boolean;
  };
  /** The provider whose greenest region runs are compared with, when the location is not a cloud region. */
  readonly cloudProvider?: CloudProvider;
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
  const provider = c.get<string>('cloudProvider', '');
  const feed = c.get<string>('cudaProvider.feed', '').trim();
  return Object.freeze({
    statusBarEnabled: c.get<boolean>('statusBar.enabled', true),
    location: c.get<string>('location', '').trim(),
    // A hand-edited settings.json can hold anything: fall back to the defaults, never throw.
    dataset: isDatasetName(dataset) ? dataset : 'latest',
    liveIntensity: c.get<boolean>('intensity.live', false),
    pue: typeof pue === 'number' && pue >= 1 ? pue : 1,
    meterIntervalMs:
      typeof interval === 'number' && interval >= 250 && interval <= 60_000 ? Math.round(interval) : 1000,
    hubEndpoint: /^https?:\/\/\S+$/.test(endpoint) ? endpoint : '',
    hubOffline: c.get<boolean>('hub.offline', false),
    cudaProviderFeed: /^https?:\/\/\S+$/.test(feed) ? feed : 'https://api.nuget.org/v3/index.json',
    runs: Object.freeze({
      terminal: c.get<boolean>('runs.terminal', true) !== false,
      tasks: c.get<boolean>('runs.tasks', true) !== false,
      debug: c.get<boolean>('runs.debug', true) !== false,
      notebooks: c.get<boolean>('runs.notebooks', true) !== false,
      minSeconds: seconds(c.get<number>('runs.minDurationSeconds', 5), 5),
      flashSeconds: seconds(c.get<number>('runs.flashAfterSeconds', 30), 30),
      storeCommandLines: c.get<boolean>('runs.storeCommandLines', false) === true,
    }),
    ...(provider === 'gcp' || provider === 'aws' || provider === 'azure'
      ? { cloudProvider: provider as CloudProvider }
      : {}),
  });
}

const seconds = (v: unknown, fallback: number) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback;

/** Calls `onChange` with a fresh config only when a `carbonlens.*` setting changed. */
export function watchConfig(onChange: (config: CarbonLensConfig) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('carbonlens')) onChange(readConfig());
  });
}
