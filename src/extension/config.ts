import * as vscode from 'vscode';
import { isDatasetName, type CloudProvider, type DatasetName } from '../core/carbon/datasets';
import { CONFIG_DEFAULTS as D } from './configDefaults';

export interface CarbonLensConfig {
  readonly statusBarEnabled: boolean;
  /** Region, country, place or coordinates; '' when unknown. */
  readonly location: string;
  readonly dataset: DatasetName;
  readonly liveIntensity: boolean;
  readonly pue: number;
  readonly meterIntervalMs: number;
  readonly ramModel: 'dimm' | 'per-gb';
  /** `carbonlens.meter.gpus`: NVML indices or UUIDs, or all; '' for CUDA_VISIBLE_DEVICES's. */
  readonly gpus: string;
  /** Where to push OTLP metrics; empty: nowhere. */
  readonly otlpEndpoint: string;
  readonly otlpProtocol: 'http/protobuf' | 'http/json';
  /** A hub mirror; '' for huggingface.co. */
  readonly hubEndpoint: string;
  readonly hubOffline: boolean;
  /** The NuGet feed of onnxruntime's CUDA provider. */
  readonly cudaProviderFeed: string;
  /** llama.cpp's CPU threads for GGUF benchmarks; 0: one per physical core (or the environment's). */
  readonly llamaThreads: number;
  /** The npm registry llama.cpp's builds are fetched from. */
  readonly llamaRegistry: string;
  /** Which runs started from the editor are metered, and how they are kept. */
  readonly runs: {
    readonly terminal: boolean;
    readonly tasks: boolean;
    readonly debug: boolean;
    readonly notebooks: boolean;
    readonly minSeconds: number;
    readonly flashSeconds: number;
    readonly storeCommandLines: boolean;
    /** process: a run's own share from its processes, beside the machine's figures. */
    readonly attribution: 'machine' | 'process';
  };
  /** The provider whose greenest region runs are compared with, when the location is not a cloud region. */
  readonly cloudProvider?: CloudProvider;
}

/** Secrets live in VS Code's SecretStorage, never in settings. */
export const ELECTRICITY_MAPS_SECRET = 'carbonlens.electricityMapsToken';
export const HF_TOKEN_SECRET = 'carbonlens.huggingFaceToken';

export function readConfig(): CarbonLensConfig {
  const c = vscode.workspace.getConfiguration('carbonlens');
  const dataset = c.get<string>('intensity.dataset', D['intensity.dataset']);
  const pue = c.get<number>('pue', D.pue);
  const interval = c.get<number>('meter.intervalMs', D['meter.intervalMs']);
  const endpoint = c.get<string>('hub.endpoint', D['hub.endpoint']).trim();
  const provider = c.get<string>('cloudProvider', D.cloudProvider);
  const feed = c.get<string>('cudaProvider.feed', D['cudaProvider.feed']).trim();
  const otlp = c.get<string>('telemetry.otlpEndpoint', D['telemetry.otlpEndpoint']).trim();
  const threads = c.get<number>('llama.threads', D['llama.threads']);
  const registry = c.get<string>('llama.registry', D['llama.registry']).trim();
  return Object.freeze({
    statusBarEnabled: c.get<boolean>('statusBar.enabled', D['statusBar.enabled']),
    location: c.get<string>('location', D.location).trim(),
    // A hand-edited settings.json can hold anything: fall back to the defaults, never throw.
    dataset: isDatasetName(dataset) ? dataset : D['intensity.dataset'],
    liveIntensity: c.get<boolean>('intensity.live', D['intensity.live']),
    pue: typeof pue === 'number' && pue >= 1 ? pue : D.pue,
    meterIntervalMs:
      typeof interval === 'number' && interval >= 250 && interval <= 60_000
        ? Math.round(interval)
        : D['meter.intervalMs'],
    ramModel: c.get<string>('meter.ramModel', D['meter.ramModel']) === 'per-gb' ? 'per-gb' : 'dimm',
    gpus: String(c.get<string>('meter.gpus', D['meter.gpus']) ?? '').trim(),
    otlpEndpoint: /^https?:\/\/\S+$/.test(otlp) ? otlp : '',
    otlpProtocol:
      c.get<string>('telemetry.otlpProtocol', D['telemetry.otlpProtocol']) === 'http/json'
        ? 'http/json'
        : 'http/protobuf',
    hubEndpoint: /^https?:\/\/\S+$/.test(endpoint) ? endpoint : '',
    hubOffline: c.get<boolean>('hub.offline', D['hub.offline']),
    cudaProviderFeed: /^https?:\/\/\S+$/.test(feed) ? feed : D['cudaProvider.feed'],
    llamaThreads: Number.isInteger(threads) && threads >= 0 && threads <= 1024 ? threads : D['llama.threads'],
    llamaRegistry: /^https?:\/\/\S+$/.test(registry) ? registry : D['llama.registry'],
    runs: Object.freeze({
      terminal: c.get<boolean>('runs.terminal', D['runs.terminal']) !== false,
      tasks: c.get<boolean>('runs.tasks', D['runs.tasks']) !== false,
      debug: c.get<boolean>('runs.debug', D['runs.debug']) !== false,
      notebooks: c.get<boolean>('runs.notebooks', D['runs.notebooks']) !== false,
      minSeconds: seconds(
        c.get<number>('runs.minDurationSeconds', D['runs.minDurationSeconds']),
        D['runs.minDurationSeconds'],
      ),
      flashSeconds: seconds(
        c.get<number>('runs.flashAfterSeconds', D['runs.flashAfterSeconds']),
        D['runs.flashAfterSeconds'],
      ),
      storeCommandLines: c.get<boolean>('runs.storeCommandLines', D['runs.storeCommandLines']) === true,
      attribution: c.get<string>('runs.attribution', D['runs.attribution']) === 'machine' ? 'machine' : 'process',
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
