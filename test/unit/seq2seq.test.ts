// Summarization with a key-value cache: the decoder layout bench/t5/t5.py exports (no If node,
// no encoder past, the encoder's keys and values recomputed each step and returned on the first
// step only) generates the same tokens as Optimum's merged layout (an If on use_cache_branch)
// with the same weights, and so does CarbonLens's step layout through onnxruntime's C API (fixed
// buffers, a CUDA graph per step on CUDA); and a summary is metered like a generated answer
// (encoder pass and first token, then the decode), one article at a time. Tiny models, CPU.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EvalSet } from '../../src/core/bench/datasets/evalSet';
import { runBenchmark } from '../../src/core/bench/harness';
import { Meter } from '../../src/core/energy/meter';
import { loadOrt } from '../../src/core/models/ortDirect';
import { Seq2SeqStaticDecoder } from '../../src/core/models/ortSeq2SeqStatic';
import { transformersPipeline } from '../../src/core/models/runtime';
import { seq2seqFiles } from '../../src/core/models/seq2seqPipeline';
import { makeCachedSummarizer } from '../fixtures/tiny-models/make.mjs';
import { tempDir } from '../support/tempDir';

type Dims = { dims: number[] };
interface Step {
  inputs: string[];
  useCache?: boolean;
  pastLength: number;
  encoderPresentLength: number;
}

const ARTICLES = ['the cat sat on the mat and the dog ran to the park', 'a quick brown fox and the lazy dog'];

describe('seq2seq decoders with a cache (transformers.js, onnxruntime-node, CPU)', { timeout: 120_000 }, () => {
  let root: string;
  let meter: Meter;
  before(() => {
    root = tempDir('cl-seq2seq-');
    makeCachedSummarizer(join(root, 'tiny-t5-if'), { layout: 'if' });
    makeCachedSummarizer(join(root, 'tiny-t5-noif'), { layout: 'no-if' });
    makeCachedSummarizer(join(root, 'tiny-t5-step'), { layout: 'no-if', stepLayout: true });
    meter = new Meter([{ id: 'cpu', component: 'cpu', name: 'CPU', kind: 'estimated', detail: '', power: () => 10 }]);
  });
  after(() => meter.close());

  /** Generates from each article, recording what the decoder session was fed and returned. */
  async function generate(name: string, maxNewTokens = 8, articles = ARTICLES) {
    const { pipeline, env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = `${root}/`;
    const pipe = await pipeline('summarization', name, { device: 'cpu', dtype: 'fp32' });
    const session = (
      pipe.model as unknown as {
        sessions: Record<string, { run: (f: Record<string, unknown>) => Promise<Record<string, Dims>> }>;
      }
    ).sessions.decoder_model_merged!;
    const run = session.run.bind(session);
    const steps: Step[] = [];
    session.run = async (feeds) => {
      const out = await run(feeds);
      const cache = feeds.use_cache_branch as { data: ArrayLike<unknown> } | undefined;
      steps.push({
        inputs: Object.keys(feeds),
        ...(cache && { useCache: Boolean(cache.data[0]) }),
        pastLength: (feeds['past_key_values.0.decoder.key'] as Dims).dims[2]!,
        encoderPresentLength: out['present.0.encoder.key']!.dims[2]!,
      });
      return out;
    };
    try {
      const tokens: number[][] = [];
      for (const text of articles) {
        const inputs = pipe.tokenizer([text]);
        const ids = (await pipe.model.generate({ ...inputs, max_new_tokens: maxNewTokens })) as unknown as {
          tolist(): bigint[][];
        };
        tokens.push(ids.tolist()[0]!.map(Number));
      }
      return { tokens, steps };
    } finally {
      await pipe.dispose();
    }
  }

  it('generates the same tokens in the no-If layout as in the If layout, using the cache from the second step', async () => {
    const withIf = await generate('tiny-t5-if');
    const noIf = await generate('tiny-t5-noif');
    assert.deepEqual(noIf.tokens, withIf.tokens);
    for (const t of noIf.tokens) assert.equal(t.length, 9, 'the start token and 8 new ones (no end-of-sequence token)');
    // 8 steps per article: the first with an empty past, then a past growing by one.
    assert.deepEqual(
      noIf.steps.map((s) => s.pastLength),
      [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7],
    );
    assert.deepEqual(
      withIf.steps.map((s) => s.useCache),
      ARTICLES.flatMap(() => [false, true, true, true, true, true, true, true]),
    );
    // No-If: no encoder past and no use_cache_branch fed; the encoder's keys and values come
    // back on the first step only, so later steps copy nothing of them to the host.
    assert.ok(noIf.steps.every((s) => !s.inputs.some((i) => i.includes('encoder.') || i === 'use_cache_branch')));
    assert.ok(
      noIf.steps.every((s) => (s.pastLength === 0 ? s.encoderPresentLength > 0 : s.encoderPresentLength === 0)),
    );
    assert.ok(withIf.steps.every((s) => s.encoderPresentLength > 0));
  });

  it("decodes in CarbonLens's step layout the tokens generate() makes, across encoder and cache lengths", async () => {
    // Inputs of 13 to 120 tokens (encoder buffers of 64 and 128) and 8 or 70 new tokens (caches of 64 and 128).
    const long = Array.from({ length: 40 }, (_, i) => ['the cat', 'a dog', 'of the park'][i % 3]).join(' ');
    const articles = [...ARTICLES, long, ARTICLES[0]!];
    const { AutoTokenizer } = await import('@huggingface/transformers');
    const tokenizer = await AutoTokenizer.from_pretrained('tiny-t5-step');
    const ort = loadOrt();
    const decoder = Seq2SeqStaticDecoder.open(ort, seq2seqFiles(join(root, 'tiny-t5-step'), 'fp32')!, 'cpu');
    try {
      for (const maxNewTokens of [8, 70]) {
        const expected = (await generate('tiny-t5-noif', maxNewTokens, articles)).tokens.map((t) => t.slice(1));
        const got: number[][] = [];
        for (const text of articles) {
          const ids = [...(tokenizer(text).input_ids as { data: BigInt64Array }).data].map(Number);
          got.push(await decoder.generate(ids, { maxNewTokens, decoderStartTokenId: 0, padTokenId: 0 }));
        }
        assert.ok(
          articles.some((a) => (tokenizer(a).input_ids as Dims).dims[1]! > 64),
          'an input past one encoder step',
        );
        assert.deepEqual(got, expected, `max_new_tokens ${maxNewTokens}`);
      }
    } finally {
      decoder.release();
      ort.close();
    }
  });

  it("runs the step layout as the summarization pipeline, with transformers.js's answers, and says so", async () => {
    const saved = process.env.CARBONLENS_DECODER;
    const run = async (decoder: string) => {
      process.env.CARBONLENS_DECODER = decoder;
      const pipe = await transformersPipeline('summarization', join(root, 'tiny-t5-step'), 'cpu', 'fp32');
      try {
        // One article a call, as the benchmark runs them (a batch would pad the shorter one).
        const out = [];
        for (const a of ARTICLES) out.push(await pipe([a], { max_new_tokens: 6 }));
        return { out, preprocessing: pipe.preprocessing };
      } finally {
        await pipe.dispose();
      }
    };
    try {
      const step = await run('fixed-cache');
      const reference = await run('transformers');
      assert.deepEqual(step.out, reference.out);
      assert.match(step.preprocessing ?? '', /CarbonLens's step layout/);
      // A folder without the step layout's files: transformers.js's generate(), and why.
      process.env.CARBONLENS_DECODER = 'fixed-cache';
      const plain = await transformersPipeline('summarization', join(root, 'tiny-t5-noif'), 'cpu', 'fp32');
      await plain.dispose();
      assert.match(plain.preprocessing ?? '', /generate\(\).*no decoder in CarbonLens's step layout/);
    } finally {
      if (saved === undefined) delete process.env.CARBONLENS_DECODER;
      else process.env.CARBONLENS_DECODER = saved;
    }
  });

  it('meters a summary as a generated answer: one article at a time, encoder and first token, then decode', async () => {
    const set: EvalSet = {
      name: 'articles',
      source: 'test',
      items: ARTICLES.map((text, i) => ({ id: String(i), input: text, reference: 'the cat' })),
      population: ARTICLES.length,
      seed: 1,
    };
    const r = await runBenchmark({
      task: 'summarization',
      folder: join(root, 'tiny-t5-noif'),
      device: 'cpu',
      dtype: 'fp32',
      set,
      meter,
      idleMs: 0,
      maxNewTokens: 6,
    });
    const g = r.generation!;
    assert.equal(r.batch, 1);
    assert.equal(g.prompts, 2);
    assert.equal(g.outputTokens, 12, 'every summary runs to max_new_tokens');
    assert.equal(g.decodeTokens, 10);
    // The encoder's input: each article's tokens and the end-of-sequence token.
    const { AutoTokenizer } = await import('@huggingface/transformers');
    const tokenizer = await AutoTokenizer.from_pretrained('tiny-t5-noif');
    const expected = ARTICLES.reduce((t, a) => t + (tokenizer(a).input_ids as Dims).dims[1]!, 0);
    assert.equal(g.inputTokens, expected);
    const both = g.prefill.seconds + (g.decode?.seconds ?? 0);
    assert.ok(Math.abs(both - r.summary.seconds) < 1e-9, 'the two phases cover the run');
    assert.equal(r.quality.primary.metric, 'rougeL');
    assert.equal(r.answers.length, 2);
  });

  it('refuses a batch for summarization, which runs one article at a time', async () => {
    await assert.rejects(
      runBenchmark({
        task: 'summarization',
        folder: join(root, 'tiny-t5-noif'),
        device: 'cpu',
        dtype: 'fp32',
        set: { name: 's', source: 't', items: [{ id: '1', input: 'a b', reference: 'a' }], population: 1, seed: 1 },
        meter,
        idleMs: 0,
        batch: 4,
      }),
      /Summarization runs one article at a time.*batch 4 is not supported/,
    );
  });
});
