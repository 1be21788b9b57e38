// Stable Diffusion (1.x, 2.x, and their distilled kin) on onnxruntime-node: CLIP tokenizer and
// text encoder, the UNet under classifier-free guidance stepped by a scheduler, the VAE decoder.
// Seeded per image. Components in the layout of ONNX exports: text_encoder/, unet/,
// vae_decoder/, tokenizer/, scheduler/ (fp32 inputs and outputs).
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import type { PromptInput } from '../bench/datasets/prompts';
import type { Device, TaskPipeline } from '../models/runtime';
import { CLIP_MAX_TOKENS, readClipTokenizer } from './clipTokenizer';
import { gaussian, makeScheduler, type SchedulerConfig, type SchedulerName } from './scheduler';

export interface DiffusionOptions {
  steps: number;
  /** Classifier-free guidance scale; 1 or less runs the prompt alone (turbo and LCM models). */
  guidance: number;
  width: number;
  height: number;
  scheduler: SchedulerName;
}

export const DEFAULT_DIFFUSION: DiffusionOptions = {
  steps: 20,
  guidance: 7.5,
  width: 512,
  height: 512,
  scheduler: 'euler',
};

export interface GeneratedImage {
  prompt: string;
  seed: number;
  width: number;
  height: number;
  /** RGB, 8 bits per channel, row-major. */
  rgb: Uint8Array;
}

const EP: Record<Device, string> = { cuda: 'cuda', dml: 'dml', coreml: 'coreml', webgpu: 'webgpu', cpu: 'cpu' };

/** The scheduler's configuration, and the VAE's latent scaling (0.18215 where its config does not say). */
function readConfigs(folder: string): { schedulerConfig: SchedulerConfig; scaling: number } {
  const schedulerConfig = JSON.parse(
    readFileSync(join(folder, 'scheduler', 'scheduler_config.json'), 'utf8'),
  ) as SchedulerConfig;
  const vaeConfigFile = join(folder, 'vae_decoder', 'config.json');
  const scaling =
    (existsSync(vaeConfigFile)
      ? (JSON.parse(readFileSync(vaeConfigFile, 'utf8')) as { scaling_factor?: number }).scaling_factor
      : undefined) ?? 0.18215;
  return { schedulerConfig, scaling };
}

/** The inputs the pipeline feeds, checked: the token ids' type, the UNet's timestep; float32 elsewhere. */
function checkInputs(
  textEncoder: InferenceSession,
  unet: InferenceSession,
  vae: InferenceSession,
): { idsType: 'int32' | 'int64'; timestepMeta: { type?: string; shape?: readonly unknown[] } } {
  const typeOf = (s: InferenceSession, name: string) =>
    (s.inputMetadata.find((m) => m.name === name) as { type?: string } | undefined)?.type;
  const idsType = typeOf(textEncoder, textEncoder.inputNames[0]!) === 'int32' ? 'int32' : 'int64';
  const timestepMeta = unet.inputMetadata.find((m) => m.name === 'timestep') as
    | { type?: string; shape?: readonly unknown[] }
    | undefined;
  if (!timestepMeta)
    throw new Error(
      `The UNet has no "timestep" input (it has ${unet.inputNames.join(', ')}): not a Stable Diffusion UNet.`,
    );
  for (const [s, name] of [
    [unet, 'sample'],
    [vae, 'latent_sample'],
  ] as const) {
    const t = typeOf(s, name);
    if (t && t !== 'float32')
      throw new Error(`The ${name} input is ${t}: only exports with float32 inputs and outputs run here.`);
  }
  return { idsType, timestepMeta };
}

type Ort = typeof import('onnxruntime-node');
type Tokenize = InstanceType<typeof import('@huggingface/transformers')['CLIPTokenizer']>;

/** Prompts to the text encoder's hidden states: CLIP's tokens, padded to its window. */
function textEncoderOf(ort: Ort, tokenizer: Tokenize, textEncoder: InferenceSession, idsType: 'int32' | 'int64') {
  return async (prompts: string[]): Promise<OrtTensor> => {
    const { input_ids } = tokenizer(prompts, {
      padding: 'max_length',
      max_length: CLIP_MAX_TOKENS,
      truncation: true,
    }) as { input_ids: { data: BigInt64Array; dims: number[] } };
    const ids =
      idsType === 'int32'
        ? new ort.Tensor('int32', Int32Array.from(input_ids.data, Number), input_ids.dims)
        : new ort.Tensor('int64', BigInt64Array.from(input_ids.data), input_ids.dims);
    const out = await textEncoder.run({ [textEncoder.inputNames[0]!]: ids });
    return out[textEncoder.outputNames[0]!]!;
  };
}

/** The UNet's timestep input for a batch, in the type and shape the export declares. */
function timestepOf(ort: Ort, meta: { type?: string; shape?: readonly unknown[] }) {
  return (t: number, batch: number) => {
    const shape = meta.shape ?? [];
    const dims = shape.length === 0 ? [] : [batch];
    const n = dims.length ? batch : 1;
    return meta.type === 'int64'
      ? new ort.Tensor('int64', new BigInt64Array(n).fill(BigInt(Math.round(t))), dims)
      : new ort.Tensor('float32', new Float32Array(n).fill(t), dims);
  };
}

export async function loadStableDiffusion(
  folder: string,
  device: Device,
  options: DiffusionOptions,
  cudaDeviceId?: number,
): Promise<TaskPipeline> {
  if (options.width % 8 || options.height % 8)
    throw new RangeError(`Width and height must be multiples of 8, not ${options.width}x${options.height}.`);
  const ort = await import('onnxruntime-node');
  const { CLIPTokenizer } = await import('@huggingface/transformers');
  const tok = readClipTokenizer(join(folder, 'tokenizer'));
  const tokenizer = new CLIPTokenizer(tok.json, tok.config);
  const { schedulerConfig, scaling } = readConfigs(folder);
  const sessionOptions: InferenceSession.SessionOptions = {
    executionProviders: [
      device === 'cuda' && cudaDeviceId !== undefined ? { name: 'cuda', deviceId: cudaDeviceId } : EP[device],
    ],
    graphOptimizationLevel: 'all',
  };
  const sessions: InferenceSession[] = [];
  const open = async (name: string) => {
    const s = await ort.InferenceSession.create(join(folder, name, 'model.onnx'), sessionOptions);
    sessions.push(s);
    return s;
  };
  try {
    const [textEncoder, unet, vae] = [await open('text_encoder'), await open('unet'), await open('vae_decoder')];
    const { idsType, timestepMeta } = checkInputs(textEncoder, unet, vae);

    const encode = textEncoderOf(ort, tokenizer, textEncoder, idsType);
    const timestep = timestepOf(ort, timestepMeta);

    const generate = async (inputs: unknown[]): Promise<GeneratedImage[]> => {
      const items = inputs as PromptInput[];
      const B = items.length;
      const [h, w] = [options.height / 8, options.width / 8];
      const per = 4 * h * w;
      const guided = options.guidance > 1;
      const text = await encode(
        guided ? [...items.map(() => ''), ...items.map((i) => i.prompt)] : items.map((i) => i.prompt),
      );
      const scheduler = makeScheduler(options.scheduler, schedulerConfig, options.steps);
      let latents: Float32Array = new Float32Array(B * per);
      for (const [b, item] of items.entries())
        latents.set(
          gaussian(per, item.seed).map((v) => v * scheduler.initNoiseSigma),
          b * per,
        );
      for (let i = 0; i < scheduler.timesteps.length; i++) {
        const scaled = scheduler.scaleInput(latents, i);
        const sample = guided ? concat(scaled, scaled) : scaled;
        const batch = guided ? 2 * B : B;
        const out = await unet.run({
          sample: new ort.Tensor('float32', sample, [batch, 4, h, w]),
          timestep: timestep(scheduler.timesteps[i]!, batch),
          encoder_hidden_states: text,
        });
        const noise = out[unet.outputNames[0]!]!.data as Float32Array;
        const prediction = guided ? guide(noise, B * per, options.guidance) : noise;
        latents = scheduler.step(prediction, i, latents);
      }
      const decoded = await vae.run({
        latent_sample: new ort.Tensor(
          'float32',
          latents.map((v) => v / scaling),
          [B, 4, h, w],
        ),
      });
      const pixels = decoded[vae.outputNames[0]!]!;
      const [, , H, W] = pixels.dims as number[];
      return items.map((item, b) => ({
        prompt: item.prompt,
        seed: item.seed,
        width: W!,
        height: H!,
        rgb: toRgb(pixels.data as Float32Array, b, H!, W!),
      }));
    };
    return Object.assign(generate, {
      dispose: async () => {
        await Promise.all(sessions.map((s) => s.release()));
      },
      preprocessing: `CLIP tokenizer; ${options.scheduler} scheduler, ${options.steps} steps, guidance ${options.guidance}, ${options.width}x${options.height}`,
    });
  } catch (e) {
    await Promise.all(sessions.map((s) => s.release().catch(() => undefined)));
    throw e;
  }
}

const concat = (a: Float32Array, b: Float32Array) => {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

/** uncond + scale x (cond - uncond), from the batch [uncond..., cond...]. */
function guide(noise: Float32Array, half: number, scale: number): Float32Array {
  const out = new Float32Array(half);
  for (let k = 0; k < half; k++) out[k] = noise[k]! + scale * (noise[half + k]! - noise[k]!);
  return out;
}

/** The VAE's [-1, 1] NCHW output for image b as interleaved 8-bit RGB. */
function toRgb(data: Float32Array, b: number, H: number, W: number): Uint8Array {
  const plane = H * W;
  const base = b * 3 * plane;
  const out = new Uint8Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++)
      out[3 * p + c] = Math.round(Math.min(1, Math.max(0, data[base + c * plane + p]! / 2 + 0.5)) * 255);
  }
  return out;
}
