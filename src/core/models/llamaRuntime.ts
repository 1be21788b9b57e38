// GGUF models through llama.cpp (node-llama-cpp's prebuilt builds), as a TaskPipeline of text
// generation: one prompt at a time, greedy, with the listener told before each forward pass
// (the prompt's prefill, then one per token), as transformers.js's pipelines tell it, so the
// harness meters prefill and decode the same way. node-llama-cpp loads on first use only.
import {
  failureReason,
  type DeviceAttempt,
  type DeviceChoice,
  type ForwardListener,
  type TaskPipeline,
} from './runtime';
import type { GgufInfo } from './gguf';
import { remedyOf, withRemedy } from '../messages';
import type { Token } from 'node-llama-cpp';
import { type BuildChoice, chooseBuild, cudaBuildMismatch, type InstallableBuild } from './llamaPackages';
import { buildsHere, cudaBuildLibrary, llamaEntry, llamaInUse } from './llamaStore';
import { cudaDriverFacts } from './cudaDriver';

/** The llama.cpp builds node-llama-cpp ships (Metal on macOS). */
export type LlamaBuild = 'cpu' | 'cuda' | 'vulkan' | 'metal';
export type LlamaDeviceChoice = 'auto' | LlamaBuild;

export const NODE_LLAMA_CPP = 'node-llama-cpp';

/**
 * node-llama-cpp: from the install `useLlama` chose (`carbonlens llama install`, or the editor's
 * download into its storage), else where this copy of CarbonLens has it (the npm package does;
 * the VSIX does not), else an error that says how to install it.
 */
export async function importNodeLlamaCpp(
  load: () => Promise<typeof import('node-llama-cpp')> = () => {
    const folder = llamaInUse();
    return import(folder ? llamaEntry(folder) : NODE_LLAMA_CPP);
  },
): Promise<typeof import('node-llama-cpp')> {
  try {
    return await load();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      throw withRemedy(new Error(''), { id: 'llamaMissing', params: {} });
    throw e;
  }
}

/** The context CarbonLens gives llama.cpp: the model's, up to this (a 128k context's cache would not fit most GPUs). */
export const LLAMA_CONTEXT_MAX = 4096;

/** How a GGUF model ran: the record's `runtime.engine`. */
export interface LlamaEngine {
  name: 'llama.cpp';
  /** The build that ran it. */
  build: LlamaBuild;
  /** node-llama-cpp's version and the llama.cpp release it carries. */
  binding: string;
  llamaCpp: string;
  /** general.file_type's name (Q4_K_M), or why there is none. */
  quantisation: string;
  /** Layers on the GPU, of the model's. */
  gpuLayers?: number;
  contextSize: number;
  /** CPU threads llama.cpp computes with. */
  threads: number;
}

export interface LlamaPipeline extends TaskPipeline {
  engine: LlamaEngine;
}

type Message = { role: string; content: string };
type NodeLlamaCpp = typeof import('node-llama-cpp');
type Llama = Awaited<ReturnType<NodeLlamaCpp['getLlama']>>;

/** llama.cpp's error lines since the last load began, to say why a load failed ("Failed to load model" says nothing). */
const recentErrors: string[] = [];
/**
 * One llama.cpp per build for the process, kept: node-llama-cpp loads its binding once, and a
 * second instance after the first is disposed no longer passes llama.cpp's log lines to its logger.
 */
const llamas = new Map<LlamaDeviceChoice, Promise<Llama>>();

function llamaFor(nlc: NodeLlamaCpp, choice: LlamaDeviceChoice): Promise<Llama> {
  const known = llamas.get(choice);
  if (known) return known;
  const { getLlama, LlamaLogLevel } = nlc;
  const unfit = choice === 'auto' || choice === 'cuda' ? cudaBuildUnfit() : undefined;
  if (unfit && choice === 'cuda')
    return Promise.reject(withRemedy(new Error(''), { id: 'deviceFailed', params: { device: 'cuda', tried: unfit } }));
  const made = getLlama({
    gpu: choice === 'auto' ? (unfit ? { type: 'auto', exclude: ['cuda'] } : 'auto') : choice === 'cpu' ? false : choice,
    build: 'never',
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => {
      if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) recentErrors.push(message.trim());
      if (recentErrors.length > 20) recentErrors.shift();
      process.stderr.write(`[llama.cpp] ${message.trimEnd()}\n`);
    },
    progressLogs: false,
    skipDownload: true,
  }).catch((e: unknown) => {
    llamas.delete(choice);
    const why = failureReason(e);
    if (choice === 'auto' || choice === 'cpu')
      throw new Error(`llama.cpp's ${choice === 'auto' ? '' : 'cpu '}build cannot load here (${why}).`);
    // A GPU build asked for by name: the same run on auto or the CPU may work.
    throw withRemedy(new Error(''), {
      id: 'deviceFailed',
      params: { device: choice, tried: `llama.cpp's ${choice} build cannot load here: ${why}` },
    });
  });
  llamas.set(choice, made);
  return made;
}

let cudaVerdict: { why?: string } | undefined;

/** cudaBuildMismatch for the CUDA build installed here and this machine's driver, asked once per process. */
function cudaBuildUnfit(): string | undefined {
  if (!cudaVerdict) {
    const file = cudaBuildLibrary(chooseBuild().cuda === 12 ? 12 : 13);
    const why = cudaBuildMismatch(file, file ? cudaDriverFacts() : undefined);
    cudaVerdict = { ...(why && { why }) };
  }
  return cudaVerdict.why;
}

/**
 * The model in `info.file` on `choice`: `auto` takes the best build node-llama-cpp finds here
 * (CUDA, Vulkan, Metal, else the CPU); a named build is the only one tried. Nothing is compiled.
 */
export async function llamaPipeline(info: GgufInfo, choice: LlamaDeviceChoice): Promise<LlamaPipeline> {
  // A computed specifier: esbuild leaves it to Node, which loads the ESM package on first use.
  const nlc = await importNodeLlamaCpp();
  const { resolveChatWrapper } = nlc;
  const llama = await llamaFor(nlc, choice);
  recentErrors.length = 0;
  const build: LlamaBuild = llama.gpu === false ? 'cpu' : (llama.gpu as LlamaBuild);
  // Before the model loads: a wrong setting is said at once, and in its own words.
  const threads = llamaThreads(llama.cpuMathCores);
  let model: Awaited<ReturnType<typeof llama.loadModel>> | undefined;
  let context: Awaited<ReturnType<NonNullable<typeof model>['createContext']>> | undefined;
  try {
    model = await llama.loadModel({ modelPath: info.file, ...(build === 'cpu' && { gpuLayers: 0 }) });
    const contextSize = Math.min(model.trainContextSize, LLAMA_CONTEXT_MAX);
    context = await model.createContext({ contextSize, sequences: 1, threads });
  } catch (e) {
    await context?.dispose().catch(() => undefined);
    await model?.dispose().catch(() => undefined);
    // llama.cpp's log lines reach JavaScript through the event loop, after the failure itself.
    for (let i = 0; i < 3 && !recentErrors.some((m) => m.includes('error loading model')); i++)
      await new Promise((r) => setTimeout(r, 20));
    const why = recentErrors.map((m) => /error loading model: (.*)/.exec(m)?.[1]).find(Boolean);
    throw new Error(`llama.cpp (${build}) cannot load ${info.file}: ${why ?? failureReason(e)}`);
  }
  const m = model;
  const sequence = context.getSequence();
  const chat = info.chatTemplate ? resolveChatWrapper(m) : undefined;
  const bos = m.tokens.bos !== null && m.tokens.shouldPrependBosToken ? [m.tokens.bos] : [];
  const tokensOf = (input: unknown): Token[] => {
    if (typeof input === 'string') return [...bos, ...m.tokenize(input)];
    if (!chat) throw new Error('The model has no chat template (tokenizer.chat_template): give it plain text.');
    const history = [
      ...(input as Message[]).map((msg) =>
        msg.role === 'assistant'
          ? { type: 'model' as const, response: [msg.content] }
          : { type: msg.role === 'system' ? ('system' as const) : ('user' as const), text: msg.content },
      ),
      { type: 'model' as const, response: [] },
    ];
    return chat.generateContextState({ chatHistory: history }).contextText.tokenize(m.tokenizer);
  };
  let listener: ForwardListener | undefined;
  const generate = async (input: unknown, maxNewTokens: number) => {
    await sequence.clearHistory();
    const prompt = tokensOf(input);
    if (listener) await listener({ input_ids: { dims: [1, prompt.length] } });
    const made: Token[] = [];
    for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
      if (m.isEogToken(token)) break;
      made.push(token);
      if (made.length >= maxNewTokens) break;
      // The next forward pass is this token's: its listener call comes before it.
      if (listener) await listener({ input_ids: { dims: [1, 1] } });
    }
    return m.detokenize(made);
  };
  const call = async (inputs: unknown[], options: Record<string, unknown> = {}) => {
    const max = typeof options.max_new_tokens === 'number' ? options.max_new_tokens : 32;
    const out: { generated_text: string }[][] = [];
    for (const input of inputs) out.push([{ generated_text: await generate(input, max) }]);
    return out;
  };
  const gpuLayers = build === 'cpu' ? undefined : m.gpuLayers;
  return Object.assign(call, {
    preprocessing: "llama.cpp's tokenizer (the GGUF's vocabulary)",
    engine: {
      name: 'llama.cpp' as const,
      build,
      binding: `node-llama-cpp ${await nlc.getModuleVersion()}`,
      llamaCpp: llama.llamaCppRelease.release,
      quantisation: info.quantisation ?? 'general.file_type absent',
      ...(gpuLayers !== undefined && { gpuLayers }),
      contextSize: context.contextSize,
      threads: context.currentThreads,
    },
    onForward: (l: ForwardListener | undefined) => {
      listener = l;
    },
    dispose: async () => {
      await context!.dispose().catch(() => undefined);
      await m.dispose().catch(() => undefined);
    },
  });
}

/**
 * llama.cpp's threads: CARBONLENS_LLAMA_THREADS where set, else one per physical core, as
 * llama.cpp's own tools default. node-llama-cpp's default (every logical core) spins its threads
 * against each other on a busy machine: a 2-core VM made 1 token/s of a tiny model with 4
 * threads and over 600 with 1.
 */
export function llamaThreads(physicalCores: number, env: NodeJS.ProcessEnv = process.env): number {
  const set = env.CARBONLENS_LLAMA_THREADS?.trim();
  if (set) {
    const n = Number(set);
    if (!Number.isInteger(n) || n < 1 || n > 1024)
      throw withRemedy(new RangeError(''), { id: 'llamaThreads', params: { value: set } });
    return n;
  }
  return Math.max(1, physicalCores);
}

/** --device's choices as llama.cpp's builds: `cuda` is its CUDA build, `webgpu` its Vulkan one. */
export function llamaDevice(choice: DeviceChoice): LlamaDeviceChoice {
  if (choice === 'auto' || choice === 'cpu' || choice === 'cuda') return choice;
  if (choice === 'webgpu') return 'vulkan';
  if (choice === 'coreml') return 'metal';
  throw new RangeError(
    `llama.cpp has no ${choice} build: a GGUF model runs on auto, cpu, cuda, webgpu (Vulkan) or coreml (Metal).`,
  );
}

/**
 * Why `auto` ran on the CPU build: no GPU build fits this machine, or the one that fits is not
 * installed (the VSIX fetches builds on demand), or it is here and did not load.
 */
export function cpuFallbackReason(
  choice: BuildChoice = chooseBuild(),
  here: InstallableBuild[] = buildsHere(),
): string {
  if (choice.build === 'cpu') return `node-llama-cpp found no GPU build of llama.cpp that runs here: ${choice.why}`;
  if (!here.includes(choice.build))
    return `llama.cpp's ${choice.build} build would run here (${choice.why}) but is not installed: Download llama.cpp in the editor, or carbonlens llama install, fetches it`;
  return `llama.cpp's ${choice.build} build is here (${choice.why}) but node-llama-cpp could not load it`;
}

export interface LoadedLlama {
  pipeline: LlamaPipeline;
  /** The build that ran it (cpu, cuda, vulkan, metal). */
  device: LlamaBuild;
  /** The GGUF's quantisation, in the record's dtype. */
  dtype: string;
  attempts: DeviceAttempt[];
  engine: LlamaEngine;
}

/**
 * The model on the build `choice` names, proven by `probe` (one real inference). `auto` is
 * node-llama-cpp's choice of the builds here; where it falls to the CPU, the attempt says so.
 */
export async function loadLlama(
  info: GgufInfo,
  choice: DeviceChoice,
  probe: (p: TaskPipeline) => Promise<void>,
  load = llamaPipeline,
): Promise<LoadedLlama> {
  const wanted = llamaDevice(choice);
  let pipeline: LlamaPipeline;
  try {
    pipeline = await load(info, wanted);
  } catch (e) {
    // A catalogued error keeps its reference, for the editor's voice.
    throw remedyOf(e) ? e : new Error(failureReason(e));
  }
  try {
    await probe(pipeline);
  } catch (e) {
    await pipeline.dispose().catch(() => undefined);
    throw new Error(
      `llama.cpp (${pipeline.engine.build}) loaded ${info.file} but failed on its first prompt: ${failureReason(e)}`,
    );
  }
  const { build } = pipeline.engine;
  const unfit = wanted === 'auto' && build !== 'cuda' ? cudaBuildUnfit() : undefined;
  const attempts: DeviceAttempt[] = [
    ...(unfit || (wanted === 'auto' && build === 'cpu')
      ? [{ device: 'cuda' as const, ok: false, reason: unfit ?? cpuFallbackReason() }]
      : []),
    { device: build, ok: true },
  ];
  return { pipeline, device: build, dtype: pipeline.engine.quantisation, attempts, engine: pipeline.engine };
}
