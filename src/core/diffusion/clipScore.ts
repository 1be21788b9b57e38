// CLIP score: how well an image matches its prompt, 100 x max(cosine(text, image), 0) between
// CLIP's projected embeddings (as torchmetrics defines it). CLIP runs through transformers.js
// from a local folder (onnx/text_model.onnx and onnx/vision_model.onnx), on the CPU, after the
// generation's energy window has closed.
import { basename, dirname, sep } from 'node:path';
import { readClipTokenizer } from './clipTokenizer';
import type { GeneratedImage } from './stableDiffusion';

export const DEFAULT_CLIP_MODEL = 'Xenova/clip-vit-base-patch32';

type Embeds = { data: Float32Array; dims: number[] };

export async function clipScores(folder: string, images: readonly GeneratedImage[]): Promise<number[]> {
  if (images.length === 0) return [];
  const t = await import('@huggingface/transformers');
  t.env.allowRemoteModels = false;
  t.env.allowLocalModels = true;
  t.env.localModelPath = dirname(folder) + sep;
  const name = basename(folder);
  const options = { device: 'cpu' as const, dtype: 'fp32' as const };
  const tok = readClipTokenizer(folder);
  const tokenizer = new t.CLIPTokenizer(tok.json, tok.config);
  const [processor, textModel, visionModel] = await Promise.all([
    t.AutoImageProcessor.from_pretrained(name),
    t.CLIPTextModelWithProjection.from_pretrained(name, options),
    t.CLIPVisionModelWithProjection.from_pretrained(name, options),
  ]);
  try {
    const text = tokenizer(
      images.map((i) => i.prompt),
      { padding: true, truncation: true },
    );
    const { text_embeds } = (await textModel(text)) as { text_embeds: Embeds };
    const raw = images.map((i) => new t.RawImage(Uint8ClampedArray.from(i.rgb), i.width, i.height, 3));
    const { image_embeds } = (await visionModel(await processor(raw))) as { image_embeds: Embeds };
    const d = text_embeds.dims[1]!;
    return images.map(
      (_, k) =>
        100 *
        Math.max(
          0,
          cosine(text_embeds.data.subarray(k * d, (k + 1) * d), image_embeds.data.subarray(k * d, (k + 1) * d)),
        ),
    );
  } finally {
    await Promise.all([textModel.dispose(), visionModel.dispose()]);
  }
}

function cosine(a: Float32Array, b: Float32Array): number {
  let [dot, na, nb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}
