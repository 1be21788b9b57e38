// Text generation: each prompt metered as a prefill window (to its second forward pass) and a
// decode window, added up per phase; per-token figures from them; the real tiny decoder on CPU.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { builtInShortAnswers } from '../../src/core/bench/datasets/shortAnswers';
import type { EvalSet } from '../../src/core/bench/datasets/evalSet';
import { runBenchmark, type BenchOptions } from '../../src/core/bench/harness';
import { SHORT_ANSWER_INSTRUCTION } from '../../src/core/bench/taskRunner';
import { Meter } from '../../src/core/energy/meter';
import type { EnergySource } from '../../src/core/energy/source';
import type { ForwardListener, PipelineFactory, TaskPipeline } from '../../src/core/models/runtime';
import { availableDtypes, modelFiles } from '../../src/core/models/tasks';
import { makeTextGenerator } from '../fixtures/tiny-models/make.mjs';
import { tempDir } from '../support/tempDir';

/**
 * A GPU counter the fake model advances: 1 J per prompt token on the prefill pass, 2 J per
 * decode pass, 10 ms a pass. A prompt `tN` makes N tokens; its input is `N` tokens long.
 */
function rig() {
  const clock = { t: 5_000_000 };
  const gpu = { counterJ: 0 };
  const sources: EnergySource[] = [
    {
      id: 'gpu',
      component: 'gpu',
      name: 'GPU',
      kind: 'measured',
      detail: '',
      power: () => 300,
      energy: async () => gpu.counterJ,
      stats: () => ({ memoryUsedBytes: 3 * 1024 ** 3 }),
    },
  ];
  const meter = new Meter(sources, { now: () => clock.t, counterIntervalMs: 1e9, usage: null });
  const folder = tempDir('cl-textgen-');
  writeFileSync(join(folder, 'config.json'), JSON.stringify({ model_type: 'llama' }));
  const factory: PipelineFactory = async () => {
    let listener: ForwardListener | undefined;
    const pipe = (async (inputs: unknown[]) => {
      const prompt = String(inputs[0]).match(/t(\d+)/)!;
      const tokens = Number(prompt[1]);
      for (let step = 0; step < tokens; step++) {
        const length = step === 0 ? tokens : 1;
        await listener?.({ input_ids: { dims: [1, length] } });
        gpu.counterJ += step === 0 ? length : 2;
        clock.t += 10;
      }
      return [[{ generated_text: `answer ${prompt[0]}` }]];
    }) as unknown as TaskPipeline;
    pipe.dispose = async () => undefined;
    pipe.onForward = (l) => {
      listener = l;
    };
    return pipe;
  };
  const set = (prompts: string[]): EvalSet => ({
    name: 'fake',
    source: 'test',
    seed: 1,
    population: prompts.length,
    items: prompts.map((p, i) => ({ id: String(i), input: p, reference: `answer ${p}` })),
  });
  /** The benchmark of these prompts on the fake model, with any other options. */
  const options = (prompts: string[], more: Partial<BenchOptions> = {}): BenchOptions => ({
    task: 'text-generation',
    folder,
    device: 'cpu',
    dtype: 'fp32',
    set: set(prompts),
    meter,
    idleMs: 0,
    factory,
    ...more,
  });
  return { meter, factory, folder, set, options };
}

describe('text generation, per phase', { timeout: 60_000 }, () => {
  it('meters each prompt to its first token and after it, and gives energy per input and output token', async () => {
    const { options } = rig();
    const r = await runBenchmark(options(['t3', 't5', 't1']));
    const g = r.generation!;
    assert.equal(g.prompts, 3);
    assert.equal(g.inputTokens, 3 + 5 + 1);
    assert.equal(g.outputTokens, 9);
    assert.equal(g.decodeTokens, 6, "every token after each answer's first");
    assert.equal(g.jPerInputToken, 1, 'the prefill window holds exactly the prompt pass');
    assert.equal(g.jPerOutputToken, 2, 'the decode window holds exactly the later passes');
    assert.equal(g.prefill.energyJ, 9);
    assert.equal(g.decode!.energyJ, 12);
    assert.equal(r.summary.energyJ, 21, 'the phases add up to the run');
    assert.equal(r.summary.jPerItem, 7);
    assert.ok(Math.abs(g.prefill.seconds - 0.03) < 1e-9, 'one 10 ms pass per prompt before its first token');
    assert.ok(Math.abs(g.decodeTokensPerS! - 6 / 0.06) < 1e-6);
    assert.ok(Math.abs(g.ttft.meanS - 0.01) < 1e-9);
    assert.equal(g.peakGpuMemoryMiB, 3 * 1024);
    assert.equal(g.prefill.kind, 'measured');
    assert.equal(r.quality.primary.metric, 'normalised-match');
    assert.equal(r.quality.primary.value, 1);
    assert.equal(r.batch, 1);
    assert.equal(r.phases, undefined, 'the preprocess/model split is not the generation phases');
    assert.match(r.warnings.join('\n'), /Each prompt's prefill took 10 ms: .* energy per input token is uncertain/);
  });

  it('says so when no answer went past its first token, and refuses a batch', async () => {
    const { options } = rig();
    const r = await runBenchmark(options(['t1', 't1']));
    assert.equal(r.generation!.decode, undefined);
    assert.equal(r.generation!.jPerOutputToken, undefined);
    assert.equal(r.generation!.decodeTokens, 0);
    await assert.rejects(runBenchmark(options(['t2'], { batch: 4 })), /one prompt at a time/);
    await assert.rejects(runBenchmark(options(['t2'], { maxNewTokens: 0 })), /Max new tokens must be a whole number/);
  });
});

describe('text generation, cancelled', { timeout: 60_000 }, () => {
  it('stops at the next token of a long answer', async () => {
    const { factory, options } = rig();
    const controller = new AbortController();
    let passes = 0;
    const watched: PipelineFactory = async (...args) => {
      const pipe = await factory(...args);
      const attach = pipe.onForward!;
      pipe.onForward = (l) =>
        attach(
          l &&
            (async (inputs) => {
              if (++passes === 3) controller.abort();
              await l(inputs);
            }),
        );
      return pipe;
    };
    await assert.rejects(
      runBenchmark(options(['t50', 't50'], { factory: watched, signal: controller.signal })),
      (e: Error) => e.name === 'AbortError',
    );
    assert.equal(passes, 3, 'no pass after the one that saw the cancellation');
  });
});

describe("a language model's files", () => {
  // The listing of an onnx-community conversion: fp32 and fp16 with external weights, quantised files beside.
  const listing = [
    'config.json',
    'generation_config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    'onnx/model.onnx',
    'onnx/model.onnx_data',
    'onnx/model_fp16.onnx',
    'onnx/model_fp16.onnx_data',
    'onnx/model_q4.onnx',
    'onnx/model_q4f16.onnx',
    'onnx/model_quantized.onnx',
  ];

  it('knows the dtypes a repository carries, and fetches one dtype with its own weights only', () => {
    assert.deepEqual(availableDtypes('text-generation', listing), ['fp32', 'fp16', 'q8', 'q4', 'q4f16']);
    const q4f16 = modelFiles('text-generation', 'q4f16', listing);
    assert.deepEqual(q4f16.required, [
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'onnx/model_q4f16.onnx',
    ]);
    assert.deepEqual(q4f16.optional, ['generation_config.json', 'special_tokens_map.json']);
    const fp16 = modelFiles('text-generation', 'fp16', listing);
    assert.ok(fp16.optional?.includes('onnx/model_fp16.onnx_data'));
    assert.ok(!fp16.optional?.includes('onnx/model.onnx_data'), "not the fp32 file's weights");
  });
});

describe('text generation on the tiny decoder (transformers.js, onnxruntime-node, CPU)', { timeout: 120_000 }, () => {
  let folder: string;
  let meter: Meter;
  before(() => {
    folder = join(tempDir('cl-tinyllm-'), 'tiny-llama');
    makeTextGenerator(folder);
    meter = new Meter([{ id: 'cpu', component: 'cpu', name: 'CPU', kind: 'estimated', detail: '', power: () => 10 }]);
  });
  after(() => meter.close());

  it('counts the tokens the chat template makes, and every generated token in one phase or the other', async () => {
    const set = builtInShortAnswers(4, 3);
    const r = await runBenchmark({
      task: 'text-generation',
      folder,
      device: 'cpu',
      dtype: 'fp32',
      set,
      meter,
      idleMs: 0,
      maxNewTokens: 5,
    });
    const g = r.generation!;
    assert.equal(g.chat, true, 'the tokenizer has a chat template');
    const { AutoTokenizer, env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = join(folder, '..');
    const tokenizer = await AutoTokenizer.from_pretrained('tiny-llama');
    const expected = set.items.reduce((t, item) => {
      const text = tokenizer.apply_chat_template(
        [{ role: 'user', content: `${item.input}\n${SHORT_ANSWER_INSTRUCTION}` }],
        { tokenize: false, add_generation_prompt: true },
      ) as string;
      return t + (tokenizer(text, { add_special_tokens: false }).input_ids as { dims: number[] }).dims[1]!;
    }, 0);
    assert.equal(g.inputTokens, expected, "the prefill's input is the chat-formatted prompt");
    assert.ok(g.outputTokens >= 4 && g.outputTokens <= 20);
    assert.equal(g.decodeTokens, g.outputTokens - 4);
    const both = g.prefill.seconds + (g.decode?.seconds ?? 0);
    assert.ok(Math.abs(both - r.summary.seconds) < 1e-9, 'the two phases cover the run');
    assert.equal(r.answers.length, 4);
    assert.equal(r.quality.others[0]!.metric, 'exact-match');
  });
});
