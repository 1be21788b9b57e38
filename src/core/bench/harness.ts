// One benchmark: idle baseline, load (metered on its own), warm-up, measured repeats, idle
// baseline again; energy per item per component with its provenance, and the answers' quality.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  applyBaseline,
  averageBaselines,
  type ComponentEnergy,
  type IdleBaseline,
  type Meter,
  type WindowResult,
} from '../energy/meter';
import type { Provenance } from '../energy/provenance';
import { weightedUsage, type WindowUsage } from '../energy/usage';
import { ownPerItem, watchOwnShare, type OwnPerItem, type OwnShares } from './ownShare';
import {
  loadPipeline,
  loadTokenizer,
  type Device,
  type DeviceAttempt,
  type DeviceChoice,
  type PipelineFactory,
  type TaskPipeline,
} from '../models/runtime';
import type { Dtype, Task } from '../models/tasks';
import type { GgufInfo } from '../models/gguf';
import { LLAMA_CONTEXT_MAX, loadLlama, type LlamaEngine } from '../models/llamaRuntime';
import { clipScores } from '../diffusion/clipScore';
import { loadStableDiffusion, type DiffusionOptions } from '../diffusion/stableDiffusion';
import { checkAbort, type EvalItem, type EvalSet } from './datasets/evalSet';
import { boundPrompts, fitPrompts, ModelFileError, modelContext } from './promptFit';
import { checkModelFolder } from '../models/folderCheck';
import { generationFigures, runGeneration, type GenerationFigures, type GenerationRun } from './generation';
import {
  defaultMaxNewTokens,
  generatesTokens,
  taskRunner,
  textToImageRunner,
  type OutputRecord,
  type Quality,
  type TaskRunner,
} from './taskRunner';

export interface BenchOptions {
  task: Task;
  folder: string;
  device: DeviceChoice;
  dtype: Dtype;
  set: EvalSet;
  meter: Meter;
  /** Text to image: where images go, the CLIP model that scores them, and the sampler's settings. */
  textToImage?: { imagesDir: string; clipFolder: string; diffusion: DiffusionOptions };
  /** Items per call; 'auto' measures a few sizes on the loaded model and keeps the fastest (text generation: 1). */
  batch?: number | 'auto';
  /** Text generation and summarization: the most tokens an answer may take (default 32; summaries 128), greedy. */
  maxNewTokens?: number;
  repeats?: number;
  /** Batches run before measuring (default 1). */
  warmupBatches?: number;
  /** Idle baseline before and after, ms each (default 3000; 0 = none). */
  idleMs?: number;
  /** Pause after the run, ms (default 0): lets a GPU cool before the next benchmark. */
  cooldownMs?: number;
  signal?: AbortSignal;
  onPhase?: (phase: BenchPhase, detail?: string) => void;
  onItems?: (done: number, total: number) => void;
  factory?: PipelineFactory;
  /** The CUDA device the model runs on (`bench --gpu`); CUDA's device 0 when absent. */
  cudaDeviceId?: number;
  /** A GGUF model (text generation through llama.cpp): `folder` is then its file. */
  gguf?: GgufInfo;
}

export type BenchPhase = 'idle' | 'load' | 'warm-up' | 'measure' | 'score' | 'cool-down';

export interface ComponentPerItem {
  component: ComponentEnergy['component'];
  kind: Provenance;
  jPerItem: number;
  netJPerItem?: number;
}

export interface RepeatResult {
  seconds: number;
  itemsPerS: number;
  energyJ: number;
  netEnergyJ?: number;
  jPerItem: number;
  netJPerItem?: number;
  components: ComponentPerItem[];
  kind: Provenance;
  /** How busy the machine was (absent in records written before 0.2.0). */
  usage?: WindowUsage;
  /** This process's own share: the benchmark's processes are this one. */
  own?: OwnPerItem;
}

/** How the model ran: what a reader needs to reproduce the figure. */
export interface RuntimeChoices {
  /** onnxruntime's execution provider (the device), or `llama.cpp BUILD` for a GGUF model. */
  executionProvider: string;
  /** The weights' dtype (fp32, q8...), or a GGUF model's quantisation (Q4_K_M). */
  dtype: Dtype | (string & {});
  /** A GGUF model: llama.cpp, its build, and the quantisation. */
  engine?: LlamaEngine;
  batch: number;
  /** `task`: text generation answers one prompt at a time. */
  batchChosenBy: 'user' | 'measurement' | 'task';
  /** Batch sizes tried, with their items/s, when chosen by measurement. */
  batchTrials?: { batch: number; itemsPerS: number }[];
  /** The input preparation: transformers.js's processor, or a faster path, and how it met the model. */
  preprocessing: string;
  /** A split pipeline's memory: what prepared batches hold, and the process's peak. */
  pipeline?: PipelineMemory;
  /** Graph capture replays the recorded GPU work; off, and why (onnxruntime; absent for llama.cpp, whose builds decide it). */
  graphCapture?: { enabled: false; why: string };
}

export interface PipelineMemory {
  /** Batches prepared ahead of the one the model runs. */
  depth: number;
  /** One prepared batch (the model's input tensor). */
  bytesPerBatch?: number;
  /** At most, while pipelined: the batches prepared ahead and the one in the model. */
  bytesInFlight?: number;
  /** While the model was measured apart: every item prepared before it ran. */
  bytesPreparedAhead?: number;
  /** This process's peak resident memory at the end of the measured runs. */
  peakRssBytes: number;
  /** The preparation workers' (processes of their own), summed, where the system says (Linux). */
  workersPeakRssBytes?: number;
}

/**
 * The model measured apart, for pipelines that split input preparation (CPU) from the model
 * (device): every input prepared first (one metered window), then the model alone (another).
 * The run's `summary` is the pipelined run, where both overlap.
 */
export interface BenchPhases {
  preprocess: RepeatResult;
  model: RepeatResult;
}

export interface BenchResult {
  device: string;
  /** The weights' dtype, or a GGUF model's quantisation (Q4_K_M). */
  dtype: Dtype | (string & {});
  attempts: DeviceAttempt[];
  batch: number;
  /** Absent in records written before 0.1.0 had it. */
  runtime?: RuntimeChoices;
  items: number;
  load: { seconds: number; energyJ: number; kind: Provenance };
  idle?: IdleBaseline;
  repeats: RepeatResult[];
  /**
   * The median repeat by J/item (the first when there is one), end to end: for a split pipeline,
   * the pipelined run (inputs prepared while the model runs), as a deployment sees it.
   */
  summary: RepeatResult;
  /** That repeat's model measured apart, in a pass of its own, where the set was small enough. */
  phases?: BenchPhases;
  /** (max - min) / median of J/item across repeats, in %. */
  spreadPercent?: number;
  warnings: string[];
  quality: Quality;
  answers: string[];
  /** The primary metric per item, in the set's order. */
  scores: number[];
  /** Outputs kept as files (text-to-image: the images), with their scores. */
  outputs?: OutputRecord[];
  /** Text generation: tokens, the prefill and decode phases, energy per token. */
  generation?: GenerationFigures;
}

/** Answers a language-model record keeps beside their questions. */
const EXAMPLES = 5;

/** A window shorter than this holds few steps of a GPU's energy counter (NVML's): its energy is uncertain. */
export const SHORT_WINDOW_S = 0.1;

/** Above this spread, two models' energy should not be compared from these runs. */
export const SPREAD_WARNING_PERCENT = 10;

const batches = (items: readonly EvalItem[], size: number) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

function perItem(window: WindowResult, items: number, shares?: OwnShares): RepeatResult {
  return {
    ...(shares && { own: ownPerItem(window, shares, items) }),
    seconds: window.durationS,
    itemsPerS: items / window.durationS,
    energyJ: window.totalJ,
    netEnergyJ: window.netJ,
    jPerItem: window.totalJ / items,
    netJPerItem: window.netJ === undefined ? undefined : window.netJ / items,
    components: window.components.map((c) => ({
      component: c.component,
      kind: c.kind,
      jPerItem: c.energyJ / items,
      netJPerItem: c.netEnergyJ === undefined ? undefined : c.netEnergyJ / items,
    })),
    kind: window.kind,
    ...(window.usage && { usage: window.usage }),
  };
}

const inputOf = (runner: TaskRunner, item: EvalItem) => (runner.input ? runner.input(item.input) : item.input);

/** Whether a model folder's tokenizer has a chat template (instruction-tuned language models do). */
/** The model's config.json, or a message naming it when it is not JSON. */
function readConfig(folder: string): { id2label?: Record<string, string> } {
  const file = join(folder, 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ModelFileError(
      `${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): the model folder is incomplete.`,
    );
  }
  try {
    const config = JSON.parse(text.replace(/^\uFEFF/, ''));
    if (!config || typeof config !== 'object') throw new Error('not an object');
    return config;
  } catch (e) {
    throw new ModelFileError(
      `${file} is not valid JSON (${(e as Error).message}): the model's settings cannot be read.`,
    );
  }
}

function hasChatTemplate(folder: string): boolean {
  const file = join(folder, 'tokenizer_config.json');
  if (!existsSync(file)) return false;
  let template: unknown;
  try {
    template = (JSON.parse(readFileSync(file, 'utf8')) as { chat_template?: unknown }).chat_template;
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}): the model's tokenizer cannot be read.`);
  }
  return typeof template === 'string' ? template.trim() !== '' : Array.isArray(template) && template.length > 0;
}

/**
 * Batches a split pipeline prepares ahead of the one the model runs: enough for every core to
 * have an image while the model runs, few enough to bound memory (a ViT batch of 32 holds
 * 19 MB as fp32 pixels).
 */
export const PREPARE_DEPTH = 3;

/**
 * Every item through the pipeline, batch by batch. A pipeline that splits its work prepares the
 * next batches (on the CPU, up to PREPARE_DEPTH of them) while the current one runs (on the
 * device), as a deployment serves a stream of requests.
 */
async function runAll(
  pipeline: TaskPipeline,
  runner: TaskRunner,
  items: readonly EvalItem[],
  batch: number,
  signal?: AbortSignal,
  onItems?: (d: number, t: number) => void,
): Promise<string[]> {
  const answers: string[] = [];
  const chunks = batches(items, batch).map((chunk) => chunk.map((i) => inputOf(runner, i)));
  const { split } = pipeline;
  const ahead: Promise<unknown>[] = [];
  let started = 0; // batches whose preparation has begun
  const prepareNext = () => {
    if (!split || started >= chunks.length || ahead.length >= PREPARE_DEPTH) return false;
    const next = split.prepare(chunks[started++]!);
    next.catch(() => undefined); // awaited in its turn; a failure then is the run's
    ahead.push(next);
    return true;
  };
  try {
    for (let k = 0; k < chunks.length; k++) {
      checkAbort(signal);
      let output: unknown;
      if (split) {
        while (prepareNext());
        const prepared = await ahead.shift()!;
        prepareNext(); // its place in the queue, before the model's call takes the device
        output = await split.infer(prepared, runner.callOptions);
      } else {
        output = await pipeline(chunks[k]!, runner.callOptions);
      }
      answers.push(...runner.answers(output, chunks[k]!.length));
      onItems?.(answers.length, items.length);
    }
  } finally {
    await Promise.allSettled(ahead); // nothing left writing once the run is over
  }
  return answers;
}

/**
 * Up to this many items, a split pipeline's inputs are all prepared before the model runs (an
 * image is about 0.6 MB as fp32 pixels): the model's window then holds the model alone. Larger
 * sets run overlapped, as one phase, and the record says so.
 */
export const PREPARE_AHEAD_MAX_ITEMS = 4096;
/** And up to this many bytes of prepared inputs (4,096 640x480 photos as bytes, resized on the device). */
export const PREPARE_AHEAD_MAX_BYTES = 4 * 1024 ** 3;

/** Why a split pipeline's inputs are not all prepared ahead (the warm-up has shown an item's bytes), or undefined when they are. */
function tooManyToPrepareAhead(split: TaskPipeline['split'], items: number): string | undefined {
  if (items > PREPARE_AHEAD_MAX_ITEMS) return `more than ${PREPARE_AHEAD_MAX_ITEMS} items`;
  const bytes = items * (split?.bytesPerItem?.() ?? 0);
  if (bytes > PREPARE_AHEAD_MAX_BYTES)
    return `${(bytes / 1024 ** 3).toFixed(1)} GiB of prepared inputs, more than ${PREPARE_AHEAD_MAX_BYTES / 1024 ** 3}`;
  return undefined;
}

/** Every batch prepared (metered as one window), then every batch through the model (another). */
async function runInPhases(
  split: NonNullable<TaskPipeline['split']>,
  runner: TaskRunner,
  items: readonly EvalItem[],
  batch: number,
  meter: Meter,
  signal?: AbortSignal,
  onItems?: (d: number, t: number) => void,
): Promise<{ preprocess: WindowResult; model: WindowResult; answers: string[]; shares: OwnShares[] }> {
  const chunks = batches(items, batch).map((chunk) => chunk.map((i) => i.input));
  const prepOwn = watchOwnShare(meter);
  const prepWindow = await meter.begin();
  const prepared: unknown[] = [];
  for (const chunk of chunks) {
    checkAbort(signal);
    prepared.push(await split.prepare(chunk));
  }
  const preprocess = await prepWindow.end();
  const prepShares = prepOwn.finish();
  const answers: string[] = [];
  const modelOwn = watchOwnShare(meter);
  const modelWindow = await meter.begin();
  for (let k = 0; k < chunks.length; k++) {
    checkAbort(signal);
    const output = await split.infer(prepared[k], runner.callOptions);
    prepared[k] = undefined; // each batch's tensors are freed once used
    answers.push(...runner.answers(output, chunks[k]!.length));
    onItems?.(answers.length, items.length);
  }
  const model = await modelWindow.end();
  return { preprocess, model, answers, shares: [prepShares, modelOwn.finish()] };
}

/** Two phases run one after the other, as one: times, energies and components added. */
function sumPhases(a: RepeatResult, b: RepeatResult, items: number): RepeatResult {
  const seconds = a.seconds + b.seconds;
  const energyJ = a.energyJ + b.energyJ;
  const net = a.netEnergyJ !== undefined && b.netEnergyJ !== undefined ? a.netEnergyJ + b.netEnergyJ : undefined;
  const components = a.components.map((c) => {
    const o = b.components.find((x) => x.component === c.component);
    const netJ =
      c.netJPerItem !== undefined && o?.netJPerItem !== undefined ? c.netJPerItem + o.netJPerItem : undefined;
    return {
      component: c.component,
      kind: o && RANK[o.kind] > RANK[c.kind] ? o.kind : c.kind,
      jPerItem: c.jPerItem + (o?.jPerItem ?? 0),
      ...(netJ !== undefined && { netJPerItem: netJ }),
    };
  });
  return {
    seconds,
    itemsPerS: items / seconds,
    energyJ,
    ...(net !== undefined && { netEnergyJ: net, netJPerItem: net / items }),
    jPerItem: energyJ / items,
    components,
    kind: RANK[b.kind] > RANK[a.kind] ? b.kind : a.kind,
    usage: weightedUsage([a, b]),
    ...(a.own && b.own && { own: mergeOwn(a.own, b.own) }),
  };
}

/** Two phases' own shares: energies added, each component's share over the two bases. */
function mergeOwn(a: OwnPerItem, b: OwnPerItem): OwnPerItem {
  const components = [...new Set([...a.components, ...b.components].map((c) => c.component))].map((component) => {
    const parts = [...a.components, ...b.components].filter((c) => c.component === component);
    const jPerItem = parts.reduce((t, c) => t + c.jPerItem, 0);
    const base = parts.reduce((t, c) => t + (c.share > 0 ? c.jPerItem / c.share : 0), 0);
    return { component, share: base > 0 ? jPerItem / base : 0, jPerItem, base: parts[0]!.base };
  });
  return { jPerItem: a.jPerItem + b.jPerItem, components };
}

const RANK: Record<Provenance, number> = { measured: 0, sampled: 1, estimated: 2 };

const BATCH_CANDIDATES = [1, 4, 8, 16, 32, 64];

/** How long each batch size is timed when choosing one: long enough to outlast a GPU's jitter. */
const BATCH_TRIAL_S = 0.25;

/**
 * Items/s of each batch size on the loaded model, after two runs to warm it at that shape (a
 * GPU provider plans each new shape on its first runs). Where inputs can be prepared apart, the
 * model alone is timed, on one prepared batch run again for at least BATCH_TRIAL_S, as the
 * measured phase then runs it. Part of the warm-up, not metered.
 */
async function measureBatches(
  pipeline: TaskPipeline,
  runner: TaskRunner,
  items: readonly EvalItem[],
  signal?: AbortSignal,
): Promise<{ batch: number; itemsPerS: number }[]> {
  const trials: { batch: number; itemsPerS: number }[] = [];
  const { split } = pipeline;
  for (const batch of BATCH_CANDIDATES.filter((b) => b === 1 || b <= items.length)) {
    checkAbort(signal);
    const chunk = Array.from({ length: batch }, (_, i) => items[i % items.length]!);
    let once: () => Promise<unknown>;
    if (split) {
      const prepared = await split.prepare(chunk.map((i) => i.input));
      once = async () => runner.answers(await split.infer(prepared, runner.callOptions), batch);
    } else once = () => runAll(pipeline, runner, chunk, batch, signal);
    await once();
    await once();
    let runs = 0;
    const t0 = performance.now();
    while (runs < 3 || performance.now() - t0 < BATCH_TRIAL_S * 1000) {
      await once();
      runs++;
    }
    trials.push({ batch, itemsPerS: (runs * batch) / ((performance.now() - t0) / 1000) });
  }
  return trials;
}

/** What a run's repeat measured: its windows (prefill and decode apart for generation), answers and own shares. */
interface RepeatRun {
  windows: WindowResult[];
  answers: string[];
  shares: OwnShares[];
  generated?: GenerationRun;
  /** The model measured apart: every input prepared first (one window), then the model (another). */
  apart?: { windows: [WindowResult, WindowResult]; shares: OwnShares[] };
}

/** The options checked and their defaults, before anything loads. */
function checkedOptions(options: BenchOptions) {
  const { task, folder, set, gguf } = options;
  if (gguf && task !== 'text-generation')
    throw new RangeError(`A GGUF model runs text generation (through llama.cpp), not ${task}.`);
  const generating = generatesTokens(task);
  if (generating && options.batch !== undefined && options.batch !== 'auto' && options.batch !== 1)
    throw new RangeError(
      `${task === 'summarization' ? 'Summarization runs one article' : 'Text generation runs one prompt'} at a time, as a local assistant answers them: batch ${options.batch} is not supported.`,
    );
  const wanted = generating ? 1 : (options.batch ?? 1);
  const maxNewTokens = options.maxNewTokens ?? defaultMaxNewTokens(task);
  if (!(maxNewTokens >= 1 && Number.isInteger(maxNewTokens)))
    throw new RangeError(`Max new tokens must be a whole number >= 1, not ${maxNewTokens}.`);
  const chat = task === 'text-generation' && (gguf ? gguf.chatTemplate : hasChatTemplate(folder));
  const repeats = options.repeats ?? 1;
  const idleMs = options.idleMs ?? 3000;
  if (wanted !== 'auto' && !(wanted >= 1 && Number.isInteger(wanted)))
    throw new RangeError(`Batch size must be a whole number >= 1 or auto, not ${wanted}.`);
  if (!(repeats >= 1 && Number.isInteger(repeats)))
    throw new RangeError(`Repeats must be a whole number >= 1, not ${repeats}.`);
  if (set.items.length === 0) throw new RangeError(`The evaluation set ${set.name} has no items.`);
  const t2i = options.textToImage;
  if (task === 'text-to-image' && !t2i)
    throw new Error('Text-to-image needs textToImage options (images folder, CLIP model, sampler settings).');
  if (!options.factory && !gguf) checkModelFolder(folder);
  return { generating, wanted, maxNewTokens, chat, repeats, idleMs, t2i };
}

/**
 * Text generation: the prompts fitted to the model's context before it loads (a prompt past the
 * context fails deep in a run, blamed on the device), and what was cut, as warnings.
 */
async function fittedPrompts(
  options: BenchOptions,
  set: EvalSet,
  runner: TaskRunner,
  maxNewTokens: number,
): Promise<{ set: EvalSet; warnings: string[] }> {
  const { folder, gguf } = options;
  const context = gguf
    ? gguf.contextLength && {
        tokens: Math.min(gguf.contextLength, LLAMA_CONTEXT_MAX),
        from: `${gguf.architecture}.context_length in the GGUF${gguf.contextLength > LLAMA_CONTEXT_MAX ? `, capped at the ${LLAMA_CONTEXT_MAX} tokens CarbonLens gives llama.cpp` : ''}`,
      }
    : modelContext(folder);
  // A GGUF's tokenizer is llama.cpp's, there once the model is: its prompts are bounded by characters.
  const tokenizer = options.factory || gguf ? undefined : await loadTokenizer(folder);
  const render = (prompt: string) => tokenizer?.render(inputOf(runner, { ...set.items[0]!, input: prompt })) ?? prompt;
  const prompts = set.items.map((i) => String(i.input));
  // Bounded in characters first: the template and the tokenizer only see bounded prompts, and
  // the template (a program) runs under a time limit, so one that loops is found here.
  const fitted = context ? fitPrompts(prompts, context, maxNewTokens, render, tokenizer) : boundPrompts(prompts);
  if (!context) render(fitted.prompts[0]!);
  return {
    set: { ...set, items: set.items.map((item, i) => ({ ...item, input: fitted.prompts[i]! })) },
    warnings: fitted.warnings,
  };
}

/** One measured repeat: generation in its two phases; else a split pipeline's phases apart, then end to end. */
async function measureRepeat(
  options: BenchOptions,
  pipeline: TaskPipeline,
  runner: TaskRunner,
  items: EvalItem[],
  batch: number,
  inPhases: boolean,
  generating: boolean,
): Promise<RepeatRun> {
  const { meter, signal, onItems } = options;
  if (generating) {
    const own = watchOwnShare(meter);
    const run = await runGeneration(pipeline, runner, items, meter, signal, onItems);
    const shares = own.finish();
    const windows = run.decode ? [run.prefill, run.decode] : [run.prefill];
    return { windows, answers: run.answers, shares: windows.map(() => shares), generated: run };
  }
  // A split pipeline runs twice: its phases apart (what the model alone costs), then
  // pipelined (what a deployment sees end to end).
  const apart = inPhases ? await runInPhases(pipeline.split!, runner, items, batch, meter, signal, onItems) : undefined;
  const own = watchOwnShare(meter);
  const window = await meter.begin();
  const answers = await runAll(pipeline, runner, items, batch, signal, onItems);
  const ended = await window.end();
  return {
    windows: [ended],
    answers,
    shares: [own.finish()],
    ...(apart && { apart: { windows: [apart.preprocess, apart.model], shares: apart.shares } }),
  };
}

/** The repeats per item, idle subtracted; the median one chosen, with its phases and generation figures, and the spread. */
function summariseRepeats(
  results: RepeatRun[],
  idle: IdleBaseline | undefined,
  n: number,
  generation: { maxNewTokens: number; chat: boolean },
) {
  const result = (w: WindowResult, shares?: OwnShares) => perItem(idle ? applyBaseline(w, idle) : w, n, shares);
  const phaseResults = results.map(({ windows, shares }) => windows.map((w, i) => result(w, shares[i])));
  const repeatResults = phaseResults.map((p) => (p.length === 2 ? sumPhases(p[0]!, p[1]!, n) : p[0]!));
  const sorted = [...repeatResults].sort((a, b) => a.jPerItem - b.jPerItem);
  const summary = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const chosen = repeatResults.indexOf(summary);
  const summaryPhases = phaseResults[chosen]!;
  const generated = results[chosen]!.generated;
  const figures = generated && generationFigures(generated, summaryPhases[0]!, summaryPhases[1], generation);
  const apart = results[chosen]!.apart;
  const phases = apart && {
    preprocess: result(apart.windows[0], apart.shares[0]),
    model: result(apart.windows[1], apart.shares[1]),
  };
  const spreadPercent =
    results.length > 1
      ? ((sorted[sorted.length - 1]!.jPerItem - sorted[0]!.jPerItem) / summary.jPerItem) * 100
      : undefined;
  return { repeatResults, summary, generation: figures, phases, spreadPercent };
}

/** What a reader should know about the figures: spread, a short run, short prefills, estimates. */
function figureWarnings(s: ReturnType<typeof summariseRepeats>): string[] {
  const { spreadPercent, summary, generation } = s;
  const warnings: string[] = [];
  if (spreadPercent !== undefined && spreadPercent > SPREAD_WARNING_PERCENT)
    warnings.push(
      `Energy per item varied by ${spreadPercent.toFixed(0)}% across repeats (over ${SPREAD_WARNING_PERCENT}%): close other work, and measure more repeats or after a cool-down, before comparing.`,
    );
  if (summary.seconds < 1)
    warnings.push(`The measured run took ${summary.seconds.toFixed(2)} s: use more samples for a steadier figure.`);
  if (generation && generation.prefill.seconds / generation.prompts < SHORT_WINDOW_S)
    warnings.push(
      `Each prompt's prefill took ${((generation.prefill.seconds / generation.prompts) * 1000).toFixed(0)} ms: energy counters advance in steps of tens of ms (NVIDIA boards) and power samples are as far apart, so the energy per input token is uncertain; longer prompts measure it better. Decode figures are not affected.`,
    );
  if (summary.kind !== 'measured')
    warnings.push(`Some energy figures are ${summary.kind}, not read from hardware counters.`);
  return warnings;
}

/** How the model ran: provider, weights, batch and how it was chosen, input preparation, the pipeline's memory. */
function runtimeOf(
  loaded: Awaited<ReturnType<typeof loadMetered>>['loaded'],
  batch: number,
  trials: { batch: number; itemsPerS: number }[] | undefined,
  how: { generating: boolean; inPhases: boolean; items: number; peakRssBytes: number },
): BenchResult['runtime'] {
  const split = loaded.pipeline.split;
  const workersPeakRssBytes = split?.workersPeakRssBytes?.();
  const { generating, inPhases } = how;
  const engine = 'engine' in loaded ? loaded.engine : undefined;
  return {
    executionProvider: engine ? `llama.cpp ${engine.build}` : loaded.device,
    dtype: loaded.dtype,
    ...(engine && { engine }),
    batch,
    batchChosenBy: trials ? 'measurement' : generating ? 'task' : 'user',
    ...(trials && { batchTrials: trials }),
    preprocessing: `${loaded.pipeline.preprocessing ?? "transformers.js's processor"}; ${
      generating
        ? 'tokenising inside the prefill phase (each prompt metered from its call to its first token, then to its answer)'
        : split
          ? `end to end pipelined (up to ${PREPARE_DEPTH} batches prepared while the model runs)${
              inPhases
                ? '; the model also measured apart, after every input was prepared in a phase of its own'
                : ` only: ${tooManyToPrepareAhead(split, how.items)}, too many to prepare ahead`
            }`
          : 'inside the measured run'
    }`,
    ...(split && {
      pipeline: {
        depth: PREPARE_DEPTH,
        ...(split.bytesPerItem && {
          bytesPerBatch: split.bytesPerItem() * batch,
          bytesInFlight: split.bytesPerItem() * batch * (PREPARE_DEPTH + 1),
          ...(inPhases && { bytesPreparedAhead: split.bytesPerItem() * how.items }),
        }),
        peakRssBytes: how.peakRssBytes,
        ...(workersPeakRssBytes !== undefined && { workersPeakRssBytes }),
      },
    }),
    ...(!engine && {
      graphCapture: {
        enabled: false as const,
        why: 'onnxruntime-node cannot hand a session GPU-resident inputs, which graph capture needs',
      },
    }),
  };
}

/** The idle baseline after the run, averaged with the one before where there is one. */
async function idleAfter(options: BenchOptions, idleMs: number, before: IdleBaseline | undefined) {
  if (idleMs <= 0) return before;
  options.onPhase?.('idle', `${idleMs / 1000} s, after the run`);
  const after = await options.meter.measureIdle(idleMs);
  return before ? averageBaselines(before, after) : after;
}

/** The model loaded in a metered window of its own, one real inference included (it proves the device works). */
async function loadMetered(
  options: BenchOptions,
  runner: TaskRunner,
  first: EvalItem,
  factory: PipelineFactory | undefined,
) {
  options.onPhase?.('load');
  const loadWindow = await options.meter.begin();
  // One real inference proves the device works; it is part of loading, not of the run.
  const probe = async (p: TaskPipeline) => {
    const output = await p([inputOf(runner, first)], runner.callOptions);
    if (!runner.finish) runner.answers(output, 1);
  };
  const { gguf } = options;
  const loaded =
    gguf && !factory
      ? await loadLlama(gguf, options.device, probe)
      : await loadPipeline(options.task, options.folder, options.device, options.dtype, {
          factory,
          ...(options.cudaDeviceId !== undefined && { cudaDeviceId: options.cudaDeviceId }),
          probe,
        });
  return { loaded, load: await loadWindow.end() };
}

/** A few answers beside their questions, so a reader can see what the score means. */
const examplesOf = (items: EvalItem[], answers: string[], scores: number[]) =>
  items.slice(0, EXAMPLES).map((item, i) => ({
    prompt: String(item.input),
    reference: item.reference,
    answer: answers[i] ?? '',
    match: scores[i] === 1,
  }));

export async function runBenchmark(options: BenchOptions): Promise<BenchResult> {
  const { task, folder, meter, signal, gguf } = options;
  let { set } = options;
  const { generating, wanted, maxNewTokens, chat, repeats, idleMs, t2i } = checkedOptions(options);
  const runner = t2i
    ? textToImageRunner(t2i.imagesDir, (images) => clipScores(t2i.clipFolder, images))
    : taskRunner(task, gguf ? {} : readConfig(folder), set.name, {
        chat,
        maxNewTokens,
      });
  const warnings: string[] = [];
  if (task === 'text-generation') {
    const fitted = await fittedPrompts(options, set, runner, maxNewTokens);
    set = fitted.set;
    warnings.push(...fitted.warnings);
  }
  const factory =
    options.factory ??
    (t2i
      ? (_task: Task, f: string, device: Device, _dtype: Dtype, cudaDeviceId?: number) =>
          loadStableDiffusion(f, device, t2i.diffusion, cudaDeviceId)
      : undefined);

  let before: IdleBaseline | undefined;
  if (idleMs > 0) {
    options.onPhase?.('idle', `${idleMs / 1000} s, before the run`);
    before = await meter.measureIdle(idleMs);
  }
  checkAbort(signal);

  const { loaded, load } = await loadMetered(options, runner, set.items[0]!, factory);
  try {
    options.onPhase?.('warm-up', loaded.device);
    const trials = wanted === 'auto' ? await measureBatches(loaded.pipeline, runner, set.items, signal) : undefined;
    const batch = wanted === 'auto' ? trials!.reduce((a, b) => (b.itemsPerS > a.itemsPerS ? b : a)).batch : wanted;
    const warmup = set.items.slice(0, batch * (options.warmupBatches ?? 1));
    await runAll(loaded.pipeline, runner, warmup, batch, signal);

    const inPhases = !!loaded.pipeline.split && !tooManyToPrepareAhead(loaded.pipeline.split, set.items.length);
    const results: RepeatRun[] = [];
    for (let r = 0; r < repeats; r++) {
      options.onPhase?.('measure', repeats > 1 ? `repeat ${r + 1} of ${repeats}` : undefined);
      results.push(await measureRepeat(options, loaded.pipeline, runner, set.items, batch, inPhases, generating));
    }
    const peakRssBytes = process.resourceUsage().maxRSS * 1024;
    const runtime = runtimeOf(loaded, batch, trials, { generating, inPhases, items: set.items.length, peakRssBytes });
    const idle = await idleAfter(options, idleMs, before);
    const figures = summariseRepeats(results, idle, set.items.length, { maxNewTokens, chat });
    const { repeatResults, summary, generation, phases, spreadPercent } = figures;
    warnings.push(...figureWarnings(figures));
    const answers = results[0]!.answers;
    const references = set.items.map((i) => i.reference);
    if (runner.finish) options.onPhase?.('score');
    const finished = await runner.finish?.(answers, references);
    if (options.cooldownMs) {
      options.onPhase?.('cool-down');
      await new Promise((r) => setTimeout(r, options.cooldownMs));
    }
    const scores = finished?.perItem ?? runner.perItem(answers, references);
    return {
      device: loaded.device,
      dtype: loaded.dtype,
      attempts: loaded.attempts,
      batch,
      runtime,
      items: set.items.length,
      load: { seconds: load.durationS, energyJ: load.totalJ, kind: load.kind },
      idle,
      repeats: repeatResults,
      summary,
      ...(phases && { phases }),
      spreadPercent,
      warnings,
      quality: finished?.quality ?? runner.quality(answers, references),
      answers,
      scores,
      ...(finished && { outputs: finished.outputs }),
      ...(generation && { generation: { ...generation, examples: examplesOf(set.items, answers, scores) } }),
    };
  } finally {
    await loaded.pipeline.dispose().catch(() => undefined);
  }
}
