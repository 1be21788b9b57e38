// Turns the GPU machine's output into bench/results/vit-b16-h200.json:
//   node bench/vit/perf-summary.mjs PERF_DIR [HARNESS_DIR [PROBE_DIR]]
// PERF_DIR: $OUT of bench/vit/gpu-perf.sh (ort.jsonl, torch.json, gpu.txt: one run, side by side);
// HARNESS_DIR: $OUT of bench/vit/gpu-harness.sh (carbonlens bench end to end, fp16 agreement);
// PROBE_DIR: probe.jsonl from bench/vit/gpu-io-probe.cjs (GPU-resident tensors, graph capture).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [perf, harness, probe] = process.argv.slice(2);
if (!perf) throw new Error('usage: node bench/vit/perf-summary.mjs PERF_DIR [HARNESS_DIR]');
const ort = readFileSync(join(perf, 'ort.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l))
  .filter((r) => !r.error);
const torch = JSON.parse(readFileSync(join(perf, 'torch.json'), 'utf8'));
const peer = (dtype, batch) => torch.find((r) => r.dtype === dtype && r.batch === batch);
const fp32b32 = peer('float32', 32);
const fp16b32 = peer('float16', 32);
const b32 = ort.filter((r) => r.batch === 32);
const best = b32.reduce((a, b) => (b.images_per_s > a.images_per_s ? b : a));
const plain = b32.find((r) => r.dtype === 'fp32' && r.layout === 'NCHW' && !r.staticBatch && r.validation === 'basic');
const endToEnd = harness
  ? ['fp32-b32', 'fp16-b32', 'fp16-bauto']
      .map((k) => join(harness, `bench-${k}.json`))
      .filter(existsSync)
      .map((f) => {
        const r = JSON.parse(readFileSync(f, 'utf8')).result;
        const gpu = r.summary.components.find((c) => c.component === 'gpu');
        return {
          dtype: r.dtype,
          batch: r.batch,
          batch_chosen_by: r.runtime.batchChosenBy,
          batch_trials: r.runtime.batchTrials,
          images: r.items,
          images_per_s: r.summary.itemsPerS,
          gpu_j_per_image: gpu?.jPerItem,
          gpu_energy: gpu?.kind,
          all_j_per_image: r.summary.jPerItem,
          preprocessing: r.runtime.preprocessing,
        };
      })
  : [];
const round = (x, n = 4) => Number(x.toPrecision(n));
const result = {
  what: 'ViT-Base/16, 224x224, random weights (86 M parameters), eager-attention ONNX export; onnxruntime-node 1.30 sessions on random inputs against PyTorch on the same GPU, in one run',
  gpu: readFileSync(join(perf, 'gpu.txt'), 'utf8').trim(),
  measured_with:
    "bash bench/vit/gpu-perf.sh on the GPU machine, then node bench/vit/perf-summary.mjs; GPU energy from NVML's total-energy counter around each run (whole board, idle included)",
  ratio_vs_pytorch_fp32_b32: round(best.images_per_s / fp32b32.images_per_s, 3),
  j_per_image_ratio_vs_pytorch_fp16_b32: round(best.gpu_j_per_image / fp16b32.gpu_j_per_image, 3),
  targets: { ratio_vs_pytorch_fp32_b32: '>= 0.5', j_per_image_ratio_vs_pytorch_fp16_b32: '<= 2' },
  used: {
    execution_provider: 'webgpu (Dawn on Vulkan)',
    dtype: best.dtype,
    batch: best.batch,
    layout: best.layout,
    static_batch: best.staticBatch,
    validation: best.validation,
    graph_capture:
      'off: it wants inputs and outputs on the GPU, and Node has no WebGPU device to make inputs with (ort.env.webgpu is empty); turned on through its session config key with CPU tensors it ran no faster (see gpu_io_probe)',
    io: 'CPU tensors in and out: preferredOutputLocation gpu-buffer aborts onnxruntime-node 1.30 (see gpu_io_probe)',
  },
  ours: {
    images_per_s: round(best.images_per_s),
    gpu_j_per_image: round(best.gpu_j_per_image),
    gpu_mean_w: round(best.gpu_mean_w),
  },
  before: plain && {
    images_per_s: round(plain.images_per_s),
    gpu_j_per_image: round(plain.gpu_j_per_image),
    note: 'fp32, NCHW, dynamic batch, default validation',
  },
  pytorch: torch,
  onnxruntime_sessions: ort,
  fp16_agreement:
    harness && existsSync(join(harness, 'agree.json'))
      ? JSON.parse(readFileSync(join(harness, 'agree.json'), 'utf8'))
      : undefined,
  carbonlens_bench_end_to_end: endToEnd,
  gpu_io_probe: probe
    ? readFileSync(join(probe, 'probe.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
    : undefined,
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/vit-b16-h200.json', `${JSON.stringify(result, null, 1)}\n`);
console.log(
  `ours ${result.ours.images_per_s} img/s (${best.dtype} b${best.batch}), ${result.ours.gpu_j_per_image} J/img; ratio vs PyTorch fp32 b32 ${result.ratio_vs_pytorch_fp32_b32}; J/img vs PyTorch fp16 b32 x${result.j_per_image_ratio_vs_pytorch_fp16_b32}`,
);
