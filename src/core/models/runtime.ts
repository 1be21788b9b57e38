// Loads a transformers.js pipeline on the best device that works. `auto` tries CUDA (only when
// onnxruntime-node's CUDA provider library is installed), DirectML (Windows), CoreML (macOS),
// WebGPU, then the CPU, and reports which device ran and why each earlier one did not.
import { existsSync, readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { basename, dirname, join, sep } from 'node:path';
import { prepareCuda } from './cudaPreload';
import { byteInputFolder } from './byteInput';
import { fastClassifier, plainImageConfig } from './fastClassifier';
import { lastPositionOnly } from './lastLogits';
import { imageToTextSplit, type ImageToTextPipe } from './splitPipelines';
import { librarySearchPath } from './libraryPath';
import { webgpuUnavailable } from './webgpuProbe';

export { librarySearchPath };
import type { Dtype, Task } from './tasks';
import { ModelFileError, type PromptTokenizer } from '../bench/promptFit';
import { withRemedy } from '../messages';

import { DEVICES, type Device, type DeviceChoice, isDeviceChoice } from './devices';

export { DEVICES, type Device, type DeviceChoice, isDeviceChoice };

export interface DeviceAttempt {
  /** The device, or for a GGUF model llama.cpp's build (vulkan, metal among them). */
  device: Device | 'vulkan' | 'metal';
  ok: boolean;
  /** Why it was skipped or failed. */
  reason?: string;
}

/** What a pipeline is to the harness: a function of a batch, and a way to free it. */
export interface TaskPipeline {
  (inputs: unknown[], options?: Record<string, unknown>): Promise<unknown>;
  dispose(): Promise<void>;
  /** How inputs are prepared, when not by transformers.js's own processor. */
  preprocessing?: string;
  /** The call in two steps, so a caller can prepare one batch while the previous one runs. */
  split?: {
    prepare(inputs: unknown[]): Promise<unknown>;
    infer(prepared: unknown, options?: Record<string, unknown>): Promise<unknown>;
    /** The most bytes one prepared item has held until the model used it, where known (0 before any). */
    bytesPerItem?(): number;
    /** The preparation workers' peak resident memory, where they are processes and the system says. */
    workersPeakRssBytes?(): number | undefined;
  };
  /**
   * Text generation and summarization: `listener` is awaited before each forward pass of the
   * model, given its inputs. The first pass of a call is the prompt's prefill (a seq2seq model's
   * encoder has run just before it); each pass makes one token.
   */
  onForward?(listener: ForwardListener | undefined): void;
}

export type ForwardListener = (inputs: { input_ids?: { dims: readonly number[] } }) => Promise<void>;

/**
 * A text-generation pipeline whose model's forward passes can be watched; each pass's logits are
 * cut to the last position before generate() reads them (lastLogits.ts).
 */
export function watchForward(pipe: {
  (inputs: unknown[], options?: Record<string, unknown>): Promise<unknown>;
  model: { forward(inputs: unknown): Promise<unknown> };
  dispose(): Promise<void>;
}): TaskPipeline {
  const { model } = pipe;
  const forward = model.forward.bind(model);
  let listener: ForwardListener | undefined;
  // generate() calls this.forward once per token: an own property comes before the class's method.
  model.forward = async (inputs) => {
    if (listener) await listener(inputs as Parameters<ForwardListener>[0]);
    return lastPositionOnly(await forward(inputs));
  };
  return Object.assign((inputs: unknown[], options?: Record<string, unknown>) => pipe(inputs, options), {
    dispose: () => pipe.dispose(),
    onForward: (l: ForwardListener | undefined) => {
      listener = l;
    },
  });
}

/** `cudaDeviceId`: the CUDA ordinal the model runs on (onnxruntime's `deviceId`), on `cuda` only. */
export type PipelineFactory = (
  task: Task,
  folder: string,
  device: Device,
  dtype: Dtype,
  cudaDeviceId?: number,
) => Promise<TaskPipeline>;

export interface LoadedPipeline {
  pipeline: TaskPipeline;
  device: Device;
  dtype: Dtype;
  attempts: DeviceAttempt[];
}

/** Whether onnxruntime-node was installed with its CUDA provider (`--onnxruntime-node-install=cuda12`). */
export function cudaProviderInstalled(resolveBinding = () => require.resolve('onnxruntime-node')): boolean {
  if (process.platform !== 'linux' && process.platform !== 'win32') return false;
  try {
    const root = join(dirname(resolveBinding()), '..');
    const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return existsSync(join(root, 'bin', 'napi-v6', process.platform, process.arch, lib));
  } catch {
    return false;
  }
}

/** On Linux, Dawn (onnxruntime's WebGPU) needs the Vulkan loader; without it, it only prints a warning and fails. */
export function vulkanLoaderPresent(): boolean {
  return librarySearchPath().some((dir) => existsSync(join(dir, 'libvulkan.so.1')));
}

/** Devices to try, each with the reason it cannot run here, if any. */
export function deviceCandidates(
  choice: DeviceChoice,
  platform: NodeJS.Platform = process.platform,
  cuda = cudaProviderInstalled,
  vulkan = vulkanLoaderPresent,
): { device: Device; unavailable?: string }[] {
  const why = (device: Device): string | undefined => {
    if (device === 'webgpu' && platform === 'linux' && !vulkan())
      return "no Vulkan loader (libvulkan.so.1): install libvulkan1 and your GPU's Vulkan driver";
    if (device === 'cuda' && !cuda())
      return "onnxruntime-node's CUDA provider is not installed (on Linux x64 with CUDA 12 or 13: carbonlens cuda-provider install, or CarbonLens: Add the CUDA Provider)";
    if (device === 'dml' && platform !== 'win32') return 'DirectML is Windows only';
    if (device === 'coreml' && platform !== 'darwin') return 'CoreML is macOS only';
    return undefined;
  };
  const order: readonly Device[] = choice === 'auto' ? DEVICES : [choice];
  return order.map((device) => ({ device, unavailable: why(device) }));
}

/** The first line of an error, without onnxruntime's source location and assertion text. */
export function failureReason(e: unknown): string {
  const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  return first.replace(/^.*(?:was false\.|\] )\s*/, '').slice(0, 200);
}

/**
 * Creates the pipeline on the first candidate device that loads and passes `probe` (one real
 * inference: some providers load but fail on the first run). An explicit device is the only
 * candidate: if it fails, the error says why, and nothing falls back silently.
 */
export async function loadPipeline(
  task: Task,
  folder: string,
  choice: DeviceChoice,
  dtype: Dtype,
  options: {
    factory?: PipelineFactory;
    probe?: (p: TaskPipeline) => Promise<void>;
    cuda?: () => boolean;
    vulkan?: () => boolean;
    platform?: NodeJS.Platform;
    /** Why WebGPU cannot run here, asked before `auto` tries it in this process (default: a child probe). */
    webgpu?: () => Promise<string | undefined>;
    /** The CUDA device the model runs on (default: CUDA's device 0). */
    cudaDeviceId?: number;
  } = {},
): Promise<LoadedPipeline> {
  const factory = options.factory ?? transformersPipeline;
  const attempts: DeviceAttempt[] = [];
  for (const { device, unavailable } of deviceCandidates(choice, options.platform, options.cuda, options.vulkan)) {
    if (unavailable) {
      attempts.push({ device, ok: false, reason: unavailable });
      continue;
    }
    if (device === 'webgpu' && choice === 'auto') {
      // A caller that states the environment (tests: `vulkan`) is not second-guessed by a probe.
      const why = await (options.webgpu ?? (options.vulkan ? async () => undefined : webgpuUnavailable))();
      if (why) {
        attempts.push({ device, ok: false, reason: `${why}; skipped (probed in a child process)` });
        continue;
      }
    }
    if (device === 'cuda' && !options.cuda) {
      // The provider's CUDA libraries: there, and loadable (see cudaPreload.ts).
      const ready = prepareCuda();
      if (ready.unavailable) {
        attempts.push({ device, ok: false, reason: ready.unavailable });
        continue;
      }
    }
    let pipeline: TaskPipeline | undefined;
    try {
      pipeline =
        device === 'cuda' && options.cudaDeviceId !== undefined
          ? await factory(task, folder, device, dtype, options.cudaDeviceId)
          : await factory(task, folder, device, dtype);
      await options.probe?.(pipeline);
      attempts.push({ device, ok: true });
      return { pipeline, device, dtype, attempts };
    } catch (e) {
      await pipeline?.dispose().catch(() => undefined);
      attempts.push({ device, ok: false, reason: failureReason(e) });
    }
  }
  const tried = attempts.map((a) => `${a.device}: ${a.reason}`).join('; ');
  if (choice !== 'auto') throw withRemedy(new Error(''), { id: 'deviceFailed', params: { device: choice, tried } });
  throw new Error(`No device could run the model (${tried}).`);
}

/**
 * transformers.js's pipeline options: on CUDA with a device chosen (`bench --gpu`), the CUDA
 * provider with onnxruntime's `deviceId` as the session's executionProviders, which
 * transformers.js keeps (it fills them in only where absent).
 */
export function pipelineOptions(device: Device, dtype: Dtype, cudaDeviceId?: number) {
  return {
    device,
    dtype,
    ...(device === 'cuda' &&
      cudaDeviceId !== undefined && {
        session_options: { executionProviders: [{ name: 'cuda' as const, deviceId: cudaDeviceId }] },
      }),
  };
}

/** The real factory: transformers.js, loaded on first use, reading only the local folder. */
export const transformersPipeline: PipelineFactory = async (task, folder, device, dtype, cudaDeviceId) => {
  if (task === 'text-to-image')
    throw new Error('Text-to-image runs through the Stable Diffusion pipeline (core/diffusion), not transformers.js.');
  // Text generation decoded through onnxruntime's C API with the key/value cache kept on the
  // device (ioBindingPipeline.ts): on CUDA by default, elsewhere when asked for; where it cannot
  // open the file, transformers.js's generate() runs and the record says why.
  const decoder = textDecoder(task, device, cudaDeviceId);
  let notDirect: string | undefined;
  if (decoder !== 'transformers' && task === 'summarization') {
    const { seq2seqFiles, staticSummarizer } = await import('./seq2seqPipeline');
    const files = seq2seqFiles(folder, dtype);
    if (files)
      try {
        return await staticSummarizer(folder, device as 'cpu' | 'cuda', files);
      } catch (e) {
        if (process.env.CARBONLENS_DECODER) throw e; // asked for by name: its failure is the answer
        notDirect = failureReason(e);
      }
    else
      notDirect = `the folder has no decoder in CarbonLens's step layout (onnx/cross_kv and onnx/decoder_static${dtype === 'fp32' ? '' : `_${dtype}`}: bench/t5/t5.py writes them)`;
  } else if (decoder !== 'transformers') {
    try {
      const { ioBindingTextGenerator } = await import('./ioBindingPipeline');
      return await ioBindingTextGenerator(folder, device as 'cpu' | 'cuda', dtype, {
        fixedCache: decoder === 'fixed-cache',
      });
    } catch (e) {
      if (process.env.CARBONLENS_DECODER) throw e; // asked for by name: its failure is the answer
      notDirect = failureReason(e);
    }
  }
  const { pipeline, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.useFSCache = false;
  // A plain image classifier takes bytes and normalises them in its session (byteInput.ts).
  const resizeOnDevice = resizeOnDeviceWanted(device);
  const bytes =
    task === 'image-classification' && byteInputWanted() ? byteInputSource(folder, dtype, resizeOnDevice) : undefined;
  const source = bytes ?? folder;
  env.localModelPath = dirname(source) + sep;
  const pipe = await pipeline(task, basename(source), pipelineOptions(device, dtype, cudaDeviceId));
  // A seq2seq model's forward() is its decoder's step; the encoder runs once before the first.
  if (task === 'text-generation' || task === 'summarization') {
    const watched = watchForward(pipe as unknown as Parameters<typeof watchForward>[0]);
    if (notDirect)
      watched.preprocessing = `transformers.js's generate() (onnxruntime's C API decoder could not run this file: ${notDirect})`;
    return watched;
  }
  if (task === 'image-classification') {
    const { Tensor } = await import('@huggingface/transformers');
    const fast = await fastClassifier(
      pipe as unknown as Parameters<typeof fastClassifier>[0],
      Tensor as unknown as Parameters<typeof fastClassifier>[1],
      { byteInput: !!bytes, resizeOnDevice },
    );
    if (fast) return fast;
  }
  if (task === 'image-to-text') return imageToTextSplit(pipe as unknown as ImageToTextPipe);
  return pipe as unknown as TaskPipeline;
};

/** A language model's tokenizer, for fitting prompts to its context (see promptFit). */
export interface TextTokenizer extends PromptTokenizer {
  /** The text the model gets for a pipeline input: a string as it is, a chat through the model's template. */
  render(input: unknown): string;
}

/**
 * The model's tokenizer, loaded alone before the model: a tokenizer.json that cannot be read is
 * said to be that, not a failure of the device the model was to run on.
 */
export async function loadTokenizer(folder: string): Promise<TextTokenizer> {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = dirname(folder) + sep;
  env.useFSCache = false;
  let tok: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
  try {
    tok = await AutoTokenizer.from_pretrained(basename(folder));
  } catch (e) {
    throw new ModelFileError(
      `The tokenizer of ${folder} (tokenizer.json, tokenizer_config.json) cannot be read (${failureReason(e)}): download the model again.`,
    );
  }
  return {
    count: (text) => tok.encode(text).length,
    encode: (prompt) => tok.encode(prompt, { add_special_tokens: false }),
    decode: (ids) => tok.decode(ids, { skip_special_tokens: true }),
    render: (input) => {
      if (typeof input === 'string') return input;
      const template = () =>
        tok.apply_chat_template(input as { role: string; content: string }[], {
          tokenize: false,
          add_generation_prompt: true,
        }) as string;
      const chat = `The chat template in ${join(folder, 'tokenizer_config.json')}`;
      let text: string;
      try {
        // A template is a program: one that loops without end is stopped, not waited for.
        text = runInNewContext('template()', { template }, { timeout: TEMPLATE_LIMITS.ms }) as string;
      } catch (e) {
        throw new ModelFileError(
          (e as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT'
            ? `${chat} did not finish within ${TEMPLATE_LIMITS.ms / 1000} s for one prompt (a loop without end?): the model cannot be prompted.`
            : `${chat} fails (${failureReason(e)}): the model cannot be prompted.`,
        );
      }
      const given = JSON.stringify(input).length;
      if (typeof text !== 'string' || text.length > given + TEMPLATE_LIMITS.extraChars)
        throw new ModelFileError(
          `${chat} makes ${String(text?.length)} characters of a ${given}-character prompt: not a chat template CarbonLens can use.`,
        );
      return text;
    },
  };
}

/** A chat template's bounds: time for one prompt, and characters it may add to it. */
export const TEMPLATE_LIMITS = { ms: 2000, extraChars: 100_000 };

/**
 * Which loop decodes text: on CUDA's default device the cache in fixed-length buffers with each
 * step a CUDA graph (ortStaticDecode.ts: 1.16x compiled PyTorch's tokens/s on an H100, against
 * 0.28x through transformers.js), else the IO-binding loop, else transformers.js's generate()
 * (ioBindingPipeline.ts falls back in that order); on other devices transformers.js's.
 * Summarization likewise: on CUDA, fixed buffers and a CUDA graph per decoder step where the
 * model has CarbonLens's step layout (seq2seqPipeline.ts), else transformers.js's generate().
 * CARBONLENS_DECODER=transformers|io-binding|fixed-cache overrides it (for summarization, both
 * of the latter mean the step layout).
 */
export function textDecoder(
  task: Task,
  device: Device,
  cudaDeviceId?: number,
): 'transformers' | 'io-binding' | 'fixed-cache' {
  const text = task === 'text-generation' || task === 'summarization';
  if (!text || (device !== 'cpu' && device !== 'cuda') || cudaDeviceId) return 'transformers';
  const asked = process.env.CARBONLENS_DECODER;
  if (asked === 'transformers' || asked === 'io-binding' || asked === 'fixed-cache') return asked;
  return device === 'cuda' ? 'fixed-cache' : 'transformers';
}

/**
 * Where the normalisation runs: in the model's session, on every device (vectorised kernels;
 * on a GPU, a quarter of the bytes cross to it), so the workers only decode and resize and
 * their batches are a quarter of the size: on a 2-vCPU machine 2 workers then gave 1.8-2.0x one,
 * against 0.9-1.5x when they normalised (float32 batches to copy).
 * CARBONLENS_NORMALISE=threads|device overrides it, to measure one against the other.
 */
function byteInputWanted(): boolean {
  return process.env.CARBONLENS_NORMALISE !== 'threads';
}

/**
 * Where the resize runs: on a CUDA device, in the graph ahead of the model (byteInput.ts), so the
 * workers only decode (a 32x32 PNG's resize to 224x224 was half a worker's time on the H100
 * machine); elsewhere on the workers, beside the model's threads on the same cores.
 * CARBONLENS_RESIZE=workers|device overrides it, to measure one against the other.
 */
function resizeOnDeviceWanted(device: Device): boolean {
  const wanted = process.env.CARBONLENS_RESIZE;
  return wanted === 'device' || (device === 'cuda' && wanted !== 'workers');
}

/** The folder of the byte-input graph, where the model is a plain classifier that can take one; else undefined. */
function byteInputSource(folder: string, dtype: Dtype, resize: boolean): string | undefined {
  const file = join(folder, 'preprocessor_config.json');
  if (!existsSync(file)) return undefined;
  const config = plainImageConfig(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);
  if (!config) return undefined;
  try {
    return byteInputFolder(folder, dtype, config, config.height, config.width, resize);
  } catch {
    return undefined; // not a float NCHW pixel_values input of that size: the float path
  }
}
