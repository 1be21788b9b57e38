// The advisor on a corpus of public repositories, against findings judged by reading
// (test/fixtures/advisor-corpus/judged.json): precision and recall per repository and overall,
// every wrong finding with its class, every unjudged finding (to judge), every missed value, and
// the catalogue's coverage of the corpus's distinct model ids by family.
//   node esbuild.mjs && node out/bench/advisorCorpus.mjs --corpus /tmp/corpus
//     (the repositories of judged.json, each checked out at its commit under /tmp/corpus/<dir>)
//   node out/bench/advisorCorpus.mjs --fixtures   (the hand-written reconstructions instead)
//   --list: every finding with its verdict; --record: write the verdicts into judged.json as `main`
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { modelRef } from '../src/core/advisor/catalogue';
import {
  checkFixes,
  formatTotals,
  judgeRepo,
  type Judged,
  type JudgedEntry,
  type RepoResult,
  scanRepo,
  totals,
} from '../test/support/advisorCorpus';

const { values } = parseArgs({
  options: {
    corpus: { type: 'string' },
    fixtures: { type: 'boolean' },
    judged: { type: 'string', default: 'test/fixtures/advisor-corpus/judged.json' },
    list: { type: 'boolean' },
    record: { type: 'boolean' },
  },
});
const judgedFile = values.judged!;
const judged = JSON.parse(readFileSync(judgedFile, 'utf8')) as Judged;
const root = values.fixtures ? 'test/fixtures/advisor-corpus' : (values.corpus ?? '/tmp/corpus');
const lineOf = (e: JudgedEntry) => (values.fixtures ? e.fixture_line : e.line);

/** Files under a folder, as the scan walks it (its skipped folders left out). */
function countFiles(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p, { throwIfNoEntry: false });
    if (s?.isDirectory())
      n += /^(node_modules|\.git|\.venv|venv|dist|build|out|__pycache__)$/.test(name) ? 0 : countFiles(p);
    else if (s?.isFile()) n++;
  }
  return n;
}

const results: RepoResult[] = [];
const times: string[] = [];
for (const r of judged.repos) {
  const dir = join(root, r.dir);
  if (!existsSync(dir)) {
    console.log(`${r.dir}: not found under ${root}, skipped`);
    continue;
  }
  const t0 = performance.now();
  const found = await scanRepo(dir);
  times.push(`${r.dir} ${countFiles(dir)} files: ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  results.push(judgeRepo(r.dir, found, judged, lineOf));
}

console.log(`Advisor corpus (${values.fixtures ? 'reconstructions' : root}), judged ${judged.judged_on}:`);
for (const r of results) console.log(formatTotals(r.dir, totals([r])));
console.log(formatTotals('ALL', totals(results)));
console.log(
  `\nScan time per repository (in process, after start-up; the 2 s target is for 1,000 files): ${times.join('; ')}`,
);

const byClass = new Map<string, string[]>();
for (const f of results.flatMap((r) => r.findings.map((x) => ({ ...x, dir: r.dir })))) {
  if (values.list)
    console.log(`  ${f.verdict.padEnd(8)} ${f.dir}/${f.file}:${f.line} ${f.kind} ${f.value} -> ${f.suggestion}`);
  if (f.verdict !== 'wrong') continue;
  const cls =
    f.entry!.expect === 'silence' ? f.entry!.cls : (f.why ?? '').replace(/^suggestion \S+ \((\w+)\).*/, 'border: $1');
  const key = cls.startsWith('a zone replaced') ? 'zone replaced by a region' : cls;
  byClass.set(key, [...(byClass.get(key) ?? []), `${f.dir}/${f.file}:${f.line} ${f.value} -> ${f.suggestion}`]);
}
console.log('\nWrong findings by class:');
for (const [cls, list] of [...byClass].sort((a, b) => b[1].length - a[1].length))
  console.log(
    `  ${String(list.length).padStart(3)} ${cls}: ${(values.list ? list : list.slice(0, 3)).join(values.list ? '\n      ' : '; ')}`,
  );
const unjudged = results.flatMap((r) =>
  r.findings
    .filter((f) => f.verdict === 'unjudged')
    .map((f) => `${r.dir}/${f.file}:${f.line} ${f.kind} ${f.value} -> ${f.suggestion}`),
);
console.log(`\nUnjudged findings (judge them into judged.json): ${unjudged.length}`);
for (const u of unjudged) console.log(`  ${u}`);
const fixCheck = checkFixes(root, results);
console.log(
  `\nQuick fixes applied in memory: ${fixCheck.fixes}; problems (a zone not a zone of the suggestion, a file that reads differently): ${fixCheck.problems.length}`,
);
for (const p of fixCheck.problems) console.log(`  ${p}`);
const missed = new Map<string, string[]>();
for (const e of results.flatMap((r) => r.missed))
  missed.set(e.cls, [...(missed.get(e.cls) ?? []), `${e.dir}/${e.path}:${lineOf(e)} ${e.value}`]);
console.log('\nMissed values by class:');
for (const [cls, list] of [...missed].sort((a, b) => b[1].length - a[1].length))
  console.log(
    `  ${String(list.length).padStart(3)} ${cls}: ${(values.list ? list : list.slice(0, 3)).join(values.list ? '\n      ' : '; ')}`,
  );

if (values.record) {
  for (const r of results) {
    for (const e of judged.entries.filter((x) => x.dir === r.dir)) {
      const f = r.findings.find((x) => x.entry === e);
      e.main = f ? f.verdict : e.expect === 'advice' ? 'missed' : 'silent';
    }
  }
  writeFileSync(judgedFile, `${JSON.stringify(judged, null, 1)}\n`);
  console.log(`\nRecorded the verdicts in ${judgedFile}.`);
}

// The catalogue's coverage: distinct Hugging Face ids written in the corpus's configs and code
// (string literals `owner/name` of the owners below, and the legacy short names), by family.
if (!values.fixtures) {
  const OWNERS =
    /^(meta-llama|qwen|mistralai|google|google-bert|google-t5|microsoft|facebook|facebookai|openai|openai-community|sentence-transformers|baai|intfloat|thenlper|nomic-ai|alibaba-nlp|tinyllama|huggingfaceh4|huggingfacetb|deepseek-ai|tiiuae|eleutherai|bigscience|stabilityai|runwayml|compvis|distilbert|allenai|mosaicml|01-ai|thudm|zai-org|internlm|baichuan-inc|lmsys|nousresearch|unsloth|xenova|onnx-community|cross-encoder|llava-hf|salesforce|nvidia|ibm-granite|mixedbread-ai|jinaai|openbmb|moonshotai|sshleifer|cardiffnlp|distil-whisper|black-forest-labs)$/i;
  const LEGACY =
    /^((bert|distilbert|roberta|distilroberta|xlm-roberta|albert|t5)-(base|large|small|xl|xxl|3b|11b)(-uncased|-cased)?|gpt2(-medium|-large|-xl)?|distilgpt2)$/;
  const FAMILIES: [string, RegExp][] = [
    ['Llama', /llama/i],
    ['Qwen', /qwen/i],
    ['Mistral/Mixtral', /mi[sx]tral/i],
    ['Phi', /\/phi-|^phi-/i],
    ['Gemma', /gemma/i],
    ['DeepSeek', /deepseek/i],
    ['Whisper', /whisper/i],
    ['CLIP/SigLIP', /clip|siglip/i],
    ['Stable Diffusion/FLUX', /stable-diffusion|sdxl|flux/i],
    ['T5/Flan-T5/BART', /(^|\/)(flan-)?(m|byt)?t5|bart/i],
    ['ViT/DeiT/ConvNeXt/ResNet', /vit-|deit|convnext|resnet|swin/i],
    ['sentence embeddings', /sentence-transformers|minilm|mpnet|bge-|e5-|gte-|nomic-embed|cross-encoder/i],
    ['BERT family', /bert|electra|xlm-r/i],
    ['GPT-2/OPT/Pythia/BLOOM/Falcon', /gpt2|gpt-neo|gpt-j|opt-|pythia|bloom|falcon/i],
  ];
  const ids = new Set<string>();
  const SKIP = /(^|\/)(node_modules|\.git|dist|build|out|\.venv|venv|__pycache__)$/;
  const TEXT = /\.(json|jsonc|ya?ml|toml|tf|tfvars|py|ipynb|env|md|sh|cfg)$/;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const s = statSync(p, { throwIfNoEntry: false });
      if (!s) continue;
      if (s.isDirectory()) {
        // Library source (model registries, docstrings) is not what people run: configs, examples, apps are.
        if (!SKIP.test(p) && !/(^|\/)(tests?|testdata|fixtures|src|sentence_transformers)$/.test(p)) walk(p);
      } else if (TEXT.test(name) && !name.endsWith('.md') && s.size < 1 << 20) {
        // A line that speaks of a model (not a data set, image or URL).
        for (const line of readFileSync(p, 'utf8').split('\n')) {
          if (
            !/model|checkpoint|pretrained|repo_id|--base|encoder|embedding|MODEL/i.test(line) ||
            /dataset/i.test(line)
          )
            continue;
          for (const m of line.matchAll(/["'=:\s]([A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*)(?=["'\s,)\]]|$)/g)) {
            const [owner] = m[1].split('/');
            if (OWNERS.test(owner) && !/\.(py|json|ya?ml|txt|bin|safetensors|gguf)$/i.test(m[1])) ids.add(m[1]);
          }
          for (const m of line.matchAll(/["']([a-z0-9-]+)["']/g)) if (LEGACY.test(m[1])) ids.add(m[1]);
        }
      }
    }
  };
  for (const r of judged.repos) if (existsSync(join(root, r.dir))) walk(join(root, r.dir));
  const fam = (id: string) => FAMILIES.find(([, re]) => re.test(id))?.[0] ?? 'other';
  const rows = new Map<string, { n: number; known: number; sample: string[] }>();
  for (const id of ids) {
    const f = fam(id);
    const row = rows.get(f) ?? { n: 0, known: 0, sample: [] };
    row.n++;
    if (modelRef(id)) row.known++;
    else if (values.list || row.sample.length < 4) row.sample.push(id);
    rows.set(f, row);
  }
  const known = [...rows.values()].reduce((n, r) => n + r.known, 0);
  console.log(
    `\nCatalogue coverage: ${known} of ${ids.size} distinct model ids (${((known / Math.max(1, ids.size)) * 100).toFixed(1)}%) are catalogue models (modelRef), by family:`,
  );
  for (const [f, r] of [...rows].sort((a, b) => b[1].n - a[1].n))
    console.log(
      `  ${f.padEnd(30)} ${String(r.known).padStart(3)}/${String(r.n).padEnd(4)} e.g. not known: ${r.sample.join(', ')}`,
    );
}
