// Turns the records of bench/llm/gpu-llm-cuda.sh (its $R folder, or llm-records.tar.xz unpacked)
// into bench/results/llm-cuda.json:
//   node bench/llm/summary-cuda.mjs DIR [OUT.json] [--command TEXT] [--other DIR2 [--other-command TEXT]]
//     [--reference-saving S --reference TEXT]
// --other: another call's records (another machine start, maybe another card), summarised the same
// way under `other_call`, never mixed into this call's ratios. --reference-saving: PyTorch
// compiled's saving of the smaller model measured elsewhere (TEXT says where), for a
// smaller_model_saving_kept across calls where no call held both sizes on both sides; labelled so.
// Every ratio is CarbonLens over PyTorch from the same call on the same card: against
// generate() with a static cache and torch.compile (reduce-overhead, CUDA graphs) and, as
// *_vs_pytorch_eager, against eager generate(). Energies are the GPU board's (NVML counter, idle
// included; net_* above the idle each side measured), per token of the phase that made it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { tokenFigures } from './tokenFigures.mjs';

const { values: options, positionals: args } = parseArgs({
  allowPositionals: true,
  options: {
    other: { type: 'string' },
    'other-command': { type: 'string' },
    'reference-saving': { type: 'string' },
    reference: { type: 'string' },
    command: { type: 'string' },
  },
});
const otherDir = options.other;
const otherCommand = options['other-command'];
const referenceSaving = options['reference-saving'];
const reference = options.reference;
// The exact command the records came from (default: the script's plain form).
const command = options.command;
const [dir, out = 'bench/results/llm-cuda.json'] = args;
if (!dir)
  throw new Error(
    'usage: node bench/llm/summary-cuda.mjs DIR [OUT.json] [--other DIR2] [--reference-saving S --reference TEXT]',
  );
const has = (f) => existsSync(join(dir, f)) && readFileSync(join(dir, f), 'utf8').trim() !== '';
const json = (f) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
const text = (f) => (has(f) ? readFileSync(join(dir, f), 'utf8').trim() : undefined);
const ratio = (a, b) => (a === undefined || b === undefined ? undefined : Number((a / b).toFixed(3)));

function figures(f) {
  if (!has(f)) return undefined;
  const record = json(f);
  const g = record.result.generation;
  return {
    file: f.replace(/^carbonlens-|\.json$/g, ''),
    device: record.result.device,
    dtype: record.result.dtype,
    ...tokenFigures(g),
    peak_gpu_memory_mib: g.peakGpuMemoryMiB,
    decoder: record.result.runtime.preprocessing,
  };
}
const peer = (f) => (has(f) ? json(f) : undefined);
const ok = (p) => (p && !p.error ? p : undefined);

/** CarbonLens's run against both PyTorch modes. */
function against(cl, torch) {
  if (!cl || !torch) return {};
  const c = ok(torch.compiled);
  const e = ok(torch.eager);
  return {
    ...(c && {
      j_per_output_token_ratio_vs_pytorch_compiled: ratio(cl.gpu_j_per_output_token, c.gpu_j_per_output_token),
      net_j_per_output_token_ratio_vs_pytorch_compiled: ratio(
        cl.net_gpu_j_per_output_token,
        c.net_gpu_j_per_output_token,
      ),
      decode_tokens_per_s_ratio_vs_pytorch_compiled: ratio(cl.decode_tokens_per_s, c.decode_tokens_per_s),
      ttft_ratio_vs_pytorch_compiled: ratio(cl.ttft_mean_s, c.ttft_mean_s),
    }),
    ...(e && {
      j_per_output_token_ratio_vs_pytorch_eager: ratio(cl.gpu_j_per_output_token, e.gpu_j_per_output_token),
      decode_tokens_per_s_ratio_vs_pytorch_eager: ratio(cl.decode_tokens_per_s, e.decode_tokens_per_s),
      ttft_ratio_vs_pytorch_eager: ratio(cl.ttft_mean_s, e.ttft_mean_s),
    }),
  };
}

const runs = {
  fp16: figures('carbonlens-05-fp16.json'),
  q4f16: figures('carbonlens-05-q4f16.json'),
  gqa_fp16: figures('carbonlens-05gqa-fp16.json'),
  gqa_q4f16: figures('carbonlens-05gqa-q4f16.json'),
  large_fp16: figures('carbonlens-15-fp16.json'),
  large_gqa_fp16: figures('carbonlens-15gqa-fp16.json'),
};
/** A size's PyTorch run, its eager mode possibly from a later call of its own. */
const peerOf = (main, eager) => {
  const m = peer(main);
  const e = peer(eager);
  return m && { ...m, ...(e?.eager && { eager: e.eager }) };
};
const torch = {
  small: peerOf('torch-05.json', 'torch-05-eager.json'),
  large: peerOf('torch-15.json', 'torch-15-eager.json'),
};
// The headline: the fastest CarbonLens file of the 0.5B shape at fp16 (our export, or the builder's).
const headline = [runs.gqa_fp16, runs.fp16]
  .filter(Boolean)
  .reduce((a, b) => (!a || b.gpu_j_per_output_token < a.gpu_j_per_output_token ? b : a), undefined);
const largeOf = (small) =>
  small === runs.gqa_fp16 && runs.large_gqa_fp16 ? runs.large_gqa_fp16 : (runs.large_fp16 ?? undefined);
const large = headline && largeOf(headline);
/** The saving the smaller model shows, (large - small) / large of J per output token. */
const saving = (small, big) => (small && big ? 1 - small / big : undefined);
const clSaving = saving(headline?.gpu_j_per_output_token, large?.gpu_j_per_output_token);
const torchSaving = saving(
  ok(torch.small?.compiled)?.gpu_j_per_output_token,
  ok(torch.large?.compiled)?.gpu_j_per_output_token,
);
const eagerSaving = saving(
  ok(torch.small?.eager)?.gpu_j_per_output_token,
  ok(torch.large?.eager)?.gpu_j_per_output_token,
);
function q4Beside(fp16, q4) {
  if (!fp16 || !q4) return {};
  return {
    q4f16_file: q4.file,
    q4f16_j_per_output_token_ratio_vs_fp16: ratio(q4.gpu_j_per_output_token, fp16.gpu_j_per_output_token),
    q4f16_decode_tokens_per_s_ratio_vs_fp16: ratio(q4.decode_tokens_per_s, fp16.decode_tokens_per_s),
    ...Object.fromEntries(Object.entries(against(q4, torch.small)).map(([k, v]) => [`q4f16_${k}`, v])),
  };
}
const profile = (f) => (has(f) ? json(f) : undefined);
const summary = {
  what: "Decoders of Qwen2.5-0.5B's and 1.5B's shapes (random weights, fp16), greedy, batch 1, the same prompts and lengths: CarbonLens (transformers.js on onnxruntime-node's CUDA provider) beside PyTorch (transformers' generate, eager and static cache + torch.compile reduce-overhead) in one run on one GPU",
  command: command ?? 'OUT=/tmp/llm bash bench/llm/gpu-llm-cuda.sh (bench/llm/summary-cuda.mjs writes this file)',
  gpu: json('versions.json').gpu,
  headline_file: headline?.file,
  ...against(headline, torch.small),
  smaller_model_saving_kept:
    clSaving !== undefined && torchSaving ? Number((clSaving / torchSaving).toFixed(3)) : undefined,
  smaller_model_saving: {
    carbonlens: clSaving,
    pytorch_compiled: torchSaving,
    pytorch_eager: eagerSaving,
    definition:
      '1 - (0.5B J per output token) / (1.5B J per output token); kept = CarbonLens saving / PyTorch compiled saving',
  },
  targets:
    'j_per_output_token_ratio_vs_pytorch_compiled <= 1.3, decode_tokens_per_s_ratio_vs_pytorch_compiled >= 0.75, ttft_ratio_vs_pytorch_compiled <= 1.3, smaller_model_saving_kept >= 0.85',
  by_file: Object.fromEntries(
    Object.entries(runs)
      .filter(([, v]) => v)
      .map(([k, v]) => [k, { ...v, ...against(v, k.startsWith('large') ? torch.large : torch.small) }]),
  ),
  // q4f16 beside the fp16 file it was made from (the builder's int4, or quantize.py's).
  ...q4Beside(runs.gqa_q4f16 ? runs.gqa_fp16 : runs.fp16, runs.gqa_q4f16 ?? runs.q4f16),
  pytorch: torch,
  // The 0.5B builder file's decode loops side by side (bench/llm/ioBinding.ts): steps timed, tokens compared.
  decode_modes: has('modes-05gqa.jsonl')
    ? readFileSync(join(dir, 'modes-05gqa.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : undefined,
  // The cache alone through onnxruntime-node (bench/cacheCopies.ts): per-run cost of feeding it in and reading it back.
  cache_copies: has('cache-copies.jsonl')
    ? readFileSync(join(dir, 'cache-copies.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
    : undefined,
  profile: {
    export: profile('profile-05.json'),
    builder: profile('profile-05gqa.json'),
    builder_without_carbonlens_last_row: profile('profile-05gqa-raw.json'),
  },
  // What each file does about decode speed (bench/llm/graph_levers.py).
  levers: {
    export: has('levers-05.json') ? json('levers-05.json') : undefined,
    builder: has('levers-05gqa.json') ? json('levers-05gqa.json') : undefined,
  },
  versions: {
    ...json('versions.json'),
    ...(has('node-versions.json') && json('node-versions.json')),
    pip: text('pip-freeze.txt'),
  },
  provider: text('status.txt'),
};
// What is missing from this call, said in the file rather than left to be guessed.
summary.notes = [
  "Energies are the GPU board (NVML counter, idle included); net_* subtract each side's idle. One call on one card: compare within it.",
  ...(!runs.q4f16 && !runs.gqa_q4f16 ? ['No q4f16 file ran in this call.'] : []),
  ...(!torch.large
    ? ['No PyTorch run of the 1.5B shape in this call: smaller_model_saving_kept is not a within-run figure.']
    : []),
  ...(runs.gqa_fp16 || runs.large_gqa_fp16
    ? [
        "The builder's files were converted on the GPU machine by onnxruntime-genai's model builder (-p fp16 -e cuda, prune_lm_head=true) from the same weights.",
      ]
    : []),
];
if (otherDir) {
  const file = join(mkdtempSync(join(tmpdir(), 'llm-summary-')), 'other.json');
  execFileSync(process.execPath, [
    fileURLToPath(import.meta.url),
    otherDir,
    file,
    ...(otherCommand ? ['--command', otherCommand] : []),
  ]);
  summary.other_call = JSON.parse(readFileSync(file, 'utf8'));
}
if (referenceSaving !== undefined) {
  // CarbonLens's saving from whichever call measured both sizes (this one, else the other).
  const ours = summary.smaller_model_saving.carbonlens ?? summary.other_call?.smaller_model_saving?.carbonlens;
  const theirs = Number(referenceSaving);
  summary.smaller_model_saving_kept_across_calls = {
    value: ours !== undefined ? Number((ours / theirs).toFixed(3)) : undefined,
    carbonlens_saving: ours,
    pytorch_compiled_saving: theirs,
    basis: `CarbonLens's saving from ${summary.smaller_model_saving.carbonlens !== undefined ? 'this call' : 'other_call'}; PyTorch compiled's from ${reference ?? 'elsewhere'}. Not one run: indicative only.`,
  };
}
writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
