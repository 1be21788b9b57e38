// Noise schedulers for Stable Diffusion, as diffusers defines them (DDIM with eta 0, Euler
// discrete), on plain Float32Arrays. The training schedule (betas) comes from the model's
// scheduler/scheduler_config.json; the sampler is ours to choose.
import { seededRandom } from '../bench/datasets/evalSet';

export interface SchedulerConfig {
  num_train_timesteps?: number;
  beta_start?: number;
  beta_end?: number;
  beta_schedule?: 'linear' | 'scaled_linear' | string;
  prediction_type?: 'epsilon' | 'v_prediction' | string;
  steps_offset?: number;
  set_alpha_to_one?: boolean;
}

export const SCHEDULERS = ['euler', 'ddim'] as const;
export type SchedulerName = (typeof SCHEDULERS)[number];

export interface Scheduler {
  /** The model timesteps, first to last. */
  readonly timesteps: number[];
  /** What the initial Gaussian noise is multiplied by. */
  readonly initNoiseSigma: number;
  /** The UNet's input at step i (Euler scales it; DDIM does not). */
  scaleInput(latents: Float32Array, i: number): Float32Array;
  /** The latents after step i, from the model's output (noise or v). */
  step(output: Float32Array, i: number, latents: Float32Array): Float32Array;
}

function alphasCumprod(c: SchedulerConfig): Float64Array {
  const n = c.num_train_timesteps ?? 1000;
  const start = c.beta_start ?? 0.00085;
  const end = c.beta_end ?? 0.012;
  const schedule = c.beta_schedule ?? 'scaled_linear';
  if (schedule !== 'scaled_linear' && schedule !== 'linear')
    throw new Error(`Unsupported beta_schedule "${schedule}" (scaled_linear and linear are).`);
  const out = new Float64Array(n);
  let prod = 1;
  for (let i = 0; i < n; i++) {
    const f = n === 1 ? 0 : i / (n - 1);
    const beta =
      schedule === 'linear'
        ? start + (end - start) * f
        : (Math.sqrt(start) + (Math.sqrt(end) - Math.sqrt(start)) * f) ** 2;
    prod *= 1 - beta;
    out[i] = prod;
  }
  return out;
}

function predictionType(c: SchedulerConfig): 'epsilon' | 'v_prediction' {
  const p = c.prediction_type ?? 'epsilon';
  if (p !== 'epsilon' && p !== 'v_prediction')
    throw new Error(`Unsupported prediction_type "${p}" (epsilon and v_prediction are).`);
  return p;
}

/** DDIM, deterministic (eta 0), "leading" timestep spacing with the config's offset, as SD 1.x/2.x use. */
export function ddim(c: SchedulerConfig, steps: number): Scheduler {
  const ac = alphasCumprod(c);
  const n = ac.length;
  const ratio = Math.floor(n / steps);
  const offset = c.steps_offset ?? 0;
  const timesteps = Array.from({ length: steps }, (_, i) => (steps - 1 - i) * ratio + offset);
  const final = c.set_alpha_to_one === false ? ac[0]! : 1;
  const kind = predictionType(c);
  return {
    timesteps,
    initNoiseSigma: 1,
    scaleInput: (x) => x,
    step(output, i, x) {
      const t = timesteps[i]!;
      const prev = t - ratio;
      const a = ac[t]!;
      const aPrev = prev >= 0 ? ac[prev]! : final;
      const [sa, sb, sp, sq] = [Math.sqrt(a), Math.sqrt(1 - a), Math.sqrt(aPrev), Math.sqrt(1 - aPrev)];
      const next = new Float32Array(x.length);
      for (let k = 0; k < x.length; k++) {
        const m = output[k]!;
        const x0 = kind === 'epsilon' ? (x[k]! - sb * m) / sa : sa * x[k]! - sb * m;
        const eps = kind === 'epsilon' ? m : sa * m + sb * x[k]!;
        next[k] = sp * x0 + sq * eps;
      }
      return next;
    },
  };
}

/** Euler discrete, "linspace" timestep spacing (diffusers' EulerDiscreteScheduler defaults). */
export function euler(c: SchedulerConfig, steps: number): Scheduler {
  const ac = alphasCumprod(c);
  const n = ac.length;
  const trainSigmas = Array.from(ac, (a) => Math.sqrt((1 - a) / a));
  const timesteps = Array.from({ length: steps }, (_, i) =>
    steps === 1 ? n - 1 : ((n - 1) * (steps - 1 - i)) / (steps - 1),
  );
  // The sigma at a fractional timestep: linear between the training ones, as np.interp does.
  const sigmaAt = (t: number) => {
    const lo = Math.floor(t);
    const hi = Math.min(n - 1, lo + 1);
    return trainSigmas[lo]! + (trainSigmas[hi]! - trainSigmas[lo]!) * (t - lo);
  };
  const sigmas = [...timesteps.map(sigmaAt), 0];
  const kind = predictionType(c);
  return {
    timesteps,
    initNoiseSigma: sigmas[0]!,
    scaleInput(x, i) {
      const s = 1 / Math.sqrt(sigmas[i]! ** 2 + 1);
      return x.map((v) => v * s);
    },
    step(output, i, x) {
      const [sigma, next] = [sigmas[i]!, sigmas[i + 1]!];
      const out = new Float32Array(x.length);
      const c2 = sigma ** 2 + 1;
      for (let k = 0; k < x.length; k++) {
        const x0 = kind === 'epsilon' ? x[k]! - sigma * output[k]! : output[k]! * (-sigma / Math.sqrt(c2)) + x[k]! / c2;
        out[k] = x[k]! + ((x[k]! - x0) / sigma) * (next - sigma);
      }
      return out;
    },
  };
}

export function makeScheduler(name: SchedulerName, config: SchedulerConfig, steps: number): Scheduler {
  if (!(steps >= 1 && Number.isInteger(steps)))
    throw new RangeError(`Steps must be a whole number >= 1, not ${steps}.`);
  return name === 'ddim' ? ddim(config, steps) : euler(config, steps);
}

/** Seeded standard normal values (Box-Muller over mulberry32): the same seed, the same latents. */
export function gaussian(length: number, seed: number): Float32Array {
  const uniform = seededRandom(seed);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(Math.max(uniform(), 1e-12)));
    const angle = 2 * Math.PI * uniform();
    out[i] = r * Math.cos(angle);
    if (i + 1 < length) out[i + 1] = r * Math.sin(angle);
  }
  return out;
}
