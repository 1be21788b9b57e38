// Turns the $OUT of bench/llm/gpu-llm.sh into bench/results/llm-h200.json:
//   node bench/llm/summary.mjs DIR [OUT.json]
// Both sides ran on the same GPU in the same call; every ratio is CarbonLens over PyTorch, from
// that one run. Energies are the GPU's (NVML counter), per token of the phase that made it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gpuOf, tokenFigures } from './tokenFigures.mjs';

const [dir, out = 'bench/results/llm-h200.json'] = process.argv.slice(2);
if (!dir) throw new Error('usage: node bench/llm/summary.mjs DIR [OUT.json]');
const json = (f) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
const torch = json('torch.json');
const figures = (record) => {
  const g = record.result.generation;
  return {
    device: record.result.device,
    dtype: record.result.dtype,
    ...tokenFigures(g),
    gpu_kind: gpuOf(g.decode).kind,
    j_per_output_token_all_components: g.jPerOutputToken,
    peak_gpu_memory_mib: g.peakGpuMemoryMiB,
  };
};
const carbonlens = figures(json('carbonlens.json'));
const optional = (f) =>
  existsSync(join(dir, f)) && readFileSync(join(dir, f), 'utf8').trim() ? figures(json(f)) : undefined;
const q4 = optional('carbonlens-q4f16.json');
const webgpu = optional('carbonlens-webgpu.json');
const ratio = (a, b) => Number((a / b).toFixed(3));
const summary = {
  what: "A decoder of Qwen2.5-0.5B's shape (random weights, fp16), greedy, batch 1: CarbonLens (transformers.js on onnxruntime-node's CUDA provider) beside PyTorch (transformers' generate) with the same prompts and lengths on one H200",
  command: 'OUT=/tmp/llm bash bench/llm/gpu-llm.sh && node bench/llm/summary.mjs /tmp/llm',
  j_per_output_token_ratio_vs_pytorch: ratio(carbonlens.gpu_j_per_output_token, torch.gpu_j_per_output_token),
  net_j_per_output_token_ratio_vs_pytorch: ratio(
    carbonlens.net_gpu_j_per_output_token,
    torch.net_gpu_j_per_output_token,
  ),
  decode_tokens_per_s_ratio_vs_pytorch: ratio(carbonlens.decode_tokens_per_s, torch.decode_tokens_per_s),
  ttft_ratio_vs_pytorch: ratio(carbonlens.ttft_mean_s, torch.ttft_mean_s),
  j_per_input_token_ratio_vs_pytorch: ratio(carbonlens.gpu_j_per_input_token, torch.gpu_j_per_input_token),
  ...(q4 && {
    q4f16_j_per_output_token_ratio_vs_fp16: ratio(q4.gpu_j_per_output_token, carbonlens.gpu_j_per_output_token),
    q4f16_decode_tokens_per_s_ratio_vs_fp16: ratio(q4.decode_tokens_per_s, carbonlens.decode_tokens_per_s),
    q4f16_j_per_output_token_ratio_vs_pytorch: ratio(q4.gpu_j_per_output_token, torch.gpu_j_per_output_token),
  }),
  ...(webgpu && {
    webgpu_j_per_output_token_ratio_vs_pytorch: ratio(webgpu.gpu_j_per_output_token, torch.gpu_j_per_output_token),
    webgpu_decode_tokens_per_s_ratio_vs_pytorch: ratio(webgpu.decode_tokens_per_s, torch.decode_tokens_per_s),
  }),
  target: 'j_per_output_token_ratio_vs_pytorch <= 1.5',
  notes: notes(),
  carbonlens,
  ...(q4 && { carbonlens_q4f16: q4 }),
  ...(webgpu && { carbonlens_webgpu: webgpu }),
  pytorch: torch,
  versions: json('versions.json'),
  provider: readFileSync(join(dir, 'status.txt'), 'utf8').trim(),
};
/** What a reader must know before using a ratio: a phase whose GPU energy came out below idle is not a measurement to compare. */
function notes() {
  const list = [];
  const torchPrefillW = torch.prefill.gpu_j / torch.prefill.seconds;
  if (torchPrefillW < torch.idle_w)
    list.push(
      `PyTorch's prefill windows (${(torch.ttft_mean_s * 1000).toFixed(0)} ms a prompt) read ${torchPrefillW.toFixed(0)} W from NVML's energy counter, below the board's ${torch.idle_w.toFixed(0)} W idle: the counter advances in steps coarser than these windows, so j_per_input_token_ratio_vs_pytorch is not a measurement. Decode windows (seconds a prompt) are.`,
    );
  list.push(
    'Energies are the whole board (idle included); net_* subtract the idle baseline each side measured. peak_gpu_memory_mib: CarbonLens samples NVML memory in use (all processes, the CUDA context included); PyTorch reports its allocator peak.',
  );
  return list;
}
writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
