// onnxruntime's C API through koffi (ortDirect.ts) and the greedy loop that keeps the key/value
// cache bound on the session's device (ortDirectDecode.ts): on the CPU here, the loop gives the
// tokens transformers.js's generate() gives for the tiny decoder.
import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadOrt, OrtCallError, ortLibraryPath, type OrtDirect } from '../../src/core/models/ortDirect';
import { ioBindingTextGenerator } from '../../src/core/models/ioBindingPipeline';
import { textDecoder, transformersPipeline } from '../../src/core/models/runtime';
import { argmaxRow, DirectDecoder } from '../../src/core/models/ortDirectDecode';
import { makeGqaTextGenerator, makeImageClassifier, makeTextGenerator } from '../fixtures/tiny-models/make.mjs';
import { StaticDecoder } from '../../src/core/models/ortStaticDecode';
import { tempDir } from '../support/tempDir';

describe('onnxruntime through its C API (IO binding)', { timeout: 120_000 }, () => {
  let root: string;
  let folder: string;
  let ort: OrtDirect;
  before(() => {
    root = tempDir('cl-ortdirect-');
    folder = join(root, 'tiny-llama');
    makeTextGenerator(folder);
    ort = loadOrt();
  });
  after(() => {
    ort?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("finds the library onnxruntime-node loads, and reads onnxruntime's version", () => {
    assert.match(ortLibraryPath(), /onnxruntime-node[/\\]bin[/\\]napi-v\d+[/\\]/);
    assert.match(ort.version, /^\d+\.\d+\.\d+/);
  });

  it("turns an OrtStatus into an error naming the call and onnxruntime's message", () => {
    const bad = join(root, 'not-a-model.onnx');
    writeFileSync(bad, 'not protobuf');
    assert.throws(
      () => ort.session(bad, 'cpu'),
      (e: unknown) => e instanceof OrtCallError && e.call === 'CreateSession' && e.code > 0 && e.message.length > 40,
    );
    assert.throws(() => ort.session(join(root, 'missing.onnx'), 'cpu'), OrtCallError);
  });

  it("asks for the CUDA provider through the CUDA_V2 calls, and says onnxruntime's reason where it cannot load", (t) => {
    const providers = join(dirname(ortLibraryPath()), 'libonnxruntime_providers_cuda.so');
    if (existsSync(providers)) return t.skip('the CUDA provider is installed here');
    assert.throws(
      () => ort.session(join(folder, 'onnx', 'model.onnx'), 'cuda'),
      (e: unknown) =>
        e instanceof OrtCallError &&
        e.call === 'SessionOptionsAppendExecutionProvider_CUDA_V2' &&
        /shared library|provider/i.test(e.message),
    );
  });

  it('copies JS data into CPU tensors and reads them back, shape and type included', () => {
    const t = ort.tensor(7, [2, 3], BigInt64Array.from([1n, 2n, 3n, 4n, 5n, 6n]));
    try {
      assert.deepEqual(t.info().dims, [2, 3]);
      assert.equal(t.info().type, 7);
      assert.deepEqual([...t.cpuView()], [1n, 2n, 3n, 4n, 5n, 6n]);
    } finally {
      t.release();
    }
    const empty = ort.tensor(10, [1, 2, 0, 4]);
    try {
      assert.deepEqual(empty.info().dims, [1, 2, 0, 4]);
      assert.equal(empty.cpuView().length, 0);
    } finally {
      empty.release();
    }
    assert.throws(() => ort.tensor(1, [2], Float32Array.of(1)), /1 values for a tensor of 2/);
  });

  it('reads the argmax of a float16 row from its bits, negatives and NaN included', () => {
    // -2, -0.5, NaN, 1, 0.5 (float16 bits)
    const row = Uint16Array.of(0xc000, 0xb800, 0x7e00, 0x3c00, 0x3800);
    assert.equal(argmaxRow(row, 0, 5), 3);
    assert.equal(argmaxRow(Uint16Array.of(0xc000, 0xb800), 0, 2), 1, 'the least negative');
    assert.equal(argmaxRow(Float32Array.of(0, 0, 9, 1, 2, 3), 1, 3), 2, 'the second row');
  });

  it('refuses a file that is not a decoder with a cache, naming what it lacks', () => {
    const vit = join(root, 'tiny-vit');
    makeImageClassifier(vit);
    assert.throws(() => DirectDecoder.open(ort, join(vit, 'onnx', 'model.onnx'), 'cpu'), /does not feed: pixel_values/);
  });

  it("generates transformers.js generate()'s greedy tokens, the cache kept in onnxruntime's memory (tiny decoder, CPU)", async () => {
    const { AutoTokenizer, AutoModelForCausalLM, env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = root;
    const tokenizer = await AutoTokenizer.from_pretrained('tiny-llama');
    const model = await AutoModelForCausalLM.from_pretrained('tiny-llama', { device: 'cpu', dtype: 'fp32' });
    const decoder = DirectDecoder.open(ort, join(folder, 'onnx', 'model.onnx'), 'cpu');
    try {
      let compared = 0;
      for (const prompt of ['Question: the cat sat\nAnswer:', 'Question: a b c d e f g h\nAnswer:', 'x']) {
        const inputs = tokenizer(prompt) as { input_ids: { data: BigInt64Array }; attention_mask: unknown };
        const promptIds = [...inputs.input_ids.data].map(Number);
        const out = (await model.generate({ ...inputs, max_new_tokens: 12, do_sample: false })) as {
          data: BigInt64Array;
        };
        const expected = [...out.data].map(Number).slice(promptIds.length);
        const got = await decoder.generate(promptIds, { maxNewTokens: 12, eosTokenIds: [1] });
        assert.deepEqual(got.tokens, expected, prompt);
        assert.equal(got.stepMs.length, got.tokens.length);
        compared += expected.length;
      }
      assert.ok(compared > 12, 'more than one answer has tokens to compare');
    } finally {
      decoder.release();
      await model.dispose();
    }
  });
  it("decodes with a fixed-length cache written in place (GroupQueryAttention), giving generate()'s tokens, answer after answer in the same buffers (CPU)", async () => {
    const gqa = join(root, 'tiny-gqa');
    makeGqaTextGenerator(gqa);
    const { AutoTokenizer, AutoModelForCausalLM, env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = root;
    const tokenizer = await AutoTokenizer.from_pretrained('tiny-gqa');
    const model = await AutoModelForCausalLM.from_pretrained('tiny-gqa', { device: 'cpu', dtype: 'fp32' });
    const file = join(gqa, 'onnx', 'model.onnx');
    const fixed = StaticDecoder.open(ort, file, 'cpu');
    const moving = DirectDecoder.open(ort, file, 'cpu');
    try {
      let compared = 0;
      // Long enough for a second set of buffers (more than 256 positions) after the first answers.
      const long = `Question: ${'the cat sat on a mat '.repeat(14)}\nAnswer:`;
      for (const prompt of ['Question: the cat sat\nAnswer:', 'x', 'Question: a b c d e f g h\nAnswer:', long, 'y z']) {
        const inputs = tokenizer(prompt) as { input_ids: { data: BigInt64Array }; attention_mask: unknown };
        const promptIds = [...inputs.input_ids.data].map(Number);
        const out = (await model.generate({ ...inputs, max_new_tokens: 20, do_sample: false })) as {
          data: BigInt64Array;
        };
        const expected = [...out.data].map(Number).slice(promptIds.length);
        const got = await fixed.generate(promptIds, { maxNewTokens: 20, eosTokenIds: [1] });
        assert.deepEqual(got.tokens, expected, prompt);
        assert.deepEqual((await moving.generate(promptIds, { maxNewTokens: 20, eosTokenIds: [1] })).tokens, expected);
        assert.equal(got.stepMs.length, got.tokens.length);
        compared += expected.length;
      }
      assert.ok(compared > 40, 'answers with tokens to compare');
      // Buffers end at the model's last position (its rotary tables do); past it, a clear error.
      const capped = StaticDecoder.open(ort, file, 'cpu', { maxPositions: 40 });
      try {
        const prompt = [5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
        assert.deepEqual(
          (await capped.generate(prompt, { maxNewTokens: 30 })).tokens,
          (await fixed.generate(prompt, { maxNewTokens: 30 })).tokens,
        );
        await assert.rejects(
          capped.generate(prompt, { maxNewTokens: 31 }),
          /41 positions asked for, more than the model's 40/,
        );
      } finally {
        capped.release();
      }
      assert.equal(fixed.graph, false, 'no CUDA graph on the CPU');
    } finally {
      fixed.release();
      moving.release();
      await model.dispose();
    }
    // A decoder whose attention concatenates (its present outgrows the past): refused, saying why.
    const concat = StaticDecoder.open(ort, join(folder, 'onnx', 'model.onnx'), 'cpu');
    try {
      await assert.rejects(concat.generate([3, 4, 5], { maxNewTokens: 3 }), /does not write its cache in place/);
    } finally {
      concat.release();
    }
  });

  it('shares one library and env between holders: closing one hold leaves the others working', () => {
    const second = loadOrt();
    assert.equal(second, ort);
    second.close();
    const t = ort.tensor(1, [1], Float32Array.of(2));
    try {
      assert.deepEqual([...t.cpuView()], [2]);
    } finally {
      t.release();
    }
  });

  it('loads again after the last hold is closed', () => {
    ort.close();
    ort = loadOrt();
    const t = ort.tensor(7, [1], BigInt64Array.of(5n));
    try {
      assert.deepEqual([...t.cpuView()], [5n]);
    } finally {
      t.release();
    }
  });

  it("answers as transformers.js's text-generation pipeline does, and shows each step to a forward listener (tiny decoder, CPU)", async () => {
    const { pipeline, env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = root;
    const plain = await pipeline('text-generation', 'tiny-llama', { device: 'cpu', dtype: 'fp32' });
    const ours = await ioBindingTextGenerator(folder, 'cpu', 'fp32');
    const steps: number[] = [];
    ours.onForward!(async (inputs) => {
      steps.push(inputs.input_ids!.dims[1]!);
    });
    try {
      for (const return_full_text of [false, true]) {
        const options = { max_new_tokens: 8, do_sample: false, return_full_text };
        for (const prompt of ['Question: the cat sat\nAnswer:', 'Question: a b c d e f g h\nAnswer:']) {
          steps.length = 0;
          const expected = (await plain(prompt, options)) as { generated_text: string }[];
          const got = (await ours([prompt], options)) as { generated_text: string }[][];
          assert.equal(got[0]![0]!.generated_text, expected[0]!.generated_text);
          assert.ok(steps[0]! > 1, "the prompt's pass first");
          assert.ok(steps.length > 1 && steps.slice(1).every((n) => n === 1), 'then one token a step');
        }
      }
      await assert.rejects(ours(['x'], { do_sample: true }), /greedy only/);
    } finally {
      await plain.dispose();
      await ours.dispose();
    }
  });
  it("picks the decoder: CUDA's default device the fixed-length cache, elsewhere transformers.js's, CARBONLENS_DECODER over both", () => {
    const before = process.env.CARBONLENS_DECODER;
    try {
      delete process.env.CARBONLENS_DECODER;
      assert.equal(textDecoder('text-generation', 'cuda'), 'fixed-cache');
      assert.equal(
        textDecoder('text-generation', 'cuda', 1),
        'transformers',
        'another GPU: the C API loop binds device 0',
      );
      assert.equal(textDecoder('text-generation', 'cpu'), 'transformers');
      assert.equal(textDecoder('text-generation', 'webgpu'), 'transformers');
      assert.equal(
        textDecoder('summarization', 'cuda'),
        'fixed-cache',
        "the step layout, where the model's folder has it",
      );
      assert.equal(textDecoder('summarization', 'cpu'), 'transformers');
      assert.equal(textDecoder('image-classification', 'cuda'), 'transformers');
      process.env.CARBONLENS_DECODER = 'io-binding';
      assert.equal(textDecoder('text-generation', 'cpu'), 'io-binding');
      process.env.CARBONLENS_DECODER = 'transformers';
      assert.equal(textDecoder('text-generation', 'cuda'), 'transformers');
    } finally {
      if (before === undefined) delete process.env.CARBONLENS_DECODER;
      else process.env.CARBONLENS_DECODER = before;
    }
  });

  it('is what the runtime loads for text generation on the CPU only when CARBONLENS_DECODER=io-binding or fixed-cache, and the record says so', async () => {
    const before = process.env.CARBONLENS_DECODER;
    try {
      delete process.env.CARBONLENS_DECODER;
      const plain = await transformersPipeline('text-generation', folder, 'cpu', 'fp32');
      await plain.dispose();
      assert.doesNotMatch(plain.preprocessing ?? '', /IO binding/);
      process.env.CARBONLENS_DECODER = 'io-binding';
      const ours = await transformersPipeline('text-generation', folder, 'cpu', 'fp32');
      await ours.dispose();
      assert.match(ours.preprocessing ?? '', /IO binding/);
      // The fixed-length cache where the file's attention writes in place; else the cache as each step leaves it, saying why.
      process.env.CARBONLENS_DECODER = 'fixed-cache';
      const gqa = join(root, 'tiny-gqa-runtime');
      makeGqaTextGenerator(gqa);
      const fixed = await transformersPipeline('text-generation', gqa, 'cpu', 'fp32');
      await fixed.dispose();
      assert.match(fixed.preprocessing ?? '', /in fixed-length buffers written in place\)/);
      const fallback = await transformersPipeline('text-generation', folder, 'cpu', 'fp32');
      await fallback.dispose();
      assert.match(
        fallback.preprocessing ?? '',
        /not in fixed-length buffers: the decoder's attention does not write its cache in place/,
      );
    } finally {
      if (before === undefined) delete process.env.CARBONLENS_DECODER;
      else process.env.CARBONLENS_DECODER = before;
    }
  });
});
