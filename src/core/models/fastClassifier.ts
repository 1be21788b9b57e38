// Image classification without transformers.js's per-image preprocessing, which capped a
// ViT-Base benchmark at about 105 images/s on an H200 whose session runs 530: for the plain
// processors (resize to a fixed size, rescale, normalize; ViT, DeiT, BEiT, Swin and the like),
// threads on every core (preparePool.ts) decode each image and resize it exactly as
// transformers.js does (sharp's affine bilinear map) straight into the batch tensor, and the
// model runs on it directly (with the model normalising, and on CUDA resizing, the bytes itself:
// byteInput.ts). Other processors (crops, shortest-edge resizes, padding) run as
// transformers.js runs them, as the batch's preparation.
import { BYTE_INPUT, RESIZE_INPUTS } from './byteInput';
import { decodedInputs } from './imageInput';
import { PreparePool } from './preparePool';
import type { TaskPipeline } from './runtime';
import { identityTaps, vipsBilinearTaps } from './vipsBilinear';

export interface PlainImageConfig {
  width: number;
  height: number;
  rescale: number;
  mean: [number, number, number];
  std: [number, number, number];
}

type Three = [number, number, number];
const three = (v: unknown, fallback: number): Three | undefined => {
  if (v === undefined) return [fallback, fallback, fallback];
  if (typeof v === 'number') return [v, v, v];
  return Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number') ? (v as Three) : undefined;
};

/** The processor's settings when it is the plain kind (bilinear resize to a fixed size), else undefined. */
export function plainImageConfig(c: Record<string, unknown> | undefined): PlainImageConfig | undefined {
  if (!c) return undefined;
  const size = c.size as { height?: number; width?: number } | undefined;
  const fixed = typeof size?.height === 'number' && typeof size?.width === 'number';
  const other = ['do_center_crop', 'do_pad', 'do_thumbnail', 'do_crop_margin', 'do_flip_channel_order'].some(
    (k) => c[k] === true,
  );
  if (
    c.do_resize === false ||
    !fixed ||
    other ||
    (c.resample ?? 2) !== 2 ||
    c.do_rescale === false ||
    c.do_normalize === false
  )
    return undefined;
  const mean = three(c.image_mean, 0.5);
  const std = three(c.image_std, 0.5);
  if (!mean || !std) return undefined;
  return {
    width: size!.width!,
    height: size!.height!,
    rescale: typeof c.rescale_factor === 'number' ? c.rescale_factor : 1 / 255,
    mean,
    std,
  };
}

/** An IEEE 754 half (as its 16 bits) to a number: fp16 outputs arrive as a Uint16Array in Node. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

interface TransformersClassifier {
  model: {
    (inputs: Record<string, unknown>): Promise<{ logits: { data: Float32Array | Uint16Array; dims: number[] } }>;
    config: { id2label?: Record<string, string> };
  };
  processor?: ((images: unknown[]) => Promise<{ pixel_values: unknown }>) & {
    image_processor?: { config?: Record<string, unknown> };
    config?: Record<string, unknown>;
  };
  dispose(): Promise<void>;
}

/**
 * The k best labels of one row of logits with their softmax scores, best first. Inside the
 * measured window, so no object per class and no sort of the whole row: at CUDA speeds a
 * 1,000-class sort per image cost a fifth of the model's time.
 */
export function topLabels(
  row: Float32Array,
  k: number,
  id2label: Record<string, string>,
): { label: string; score: number }[] {
  let max = -Infinity;
  for (const v of row) if (v > max) max = v;
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  const best: number[] = []; // class indices, best first
  for (let i = 0; i < row.length; i++) {
    if (best.length === k && row[i]! <= row[best[k - 1]!]!) continue;
    let at = best.length === k ? k - 1 : best.length;
    while (at > 0 && row[best[at - 1]!]! < row[i]!) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best.map((i) => ({ label: id2label[i] ?? String(i), score: Math.exp(row[i]! - max) / sum }));
}

/** The same answers as the image-classification pipeline (labels with softmax scores, best first). */
export async function fastClassifier(
  pipe: TransformersClassifier,
  Tensor: new (type: string, data: Float32Array | Uint8Array | BigInt64Array, dims: number[]) => unknown,
  options: { threads?: number; byteInput?: boolean; resizeOnDevice?: boolean } = {},
): Promise<TaskPipeline | undefined> {
  const config = plainImageConfig(pipe.processor?.image_processor?.config ?? pipe.processor?.config);
  const { processor } = pipe;
  const id2label = pipe.model.config.id2label;
  if (!id2label || (!config && !processor)) return undefined;
  const pool = config && new PreparePool(options.threads);
  const bytes = !!(pool && options.byteInput);
  const resizing = bytes && !!options.resizeOnDevice;
  // The resize's taps for each source size (the model's own: none to do), made once.
  const taps = new Map<string, Record<string, unknown>>();
  const tapsFor = (width: number, height: number) => {
    const key = `${width}x${height}`;
    if (!taps.has(key)) {
      const t =
        width === config!.width && height === config!.height
          ? identityTaps(width, height)
          : vipsBilinearTaps(width, height, config!.width, config!.height);
      taps.set(key, {
        [RESIZE_INPUTS.rows]: new Tensor('int64', t.rows, [config!.height]),
        [RESIZE_INPUTS.y]: new Tensor('float32', t.y, [config!.height, 1, 1]),
        [RESIZE_INPUTS.cols]: new Tensor('int64', t.cols, [config!.width]),
        [RESIZE_INPUTS.x]: new Tensor('float32', t.x, [1, config!.width, 1]),
      });
    }
    return taps.get(key)!;
  };
  const prepare = async (inputs: unknown[]) => {
    const n = inputs.length;
    if (pool && config && bytes) {
      const { data, width, height } = await pool.pixelBytes(inputs, config, resizing);
      return {
        [BYTE_INPUT]: new Tensor('uint8', data, [n, height, width, 3]),
        ...(resizing && tapsFor(width, height)),
      };
    }
    if (pool && config)
      return {
        pixel_values: new Tensor('float32', await pool.pixelValues(inputs, config), [
          n,
          3,
          config.height,
          config.width,
        ]),
      };
    // Other processors (crops, shortest-edge resizes, padding): transformers.js's own, as the
    // batch's preparation, apart from the model's call.
    return { pixel_values: (await processor!(await decodedInputs(inputs))).pixel_values };
  };
  const infer = async (prepared: unknown, options: Record<string, unknown> = {}) => {
    const { logits } = await pipe.model(prepared as Record<string, unknown>);
    const [count, classes] = logits.dims as [number, number];
    const topK = typeof options.top_k === 'number' ? options.top_k : 1;
    const values = logits.data instanceof Float32Array ? logits.data : Float32Array.from(logits.data, halfToFloat);
    return Array.from({ length: count }, (_, b) =>
      topLabels(values.subarray(b * classes, (b + 1) * classes), topK, id2label),
    );
  };
  const run = async (inputs: unknown[], options: Record<string, unknown> = {}) => infer(await prepare(inputs), options);
  const pipeline = Object.assign(run, {
    dispose: async () => {
      await pool?.close();
      await pipe.dispose();
    },
    preprocessing: '',
    split: {
      prepare,
      infer,
      ...(pool && { bytesPerItem: () => pool.largestItemBytes() }),
      ...(pool && { workersPeakRssBytes: () => pool.workersPeakRssBytes() }),
    },
  });
  // Read when a run's record is written: where its batches were resized, as they were.
  Object.defineProperty(pipeline, 'preprocessing', {
    enumerable: true,
    get: () => (pool ? preparedBy(pool, bytes, resizing) : "transformers.js's processor, apart from the model's call"),
  });
  return pipeline;
}

/** How the pool prepared the inputs so far, for the record. */
function preparedBy(pool: PreparePool, bytes: boolean, resizing: boolean): string {
  const { started, pinned } = pool.workers;
  const where =
    pinned === 0 ? '' : pinned === started ? ', each on a CPU of its own' : `, ${pinned} of them on a CPU each`;
  const workers = `${pool.threads} ${pool.kind === 'processes' ? 'worker processes' : 'threads'}${where}`;
  if (!bytes)
    return `${workers} (decode with sharp; bilinear resize byte-equal to transformers.js's; normalise in one loop per image) into one float32 batch`;
  const normalise = "rescale and normalise on the model's device (a Cast, Transpose, Mul and Sub ahead of the graph)";
  const { device, here } = pool.resizes;
  if (!resizing || device === 0)
    return `${workers} (decode with sharp, plain PNGs in JavaScript; bilinear resize byte-equal to transformers.js's, sharp's affine map) into one uint8 batch; ${normalise}${
      resizing
        ? `; all ${here} batches resized on the workers (the model's device resizes only a batch whose images share one size no larger than the model's input)`
        : ''
    }`;
  return `${workers} (decode with sharp, plain PNGs in JavaScript) into one uint8 batch; resize (byte-equal to transformers.js's, sharp's affine bilinear map) on the model's device, in a graph ahead of the model, for ${device} of ${device + here} batches, which crossed at their images' size; on the workers for the rest (the first, which learns the size, and any of several sizes or larger than the model's input); ${normalise}`;
}
