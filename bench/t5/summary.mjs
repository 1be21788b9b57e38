// Turns the records of bench/t5/gpu-t5.sh (its $R folder, or the t5-records.tar.xz unpacked)
// into bench/results/t5-cuda.json:
//   node bench/t5/summary.mjs DIR [OUT.json]
// CarbonLens's records come from `carbonlens compare` (A = T5-base shape, B = T5-small shape) per
// dtype; PyTorch's from bench/t5/torch_t5.py (eager and compiled in one run). Every ratio is
// CarbonLens over PyTorch's better (lower J per output token) of eager and compiled, same card,
// same call. Energies are the GPU board's (NVML counter, idle included; net_* above idle).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, out = 'bench/results/t5-cuda.json'] = process.argv.slice(2);
if (!dir) throw new Error('usage: node bench/t5/summary.mjs DIR [OUT.json]');
const json = (f) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
const has = (f) => existsSync(join(dir, f)) && readFileSync(join(dir, f), 'utf8').trim() !== '';
const ratio = (a, b) => (a === undefined || b === undefined ? undefined : Number((a / b).toFixed(3)));
const gpu = (phase) => phase.components.find((c) => c.component === 'gpu');

/** A CarbonLens record's figures: per summary, per output token, per phase. */
function carbonlens(record) {
  const r = record.result;
  const g = r.generation;
  const pre = gpu(g.prefill);
  const dec = gpu(g.decode);
  const seconds = g.prefill.seconds + g.decode.seconds;
  const quality = Object.fromEntries(
    [r.quality.primary, ...r.quality.others].map((q) => [q.metric, Number(q.value.toFixed(4))]),
  );
  return {
    model: record.model.id,
    device: r.device,
    dtype: r.dtype,
    decoder: r.runtime?.preprocessing,
    summaries: g.prompts,
    input_tokens: g.inputTokens,
    output_tokens: g.outputTokens,
    decode_tokens: g.decodeTokens,
    ttft_mean_s: g.ttft.meanS,
    decode_tokens_per_s: g.decodeTokensPerS,
    output_tokens_per_s: g.outputTokens / seconds,
    gpu_j_per_output_token: (dec.jPerItem * g.prompts) / g.decodeTokens,
    net_gpu_j_per_output_token: (dec.netJPerItem * g.prompts) / g.decodeTokens,
    gpu_j_per_summary: pre.jPerItem + dec.jPerItem,
    encoder_phase_gpu_j_per_summary: pre.jPerItem,
    decoder_phase_gpu_j_per_summary: dec.jPerItem,
    j_per_summary_all_components: r.summary.jPerItem,
    rouge: quality,
    peak_gpu_memory_mib: g.peakGpuMemoryMiB,
    warnings: r.warnings,
  };
}

/** PyTorch's run: both modes, and which one is better (lower J per output token). */
function pytorch(f) {
  if (!has(f)) return undefined;
  const t = json(f);
  const modes = ['eager', 'compiled'].filter((m) => t[m] && !t[m].error);
  const best = modes.reduce((a, m) => (!a || t[m].gpu_j_per_output_token < t[a].gpu_j_per_output_token ? m : a), '');
  return { eager: t.eager, compiled: t.compiled, better: best || undefined, versions: t.versions };
}

const pairs = {};
for (const dtype of ['fp16', 'fp32']) {
  if (!has(`compare-${dtype}.json`)) continue;
  const c = json(`compare-${dtype}.json`);
  const models = { base: carbonlens(c.a), small: carbonlens(c.b) };
  const entry = { verdict: c.verdict.sentence, energy_saving_percent_small_vs_base: c.verdict.energySavingPercent };
  for (const size of ['base', 'small']) {
    const cl = models[size];
    const torch = pytorch(`torch-${size}-${dtype}.json`);
    const peer = torch?.better ? torch[torch.better] : undefined;
    entry[size] = {
      carbonlens: cl,
      ...(torch && { pytorch: { eager: torch.eager, compiled: torch.compiled, better: torch.better } }),
      ...(peer && {
        j_per_output_token_ratio_vs_pytorch: ratio(cl.gpu_j_per_output_token, peer.gpu_j_per_output_token),
        output_tokens_per_s_ratio_vs_pytorch: ratio(cl.output_tokens_per_s, peer.output_tokens_per_s),
        j_per_summary_ratio_vs_pytorch: ratio(cl.gpu_j_per_summary, peer.gpu_j_per_item),
        ttft_ratio_vs_pytorch: ratio(cl.ttft_mean_s, peer.ttft_mean_s),
        j_per_output_token_ratio_vs_pytorch_eager:
          torch.eager && !torch.eager.error
            ? ratio(cl.gpu_j_per_output_token, torch.eager.gpu_j_per_output_token)
            : undefined,
      }),
    };
  }
  // The pair's energy ratio: the smaller model's J per summary over the larger's, each side.
  entry.small_over_base_j_per_summary = {
    carbonlens: ratio(models.small.gpu_j_per_summary, models.base.gpu_j_per_summary),
    ...(entry.small.pytorch &&
      entry.base.pytorch && {
        pytorch: ratio(
          entry.small.pytorch[entry.small.pytorch.better].gpu_j_per_item,
          entry.base.pytorch[entry.base.pytorch.better].gpu_j_per_item,
        ),
      }),
  };
  pairs[dtype] = entry;
}
const head = pairs.fp16 ?? pairs.fp32;
if (!head) throw new Error(`No compare-*.json in ${dir}`);
const headDtype = pairs.fp16 ? 'fp16' : 'fp32';
const auto = has('auto.json') ? json('auto.json').result : undefined;
const profile = has('profile/profile-t5-base-fp16.json') ? json('profile/profile-t5-base-fp16.json') : undefined;
const summary = {
  what: "T5-base- and T5-small-shaped summarizers (random weights; bench/t5/t5.py's exports: transformers.js's no-If layout and CarbonLens's step layout), greedy, batch 1, every summary the same number of tokens: CarbonLens (onnxruntime-node's CUDA provider; the loop that decoded is each record's `decoder`) beside PyTorch (transformers' generate, eager and static cache + torch.compile) on one GPU, one run",
  command: 'OUT=/tmp/t5 bash bench/t5/gpu-t5.sh (bench/t5/summary.mjs writes this file)',
  device: head.base.carbonlens.device,
  dtype: headDtype,
  gpu: json('versions.json').gpu,
  // The study's model is T5-base-sized: its figures are the headline.
  j_per_output_token_ratio_vs_pytorch: head.base.j_per_output_token_ratio_vs_pytorch,
  output_tokens_per_s_ratio_vs_pytorch: head.base.output_tokens_per_s_ratio_vs_pytorch,
  pytorch_mode_compared: head.base.pytorch?.better,
  small: {
    j_per_output_token_ratio_vs_pytorch: head.small.j_per_output_token_ratio_vs_pytorch,
    output_tokens_per_s_ratio_vs_pytorch: head.small.output_tokens_per_s_ratio_vs_pytorch,
  },
  rouge: { base: head.base.carbonlens.rouge, small: head.small.carbonlens.rouge },
  small_over_base_j_per_summary: head.small_over_base_j_per_summary,
  targets: 'j_per_output_token_ratio_vs_pytorch <= 1.3, output_tokens_per_s_ratio_vs_pytorch >= 0.8',
  notes: [
    'Random weights: the summaries are nonsense and ROUGE against the references measures nothing; it is there to show the path scores end to end.',
    "Articles are random words, each truncated to 512 tokens on both sides (transformers.js's truncation, tokenizers' enable_truncation(512)); every summary has exactly max_new_tokens tokens (no end-of-sequence token in the export's config; min_new_tokens in PyTorch).",
    "Phases: prefill = tokenising, the encoder's pass and the decoder's first step (PyTorch: from the call to the first token); decode = every later token. J per output token is the decode phase's GPU energy over its tokens.",
    "The decoder recomputes the cross-attention keys and values from encoder_hidden_states at every step (no If node, no encoder past): they are returned on the first step only (zero length after), so later steps copy only the decoder's cache and the logits back to the host.",
  ],
  by_dtype: pairs,
  ...(auto && { auto: { device: auto.device, attempts: auto.attempts } }),
  ...(profile && { profile_t5_base_fp16: profile }),
  versions: { ...json('versions.json'), ...(has('node-versions.json') && json('node-versions.json')) },
  provider: has('status.txt') ? readFileSync(join(dir, 'status.txt'), 'utf8').trim() : undefined,
};
writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
