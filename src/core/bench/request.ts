// One benchmark as asked for: every option of `carbonlens bench` and `compare`, typed. The editor
// builds one and turns it into the CLI's arguments with `toArgs`; the CLI's parser
// (src/cli/benchOptions.ts, `parseBenchRequest`) turns the arguments back into the same value,
// checked. Defaults are not filled in here: an absent field is an option not given.
import type { DatasetName } from '../carbon/datasets';
import type { SchedulerName } from '../diffusion/scheduler';
import type { RamModel } from '../energy/ramEstimate';
import type { DeviceChoice } from '../models/devices';
import type { Dtype, Task } from '../models/tasks';

export interface BenchRequest {
  command: 'bench' | 'compare';
  /** bench: one model; compare: the reference (A), then the candidate (B). Hub ids or folders. */
  models: string[];
  task: Task;
  device?: DeviceChoice;
  dtype?: Dtype;
  /** A GGUF model's quantisation, in llama.cpp's spelling (Q4_K_M): a hub repository of GGUF files' file to download. */
  quant?: string;
  samples?: number;
  /** Items per call, or auto: a few sizes timed on the loaded model. */
  batch?: number | 'auto';
  /** A built-in set's name, a folder with labels.csv, a .jsonl or a .txt. */
  dataset?: string;
  seed?: number;
  repeats?: number;
  idleMs?: number;
  cooldownMs?: number;
  /** The CSV appended to; the JSONL record goes beside it. */
  out?: string;
  /** The record (bench) or the pair and verdict (compare) as JSON on stdout. */
  json?: boolean;
  yes?: boolean;
  offline?: boolean;
  /** Progress, consent questions and failures as JSON lines on stderr (src/protocol.ts). */
  events?: boolean;
  /** Where the electricity comes from: one of these five at most. */
  intensity?: number;
  region?: string;
  location?: string;
  country?: string;
  place?: string;
  intensityDataset?: DatasetName;
  pue?: number;
  ramModel?: RamModel;
  attribution?: 'machine' | 'process';
  /** The one GPU that runs the model and is metered: an NVML index or UUID. */
  gpu?: string;
  otlp?: string;
  otlpProtocol?: string;
  otlpHeaders?: string[];
  /** Text generation and summarization: the most tokens an answer may take. */
  maxNewTokens?: number;
  /** Text to image. */
  steps?: number;
  guidance?: number;
  /** WIDTHxHEIGHT, multiples of 8. */
  size?: string;
  scheduler?: SchedulerName;
  clip?: string;
  images?: string;
  /** compare: the largest quality loss that still counts as "as good". */
  tolerance?: number;
}

type Scalar = Exclude<keyof BenchRequest, 'command' | 'models' | 'task' | 'otlpHeaders'>;

/** Each scalar field's flag: the one table that both directions read. */
export const REQUEST_FLAGS = {
  device: '--device',
  dtype: '--dtype',
  quant: '--quant',
  samples: '--samples',
  batch: '--batch',
  dataset: '--dataset',
  seed: '--seed',
  repeats: '--repeats',
  idleMs: '--idle-ms',
  cooldownMs: '--cooldown-ms',
  out: '--out',
  json: '--json',
  yes: '--yes',
  offline: '--offline',
  events: '--events',
  intensity: '--intensity',
  region: '--region',
  location: '--location',
  country: '--country',
  place: '--place',
  intensityDataset: '--intensity-dataset',
  pue: '--pue',
  ramModel: '--ram-model',
  attribution: '--attribution',
  gpu: '--gpu',
  otlp: '--otlp',
  otlpProtocol: '--otlp-protocol',
  maxNewTokens: '--max-new-tokens',
  steps: '--steps',
  guidance: '--guidance',
  size: '--size',
  scheduler: '--scheduler',
  clip: '--clip',
  images: '--images',
  tolerance: '--tolerance',
} as const satisfies Record<Scalar, `--${string}`>;

/**
 * The request as the CLI's arguments. Values go as `--flag=value`, so that one that starts with a
 * dash (a negative number, a folder named `-x`) is never read as an option.
 */
export function toArgs(request: BenchRequest): string[] {
  const args = [request.command, ...request.models.map((m) => `--model=${m}`), `--task=${request.task}`];
  for (const [field, flag] of Object.entries(REQUEST_FLAGS) as [Scalar, string][]) {
    const value = request[field];
    if (value === undefined || value === false) continue;
    args.push(value === true ? flag : `${flag}=${value}`);
  }
  for (const header of request.otlpHeaders ?? []) args.push(`--otlp-header=${header}`);
  return args;
}
