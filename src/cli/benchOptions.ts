// Options shared by `bench` and `compare`, and what both set up before measuring: the hub, the
// evaluation set's parameters, the meter, the machine's inventory and the place's intensity.
import { parseArgs } from 'node:util';
import { checkRecordFile } from '../core/bench/report';
import { closest, resolveIntensity, type IntensityFigure, type IntensityQuery } from '../core/carbon/intensity';
import type { BenchRequest } from '../core/bench/request';
import { cudaOrdinal, type GpuMetering, type GpuRequest } from '../core/energy/gpuSelection';
import { Meter } from '../core/energy/meter';
import { openEnergySources } from '../core/energy/openSources';
import { RAM_MODELS, type RamModel } from '../core/energy/ramEstimate';
import { summariseSource, type SourceSummary } from '../core/energy/source';
import { isDeviceChoice, type DeviceChoice } from '../core/models/devices';
import { DEFAULT_CLIP_MODEL } from '../core/diffusion/clipScore';
import { SCHEDULERS, type SchedulerName } from '../core/diffusion/scheduler';
import { DEFAULT_DIFFUSION, type DiffusionOptions } from '../core/diffusion/stableDiffusion';
import { DEFAULT_MAX_NEW_TOKENS, DEFAULT_SUMMARY_TOKENS, generatesTokens } from '../core/bench/taskRunner';
import { TEXT_TO_IMAGE_PROMPTS } from '../generated/textToImagePrompts';
import { DEFAULT_SAMPLES, isDtype, isTask, DTYPES, TASKS, type Dtype, type Task } from '../core/models/tasks';
import { collectInventory, type SystemInventory } from '../core/system/inventory';
import { datasetOption, PLACE_OPTIONS, placeQuery } from './carbonOptions';
import { BENCH_GPU_HELP, gpuOption } from './gpuOptions';
import { GGUF_QUANTS, normaliseQuant } from '../core/models/gguf';
import { numberOption, RANGES, UsageError } from './usage';

export const BENCH_OPTIONS = {
  model: { type: 'string', multiple: true },
  task: { type: 'string' },
  device: { type: 'string' },
  dtype: { type: 'string' },
  quant: { type: 'string' },
  samples: { type: 'string' },
  batch: { type: 'string' },
  dataset: { type: 'string' },
  seed: { type: 'string' },
  repeats: { type: 'string' },
  'idle-ms': { type: 'string' },
  'cooldown-ms': { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  offline: { type: 'boolean' },
  events: { type: 'boolean' },
  ...PLACE_OPTIONS,
  'intensity-dataset': { type: 'string' },
  pue: { type: 'string' },
  steps: { type: 'string' },
  guidance: { type: 'string' },
  size: { type: 'string' },
  scheduler: { type: 'string' },
  clip: { type: 'string' },
  images: { type: 'string' },
  'ram-model': { type: 'string' },
  otlp: { type: 'string' },
  'otlp-protocol': { type: 'string' },
  'otlp-header': { type: 'string', multiple: true },
  attribution: { type: 'string' },
  'max-new-tokens': { type: 'string' },
  gpu: { type: 'string' },
} as const;

/** `--ram-model`: how RAM power is estimated where no DRAM counter can be read. */
export function ramModelOption(value: string | undefined): RamModel | undefined {
  if (value === undefined) return undefined;
  if (!(RAM_MODELS as readonly string[]).includes(value))
    throw new UsageError(`--ram-model takes ${RAM_MODELS.join(' or ')}, not '${value}'.`);
  return value as RamModel;
}

export const RAM_MODEL_HELP = `  --ram-model M       RAM power without a DRAM counter: dimm (default, CodeCarbon 3.x: 5 W a
                      module, the modules guessed from the size) or per-gb (0.375 W/GB, 2.x)`;

export const BENCH_OPTIONS_HELP = `  --task T            image-classification, image-to-text (or ocr), summarization,
                      text-to-image or text-generation (or llm) (required)
  --device D          auto (default): CUDA when its provider is installed, DirectML, CoreML,
                      WebGPU, then CPU; or one of cuda, dml, coreml, webgpu, cpu (no fallback);
                      a GGUF model: llama.cpp's best build here, or cuda, webgpu (its Vulkan
                      build), coreml (Metal), cpu
${BENCH_GPU_HELP}
  --dtype D           ${DTYPES.join(', ')} (default fp32), where the model has the file
  --quant Q           a GGUF model's quantisation (Q4_K_M, Q8_0, F16...): the file of a hub
                      repository of GGUF files to download, checked against general.file_type
  --samples N         items to measure (default ${Object.entries(DEFAULT_SAMPLES)
    .map(([t, n]) => `${n} for ${t}`)
    .join(', ')})
  --batch B           items per call (default 1), or auto: a few sizes are timed on the loaded
                      model and the fastest is used (the record keeps the trials); text
                      generation answers one prompt at a time
  --dataset D         cifar10 (classification), rendered-words (OCR), cnn_dailymail
                      (summarization), prompts (text-to-image) or short-answers (text
                      generation), the default for each; or a folder of images with labels.csv
                      (file,label), a .jsonl of {"text", "summary"} lines (summarization) or of
                      {"prompt", "answer"} lines (text generation), or a .txt of prompts
  --seed S            which items the sample draws (default 1)
  --repeats R         measured runs (default 1); their spread is reported
  --idle-ms N         idle baseline before and after, ms each (default 3000; 0: none)
  --cooldown-ms N     pause after the run (default 0)
  --out FILE.csv      CodeCarbon-format CSV to append to (default ./emissions.csv); the whole
                      record also goes to carbonlens-runs.jsonl beside it
  --region R, --location L, --country C, --intensity G
                      where the electricity comes from, for gCO2e (default: unknown, no CO2)
  --place P           the same as free text, as the carbonlens.location setting takes it
  --intensity-dataset latest (default), codecarbon or gcp-2021
  --pue P             power usage effectiveness, >= 1 (default 1.0)
${RAM_MODEL_HELP}
  --attribution A     machine (default): the CSV row holds the machine's energy; process: this
                      process's own share (its CPU time, its GPU utilisation by NVML, its memory),
                      tracking_mode process. The record and the report give both either way
  --otlp URL          push the record (energy and gCO2e per item, with task, model and device)
                      over OTLP/HTTP to URL (or OTEL_EXPORTER_OTLP_ENDPOINT); --otlp-header K=V
                      adds a header (an API key); --otlp-protocol http/protobuf (default) or http/json
  --yes, -y           allow downloads without asking (models and datasets, from HF_ENDPOINT
                      or huggingface.co, into CARBONLENS_CACHE or ~/.cache/carbonlens)
  --offline           use only the cache (also HF_HUB_OFFLINE=1); HF_TOKEN for gated models
  --json              print the run's record as JSON instead of the report
  --events            progress as JSON lines on stderr; downloads ask with a "consent" event
                      and wait for "yes" or "no" on stdin (for programs driving the CLI)

Text to image (Stable Diffusion 1.x/2.x ONNX exports: text_encoder/, unet/, vae_decoder/,
tokenizer/, scheduler/; the set is CarbonLens's ${TEXT_TO_IMAGE_PROMPTS.length} prompts, or a .txt of prompts):
  --steps N           denoising steps (default ${DEFAULT_DIFFUSION.steps})
  --guidance G        classifier-free guidance scale (default ${DEFAULT_DIFFUSION.guidance}; 1 or less: the prompt
                      alone, for turbo and LCM models)
  --size WxH          image size in pixels, multiples of 8 (default ${DEFAULT_DIFFUSION.width}x${DEFAULT_DIFFUSION.height})
  --scheduler S       ${SCHEDULERS.join(' (default) or ')}
  --clip MODEL        the CLIP model (hub id or folder) that scores each image against its prompt,
                      100 x cosine, after the measured run (default ${DEFAULT_CLIP_MODEL})
  --images DIR        where the PNGs go (default images/<model>-<time>/ beside --out)

Text generation (decoder-only ONNX exports: onnx/model*.onnx with past key values; greedy,
each prompt metered in two phases, prefill to the first token and decode after it):
  --max-new-tokens N  the most tokens an answer may take (default ${DEFAULT_MAX_NEW_TOKENS}; summaries ${DEFAULT_SUMMARY_TOKENS})

Summarization (seq2seq ONNX exports: onnx/encoder_model*.onnx and onnx/decoder_model_merged*.onnx)
runs one article at a time, metered like text generation: the encoder's pass and the first token
(prefill), then every later token (decode).`;

/** compare's options: bench's and --tolerance. */
export const COMPARE_OPTIONS = { ...BENCH_OPTIONS, tolerance: { type: 'string' } } as const;

const whole = (flag: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER) =>
  numberOption(flag, value, { min, max, whole: true });

export interface BenchSettings {
  task: Task;
  device: DeviceChoice;
  dtype: Dtype;
  samples: number;
  batch: number | 'auto';
  seed: number;
  repeats: number;
  /** Unmetered batches before the measured windows (default 1; compare: the whole set). */
  warmupBatches?: number;
  idleMs: number;
  cooldownMs: number;
  dataset?: string;
  out: string;
  pue: number;
  intensity?: IntensityFigure;
  /** What the CSV row holds: the machine's energy or this process's share. */
  attribution: 'machine' | 'process';
  /** Text generation: the most tokens an answer may take. */
  maxNewTokens?: number;
  /** A GGUF model's quantisation (--quant), in llama.cpp's spelling. */
  quant?: string;
  /** Text to image: the sampler, the CLIP scorer, where images go (default: images/ beside --out). */
  textToImage?: { diffusion: DiffusionOptions; clip: string; imagesDir?: string };
  /** The GPUs metered: `--gpu ID` (one board, which also runs the model), else CUDA_VISIBLE_DEVICES's. */
  gpu: GpuRequest;
}

function attributionOption(value: string | undefined): 'machine' | 'process' | undefined {
  if (value === undefined || value === 'machine' || value === 'process') return value;
  throw new UsageError(`--attribution takes machine or process, not '${value}'.`);
}

/** What people call the tasks, besides their pipeline names. */
const TASK_ALIASES: Record<string, Task> = {
  ocr: 'image-to-text',
  classification: 'image-classification',
  'text-to-text': 'summarization',
  'stable-diffusion': 'text-to-image',
  llm: 'text-generation',
};

/** --task: a pipeline name or an alias (ocr); a near miss is named. */
export function taskOption(value: string | undefined): Task {
  if (!value) throw new UsageError(`--task is required: one of ${TASKS.join(', ')}.`);
  const v = value.trim().toLowerCase();
  if (isTask(v)) return v;
  if (Object.hasOwn(TASK_ALIASES, v)) return TASK_ALIASES[v]!;
  const near = closest(
    v,
    [...TASKS, ...Object.keys(TASK_ALIASES)].map((t) => [t, t]),
  )[0];
  throw new UsageError(
    `--task must be one of ${TASKS.join(', ')} (or ocr, llm), not '${value}'.${near ? ` Did you mean ${near}?` : ''}`,
  );
}

type RequestValues = ReturnType<typeof parseArgs<{ options: typeof COMPARE_OPTIONS; strict: true }>>['values'];

/** The model options: bench takes one, compare two. */
function modelsOption(command: BenchRequest['command'], models: string[] = []): string[] {
  if (command === 'bench' && models.length !== 1)
    throw new UsageError(models.length ? 'bench takes one --model; use compare for two.' : '--model is required.');
  if (command === 'compare' && models.length !== 2)
    throw new UsageError(`compare takes two --model options, not ${models.length}.`);
  return models;
}

/** --batch and --max-new-tokens against the task: generation answers one prompt at a time. */
function checkGeneration(task: Task, values: RequestValues): void {
  if (generatesTokens(task) && values.batch !== undefined && values.batch !== '1' && values.batch !== 'auto')
    throw new UsageError(
      `${task === 'summarization' ? 'Summarization answers one article' : 'Text generation answers one prompt'} at a time: --batch ${values.batch} does not apply.`,
    );
  if (!generatesTokens(task) && values['max-new-tokens'] !== undefined)
    throw new UsageError('--max-new-tokens is for --task text-generation and summarization.');
}

/** --size and --scheduler, text to image's. */
function textToImageOptions(values: RequestValues): Pick<BenchRequest, 'size' | 'scheduler'> {
  const { size, scheduler } = values;
  if (size !== undefined) {
    const m = /^(\d+)x(\d+)$/.exec(size);
    if (!m || Number(m[1]) % 8 || Number(m[2]) % 8 || Number(m[1]) < 8 || Number(m[2]) < 8)
      throw new UsageError(`--size must be WIDTHxHEIGHT in multiples of 8 (like 512x512), not '${size}'.`);
  }
  if (scheduler !== undefined && !(SCHEDULERS as readonly string[]).includes(scheduler))
    throw new UsageError(`--scheduler must be one of ${SCHEDULERS.join(', ')}, not '${scheduler}'.`);
  return { size, scheduler: scheduler as SchedulerName | undefined };
}

/** --quant in llama.cpp's spelling (q4_k_m is Q4_K_M), checked against its quantisations. */
function quantOption(value: string | undefined): string | undefined {
  const quant = value === undefined ? undefined : normaliseQuant(value);
  if (quant !== undefined && !GGUF_QUANTS.includes(quant))
    throw new UsageError(`--quant must be a llama.cpp quantisation (${GGUF_QUANTS.join(', ')}), not '${value}'.`);
  return quant;
}

/** Drops the fields left undefined: a request holds the options given, and only those. */
const given = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/**
 * The command line of bench or compare as a BenchRequest, every value checked before anything
 * is loaded or measured: a typo costs nothing. The inverse of `toArgs` (src/core/bench/request.ts).
 */
export function parseBenchRequest(command: BenchRequest['command'], args: string[]): BenchRequest {
  const options = command === 'compare' ? COMPARE_OPTIONS : BENCH_OPTIONS;
  const values: RequestValues = parseArgs({ args, strict: true, options }).values;
  const models = modelsOption(command, values.model);
  const task = taskOption(values.task);
  const { device, dtype } = values;
  if (device !== undefined && !isDeviceChoice(device))
    throw new UsageError(`--device must be auto, cuda, dml, coreml, webgpu or cpu, not '${device}'.`);
  if (dtype !== undefined && !isDtype(dtype))
    throw new UsageError(`--dtype must be one of ${DTYPES.join(', ')}, not '${dtype}'.`);
  const place = placeQuery(values);
  checkGeneration(task, values);
  if (values.gpu !== undefined) gpuOption(values.gpu, true);
  return given({
    command,
    models,
    task,
    device,
    dtype,
    quant: quantOption(values.quant),
    samples: whole('--samples', values.samples, 1, 10_000_000),
    batch: values.batch === 'auto' ? 'auto' : whole('--batch', values.batch, 1, 65_536),
    dataset: values.dataset,
    seed: whole('--seed', values.seed, 0, 2 ** 32 - 1),
    repeats: numberOption('--repeats', values.repeats, RANGES.repeats),
    idleMs: numberOption('--idle-ms', values['idle-ms'], RANGES.idleMs),
    cooldownMs: numberOption('--cooldown-ms', values['cooldown-ms'], RANGES.idleMs),
    out: values.out,
    json: values.json,
    yes: values.yes,
    offline: values.offline,
    events: values.events,
    ...place,
    intensityDataset: datasetOption(values['intensity-dataset']),
    pue: numberOption('--pue', values.pue, RANGES.pue),
    ramModel: ramModelOption(values['ram-model']),
    attribution: attributionOption(values.attribution),
    gpu: values.gpu,
    otlp: values.otlp,
    otlpProtocol: values['otlp-protocol'],
    otlpHeaders: values['otlp-header'],
    maxNewTokens: whole('--max-new-tokens', values['max-new-tokens'], 1),
    steps: whole('--steps', values.steps, 1, 1000),
    guidance: numberOption('--guidance', values.guidance, { min: 0, max: 100 }),
    ...textToImageOptions(values),
    clip: values.clip,
    images: values.images,
    tolerance: numberOption('--tolerance', values.tolerance, 0),
  });
}

/** The request's place as a lookup query; undefined when it names none. */
function requestPlace(r: BenchRequest): IntensityQuery | undefined {
  if (r.intensity !== undefined) return { intensity: r.intensity };
  const key = (['region', 'location', 'country', 'place'] as const).find((k) => r[k] !== undefined);
  return key && ({ [key]: r[key] } as IntensityQuery);
}

/** The request with every default filled in, and the place's intensity looked up. */
export function benchSettings(r: BenchRequest): BenchSettings {
  const query = requestPlace(r);
  return {
    task: r.task,
    device: r.device ?? 'auto',
    dtype: r.dtype ?? 'fp32',
    samples: r.samples ?? DEFAULT_SAMPLES[r.task],
    batch: r.batch ?? 1,
    seed: r.seed ?? 1,
    repeats: r.repeats ?? 1,
    idleMs: r.idleMs ?? 3000,
    cooldownMs: r.cooldownMs ?? 0,
    dataset: r.dataset,
    out: r.out ?? 'emissions.csv',
    pue: r.pue ?? 1,
    attribution: r.attribution ?? 'machine',
    gpu: gpuOption(r.gpu, true),
    intensity: query && resolveIntensity(query, { dataset: r.intensityDataset }),
    ...(r.task === 'text-to-image' && { textToImage: textToImageSettings(r) }),
    ...(r.quant !== undefined && { quant: r.quant }),
    ...(r.maxNewTokens !== undefined && { maxNewTokens: r.maxNewTokens }),
  };
}

function textToImageSettings(r: BenchRequest): NonNullable<BenchSettings['textToImage']> {
  const [width, height] = (r.size ?? `${DEFAULT_DIFFUSION.width}x${DEFAULT_DIFFUSION.height}`).split('x').map(Number);
  return {
    diffusion: {
      steps: r.steps ?? DEFAULT_DIFFUSION.steps,
      guidance: r.guidance ?? DEFAULT_DIFFUSION.guidance,
      width: width!,
      height: height!,
      scheduler: r.scheduler ?? DEFAULT_DIFFUSION.scheduler,
    },
    clip: r.clip ?? DEFAULT_CLIP_MODEL,
    ...(r.images && { imagesDir: r.images }),
  };
}

export interface Instruments {
  meter: Meter;
  inventory: SystemInventory;
  sources: SourceSummary[];
  notes: string[];
  /** The GPU boards metered and those left out. */
  gpus?: GpuMetering;
  /** `--gpu ID`: the CUDA ordinal of that board, where the model runs on CUDA. */
  cudaDeviceId?: number;
}

/**
 * The meter samples every 200 ms during a benchmark: counters need no more, estimates gain from
 * it. With `--gpu ID`, that board alone is metered, and the model runs on it: its CUDA ordinal
 * in this process (CUDA_DEVICE_ORDER=PCI_BUS_ID is set first where CUDA's default order could
 * not be told apart; CUDA has not started yet).
 */
export async function openInstruments(ramModel?: RamModel, gpu?: GpuRequest): Promise<Instruments> {
  const si = await import('systeminformation');
  const [inventory, opened] = await Promise.all([
    collectInventory(si),
    openEnergySources({ intervalMs: 200, ...(gpu && { gpus: gpu }), ...(ramModel && { ramModel }) }),
  ]);
  let cudaDeviceId: number | undefined;
  if (gpu?.from === 'list' && opened.gpus) {
    const boards = [...opened.gpus.metered, ...opened.gpus.leftOut].sort((a, b) => a.index - b.index);
    try {
      const placed = cudaOrdinal(boards, opened.gpus.metered[0]!.index, process.env);
      Object.assign(process.env, placed.env);
      cudaDeviceId = placed.ordinal;
    } catch (e) {
      for (const s of opened.sources) s.close?.();
      throw e;
    }
  }
  const meter = new Meter(opened.sources, { intervalMs: 200 });
  await meter.start();
  return {
    meter,
    inventory,
    sources: opened.sources.map(summariseSource),
    notes: opened.notes,
    ...(opened.gpus && { gpus: opened.gpus }),
    ...(cudaDeviceId !== undefined && { cudaDeviceId }),
  };
}

/** Ctrl-C cancels the run (nothing is recorded); a second one exits at once. */
export function cancelOnInterrupt(err: (t: string) => void): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    err('Cancelling after the current batch (Ctrl-C again to quit now)...');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}

/** A bad --out is found before anything is measured, not after a long run. */
export function checkOut(out: string): void {
  try {
    checkRecordFile(out);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
