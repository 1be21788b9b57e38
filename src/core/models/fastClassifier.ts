// Image classification without transformers.js's per-image preprocessing, which capped a
// ViT-Base benchmark at about 105 images/s on an H200 whose session runs 530: for the plain
// processors (resize to a fixed size, rescale, normalize; ViT, DeiT, BEiT, Swin and the like),
// sharp resizes each image exactly as transformers.js does (an affine bilinear map) on its
// thread pool, one loop writes the batch tensor, and the model runs on it directly. Anything
// else (crops, shortest-edge resizes, padding) keeps the pipeline's own path.
import type { RawImage } from '@huggingface/transformers';
import type { TaskPipeline } from './runtime';

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

/** The batch's pixel values, NCHW float32, as the processor would make them. */
export async function pixelValues(images: readonly RawImage[], c: PlainImageConfig): Promise<Float32Array> {
  const { default: sharp } = await import('sharp');
  const plane = c.width * c.height;
  const out = new Float32Array(images.length * 3 * plane);
  await Promise.all(
    images.map(async (source, b) => {
      const image = source.channels === 3 ? source : source.rgb();
      let rgb: Uint8Array = image.data as Uint8Array;
      if (image.width !== c.width || image.height !== c.height) {
        rgb = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
          raw: { width: image.width, height: image.height, channels: 3 },
        })
          .affine([c.width / image.width, 0, 0, c.height / image.height], { interpolator: 'bilinear' })
          .raw()
          .toBuffer();
        if (rgb.length !== plane * 3) throw new Error(`Resized to ${rgb.length / 3} pixels, expected ${plane}.`);
      }
      const base = b * 3 * plane;
      for (let ch = 0; ch < 3; ch++) {
        const scale = c.rescale / c.std[ch]!;
        const shift = c.mean[ch]! / c.std[ch]!;
        const o = base + ch * plane;
        for (let p = 0; p < plane; p++) out[o + p] = rgb[3 * p + ch]! * scale - shift;
      }
    }),
  );
  return out;
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
  processor?: { image_processor?: { config?: Record<string, unknown> }; config?: Record<string, unknown> };
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
  Tensor: new (type: string, data: Float32Array, dims: number[]) => unknown,
): Promise<TaskPipeline | undefined> {
  const config = plainImageConfig(pipe.processor?.image_processor?.config ?? pipe.processor?.config);
  const id2label = pipe.model.config.id2label;
  if (!config || !id2label) return undefined;
  const prepare = async (inputs: unknown[]) => {
    const images = inputs as RawImage[];
    return {
      count: images.length,
      pixels: new Tensor('float32', await pixelValues(images, config), [images.length, 3, config.height, config.width]),
    };
  };
  const infer = async (prepared: unknown, options: Record<string, unknown> = {}) => {
    const { count, pixels } = prepared as { count: number; pixels: unknown };
    const { logits } = await pipe.model({ pixel_values: pixels });
    const classes = logits.dims[1]!;
    const topK = typeof options.top_k === 'number' ? options.top_k : 1;
    const values = logits.data instanceof Float32Array ? logits.data : Float32Array.from(logits.data, halfToFloat);
    return Array.from({ length: count }, (_, b) =>
      topLabels(values.subarray(b * classes, (b + 1) * classes), topK, id2label),
    );
  };
  const run = async (inputs: unknown[], options: Record<string, unknown> = {}) => infer(await prepare(inputs), options);
  return Object.assign(run, {
    dispose: () => pipe.dispose(),
    preprocessing: 'sharp (bilinear resize, as transformers.js) into one batch tensor per batch',
    split: { prepare, infer },
  });
}
