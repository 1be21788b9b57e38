// Loads a transformers.js pipeline on the best device that works. `auto` tries CUDA (only when
// onnxruntime-node's CUDA provider library is installed), DirectML (Windows), CoreML (macOS),
// WebGPU, then the CPU, and reports which device ran and why each earlier one did not.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { prepareCuda } from './cudaPreload';
import { byteInputFolder } from './byteInput';
import { fastClassifier, plainImageConfig } from './fastClassifier';
import { imageToTextSplit, type ImageToTextPipe } from './splitPipelines';
import { librarySearchPath } from './libraryPath';
import { webgpuUnavailable } from './webgpuProbe';

export { librarySearchPath };
import type { Dtype, Task } from './tasks';

export const DEVICES = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
export type Device = (typeof DEVICES)[number];
export type DeviceChoice = Device | 'auto';
export const isDeviceChoice = (s: string): s is DeviceChoice =>
  s === 'auto' || (DEVICES as readonly string[]).includes(s);

export interface DeviceAttempt {
  device: Device;
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
    /** Bytes one prepared item holds until the model has used it, where known. */
    bytesPerItem?: number;
    /** The preparation workers' peak resident memory, where they are processes and the system says. */
    workersPeakRssBytes?(): number | undefined;
  };
  /**
   * Text generation: `listener` is awaited before each forward pass of the model, given its
   * inputs. The first pass of a call is the prompt's prefill; each pass makes one token.
   */
  onForward?(listener: ForwardListener | undefined): void;
}

export type ForwardListener = (inputs: { input_ids?: { dims: readonly number[] } }) => Promise<void>;

/** A text-generation pipeline whose model's forward passes can be watched. */
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
    return forward(inputs);
  };
  return Object.assign((inputs: unknown[], options?: Record<string, unknown>) => pipe(inputs, options), {
    dispose: () => pipe.dispose(),
    onForward: (l: ForwardListener | undefined) => {
      listener = l;
    },
  });
}

export type PipelineFactory = (task: Task, folder: string, device: Device, dtype: Dtype) => Promise<TaskPipeline>;

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
      pipeline = await factory(task, folder, device, dtype);
      await options.probe?.(pipeline);
      attempts.push({ device, ok: true });
      return { pipeline, device, dtype, attempts };
    } catch (e) {
      await pipeline?.dispose().catch(() => undefined);
      attempts.push({ device, ok: false, reason: failureReason(e) });
    }
  }
  const tried = attempts.map((a) => `${a.device}: ${a.reason}`).join('; ');
  throw new Error(
    choice === 'auto'
      ? `No device could run the model (${tried}).`
      : `The model did not run on ${choice} (${tried}). Try --device auto or --device cpu.`,
  );
}

/** The real factory: transformers.js, loaded on first use, reading only the local folder. */
export const transformersPipeline: PipelineFactory = async (task, folder, device, dtype) => {
  if (task === 'text-to-image')
    throw new Error('Text-to-image runs through the Stable Diffusion pipeline (core/diffusion), not transformers.js.');
  const { pipeline, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.useFSCache = false;
  // A plain image classifier takes bytes and normalises them in its session (byteInput.ts).
  const bytes = task === 'image-classification' && byteInputWanted() ? byteInputSource(folder, dtype) : undefined;
  const source = bytes ?? folder;
  env.localModelPath = dirname(source) + sep;
  const pipe = await pipeline(task, basename(source), { device, dtype });
  if (task === 'text-generation') return watchForward(pipe as unknown as Parameters<typeof watchForward>[0]);
  if (task === 'image-classification') {
    const { Tensor } = await import('@huggingface/transformers');
    const fast = await fastClassifier(
      pipe as unknown as Parameters<typeof fastClassifier>[0],
      Tensor as unknown as Parameters<typeof fastClassifier>[1],
      { byteInput: !!bytes },
    );
    if (fast) return fast;
  }
  if (task === 'image-to-text') return imageToTextSplit(pipe as unknown as ImageToTextPipe);
  return pipe as unknown as TaskPipeline;
};

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

/** The folder of the byte-input graph, where the model is a plain classifier that can take one; else undefined. */
function byteInputSource(folder: string, dtype: Dtype): string | undefined {
  const file = join(folder, 'preprocessor_config.json');
  if (!existsSync(file)) return undefined;
  const config = plainImageConfig(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);
  if (!config) return undefined;
  try {
    return byteInputFolder(folder, dtype, config, config.height, config.width);
  } catch {
    return undefined; // not a float NCHW pixel_values input of that size: the float path
  }
}
