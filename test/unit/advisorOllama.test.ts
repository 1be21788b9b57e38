// Ollama ids in configs and code: Ollama's Python and JavaScript clients, LangChain's ChatOllama,
// LiteLLM's `ollama/...`, compose files and .env, a Modelfile's FROM. A smaller model or another
// quantisation is suggested from the user's own runs of Ollama models, written as Ollama writes
// it; the catalogue's model cards give none for Llama 3.2 (1B loses to 3B), and say so in a note.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adviseFile, type Finding } from '../../src/core/advisor/advise';
import { modelRef, ollamaNameOf, sameModel } from '../../src/core/advisor/catalogue';
import { fileKind, scan } from '../../src/core/advisor/scanners';
import { DEFAULT_ADVISOR_OPTIONS } from '../../src/core/advisor/suggest';
import type { RunSummary } from '../../src/core/bench/history';

const run = (model: string, jPerItem: number, value: number): RunSummary => ({
  runId: model,
  timestamp: '2026-12-06T10:00:00Z',
  task: 'text-generation',
  model,
  device: 'cuda',
  dtype: 'Q4_K_M',
  batch: 1,
  items: 100,
  dataset: 'support-questions.jsonl',
  itemsPerS: 1,
  jPerItem,
  kind: 'measured',
  quality: { metric: 'normalised-match', value, low: value - 0.05, high: value + 0.05, higherIsBetter: true },
});

/** The user compared llama3.2:3b with 1b (as good on their prompts, less energy) and with a 3b at q8_0. */
const history = [
  run('ollama:llama3.2:3b', 12, 0.8),
  run('ollama:llama3.2:1b', 5, 0.79),
  run('ollama:llama3.2:3b-instruct-q8_0', 20, 0.81),
];
const options = { ...DEFAULT_ADVISOR_OPTIONS, models: true, regions: true, history };
const bare = { ...DEFAULT_ADVISOR_OPTIONS, models: true, regions: true };

const values = (file: string, text: string) => scan(fileKind(file)!, text).map((c) => [c.value, c.ollama === true]);
const fixes = (findings: Finding[]) =>
  findings.map((f) => `${f.start.line + 1}:${f.start.character + 1} ${f.value} -> ${f.suggestion.replacement}`);

describe('advisor: Ollama ids where they are written', { timeout: 30_000 }, () => {
  it("reads Ollama's Python client, LangChain's ChatOllama and LiteLLM's ollama/ prefix", () => {
    const py = [
      'import ollama',
      "r = ollama.chat(model='llama3.2:3b', messages=[{'role': 'user', 'content': 'hi'}])",
      'from langchain_ollama import ChatOllama',
      'llm = ChatOllama(model="qwen2.5:7b", temperature=0)',
      'import litellm',
      'litellm.completion(model="ollama/llama3.1:8b", messages=[])',
    ].join('\n');
    assert.deepEqual(values('app.py', py), [
      ['llama3.2:3b', true],
      ['qwen2.5:7b', true],
      ['llama3.1:8b', true],
    ]);
  });

  it("reads Ollama's JavaScript client and LangChain.js, only in files that name Ollama", () => {
    const js = [
      "import ollama from 'ollama';",
      "const r = await ollama.chat({ model: 'llama3.2:3b', messages });",
      'const llm = new ChatOllama({ model: "qwen2.5:1.5b" });',
    ].join('\n');
    assert.deepEqual(values('chat.ts', js), [
      ['llama3.2:3b', true],
      ['qwen2.5:1.5b', true],
    ]);
    assert.deepEqual(values('openai.ts', "const r = await openai.chat.completions.create({ model: 'gpt-4o:x' });"), []);
    assert.equal(fileKind('types.d.ts'), undefined);
  });

  it('reads .env and compose files, and a Modelfile FROM by name but not a FROM of a file', () => {
    assert.deepEqual(values('.env', 'OLLAMA_MODEL=llama3.2\nLLM_MODEL=qwen2.5:3b\nOLLAMA_HOST=http://x:11434\n'), [
      ['llama3.2', true],
      ['qwen2.5:3b', true],
    ]);
    const compose = [
      'services:',
      '  app:',
      '    environment:',
      '      OLLAMA_MODEL: "llama3.2:1b"',
      '  ollama:',
      '    image: ollama/ollama:latest',
    ].join('\n');
    assert.deepEqual(values('compose.yaml', compose), [['llama3.2:1b', true]]);
    assert.deepEqual(values('Modelfile', 'FROM llama3.2:3b\nPARAMETER temperature 0\n'), [['llama3.2:3b', true]]);
    assert.deepEqual(values('Modelfile', 'FROM ./llama-3.2-3b-q4_k_m.gguf\n'), []);
    assert.deepEqual(values('bot.modelfile', 'FROM /models/x.gguf\n'), []);
  });

  it("an Ollama id is its own model in the user's runs (a record's ollama:NAME:TAG is the config's NAME:TAG); the catalogue maps library names to the models they hold", () => {
    assert.ok(sameModel('ollama:llama3.2:3b', 'llama3.2:3b'));
    assert.ok(
      !sameModel('ollama:llama3.2:3b', 'meta-llama/Llama-3.2-3B-Instruct'),
      'a quantised build is not the hub model',
    );
    assert.equal(modelRef('llama3.2:3b')!.canonical, 'meta-llama/llama-3.2-3b-instruct');
    assert.equal(modelRef('llama3.2:3b')!.style.kind, 'ollama');
    assert.equal(ollamaNameOf('Qwen/Qwen2.5-0.5B-Instruct'), 'qwen2.5:0.5b');
    assert.equal(modelRef('anthropic.claude-3-sonnet-20240229-v1:0'), undefined, "Bedrock's ids have a colon too");
  });
});

describe('advisor: what it suggests for an Ollama id', { timeout: 30_000 }, () => {
  it("suggests the smaller model from the user's own runs, written as Ollama names it, with the measured saving", () => {
    const text = "import ollama\nr = ollama.chat(model='llama3.2:3b', messages=[])\n";
    const r = adviseFile('app.py', text, options)!;
    assert.deepEqual(fixes(r.findings), ['2:24 llama3.2:3b -> llama3.2:1b']);
    const s = r.findings[0]!.suggestion;
    assert.equal(s.kind === 'model' && s.evidence, 'measured-here');
    assert.equal(s.kind === 'model' && s.savingPercent!.toFixed(1), '58.3');
    // The same in a Modelfile and a .env; LiteLLM's prefix stays where it is.
    assert.deepEqual(fixes(adviseFile('Modelfile', 'FROM llama3.2:3b\n', options)!.findings), [
      '1:6 llama3.2:3b -> llama3.2:1b',
    ]);
    const lite = adviseFile('app.py', 'completion(model="ollama/llama3.2:3b")\n', options)!;
    assert.deepEqual(fixes(lite.findings), ['1:26 llama3.2:3b -> llama3.2:1b']);
  });

  it('a lighter quantisation that answers as well is suggested, a heavier one not; without runs, the model cards give no smaller Llama 3.2, and a note says why', () => {
    const quants = { ...options, history: [history[0]!, history[2]!] };
    const q8 = adviseFile('.env', 'OLLAMA_MODEL=llama3.2:3b-instruct-q8_0\n', quants)!;
    assert.deepEqual(
      fixes(q8.findings),
      ['1:14 llama3.2:3b-instruct-q8_0 -> llama3.2:3b'],
      'q4 (12 J) as good as q8 (20 J)',
    );
    assert.deepEqual(adviseFile('.env', 'OLLAMA_MODEL=llama3.2:3b\n', quants)!.findings, [], 'q8 costs more');
    const none = adviseFile('app.py', "ollama.chat(model='llama3.2:3b')\n", bare)!;
    assert.deepEqual(none.findings, []);
    assert.match(none.notes[0]!.message, /No advice on llama3\.2:3b \(Llama 3\.2, 3210 M parameters\)/);
    assert.ok(
      none.notes[0]!.alternatives.some((a) => a.id === 'llama3.2:1b'),
      'the 1B by its Ollama name',
    );
    // A model the catalogue does not know, and no runs: nothing at all.
    const unknown = adviseFile('app.py', "ollama.chat(model='mistral-nemo:12b')\n", bare)!;
    assert.deepEqual([unknown.findings, unknown.notes], [[], []]);
  });

  it('never suggests a hub model for an Ollama id, even one measured here', () => {
    const mixed = [run('ollama:qwen2.5:7b', 10, 0.7), run('Qwen/Qwen2.5-1.5B-Instruct', 2, 0.7)];
    const r = adviseFile('app.py', "ollama.chat(model='qwen2.5:7b')\n", { ...options, history: mixed })!;
    assert.deepEqual(r.findings, []);
  });
});
