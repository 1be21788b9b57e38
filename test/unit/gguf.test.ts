// GGUF models: the header read before llama.cpp opens a file (and refused with a reason when it
// is not a model), Ollama's store resolved by name, --quant's names, and the tiny GGUF the
// fixtures write run through llama.cpp's CPU build with its forward passes told apart.
import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { ModelFileError } from '../../src/core/bench/promptFit';
import { messageText, remedyOf } from '../../src/core/messages';
import { isGgufFile, quantOption, readGguf } from '../../src/core/models/gguf';
import { importNodeLlamaCpp, llamaPipeline, llamaThreads } from '../../src/core/models/llamaRuntime';
import { ollamaModelsDir, parseOllamaName, resolveOllama } from '../../src/core/models/ollama';
import { ggufBytes, tinyLlamaGguf, tinyVocab, writeTinyGguf } from '../support/ggufWriter';
import { fakeOllamaStore } from '../support/ollamaStore';
import { tempDir } from '../support/tempDir';

const dir = tempDir('carbonlens-gguf-');
// One thread: the tiny model's work is too small to share, and the test machines are busy.
const savedThreads = process.env.CARBONLENS_LLAMA_THREADS;
process.env.CARBONLENS_LLAMA_THREADS = '1';
after(() => {
  if (savedThreads === undefined) delete process.env.CARBONLENS_LLAMA_THREADS;
  else process.env.CARBONLENS_LLAMA_THREADS = savedThreads;
});

describe('GGUF header', { timeout: 60_000 }, () => {
  it('reads the architecture, the quantisation, the context and the vocabulary size of the tiny model', () => {
    const file = writeTinyGguf(join(dir, 'tiny.gguf'));
    const info = readGguf(file);
    assert.equal(info.version, 3);
    assert.equal(info.architecture, 'llama');
    assert.equal(info.name, 'carbonlens-tiny-llama');
    assert.equal(info.quantisation, 'F32');
    assert.equal(info.contextLength, 512);
    assert.equal(info.tensorCount, 3 + 2 * 9);
    assert.equal(info.chatTemplate, false);
    assert.deepEqual(info.metadata['tokenizer.ggml.tokens'], { arrayOf: 8, length: tinyVocab().tokens.length });
    assert.ok(isGgufFile(file));
  });

  it('names general.file_type as llama.cpp does, and says so where it has no name', () => {
    assert.equal(readGguf(writeTinyGguf(join(dir, 'f16.gguf'), { f16: true })).quantisation, 'F16');
    assert.equal(readGguf(writeTinyGguf(join(dir, 'q4km.gguf'), { fileType: 15 })).quantisation, 'Q4_K_M');
    assert.equal(readGguf(writeTinyGguf(join(dir, 'odd.gguf'), { fileType: 99 })).quantisation, 'file_type 99');
  });

  it('refuses a file that is not GGUF, one cut short, a version it cannot read and a corrupt count, each saying so', () => {
    const bad = (name: string, bytes: Buffer, pattern: RegExp) => {
      const file = join(dir, name);
      writeFileSync(file, bytes);
      assert.throws(
        () => readGguf(file),
        (e: Error) => e instanceof ModelFileError && pattern.test(e.message),
      );
    };
    bad(
      'onnx.gguf',
      Buffer.from('\x08\x07\x12\x04onnx-model-bytes-here-and-more'),
      /is not a GGUF file \(it does not start with "GGUF"\)/,
    );
    const whole = tinyLlamaGguf();
    bad('cut.gguf', whole.subarray(0, 4000), /ends inside its GGUF header .* cut short/);
    const v9 = Buffer.from(whole);
    v9.writeUInt32LE(9, 4);
    bad('v9.gguf', v9, /GGUF version 9; llama\.cpp reads versions 2 and 3/);
    const huge = Buffer.from(whole);
    huge.writeBigUInt64LE(1n << 40n, 16); // the metadata count
    bad('huge.gguf', huge, /metadata count of \d+ is past any model's/);
    bad('noarch.gguf', ggufBytes({ 'general.name': { type: 'string', value: 'x' } }, []), /no general\.architecture/);
    assert.throws(() => readGguf(join(dir, 'absent.gguf')), /absent\.gguf cannot be read \(ENOENT\)/);
    assert.throws(() => readGguf(dir), /is not a regular file/);
    if (process.platform !== 'win32') {
      // A named pipe would block the open until a writer came: refused before it is opened.
      const fifo = join(dir, 'pipe.gguf');
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
      assert.throws(() => readGguf(fifo), /pipe\.gguf is not a regular file/);
      assert.equal(isGgufFile(fifo), false);
      assert.throws(() => readGguf('/dev/zero'), /not a regular file/);
    }
    assert.equal(isGgufFile(join(dir, 'onnx.gguf')), false);
  });
});

describe('--quant', { timeout: 10_000 }, () => {
  it('takes llama.cpp names in any case and refuses one it has not, listing them', () => {
    assert.equal(quantOption('q4_k_m'), 'Q4_K_M');
    assert.equal(quantOption('Q8-0'), 'Q8_0');
    assert.throws(
      () => quantOption('Q9_Z'),
      (e: Error) =>
        e instanceof ModelFileError &&
        /'Q9_Z' is not a llama\.cpp quantisation: one of F32, F16, .*Q4_K_M/.test(e.message),
    );
  });
});

describe("Ollama's store", { timeout: 30_000 }, () => {
  it('parses names as ollama list shows them, with latest as the default tag', () => {
    assert.deepEqual(parseOllamaName('ollama:llama3.2:3b'), {
      host: 'registry.ollama.ai',
      namespace: 'library',
      model: 'llama3.2',
      tag: '3b',
    });
    assert.equal(parseOllamaName('ollama:qwen2.5').tag, 'latest');
    assert.equal(parseOllamaName('ollama:someone/tiny:q4').namespace, 'someone');
    assert.throws(() => parseOllamaName('ollama:../../etc/passwd'), /not an Ollama model name/);
    assert.throws(() => parseOllamaName('ollama:'), /not an Ollama model name/);
    for (const climbing of ['ollama:../x', 'ollama:x:..', 'ollama:.hidden:1b'])
      assert.throws(() => parseOllamaName(climbing), /not an Ollama model name/, climbing);
  });

  it('finds the store from OLLAMA_MODELS, else in the home folder', () => {
    assert.equal(ollamaModelsDir({ OLLAMA_MODELS: '/data/ollama' }, '/home/me'), '/data/ollama');
    assert.equal(ollamaModelsDir({}, '/home/me'), join('/home/me', '.ollama', 'models'));
  });

  it('resolves a model by name to its GGUF blob, in place', () => {
    const store = fakeOllamaStore(join(dir, 'ollama'), { 'tiny-llama': { q8: tinyLlamaGguf({ fileType: 7 }) } });
    const found = resolveOllama('ollama:tiny-llama:q8', store);
    assert.equal(found.id, 'ollama:tiny-llama:q8');
    assert.match(found.file, /blobs\/sha256-[0-9a-f]{64}$/);
    assert.ok(found.file.startsWith(store));
    assert.equal(readGguf(found.file).quantisation, 'Q8_0');
  });

  it('says which tags there are for a tag it lacks, and how to get a model it lacks', () => {
    const store = fakeOllamaStore(join(dir, 'ollama-tags'), { 'tiny-llama': { q8: tinyLlamaGguf() } });
    assert.throws(
      () => resolveOllama('ollama:tiny-llama:7b', store),
      /Ollama has no model tiny-llama:7b in .* \(tags here: q8\)\. Run `ollama pull tiny-llama:7b` first/,
    );
    // The editor says it in its own words: pull it, then run again (a button).
    const ref = remedyOf(catching(() => resolveOllama('ollama:tiny-llama:7b', store)));
    assert.deepEqual(ref, { id: 'ollamaMissing', params: { model: 'tiny-llama:7b', dir: store, tags: ['q8'] } });
    assert.match(messageText(ref, 'editor'), /Pull it with Ollama first \(`ollama pull tiny-llama:7b` in a terminal\)/);
    assert.throws(() => resolveOllama('ollama:absent', store), /no model absent:latest .*ollama pull absent:latest/);
  });

  it('says the weights are missing when the blob is gone, and the manifest is bad when it is not JSON', () => {
    const store = fakeOllamaStore(join(dir, 'ollama-broken'), { 'tiny-llama': { q8: tinyLlamaGguf() } });
    const blob = resolveOllama('ollama:tiny-llama:q8', store).file;
    rmSync(blob);
    assert.throws(
      () => resolveOllama('ollama:tiny-llama:q8', store),
      (e: Error) =>
        e instanceof ModelFileError &&
        /weights of Ollama's tiny-llama:q8 \(blob sha256-[0-9a-f]{12}…\) are missing/.test(e.message),
    );
    const manifest = join(store, 'manifests/registry.ollama.ai/library/tiny-llama/q8');
    writeFileSync(manifest, '{"layers": ');
    assert.throws(() => resolveOllama('ollama:tiny-llama:q8', store), /manifest for tiny-llama:q8 .* cannot be read/);
    writeFileSync(
      manifest,
      JSON.stringify({ layers: [{ mediaType: 'application/vnd.ollama.image.license', digest: 'sha256:00' }] }),
    );
    assert.throws(() => resolveOllama('ollama:tiny-llama:q8', store), /names no model weights/);
  });

  it('finds a blob Ollama stored under its older name (sha256:<hex>)', { skip: process.platform === 'win32' }, () => {
    const store = fakeOllamaStore(join(dir, 'ollama-old'), { tiny: { latest: tinyLlamaGguf() } });
    const blob = resolveOllama('ollama:tiny', store).file;
    const hex = createHash('sha256').update(tinyLlamaGguf()).digest('hex');
    writeFileSync(join(store, 'blobs', `sha256:${hex}`), tinyLlamaGguf());
    rmSync(blob);
    assert.ok(resolveOllama('ollama:tiny', store).file.endsWith(`sha256:${hex}`));
  });
});

describe("llama.cpp's CPU build on the tiny GGUF", { timeout: 120_000 }, () => {
  it('generates greedily, up to max_new_tokens, with the listener told before the prefill and before each later pass', async () => {
    const file = writeTinyGguf(join(dir, 'run.gguf'));
    const pipe = await llamaPipeline(readGguf(file), 'cpu');
    try {
      assert.equal(pipe.engine.name, 'llama.cpp');
      assert.equal(pipe.engine.build, 'cpu');
      assert.equal(pipe.engine.quantisation, 'F32');
      assert.match(pipe.engine.binding, /^node-llama-cpp \d+\.\d+\.\d+/);
      assert.equal(pipe.engine.threads, 1, 'CARBONLENS_LLAMA_THREADS');
      const passes: number[] = [];
      pipe.onForward!(async (inputs) => {
        passes.push(inputs.input_ids!.dims[1]!);
      });
      const first = (await pipe(['Question: what is two plus two?\nAnswer:'], { max_new_tokens: 6 })) as {
        generated_text: string;
      }[][];
      assert.equal(first.length, 1);
      const text = first[0]![0]!.generated_text;
      assert.ok(text.length > 0, 'the tiny model answers something');
      // The prompt's tokens on the first pass, then one token a pass: at most 6 passes for 6 tokens.
      assert.ok(passes[0]! > 10, `prefill of ${passes[0]} tokens`);
      assert.ok(passes.length >= 2 && passes.length <= 6, `${passes.length} passes`);
      assert.ok(passes.slice(1).every((n) => n === 1));
      // Greedy and from a cleared sequence: the same prompt gives the same answer.
      pipe.onForward!(undefined);
      const again = (await pipe(['Question: what is two plus two?\nAnswer:'], { max_new_tokens: 6 })) as {
        generated_text: string;
      }[][];
      assert.equal(again[0]![0]!.generated_text, text);
    } finally {
      await pipe.dispose();
    }
  });

  it("puts a chat through the GGUF's chat template, and refuses a chat for a model without one", async () => {
    const template =
      "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}";
    const chat = await llamaPipeline(
      readGguf(writeTinyGguf(join(dir, 'chat.gguf'), { chatTemplate: template })),
      'cpu',
    );
    const plain = await llamaPipeline(readGguf(writeTinyGguf(join(dir, 'plain.gguf'))), 'cpu');
    try {
      const lengths: number[] = [];
      chat.onForward!(async (inputs) => {
        if (lengths.length === 0 || inputs.input_ids!.dims[1]! > 1) lengths.push(inputs.input_ids!.dims[1]!);
      });
      const messages = [{ role: 'user', content: 'What is two plus two?' }];
      await chat([messages], { max_new_tokens: 2 });
      let prompt = 0;
      plain.onForward!(async (inputs) => {
        prompt ||= inputs.input_ids!.dims[1]!;
      });
      await plain(['What is two plus two?'], { max_new_tokens: 1 });
      assert.ok(lengths[0]! > prompt, `the template adds its markers (${lengths[0]} > ${prompt} tokens)`);
      await assert.rejects(plain([messages], { max_new_tokens: 1 }), /has no chat template/);
    } finally {
      await chat.dispose();
      await plain.dispose();
    }
  });

  it("says why llama.cpp cannot load a model, in llama.cpp's words", async () => {
    const bytes = tinyLlamaGguf();
    const key = bytes.indexOf(Buffer.from('general.architecture'));
    bytes.write('llamb', bytes.indexOf(Buffer.from('llama'), key + 'general.architecture'.length));
    const file = join(dir, 'llamb.gguf');
    writeFileSync(file, bytes);
    assert.equal(readGguf(file).architecture, 'llamb', 'a header GGUF can read');
    await assert.rejects(
      llamaPipeline(readGguf(file), 'cpu'),
      /llama\.cpp \(cpu\) cannot load .*llamb\.gguf: unknown model architecture: 'llamb'/,
    );
  });

  it('says the build cannot load when a GPU build is named that this machine lacks', {
    skip: hasNvidia(),
  }, async () => {
    await assert.rejects(
      llamaPipeline(readGguf(writeTinyGguf(join(dir, 'cuda.gguf'))), 'cuda'),
      (e: Error) =>
        /The model did not run on cuda \(llama\.cpp's cuda build cannot load here: .*\)\. Try --device auto or --device cpu\./.test(
          e.message,
        ) && remedyOf(e)?.id === 'deviceFailed',
    );
  });
});

describe('node-llama-cpp absent', { timeout: 10_000 }, () => {
  it('is said to be absent, with how to fetch it; other failures pass through', async () => {
    const missing = Object.assign(new Error("Cannot find package 'node-llama-cpp'"), { code: 'ERR_MODULE_NOT_FOUND' });
    await assert.rejects(
      importNodeLlamaCpp(() => Promise.reject(missing)),
      (e: Error) =>
        /GGUF models run through llama\.cpp \(node-llama-cpp\), which this copy of CarbonLens does not have.* Fetch it with `carbonlens llama install`/.test(
          e.message,
        ) && remedyOf(e)?.id === 'llamaMissing',
    );
    await assert.rejects(
      importNodeLlamaCpp(() => Promise.reject(new Error('bad ELF'))),
      /^Error: bad ELF$/,
    );
  });
});

describe("llama.cpp's threads", { timeout: 10_000 }, () => {
  it('are one per physical core unless CARBONLENS_LLAMA_THREADS says otherwise, and a bad value is refused', () => {
    assert.equal(llamaThreads(8, {}), 8);
    assert.equal(llamaThreads(0, {}), 1);
    assert.equal(llamaThreads(8, { CARBONLENS_LLAMA_THREADS: '2' }), 2);
    assert.throws(
      () => llamaThreads(8, { CARBONLENS_LLAMA_THREADS: 'many' }),
      (e: Error) =>
        /'many', which is not a whole number from 1 to 1024\. Set CARBONLENS_LLAMA_THREADS to one/.test(e.message) &&
        remedyOf(e)?.id === 'llamaThreads',
    );
  });
});

function catching(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail('it did not throw');
}

function hasNvidia(): boolean {
  return existsSync('/dev/nvidiactl');
}
