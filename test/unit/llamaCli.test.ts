// `carbonlens bench` on GGUF models, through the built CLI: a .gguf file and an Ollama model by
// name run through llama.cpp's CPU build; a file that is not GGUF, a missing blob and an unknown
// quantisation stop before anything is measured, each with a message that says why.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { resolveOllama } from '../../src/core/models/ollama';
import { tinyLlamaGguf, writeTinyGguf } from '../support/ggufWriter';
import { fakeOllamaStore } from '../support/ollamaStore';
import { tempDir } from '../support/tempDir';

const cli = path.resolve(__dirname, '../../../dist/cli.js');
const work = tempDir('cl-llama-cli-');

function bench(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, [cli, 'bench', ...args], {
      cwd: work,
      // One llama.cpp thread: the tiny model's work is too small to share, and test machines are busy.
      env: { ...process.env, CARBONLENS_LLAMA_THREADS: '1', HF_HUB_OFFLINE: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const common = ['--task', 'llm', '--samples', '2', '--idle-ms', '0', '--device', 'cpu', '--max-new-tokens', '4'];

describe('carbonlens bench on GGUF models', { timeout: 240_000 }, () => {
  it('runs a .gguf file through llama.cpp and records the runtime, its build and the quantisation', async () => {
    const file = writeTinyGguf(path.join(work, 'tiny-q4.gguf'), { fileType: 15 });
    const csv = path.join(work, 'gguf.csv');
    const r = await bench(['--model', file, ...common, '--out', csv]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Model {6}.*tiny-q4\.gguf \(local GGUF file\)/);
    assert.match(r.out, /Device {5}cpu, Q4_K_M, batch 1/);
    assert.match(
      r.out,
      /Runtime {4}llama\.cpp \(cpu build, 1 CPU thread; node-llama-cpp 3\.21\.1, llama\.cpp \S+\), Q4_K_M, context 512/,
    );
    assert.match(r.out, /Tokens {5}\d+ in, \d+ out/);
    const record = JSON.parse(
      readFileSync(path.join(work, 'carbonlens-runs.jsonl'), 'utf8').trim().split('\n').at(-1)!,
    );
    assert.deepEqual(record.model, { id: file, source: 'local', format: 'gguf' });
    assert.equal(record.result.dtype, 'Q4_K_M');
    assert.equal(record.result.runtime.engine.name, 'llama.cpp');
    assert.equal(record.result.runtime.engine.build, 'cpu');
    assert.equal(record.result.generation.prompts, 2);
    assert.ok(record.result.generation.jPerInputToken > 0);
    assert.ok(readFileSync(csv, 'utf8').includes('text-generation'));
  });

  it('runs an Ollama model by name from OLLAMA_MODELS, and says what is wrong with a missing blob', async () => {
    const store = fakeOllamaStore(path.join(work, 'ollama'), { tiny: { q8: tinyLlamaGguf({ fileType: 7 }) } });
    const r = await bench(['--model', 'ollama:tiny:q8', ...common, '--out', path.join(work, 'o.csv'), '--json'], {
      OLLAMA_MODELS: store,
    });
    assert.equal(r.code, 0, r.err);
    const record = JSON.parse(r.out);
    assert.equal(record.model.id, 'ollama:tiny:q8');
    assert.equal(record.model.source, 'ollama');
    assert.equal(record.result.dtype, 'Q8_0');

    const wrongQuant = await bench(['--model', 'ollama:tiny:q8', ...common, '--quant', 'q4_k_m'], {
      OLLAMA_MODELS: store,
    });
    assert.notEqual(wrongQuant.code, 0);
    assert.match(wrongQuant.err, /ollama:tiny:q8 is Q8_0, not Q4_K_M/);

    rmSync(resolveOllama('ollama:tiny:q8', store).file);
    const missing = await bench(['--model', 'ollama:tiny:q8', ...common], { OLLAMA_MODELS: store });
    assert.notEqual(missing.code, 0);
    assert.match(
      missing.err,
      /The weights of Ollama's tiny:q8 \(blob sha256-[0-9a-f]{12}…\) are missing from .*`ollama pull tiny:q8` again/,
    );
    assert.doesNotMatch(missing.err, /\n\s+at /, 'a message, not a stack');
  });

  it('refuses a file that is not GGUF and a quantisation llama.cpp has not, before measuring', async () => {
    const bad = path.join(work, 'broken.gguf');
    writeFileSync(bad, 'this is not a model at all, just text');
    const r = await bench(['--model', bad, ...common]);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /broken\.gguf is not a GGUF file \(it does not start with "GGUF"\)/);
    assert.doesNotMatch(r.err, /Loading the model/);

    const q = await bench(['--model', bad, ...common, '--quant', 'Q9_Z']);
    assert.equal(q.code, 2, q.err);
    assert.match(q.err, /--quant must be a llama\.cpp quantisation \(F32, F16, .*\), not 'Q9_Z'/);
  });
});
