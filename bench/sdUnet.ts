// One Stable Diffusion denoising step in onnxruntime-node: the UNet on a batch of 2 (guidance) at
// 64x64 latents, on WebGPU, timed over 10 s with the GPU's energy from NVML's counter.
//   node out/bench/sdUnet.mjs UNET.onnx [seconds=10]
import * as ort from 'onnxruntime-node';
import { Meter } from '../src/core/energy/meter';
import { openNvmlSources } from '../src/core/energy/nvml';

const [file, secondsArg] = process.argv.slice(2);
// ORT_EP=cuda with the CUDA provider's runtime copy in node_modules (bench/cuda/gpu-cuda.sh).
const EP = process.env.ORT_EP ?? 'webgpu';
if (!file) throw new Error('usage: node out/bench/sdUnet.mjs UNET.onnx [seconds]');
const seconds = Number(secondsArg ?? 10);
const { sources, notes } = await openNvmlSources();
if (sources.length === 0) throw new Error(`No NVML GPU: ${notes.join(' ')}`);
const meter = new Meter([sources[0]!], { intervalMs: 1000, counterIntervalMs: 60_000 });
await meter.start();
const t0 = performance.now();
const session = await ort.InferenceSession.create(file, {
  executionProviders: [EP],
  graphOptimizationLevel: 'all',
});
const loadS = (performance.now() - t0) / 1000;
const timestepType = (session.inputMetadata.find((m) => m.name === 'timestep') as { type?: string } | undefined)?.type;
const rand = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
const feeds = {
  sample: new ort.Tensor('float32', rand(2 * 4 * 64 * 64), [2, 4, 64, 64]),
  timestep:
    timestepType === 'int64'
      ? new ort.Tensor('int64', BigInt64Array.from([500n, 500n]), [2])
      : new ort.Tensor('float32', Float32Array.from([500, 500]), [2]),
  encoder_hidden_states: new ort.Tensor('float32', rand(2 * 77 * 768), [2, 77, 768]),
};
for (let i = 0; i < 2; i++) await session.run(feeds);
const window = await meter.begin();
const start = performance.now();
let steps = 0;
while (performance.now() - start < seconds * 1000) {
  await session.run(feeds);
  steps++;
}
const elapsed = (performance.now() - start) / 1000;
const w = await window.end();
console.log(
  JSON.stringify({
    runtime: `onnxruntime-node ${EP}`,
    dtype: 'float32',
    batch: 2,
    latent: '64x64',
    steps,
    s_per_step: elapsed / steps,
    gpu_j_per_step: w.totalJ / steps,
    gpu_mean_w: w.totalJ / w.durationS,
    energy: w.kind,
    load_s: loadS,
    timestep: timestepType,
  }),
);
meter.close();
process.exit(0);
