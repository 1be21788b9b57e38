// Turns the $OUT of bench/cuda/gpu-cuda.sh (unpacked into DIR) into bench/results/vit-b16-h200-cuda.json
// and bench/results/sd-unet-h200-cuda.json:   node bench/cuda/summary.mjs DIR
// Every figure is from one run; the ratios compare figures of that same run.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node bench/cuda/summary.mjs DIR');
const read = (f) => readFileSync(join(dir, f), 'utf8');
const json = (f) => JSON.parse(read(f));
const versions = { ...json('versions.json'), ...json('node-versions.json') };
const status = read('status.txt').split('\n')[0];
const [, cudaMajor, ortVersion] = status.match(/^CUDA (\d+) provider \(onnxruntime ([\d.]+)/) ?? [];
const bare = read('ort-cuda.jsonl')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l))
  .filter((r) => !r.error);
const torch = json('torch-vit.json');
const peer = (dtype, batch) => torch.find((r) => r.dtype === dtype && r.batch === batch);
const bareOf = (dtype, batch) => bare.find((r) => r.dtype === dtype && r.batch === batch);
const gpuOf = (x) => x.components.find((c) => c.component === 'gpu')?.jPerItem;
const harness = Object.fromEntries(
  ['cuda-fp32-b32', 'cuda-fp16-b32', 'cuda-fp16-bauto', 'auto-fp16-b32'].map((k) => {
    const r = json(`bench-${k}.json`).result;
    const fig = (x) => ({
      images_per_s: x.itemsPerS,
      j_per_image: x.jPerItem,
      gpu_j_per_image: gpuOf(x),
      kind: x.kind,
    });
    return [
      k,
      {
        device: r.device,
        dtype: r.dtype,
        batch: r.batch,
        attempts: r.attempts,
        end_to_end: fig(r.summary),
        preprocess: fig(r.phases.preprocess),
        model: fig(r.phases.model),
        runtime: r.runtime,
      },
    ];
  }),
);
const fp16b32 = peer('float16', 32);
const h = harness['cuda-fp16-b32'];
const b = bareOf('fp16', 32);
const vit = {
  what: 'ViT-B/16 (bench/vit/export_vit.py, random weights, 224x224) on one NVIDIA H200: carbonlens bench on the CUDA provider, bare onnxruntime-node sessions, PyTorch, in one run (bench/cuda/gpu-cuda.sh)',
  execution_provider: 'cuda',
  cuda_major: Number(cudaMajor),
  onnxruntime: ortVersion,
  provider: status,
  versions,
  harness_vs_bare_images_per_s: h.model.images_per_s / b.images_per_s,
  j_per_image_ratio_vs_pytorch_fp16_b32: h.model.gpu_j_per_image / fp16b32.gpu_j_per_image,
  bare_j_per_image_ratio_vs_pytorch_fp16_b32: b.gpu_j_per_image / fp16b32.gpu_j_per_image,
  notes: [
    'Ratios at fp16, batch 32: the model phase of carbonlens bench (inputs prepared before it, metered apart) against a bare session with the same options, and its GPU J/image against PyTorch fp16 at batch 32.',
    "GPU J/image is NVML's energy counter over the window, the board's idle draw included; CPU and RAM are estimated (no RAPL there).",
    'The preprocess phase (sharp decoding and resizing 1,024 PNGs) runs at about 550-640 images/s: end to end, that is what limits a benchmark, and the record says so.',
  ],
  carbonlens_bench: harness,
  bare_sessions: bare,
  pytorch: torch,
};
writeFileSync('bench/results/vit-b16-h200-cuda.json', `${JSON.stringify(vit, null, 1)}\n`);
console.log(
  JSON.stringify({
    vit: {
      harness_vs_bare: vit.harness_vs_bare_images_per_s,
      j_ratio: vit.j_per_image_ratio_vs_pytorch_fp16_b32,
      bare_j_ratio: vit.bare_j_per_image_ratio_vs_pytorch_fp16_b32,
    },
  }),
);
if (!existsSync(join(dir, 'ort-unet-cuda.json'))) process.exit(0); // run with SKIP_SD
const unet = json('ort-unet-cuda.json');
const tu = JSON.parse(read('torch-unet.json').slice(read('torch-unet.json').indexOf('[')));
const sd = {
  what: 'One denoising step of an SD-1.5-sized UNet (860 M, random weights, batch 2 at 64x64 latents): onnxruntime-node on the CUDA provider (fp32 file) and PyTorch, in one run (bench/cuda/gpu-cuda.sh)',
  execution_provider: 'cuda',
  cuda_major: Number(cudaMajor),
  onnxruntime: ortVersion,
  versions,
  s_per_step_ratio_vs_pytorch_fp16: unet.s_per_step / tu.find((r) => r.dtype === 'float16').s_per_step,
  j_per_step_ratio_vs_pytorch_fp16: unet.gpu_j_per_step / tu.find((r) => r.dtype === 'float16').gpu_j_per_step,
  j_per_step_ratio_vs_pytorch_fp32: unet.gpu_j_per_step / tu.find((r) => r.dtype === 'float32').gpu_j_per_step,
  onnxruntime_node: unet,
  pytorch: tu,
};
writeFileSync('bench/results/sd-unet-h200-cuda.json', `${JSON.stringify(sd, null, 1)}\n`);
console.log(
  JSON.stringify({
    sd: {
      s_per_step_vs_pytorch_fp16: sd.s_per_step_ratio_vs_pytorch_fp16,
      j_vs_fp16: sd.j_per_step_ratio_vs_pytorch_fp16,
      j_vs_fp32: sd.j_per_step_ratio_vs_pytorch_fp32,
    },
  }),
);
