// The pipelines CarbonLens runs in two steps (preparation apart from the model) answer exactly
// as transformers.js's own pipelines do, so every task's quality figures stay what they were.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { describe, it } from 'node:test';
import { ImageFile } from '../../src/core/models/imageInput';
import { transformersPipeline } from '../../src/core/models/runtime';
import { makeImageClassifier, makeImageToText } from '../fixtures/tiny-models/make.mjs';
import { tempDir } from '../support/tempDir';

async function reference(task: string, folder: string) {
  const { pipeline, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = dirname(folder) + sep;
  return (await pipeline(task as 'image-to-text', basename(folder), { device: 'cpu', dtype: 'fp32' })) as unknown as ((
    inputs: unknown[],
    options?: Record<string, unknown>,
  ) => Promise<unknown>) & {
    dispose(): Promise<void>;
    processor: { image_processor: { config: Record<string, unknown> } };
  };
}

const images = async () => {
  const { RawImage } = await import('@huggingface/transformers');
  return [
    new RawImage(
      Uint8ClampedArray.from({ length: 40 * 24 * 3 }, (_, i) => (i * 37) % 256),
      40,
      24,
      3,
    ),
    new RawImage(
      Uint8ClampedArray.from({ length: 32 * 32 * 3 }, (_, i) => (i * 11) % 256),
      32,
      32,
      3,
    ),
  ];
};

describe('pipelines split into preparation and the model', { timeout: 120_000 }, () => {
  it('OCR: the same answers as the image-to-text pipeline, from decoded images and from files', async () => {
    const folder = join(tempDir('cl-split-'), 'tiny-ocr');
    makeImageToText(folder);
    const theirs = await reference('image-to-text', folder);
    const ours = await transformersPipeline('image-to-text', folder, 'cpu', 'fp32');
    try {
      const inputs = await images();
      const options = { max_new_tokens: 8 };
      const expected = await theirs(inputs, options);
      assert.ok(ours.split, 'split in two');
      assert.deepEqual(await ours.split.infer(await ours.split.prepare(inputs), options), expected);
      assert.deepEqual(await ours(inputs, options), expected);
      const file = join(dirname(folder), 'word.png');
      const { default: sharp } = await import('sharp');
      writeFileSync(
        file,
        await sharp(Buffer.from(inputs[0]!.data), { raw: { width: 40, height: 24, channels: 3 } })
          .png()
          .toBuffer(),
      );
      assert.deepEqual(await ours([new ImageFile(file)], options), await theirs([inputs[0]], options));
    } finally {
      await Promise.all([theirs.dispose(), ours.dispose()]);
    }
  });

  it("image classification with a processor that is not the plain kind: its processor as the preparation, the pipeline's answers", async () => {
    const folder = join(tempDir('cl-split-'), 'tiny-crop');
    makeImageClassifier(folder, { size: 32 });
    const config = join(folder, 'preprocessor_config.json');
    const { readFileSync } = await import('node:fs');
    const processor = JSON.parse(readFileSync(config, 'utf8'));
    writeFileSync(
      config,
      JSON.stringify({
        ...processor,
        size: { shortest_edge: 36 },
        do_center_crop: true,
        crop_size: { height: 32, width: 32 },
      }),
    );
    const theirs = await reference('image-classification', folder);
    const ours = await transformersPipeline('image-classification', folder, 'cpu', 'fp32');
    try {
      assert.match(ours.preprocessing ?? '', /transformers\.js's processor, apart from the model's call/);
      const inputs = await images();
      const [a, b] = (await Promise.all([theirs(inputs, { top_k: 10 }), ours(inputs, { top_k: 10 })])) as {
        label: string;
        score: number;
      }[][][];
      assert.deepEqual(
        b.map((r) => r.map((x) => x.label)),
        a.map((r) => r.map((x) => x.label)),
      );
      for (const [i, r] of b.entries())
        for (const [j, x] of r.entries()) assert.ok(Math.abs(x.score - a[i]![j]!.score) < 1e-5);
    } finally {
      await Promise.all([theirs.dispose(), ours.dispose()]);
    }
  });
});
