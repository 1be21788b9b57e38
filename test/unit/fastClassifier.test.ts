import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, sep } from 'node:path';
import { describe, it } from 'node:test';
import { allowedCpus, workerCpu } from '../../src/core/models/cpuPinning';
import { halfToFloat, plainImageConfig, topLabels } from '../../src/core/models/fastClassifier';
import { ImageFile } from '../../src/core/models/imageInput';
import { keepLargeBuffersHere, PreparePool, workerTunables } from '../../src/core/models/preparePool';
import { transformersPipeline } from '../../src/core/models/runtime';
import { makeImageClassifier } from '../fixtures/tiny-models/make.mjs';
import { DataType, model, node, valueInfo } from '../fixtures/tiny-models/onnx.mjs';
import { BYTE_INPUT, RESIZE_INPUTS, withByteInput } from '../../src/core/models/byteInput';
import { identityTaps, vipsBilinearTaps } from '../../src/core/models/vipsBilinear';
import { tempDir } from '../support/tempDir';

type Classify<T> = (images: T[], options: { top_k: number }) => Promise<unknown>;

/** Both classifiers give the same top-10 labels, in order, and scores within 1e-5. */
async function assertSameAnswers<T>(reference: Classify<T>, ours: Classify<T>, images: T[]): Promise<void> {
  const [a, b] = [await reference(images, { top_k: 10 }), await ours(images, { top_k: 10 })] as {
    label: string;
    score: number;
  }[][][];
  assert.deepEqual(
    b.map((r) => r.map((x) => x.label)),
    a.map((r) => r.map((x) => x.label)),
  );
  for (const [i, r] of b.entries())
    for (const [j, x] of r.entries()) assert.ok(Math.abs(x.score - a[i]![j]!.score) < 1e-5);
}

// The graph as models have it (pixel_values in, 24x20), here passed straight out, and a plain
// processor's settings for it.
const identity = model({
  nodes: [node('Identity', ['pixel_values'], ['out'])],
  initializers: [],
  inputs: [valueInfo('pixel_values', DataType.FLOAT, ['batch_size', 3, 24, 20])],
  outputs: [valueInfo('out', DataType.FLOAT, ['batch_size', 3, 24, 20])],
});
const settings = {
  do_resize: true,
  size: { height: 24, width: 20 },
  resample: 2,
  do_rescale: true,
  rescale_factor: 1 / 255,
  do_normalize: true,
  image_mean: [0.485, 0.456, 0.406],
  image_std: [0.229, 0.224, 0.225],
};
const config = plainImageConfig(settings)!;

describe('image classification without the per-image processor', { timeout: 120_000 }, () => {
  it('takes only the plain processors: a fixed-size bilinear resize, rescale and normalize', () => {
    const vit = {
      do_resize: true,
      size: { height: 224, width: 224 },
      resample: 2,
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
    };
    assert.deepEqual(plainImageConfig(vit), {
      width: 224,
      height: 224,
      rescale: 1 / 255,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
    });
    assert.equal(plainImageConfig({ ...vit, do_center_crop: true }), undefined);
    assert.equal(plainImageConfig({ ...vit, size: { shortest_edge: 224 } }), undefined);
    assert.equal(plainImageConfig({ ...vit, resample: 3 }), undefined);
    assert.equal(plainImageConfig({ ...vit, image_mean: [0.5, 0.5] }), undefined);
    assert.equal(plainImageConfig(undefined), undefined);
  });

  it("gives the pipeline's pixels and answers, labels and scores, for images of other sizes", async () => {
    const folder = join(tempDir('cl-fast-'), 'tiny-vit');
    makeImageClassifier(folder, { size: 32 });
    const { pipeline, env, RawImage } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = dirname(folder) + sep;
    const reference = await pipeline('image-classification', basename(folder), { device: 'cpu', dtype: 'fp32' });
    const images = [
      new RawImage(
        Uint8ClampedArray.from({ length: 40 * 24 * 3 }, (_, i) => (i * 37) % 256),
        40,
        24,
        3,
      ),
      new RawImage(
        Uint8ClampedArray.from({ length: 7 * 9 * 3 }, (_, i) => (i * 101) % 256),
        7,
        9,
        3,
      ),
      new RawImage(
        Uint8ClampedArray.from({ length: 32 * 32 * 4 }, (_, i) => (i * 13) % 256),
        32,
        32,
        4,
      ),
    ];
    const processed = await (
      reference as unknown as { processor: (x: unknown) => Promise<{ pixel_values: { data: Float32Array } }> }
    ).processor(images);
    const config = plainImageConfig(
      (reference as unknown as { processor: { image_processor: { config: Record<string, unknown> } } }).processor
        .image_processor.config,
    )!;
    const pool = new PreparePool(2);
    try {
      const fast = await pool.pixelValues(images, config);
      assert.equal(fast.length, processed.pixel_values.data.length);
      assert.ok(
        fast.every((v, i) => Math.abs(v - processed.pixel_values.data[i]!) < 1e-5),
        'the same pixels',
      );

      // From files, decoded on the threads: grey, RGBA and RGB PNGs, a JPEG, and a JPEG whose
      // EXIF turns it, against RawImage.read and the processor.
      const { default: sharp } = await import('sharp');
      const dir = tempDir('cl-fast-files-');
      const raw = (w: number, h: number, c: 1 | 3 | 4, k: number) =>
        sharp(Buffer.from(Uint8Array.from({ length: w * h * c }, (_, i) => (i * k + (i >> 5)) % 256)), {
          raw: { width: w, height: h, channels: c },
        });
      const files: [string, Promise<Buffer>][] = [
        ['grey.png', raw(19, 11, 1, 7).png().toBuffer()],
        ['rgba.png', raw(33, 30, 4, 11).png().toBuffer()],
        ['rgb.png', raw(32, 32, 3, 29).png().toBuffer()],
        ['photo.jpg', raw(64, 48, 3, 3).jpeg({ quality: 85 }).toBuffer()],
        ['grey.jpg', raw(21, 13, 1, 9).jpeg().toBuffer()],
        ['turned.jpg', raw(48, 20, 3, 5).jpeg().withMetadata({ orientation: 6 }).toBuffer()],
      ];
      const paths: string[] = [];
      for (const [name, bytes] of files) {
        paths.push(join(dir, name));
        writeFileSync(paths.at(-1)!, await bytes);
      }
      const decoded = await Promise.all(paths.map((p) => RawImage.read(p)));
      const expected = await (
        reference as unknown as { processor: (x: unknown) => Promise<{ pixel_values: { data: Float32Array } }> }
      ).processor(decoded);
      const fromFiles = await pool.pixelValues(
        paths.map((p) => new ImageFile(p)),
        config,
      );
      assert.equal(fromFiles.length, expected.pixel_values.data.length);
      const worst = fromFiles.reduce((m, v, i) => Math.max(m, Math.abs(v - expected.pixel_values.data[i]!)), 0);
      assert.ok(worst < 1e-5, `the same pixels from files (largest difference ${worst})`);
      assert.ok(pool.steps().images >= images.length + paths.length, 'every image counted in the steps');
      await assert.rejects(
        pool.pixelValues([new ImageFile(join(dir, 'missing.png'))], config),
        /Preparing an image failed/,
      );
    } finally {
      await pool.close();
    }
    const left = ['/dev/shm', tmpdir()].flatMap((d) =>
      existsSync(d) ? readdirSync(d).filter((f) => f.startsWith(`carbonlens-batch-${process.pid}-`)) : [],
    );
    assert.deepEqual(left, [], 'no batch file left behind');

    const ours = await transformersPipeline('image-classification', folder, 'cpu', 'fp32');
    await assertSameAnswers(reference, ours, images);
    await ours.dispose();
  });

  it("normalises on the model's device: a uint8 NHWC input and Cast, Transpose, Mul, Sub ahead of the graph give the processor's pixels", async () => {
    const ort = await import('onnxruntime-node');
    const { RawImage, ViTImageProcessor } = await import('@huggingface/transformers');
    const session = await ort.InferenceSession.create(withByteInput(identity, config, 24, 20));
    assert.deepEqual(session.inputNames, [BYTE_INPUT]);
    const images = [
      new RawImage(
        Uint8ClampedArray.from({ length: 40 * 30 * 3 }, (_, i) => (i * 37) % 256),
        40,
        30,
        3,
      ),
      new RawImage(
        Uint8ClampedArray.from({ length: 9 * 7 * 4 }, (_, i) => (i * 101) % 256),
        9,
        7,
        4,
      ),
    ];
    const pool = new PreparePool(2);
    try {
      const { data: bytes } = await pool.pixelBytes(images, config);
      const out = await session.run({ [BYTE_INPUT]: new ort.Tensor('uint8', bytes, [2, 24, 20, 3]) });
      const ours = out.out!.data as Float32Array;
      const theirs = (
        (await (
          new ViTImageProcessor(settings as never) as unknown as (
            x: unknown,
          ) => Promise<{ pixel_values: { data: Float32Array } }>
        )(images)) as { pixel_values: { data: Float32Array } }
      ).pixel_values.data;
      assert.equal(ours.length, theirs.length);
      const worst = ours.reduce((m, v, i) => Math.max(m, Math.abs(v - theirs[i]!)), 0);
      assert.ok(worst < 1e-5, `the same pixels (largest difference ${worst})`);
      assert.throws(() => withByteInput(identity, config, 224, 224), /not 224x224/);
    } finally {
      await pool.close();
      await session.release();
    }
  });

  it("resizes on the model's device while a batch's images share a size, on the workers when they do not", async () => {
    const ort = await import('onnxruntime-node');
    const { RawImage, ViTImageProcessor } = await import('@huggingface/transformers');
    const { default: sharp } = await import('sharp');
    const session = await ort.InferenceSession.create(withByteInput(identity, config, 24, 20, true));
    const dir = tempDir('cl-device-resize-');
    const write = async (name: string, w: number, h: number, k: number, jpeg: boolean) => {
      const pixels = sharp(Buffer.from(Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * k + (i >> 4)) % 256)), {
        raw: { width: w, height: h, channels: 3 },
      });
      writeFileSync(join(dir, name), await (jpeg ? pixels.jpeg() : pixels.png()).toBuffer());
      return new ImageFile(join(dir, name));
    };
    // Smaller than the model's 20x24 (larger ones are resized on the workers: DEVICE_RESIZE_MAX_RATIO).
    const same = [await write('a.png', 16, 12, 7, false), await write('b.jpg', 16, 12, 11, true)];
    const mixed = [await write('c.png', 16, 12, 13, false), await write('d.png', 9, 20, 17, false)];
    const larger = [await write('e.png', 32, 30, 19, false), await write('f.png', 32, 30, 23, false)];
    const processor = new ViTImageProcessor(settings as never) as unknown as (
      x: unknown,
    ) => Promise<{ pixel_values: { data: Float32Array } }>;
    try {
      for (const kind of ['processes', 'threads'] as const) {
        const pool = new PreparePool(2, kind);
        try {
          const check = async (files: ImageFile[], size: [number, number]) => {
            const { data, width, height } = await pool.pixelBytes(files, config, true);
            assert.deepEqual([width, height], size, 'the size the batch crossed at');
            const t = width === 20 && height === 24 ? identityTaps(20, 24) : vipsBilinearTaps(width, height, 20, 24);
            const out = await session.run({
              [BYTE_INPUT]: new ort.Tensor('uint8', data, [files.length, height, width, 3]),
              [RESIZE_INPUTS.rows]: new ort.Tensor('int64', t.rows, [24]),
              [RESIZE_INPUTS.y]: new ort.Tensor('float32', t.y, [24, 1, 1]),
              [RESIZE_INPUTS.cols]: new ort.Tensor('int64', t.cols, [20]),
              [RESIZE_INPUTS.x]: new ort.Tensor('float32', t.x, [1, 20, 1]),
            });
            const ours = out.out!.data as Float32Array;
            const theirs = (await processor(await Promise.all(files.map((f) => RawImage.read(f.path))))).pixel_values
              .data;
            const worst = ours.reduce((m, v, i) => Math.max(m, Math.abs(v - theirs[i]!)), 0);
            assert.ok(worst < 1e-5, `the processor's pixels (largest difference ${worst})`);
          };
          await check(same, [20, 24]); // the first batch: resized on the workers, its one size learnt
          await check(same, [16, 12]); // then as decoded, resized in the graph
          await check(mixed, [20, 24]); // an image of another size: the batch again, resized on the workers
          await check(mixed, [20, 24]); // and so on while sizes differ
          await check(larger, [20, 24]); // one size, larger than the model's: on the workers
          await check(larger, [20, 24]);
          assert.equal(pool.largestItemBytes(), 20 * 24 * 3);
          assert.deepEqual(pool.resizes, { device: 1, here: 5 });
        } finally {
          await pool.close();
        }
      }
    } finally {
      await session.release();
    }
  });

  it("fails a batch with a broken image's error, and its workers go on with the next batch", async () => {
    const { default: sharp } = await import('sharp');
    const dir = tempDir('cl-broken-');
    const jpeg = await sharp({ create: { width: 30, height: 26, channels: 3, background: '#3a7' } })
      .jpeg()
      .toBuffer();
    writeFileSync(join(dir, 'good.jpg'), jpeg);
    writeFileSync(join(dir, 'broken.jpg'), jpeg.subarray(0, 40)); // a JPEG's header, cut short
    const [good, broken] = ['good.jpg', 'broken.jpg'].map((f) => new ImageFile(join(dir, f)));
    for (const kind of ['processes', 'threads'] as const) {
      const pool = new PreparePool(1, kind);
      try {
        // The broken image read while the one before it is prepared, and after it another.
        await assert.rejects(pool.pixelValues([good, broken, good], config), /jpeg|premature|input|corrupt/i);
        assert.equal((await pool.pixelValues([good, good], config)).length, 2 * 3 * 24 * 20);
      } finally {
        await pool.close();
      }
    }
  });

  it('runs each worker process, and every thread it starts, on a CPU of its own, and says so', {
    skip: process.platform !== 'linux' && 'CPU pinning is for Linux',
  }, async () => {
    const { default: sharp } = await import('sharp');
    const dir = tempDir('cl-pinned-');
    const files = await Promise.all(
      [0, 1, 2, 3].map(async (k) => {
        const image = sharp({
          create: { width: 40, height: 30, channels: 3, background: { r: 60 * k, g: 90, b: 10 } },
        });
        writeFileSync(join(dir, `${k}.jpg`), await image.jpeg().toBuffer());
        return new ImageFile(join(dir, `${k}.jpg`));
      }),
    );
    const cpus = allowedCpus()!;
    const n = Math.min(2, cpus.length);
    const pool = new PreparePool(n, 'processes');
    try {
      await pool.pixelBytes(files, config); // libvips's threads started, in both workers
      assert.deepEqual(pool.workers, { started: n, pinned: n });
      // This process's children, each with the CPUs every one of its threads may use.
      const children = readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .flatMap((pid) => {
          try {
            const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
            return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid ? [pid] : [];
          } catch {
            return []; // gone meanwhile
          }
        });
      const threadCpus = children.map((pid) => [
        ...new Set(
          readdirSync(`/proc/${pid}/task`).map((tid) =>
            allowedCpus(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'))!.join(),
          ),
        ),
      ]);
      const expected = Array.from({ length: n }, (_, k) => [String(workerCpu(k, n, cpus))]);
      assert.deepEqual(threadCpus.sort(), expected.sort(), 'each worker on its CPU, with all its threads');
    } finally {
      await pool.close();
    }
  });

  it('answers as the pipeline does when the model takes bytes', async () => {
    const folder = join(tempDir('cl-bytes-'), 'tiny-vit');
    makeImageClassifier(folder, { size: 32 });
    const { pipeline, env, RawImage } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = dirname(folder) + sep;
    const reference = await pipeline('image-classification', basename(folder), { device: 'cpu', dtype: 'fp32' });
    const before = process.env.CARBONLENS_NORMALISE;
    process.env.CARBONLENS_NORMALISE = 'device';
    const ours = await transformersPipeline('image-classification', folder, 'cpu', 'fp32').finally(() => {
      if (before === undefined) delete process.env.CARBONLENS_NORMALISE;
      else process.env.CARBONLENS_NORMALISE = before;
    });
    try {
      assert.match(ours.preprocessing ?? '', /normalise on the model's device/);
      assert.equal(ours.split?.bytesPerItem?.(), 0, 'nothing prepared yet');
      const images = [
        new RawImage(
          Uint8ClampedArray.from({ length: 40 * 24 * 3 }, (_, i) => (i * 37) % 256),
          40,
          24,
          3,
        ),
        new RawImage(
          Uint8ClampedArray.from({ length: 32 * 32 * 3 }, (_, i) => (i * 29) % 256),
          32,
          32,
          3,
        ),
      ];
      await assertSameAnswers(reference, ours, images);
    } finally {
      await ours.dispose();
      await reference.dispose();
    }
  });

  it('answers as the pipeline does when the model resizes too', async () => {
    const folder = join(tempDir('cl-resize-'), 'tiny-vit');
    makeImageClassifier(folder, { size: 32 });
    const { pipeline, env, RawImage } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = dirname(folder) + sep;
    const reference = await pipeline('image-classification', basename(folder), { device: 'cpu', dtype: 'fp32' });
    const before = process.env.CARBONLENS_RESIZE;
    process.env.CARBONLENS_RESIZE = 'device';
    const ours = await transformersPipeline('image-classification', folder, 'cpu', 'fp32').finally(() => {
      if (before === undefined) delete process.env.CARBONLENS_RESIZE;
      else process.env.CARBONLENS_RESIZE = before;
    });
    try {
      const images = [37, 41, 43].map(
        (k) =>
          new RawImage(
            Uint8ClampedArray.from({ length: 24 * 20 * 3 }, (_, i) => (i * k) % 256),
            24,
            20,
            3,
          ),
      );
      await assertSameAnswers(reference, ours, images); // resized on the workers, the size learnt
      await assertSameAnswers(reference, ours, images); // resized in the graph
      const crossing = (await ours.split!.prepare(images)) as Record<string, { dims: number[] }>;
      assert.deepEqual(crossing.pixel_values_u8!.dims, [3, 20, 24, 3], 'the batch crossed at the images own size');
      // The record says where the batches were resized, as they were: the first on the workers.
      assert.match(
        ours.preprocessing ?? '',
        /resize \(byte-equal to transformers.js's.*\) on the model's device, .* for 2 of 3 batches, .*; on the workers for the rest .*; rescale and normalise on the model's device/,
      );
      const larger = [new RawImage(new Uint8ClampedArray(40 * 36 * 3).fill(7), 40, 36, 3)];
      await assertSameAnswers(reference, ours, larger); // larger than the model's input: on the workers
      assert.match(ours.preprocessing ?? '', /for 2 of 4 batches/);
      if (process.platform === 'linux')
        assert.match(ours.preprocessing ?? '', /^\d+ worker processes, each on a CPU of its own \(/);
    } finally {
      await ours.dispose();
      await reference.dispose();
    }
  });

  it("gives the worker processes glibc's allocator settings for image-sized buffers, the user's own after them", () => {
    assert.equal(
      workerTunables(undefined),
      'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456',
    );
    assert.equal(
      workerTunables('glibc.malloc.arena_max=2'),
      'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456:glibc.malloc.arena_max=2',
    );
  });

  it('sets the same thresholds in this process through mallopt, unless the user set them', () => {
    assert.equal(keepLargeBuffersHere('glibc.malloc.mmap_threshold=65536'), false, "the user's own win");
    assert.equal(keepLargeBuffersHere('glibc.malloc.trim_threshold=0'), false, "the user's own win");
    // glibc on Linux (CI's Debian, this VM): mallopt loads and takes both.
    if (
      process.platform === 'linux' &&
      (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime
    )
      assert.equal(keepLargeBuffersHere('glibc.malloc.arena_max=2'), true);
  });

  it('reads fp16 logits', () => {
    assert.deepEqual([0x3c00, 0xc000, 0x0000, 0x7c00, 0x3555].map(halfToFloat), [1, -2, 0, Infinity, 0.333251953125]);
  });

  it('picks the k best labels as a full softmax and stable sort would, ties included', () => {
    const labels = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [i, `c${i}`]));
    for (let trial = 0; trial < 200; trial++) {
      const row = Float32Array.from({ length: 50 }, () => Math.round(Math.random() * 8) / 2); // many ties
      const k = 1 + (trial % 7);
      const exps = Array.from(row, (v) => Math.exp(v - Math.max(...row)));
      const sum = exps.reduce((a, b) => a + b, 0);
      const expected = exps
        .map((e, i) => ({ label: `c${i}`, score: e / sum }))
        .sort((x, y) => y.score - x.score)
        .slice(0, k);
      const got = topLabels(row, k, labels);
      assert.deepEqual(
        got.map((x) => x.label),
        expected.map((x) => x.label),
      );
      for (const [i, x] of got.entries()) assert.ok(Math.abs(x.score - expected[i]!.score) < 1e-6);
    }
  });
});
