// bench/llm/gpu-iobinding.sh's iobinding.jsonl -> one JSON object: the lines as they came, and per
// model the IO-binding loop's decode speed against onnxruntime-node's session.run and
// transformers.js's generate() (same process, same prompts), and carbonlens bench's figures with
// each decoder (same call).
//   node bench/llm/summary-iobinding.mjs iobinding.jsonl OUT.json [COMMAND]
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output, command] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node bench/llm/summary-iobinding.mjs iobinding.jsonl OUT.json [COMMAND]');
  process.exit(2);
}
const lines = readFileSync(input, 'utf8')
  .split('\n')
  .filter((l) => l.trim().startsWith('{'))
  .map((l) => JSON.parse(l));
const versions = lines.find((l) => l.versions);
const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? Number((a / b).toFixed(3)) : null);
const models = {};
for (const l of lines.filter((x) => x.mode && x.mode !== 'carbonlens-bench')) {
  const m = (models[l.model] ??= { modes: {} });
  m.modes[l.mode] = l;
}
for (const m of Object.values(models)) {
  const { 'session-run': run, 'io-binding': io, generate } = m.modes;
  m.io_binding_decode_speedup_vs_session_run = ratio(io?.decode_tokens_per_s, run?.decode_tokens_per_s);
  m.io_binding_decode_speedup_vs_generate = ratio(io?.decode_tokens_per_s, generate?.decode_tokens_per_s);
  m.io_binding_first_step_ratio_vs_session_run = ratio(io?.first_step_ms_median, run?.first_step_ms_median);
  m.same_tokens = io?.same_tokens_as_session_run ?? null;
}
const benches = lines.filter((x) => x.mode === 'carbonlens-bench');
const byDecoder = Object.fromEntries(benches.map((b) => [`${b.model}:${b.decoder}`, b]));
const carbonlens = {};
for (const b of benches) {
  const base = byDecoder[`${b.model}:transformers.js`];
  if (b.decoder !== 'io-binding' || !base) continue;
  carbonlens[b.model] = {
    transformers_js: base,
    io_binding: b,
    decode_tokens_per_s_ratio: ratio(b.decode_tokens_per_s, base.decode_tokens_per_s),
    j_per_output_token_ratio: ratio(b.j_per_output_token, base.j_per_output_token),
    ttft_ratio: ratio(b.ttft_ms_mean, base.ttft_ms_mean),
  };
}
const summary = {
  what: "Decode with the key/value cache kept on the GPU (onnxruntime's IO binding through its C API) against onnxruntime-node's session.run (cache through host memory) and transformers.js's generate(); one run",
  command: command ?? 'OUT=$OUT bash bench/llm/gpu-iobinding.sh',
  versions: versions ?? null,
  models,
  carbonlens_bench: carbonlens,
  errors: lines.filter((l) => l.error),
};
writeFileSync(output, `${JSON.stringify(summary, null, 2)}\n`);
console.log(JSON.stringify({ models: Object.keys(models), carbonlens: Object.keys(carbonlens) }));
