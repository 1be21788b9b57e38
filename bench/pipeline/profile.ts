// Where a prepared image's time goes, and how preparation scales with threads. For a folder of
// images (bench/vit/make_images.py's PNGs, bench/pipeline/make_jpegs.mjs's JPEGs), ViT-B/16's
// processor settings (224x224 bilinear, mean = std = 0.5):
//  - `steps`: one image at a time on this thread, each step timed: reading the file, decoding
//    (RawImage.read's way), RGB, the resize (sharp's affine bilinear map, and vipsBilinear.ts's
//    byte-equal copy of it that the workers run: `resizeInJs`), rescale and normalise
//    (one loop, float32 NCHW), the copy into the batch tensor; beside transformers.js's
//    processor on the same decoded images (resize, rescale, normalise, its own copies).
//  - `pool`: the workers (src/core/models/preparePool.ts: processes, or threads) at each count,
//    batches of 32 with three in flight as the benchmark runs them, as the model takes them
//    (uint8, normalised in its session): images/s, each worker's time in each step, and how busy
//    the main thread was (event-loop utilisation).
// Prints one JSON line per measurement.
//   node out/bench/pipelineProfile.mjs DIR [THREADS=1,2,4,8,16] [IMAGES=512]
// POOL_ONLY=1: no steps; KINDS=processes,threads: the workers' kinds to time (default processes);
// RESIZE=device|workers: the pool resizes on the model's device (decodes only; CUDA's way, the
// default) or on the workers (a CPU device's way).
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { ImageFile } from '../../src/core/models/imageInput';
import { PreparePool, type WorkerKind } from '../../src/core/models/preparePool';
import { vipsBilinearRgb } from '../../src/core/models/vipsBilinear';

const [dir, threadsArg, imagesArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: node out/bench/pipelineProfile.mjs DIR [THREADS=1,2,4,8,16] [IMAGES=512]');
const threadCounts = (threadsArg ?? '1,2,4,8,16').split(',').map(Number);
const images = Number(imagesArg ?? 512);
const files = readdirSync(dir)
  .filter((f) => /\.(png|jpe?g)$/i.test(f))
  .sort()
  .map((f) => join(dir, f));
if (files.length === 0) throw new Error(`No PNG or JPEG in ${dir}.`);
const config = { width: 224, height: 224, rescale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } as Parameters<
  PreparePool['pixelValues']
>[1];
const BATCH = 32;
const set = `${dir} (${files.length} files, ${files[0]!.split('.').pop()})`;
const print = (o: object) => console.log(JSON.stringify({ set, ...o }));
print({
  machine: { cpus: availableParallelism(), cpu: cpus()[0]?.model, loadavg: loadavg() },
  uvThreadpool: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
});

// POOL_ONLY=1: the threads alone (the scaling measured in turns on a busy machine).
if (!process.env.POOL_ONLY) await steps();

async function steps() {
  // Steps, one image at a time, on this thread.
  const { RawImage } = await import('@huggingface/transformers');
  const ms = { read: 0, decode: 0, rgb: 0, resize: 0, normalise: 0, copy: 0 };
  let resizeInJs = 0; // the workers' resize, timed apart (not in the total)
  const plane = config.width * config.height;
  const batchTensor = new Float32Array(BATCH * 3 * plane);
  const one = new Float32Array(3 * plane);
  const stepImages = Math.min(images, 128);
  const decodedImages: InstanceType<typeof RawImage>[] = [];
  for (let i = 0; i < stepImages; i++) {
    const t0 = performance.now();
    const bytes = readFileSync(files[i % files.length]!);
    const t1 = performance.now();
    const decoded = await RawImage.fromBlob(new Blob([bytes]));
    const t2 = performance.now();
    const image = decoded.channels === 3 ? decoded : decoded.rgb();
    const t3 = performance.now();
    const rgb = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
      raw: { width: image.width, height: image.height, channels: 3 },
    })
      .affine([config.width / image.width, 0, 0, config.height / image.height], { interpolator: 'bilinear' })
      .raw()
      .toBuffer();
    const t3b = performance.now();
    const same = vipsBilinearRgb(
      image.data as unknown as Uint8Array,
      image.width,
      image.height,
      config.width,
      config.height,
    );
    resizeInJs += performance.now() - t3b;
    if (Buffer.compare(Buffer.from(same), rgb) !== 0) throw new Error('vipsBilinearRgb differs from sharp');
    const t4 = performance.now();
    for (let ch = 0; ch < 3; ch++) {
      const scale = config.rescale / config.std[ch]!;
      const shift = config.mean[ch]! / config.std[ch]!;
      for (let p = 0; p < plane; p++) one[ch * plane + p] = rgb[3 * p + ch]! * scale - shift;
    }
    const t5 = performance.now();
    batchTensor.set(one, (i % BATCH) * 3 * plane);
    const t6 = performance.now();
    ms.read += t1 - t0;
    ms.decode += t2 - t1;
    ms.rgb += t3 - t2;
    ms.resize += t3b - t3;
    ms.normalise += t5 - t4;
    ms.copy += t6 - t5;
    if (decodedImages.length < BATCH) decodedImages.push(decoded);
  }
  const perImage = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, v / stepImages]));
  const total = Object.values(perImage).reduce((a, b) => a + b, 0);
  print({
    measure: 'steps, one thread',
    images: stepImages,
    ms_per_image: perImage,
    total_ms_per_image: total,
    resize_in_js_ms_per_image: resizeInJs / stepImages,
  });

  // transformers.js's processor on the same decoded images, as the pipeline calls it per batch.
  const { ViTImageProcessor } = await import('@huggingface/transformers');
  const processor = new ViTImageProcessor({
    do_resize: true,
    size: { height: 224, width: 224 },
    resample: 2,
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [0.5, 0.5, 0.5],
    image_std: [0.5, 0.5, 0.5],
  } as never) as unknown as (x: unknown) => Promise<unknown>;
  {
    const t0 = performance.now();
    let n = 0;
    while (n < stepImages) {
      await processor(decodedImages);
      n += decodedImages.length;
    }
    print({
      measure: "transformers.js's processor (decoded images, one batch at a time)",
      images: n,
      ms_per_image: (performance.now() - t0) / n,
    });
  }
}

// The pool at each thread count: batches of 32, three in flight.
const kinds = (process.env.KINDS ?? 'processes').split(',') as WorkerKind[];
// Where the resize runs: on the model's device (the workers only decode; CUDA's default) or here.
const resizeOnDevice = (process.env.RESIZE ?? 'device') === 'device';
for (const kind of kinds)
  for (const threads of threadCounts) {
    const pool = new PreparePool(threads, kind);
    const inputs = (k: number) =>
      Array.from({ length: BATCH }, (_, i) => new ImageFile(files[(k * BATCH + i) % files.length]!));
    // Workers started, sharp loaded, the size learnt, and each worker warmed up on a batch's worth
    // of images whatever their number (one batch a worker: each takes one share of each), so that
    // more workers do not mean colder ones: JIT-compiled loops, sharp's first calls, a grown heap.
    for (let w = 0; w < threads; w++) await pool.pixelBytes(inputs(0), config, resizeOnDevice);
    const before = pool.steps();
    const batches = Math.max(1, Math.ceil(images / BATCH));
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    const inFlight: Promise<unknown>[] = [];
    for (let k = 0; k < batches; k++) {
      inFlight.push(pool.pixelBytes(inputs(k + 1), config, resizeOnDevice));
      if (inFlight.length >= 3) await inFlight.shift();
    }
    await Promise.all(inFlight);
    const seconds = (performance.now() - t0) / 1000;
    const elu = performance.eventLoopUtilization(elu0);
    const after = pool.steps();
    const n = after.images - before.images;
    const step = (k: 'read' | 'decode' | 'resize' | 'normalise') => (after[k] - before[k]) / n;
    print({
      measure: 'pool',
      kind,
      resize: resizeOnDevice ? 'device' : 'workers',
      threads,
      images: n,
      images_per_s: n / seconds,
      thread_ms_per_image: {
        read: step('read'),
        decode: step('decode'),
        resize: step('resize'),
        normalise: step('normalise'),
      },
      main_thread_busy: elu.utilization,
      loadavg: loadavg(),
    });
    await pool.close();
  }
