// The records of bench/llm/gpu-gguf.sh (its $R folder, or gguf-records.tar.xz unpacked) -> the
// `gguf` section of bench/results/llm-cuda.json: per GGUF file (Qwen2.5-0.5B's and 1.5B's shapes,
// F16 and Q4_K_M, on llama.cpp's CUDA build through `carbonlens bench`) decode tokens/s and GPU J
// per output token, each quantisation against F16 and the smaller model's saving.
//   node bench/llm/summary-gguf.mjs DIR OUT.json [--into bench/results/llm-cuda.json] [--command TEXT]
// OUT.json gets the section alone. With --into, the section is also written into that file as
// `gguf`, with each file set beside that file's PyTorch compiled and onnxruntime figures of the same
// shape: ratios from separate calls (labelled so, with both calls' GPUs), unless this call ran
// PyTorch itself (gpu-gguf.sh with TORCH=1), whose figures come first.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { tokenFigures } from './tokenFigures.mjs';

const { values: options, positionals: args } = parseArgs({
  allowPositionals: true,
  options: { into: { type: 'string' }, command: { type: 'string' } },
});
const into = options.into;
const command = options.command;
const [dir, out] = args;
if (!dir || !out) {
  console.error('usage: node bench/llm/summary-gguf.mjs DIR OUT.json [--into llm-cuda.json] [--command TEXT]');
  process.exit(2);
}
const has = (f) => existsSync(join(dir, f)) && readFileSync(join(dir, f), 'utf8').trim() !== '';
const json = (f) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
const ratio = (a, b) =>
  typeof a === 'number' && typeof b === 'number' && b > 0 ? Number((a / b).toFixed(3)) : undefined;
const sizes = Object.fromEntries(
  (has('files.jsonl') ? readFileSync(join(dir, 'files.jsonl'), 'utf8').trim().split('\n') : [])
    .map((l) => JSON.parse(l))
    .map((f) => [f.file.replace(/^.*\/qwen-|\.gguf$/g, ''), f.bytes]),
);

/** The types llama.cpp's quantizer gave the file's tensors (its log: K-quants need rows of a multiple of 256, others fall back). */
function tensorTypes(key) {
  const log = `quantize-${key}.log`;
  if (!has(log)) return undefined;
  const counts = {};
  for (const m of readFileSync(join(dir, log), 'utf8').matchAll(/converting to (\w+)/g))
    counts[m[1]] = (counts[m[1]] ?? 0) + 1;
  return counts;
}

/** One `carbonlens bench --json` record's figures, as summary-cuda.mjs reads them. */
function figures(f) {
  const record = json(f);
  const r = record.result;
  const g = r.generation;
  const key = f.replace(/^carbonlens-gguf-|\.json$/g, '');
  return {
    file: key,
    bytes: sizes[key],
    device: r.device,
    quantisation: r.dtype,
    quantised_tensor_types: tensorTypes(key),
    engine: r.runtime?.engine,
    ...tokenFigures(g),
    // Every metered component (GPU, CPU, RAM), as the record's own headline figure.
    j_per_output_token: g.jPerOutputToken,
    peak_gpu_memory_mib: g.peakGpuMemoryMiB,
  };
}

const records = existsSync(dir) ? readdirSync(dir).filter((f) => /^carbonlens-gguf-.*\.json$/.test(f) && has(f)) : [];
const files = Object.fromEntries(records.map((f) => figures(f)).map((x) => [x.file, x]));
// qwen-SIZE-QUANT: 05-f16, 05-q4_k_m, 15-f16, ...
const of = (size, quant) => files[`${size}-${quant}`];
const quantVsF16 = {};
for (const x of Object.values(files)) {
  const [size, quant] = x.file.split(/-(.*)/s);
  const base = of(size, 'f16');
  if (quant === 'f16' || !base) continue;
  quantVsF16[x.file] = {
    decode_tokens_per_s_ratio: ratio(x.decode_tokens_per_s, base.decode_tokens_per_s),
    gpu_j_per_output_token_ratio: ratio(x.gpu_j_per_output_token, base.gpu_j_per_output_token),
    bytes_ratio: ratio(x.bytes, base.bytes),
  };
}
const saving = (small, big) => (typeof small === 'number' && typeof big === 'number' ? 1 - small / big : undefined);
const smallerModelSaving = Object.fromEntries(
  ['f16', 'q4_k_m', 'q8_0']
    .filter((q) => of('05', q) && of('15', q))
    .map((q) => [q, saving(of('05', q).gpu_j_per_output_token, of('15', q).gpu_j_per_output_token)]),
);
const torchHere = {
  small: has('torch-05.json') ? json('torch-05.json') : undefined,
  large: has('torch-15.json') ? json('torch-15.json') : undefined,
};

const section = {
  what: "GGUF files of Qwen2.5-0.5B's and 1.5B's shapes (bench/llm/qwen.py's random weights, seed 0) made by llama.cpp's own converter (F16) and quantizer (Q4_K_M), through `carbonlens bench --task text-generation` on node-llama-cpp's CUDA build of llama.cpp: greedy, batch 1, the prompts and lengths of the onnxruntime and PyTorch runs",
  command: command ?? 'OUT=$OUT bash bench/llm/gpu-gguf.sh (bench/llm/summary-gguf.mjs writes this section)',
  versions: {
    ...(has('versions.json') ? json('versions.json') : {}),
    llama_probe: has('llama-probe.json') ? json('llama-probe.json') : undefined,
    pip: has('pip-freeze.txt') ? readFileSync(join(dir, 'pip-freeze.txt'), 'utf8').trim() : undefined,
  },
  by_file: files,
  quantisation_vs_f16: quantVsF16,
  smaller_model_saving: {
    ...smallerModelSaving,
    definition: '1 - (0.5B GPU J per output token) / (1.5B GPU J per output token), same quantisation',
  },
  ...(torchHere.small || torchHere.large ? { pytorch_same_call: torchHere } : {}),
  notes: [
    "Energies are the GPU board's (NVML counter, idle included); net_* subtract the idle power measured before and after. j_per_output_token counts every metered component.",
    "The tokenizer is a byte-level BPE one given to the converter for these random-weight models (bench/llm/gguf_convert.py): a prompt is 138 tokens, against 137 through qwen.py's tokenizer in the onnxruntime and PyTorch runs.",
    ...(Object.keys(files).length === 0 ? ['No GGUF file ran in this call.'] : []),
  ],
};

/** A GGUF file beside one PyTorch compiled and one onnxruntime figure set of its shape. */
function beside(x, torch, onnx, basis) {
  const c = torch?.compiled && !torch.compiled.error ? torch.compiled : undefined;
  return {
    basis,
    ...(c && {
      gpu_j_per_output_token_ratio_vs_pytorch_compiled: ratio(x.gpu_j_per_output_token, c.gpu_j_per_output_token),
      decode_tokens_per_s_ratio_vs_pytorch_compiled: ratio(x.decode_tokens_per_s, c.decode_tokens_per_s),
      ttft_ratio_vs_pytorch_compiled: ratio(x.ttft_mean_s, c.ttft_mean_s),
    }),
    ...(onnx && {
      onnxruntime_file: onnx.file,
      gpu_j_per_output_token_ratio_vs_onnxruntime: ratio(x.gpu_j_per_output_token, onnx.gpu_j_per_output_token),
      decode_tokens_per_s_ratio_vs_onnxruntime: ratio(x.decode_tokens_per_s, onnx.decode_tokens_per_s),
    }),
  };
}

if (torchHere.small || torchHere.large)
  section.beside_pytorch_same_call = Object.fromEntries(
    Object.values(files).map((x) => [
      x.file,
      beside(
        x,
        x.file.startsWith('15-') ? torchHere.large : torchHere.small,
        undefined,
        'PyTorch compiled from this call',
      ),
    ]),
  );
writeFileSync(out, `${JSON.stringify(section, null, 2)}\n`);
if (into) {
  const whole = JSON.parse(readFileSync(into, 'utf8'));
  const theirGpu = whole.gpu ?? whole.versions?.gpu;
  const basis = `PyTorch and onnxruntime from ${into}'s own call (${whole.command ?? 'its command'}, ${theirGpu ?? 'GPU not named'}); this section's call ran on ${section.versions.gpu ?? 'a GPU not named'}: separate calls, compare with care`;
  const comparisons = {};
  for (const x of Object.values(files)) {
    const large = x.file.startsWith('15-');
    const here = large ? torchHere.large : torchHere.small;
    const there = large ? whole.pytorch?.large : whole.pytorch?.small;
    const onnx = large
      ? (whole.by_file?.large_gqa_fp16 ?? whole.by_file?.large_fp16)
      : (whole.by_file?.gqa_fp16 ?? whole.by_file?.fp16);
    comparisons[x.file] = here
      ? beside(x, here, onnx, `PyTorch compiled from this call; onnxruntime from ${into}'s own call`)
      : beside(x, there, onnx, basis);
  }
  whole.gguf = { ...section, beside_pytorch_and_onnxruntime: comparisons };
  writeFileSync(into, `${JSON.stringify(whole, null, 2)}\n`);
}
console.log(JSON.stringify({ files: Object.keys(files), into: into ?? null }));
