// onnxruntime-node sessions of a ViT, timed and metered on the GPU: each configuration (dtype,
// layout, static batch, validation, batch size) runs for a few seconds on random inputs, its
// energy read from NVML's counter around the run. Prints one JSON line per configuration.
//   node out/bench/ortVit.mjs MODEL_DIR [seconds=6]       the sweep
//   node out/bench/ortVit.mjs MODEL_DIR agree              fp16's answers against fp32's
//   ORT_EP=cuda node out/bench/ortVit.mjs MODEL_DIR [s]     the CUDA provider (bench/cuda/gpu-cuda.sh)
// MODEL_DIR has onnx/model.onnx and, for fp16, onnx/model_fp16.onnx (fp32 inputs and outputs).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { Meter } from '../src/core/energy/meter';
import { openNvmlSources } from '../src/core/energy/nvml';

const [dir, secondsArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: node out/bench/ortVit.mjs MODEL_DIR [seconds]');
const seconds = Number(secondsArg ?? 6);
const EP = process.env.ORT_EP ?? 'webgpu';

if (secondsArg === 'agree') {
  // The same 64 random images through both files: does fp16 change the predicted class?
  const batch = 64;
  const input = new ort.Tensor(
    'float32',
    Float32Array.from({ length: batch * 3 * 224 * 224 }, () => Math.random() * 2 - 1),
    [batch, 3, 224, 224],
  );
  const logits = async (file: string) => {
    const session = await ort.InferenceSession.create(join(dir, 'onnx', file), { executionProviders: [EP] });
    const out = await session.run({ [session.inputNames[0]!]: input });
    await session.release();
    return out[session.outputNames[0]!]!.data as Float32Array;
  };
  const [a, b] = [await logits('model.onnx'), await logits('model_fp16.onnx')];
  const classes = a.length / batch;
  const argmax = (x: Float32Array, i: number) =>
    x.subarray(i * classes, (i + 1) * classes).reduce((best, v, k, row) => (v > row[best]! ? k : best), 0);
  let same = 0;
  for (let i = 0; i < batch; i++) same += argmax(a, i) === argmax(b, i) ? 1 : 0;
  const maxDiff = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
  console.log(
    JSON.stringify({
      check: 'fp16 vs fp32',
      images: batch,
      same_class: same,
      max_abs_logit_diff: maxDiff,
      logit_range: [Math.min(...a), Math.max(...a)],
    }),
  );
  process.exit(0);
}

const { sources, notes } = await openNvmlSources();
if (sources.length === 0) throw new Error(`No NVML GPU: ${notes.join(' ')}`);
const meter = new Meter([sources[0]!], { intervalMs: 1000, counterIntervalMs: 60_000 });
await meter.start();

interface Config {
  dtype: 'fp32' | 'fp16';
  batch: number;
  layout: 'NCHW' | 'NHWC';
  staticBatch: boolean;
  validation: 'basic' | 'disabled';
}

async function run(c: Config) {
  const file = join(dir!, 'onnx', c.dtype === 'fp16' ? 'model_fp16.onnx' : 'model.onnx');
  if (!existsSync(file)) return { ...c, error: `no ${file}` };
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(file, {
    executionProviders: [
      EP === 'webgpu'
        ? ({
            name: 'webgpu',
            preferredLayout: c.layout,
            validationMode: c.validation,
          } as ort.InferenceSession.ExecutionProviderConfig)
        : EP,
    ],
    graphOptimizationLevel: 'all',
    ...(c.staticBatch && { freeDimensionOverrides: { batch_size: c.batch } }),
  });
  const loadS = (performance.now() - t0) / 1000;
  const input = new ort.Tensor(
    'float32',
    Float32Array.from({ length: c.batch * 3 * 224 * 224 }, () => Math.random() * 2 - 1),
    [c.batch, 3, 224, 224],
  );
  const feeds = { [session.inputNames[0]!]: input };
  for (let i = 0; i < 3; i++) await session.run(feeds); // warm-up: shaders compiled, buffers cached
  const window = await meter.begin();
  const start = performance.now();
  let images = 0;
  while (performance.now() - start < seconds * 1000) {
    const out = await session.run(feeds);
    (out[session.outputNames[0]!]!.data as Float32Array)[0]; // the logits reach the CPU, as a caller's would
    images += c.batch;
  }
  const elapsed = (performance.now() - start) / 1000;
  const w = await window.end();
  await session.release();
  return {
    ...c,
    execution_provider: EP,
    images,
    seconds: elapsed,
    images_per_s: images / elapsed,
    gpu_j_per_image: w.totalJ / images,
    gpu_mean_w: w.totalJ / w.durationS,
    energy: w.kind,
    load_s: loadS,
  };
}

const results: Record<string, unknown>[] = [];
const emit = (r: Record<string, unknown>) => {
  results.push(r);
  console.log(JSON.stringify(r));
};
const base: Config = { dtype: 'fp32', batch: 32, layout: 'NCHW', staticBatch: false, validation: 'basic' };
const rate = (r: Record<string, unknown>) => (typeof r.images_per_s === 'number' ? r.images_per_s : 0);
const tryRun = async (c: Config) => {
  try {
    emit(await run(c));
  } catch (e) {
    emit({ ...c, error: (e as Error).message.split('\n')[0] });
  }
};

if (EP !== 'webgpu') {
  // The WebGPU options below mean nothing to other providers: the dtypes and batch sizes only.
  for (const [dtype, batch] of [
    ['fp32', 1],
    ['fp32', 32],
    ['fp16', 32],
    ['fp16', 64],
  ] as const)
    await tryRun({ ...base, dtype, batch, staticBatch: true });
  meter.close();
  process.exit(0);
}
// 1. What each option buys at batch 32, one at a time, for each dtype.
for (const dtype of ['fp32', 'fp16'] as const) {
  await tryRun({ ...base, dtype });
  await tryRun({ ...base, dtype, staticBatch: true });
  await tryRun({ ...base, dtype, staticBatch: true, validation: 'disabled' });
  await tryRun({ ...base, dtype, staticBatch: true, validation: 'disabled', layout: 'NHWC' });
}
// 2. The batch size, by measurement, with the best options of each dtype.
for (const dtype of ['fp32', 'fp16'] as const) {
  const best = results
    .filter((r) => r.dtype === dtype && r.batch === 32)
    .sort((a, b) => rate(b) - rate(a))[0] as unknown as Config | undefined;
  if (!best) continue;
  for (const batch of [1, 8, 16, 64, 128]) await tryRun({ ...best, batch });
}
meter.close();
process.exit(0);
