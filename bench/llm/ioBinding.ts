// Decode steps with the key/value cache kept on the device (onnxruntime's IO binding through its
// C API, src/core/models/ortDirectDecode.ts) against the way transformers.js runs them on
// onnxruntime-node (session.run: every present comes back to host memory and goes back in as the
// next step's past), and transformers.js's generate() itself; with a file whose attention is
// GroupQueryAttention, also the cache in fixed-length buffers written in place (fixed-cache) and,
// on CUDA, each decode step captured once as a CUDA graph and replayed (cuda-graph:
// src/core/models/ortStaticDecode.ts). Same file, same prompts, same
// number of new tokens (end-of-sequence ignored), greedy. Every step timed on the wall clock.
//   node out/bench/ioBinding.js --model DIR [--dtype fp16] [--device cpu|cuda] --prompts PROMPTS.jsonl
//        [--new 64] [--samples 10] [--modes session-run,io-binding,fixed-cache,cuda-graph,generate]
// PROMPTS.jsonl: {"prompt": ...} lines, asked as "Question: <prompt>\nAnswer:" (as bench/llmProfile.ts).
// The first prompt runs once untimed per mode (warm-up). Prints one JSON line per mode: steps'
// median and mean (ms), the prompt's pass (time to first token), decode tokens/s, and whether the
// tokens equal session-run's.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { prepareCuda } from '../../src/core/models/cudaPreload';
import { useRuntime } from '../../src/core/models/cudaProvider';
import { loadOrt, type OrtDevice } from '../../src/core/models/ortDirect';
import { halfToFloat } from '../../src/core/models/fastClassifier';
import { argmaxRow, DirectDecoder } from '../../src/core/models/ortDirectDecode';
import { StaticDecoder } from '../../src/core/models/ortStaticDecode';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    dtype: { type: 'string', default: 'fp32' },
    device: { type: 'string', default: 'cpu' },
    prompts: { type: 'string' },
    new: { type: 'string', default: '64' },
    samples: { type: 'string', default: '10' },
    modes: { type: 'string', default: 'session-run,io-binding,generate' },
  },
});
if (!args.model || !args.prompts || !['cpu', 'cuda'].includes(args.device!)) {
  console.error(
    'usage: node out/bench/ioBinding.js --model DIR [--dtype fp16] [--device cpu|cuda] --prompts PROMPTS.jsonl [--new 64] [--samples 10] [--modes session-run,io-binding,generate]',
  );
  process.exit(2);
}
const dir = resolve(args.model);
const device = args.device as OrtDevice;
const dtype = args.dtype!;
const maxNew = Number(args.new);
const samples = Number(args.samples);
const modes = args.modes!.split(',');
const file = join(dir, 'onnx', dtype === 'fp32' ? 'model.onnx' : `model_${dtype}.onnx`);
if (!existsSync(file)) {
  console.error(`no ${file}`);
  process.exit(2);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round = (x: number, d = 3) => Number(x.toFixed(d));

/** One answer: its new tokens and each step's wall-clock ms (step 0: the prompt's pass). */
/** `margins` (session-run only): each step's gap between its best and second-best logit. */
type Answer = { tokens: number[]; stepMs: number[]; runMs?: number[]; margins?: number[] };
type Decode = (prompt: number[]) => Promise<Answer>;

interface OrtTensorLike {
  data: unknown;
  dims: readonly number[];
  type: string;
  dispose?: () => void;
}

/** argmax of the last row of [1, S, V] logits, whatever array onnxruntime-node handed back. */
function lastArgmax(logits: OrtTensorLike): number {
  const v = logits.dims[logits.dims.length - 1]!;
  const s = logits.dims.reduce((a, b) => a * b, 1) / v; // rows: the last one is the last position
  const data = logits.data;
  if (data instanceof Float32Array || data instanceof Uint16Array) return argmaxRow(data, s - 1, v);
  const row = data as ArrayLike<number>; // Float16Array where the runtime has one
  let best = 0;
  for (let i = 1; i < v; i++) if (row[(s - 1) * v + i]! > row[(s - 1) * v + best]!) best = i;
  return best;
}

/** The last row's gap between its best and second-best logit (float16 read from its bits). */
function lastMargin(logits: OrtTensorLike): number {
  const v = logits.dims[logits.dims.length - 1]!;
  const start = (logits.dims.reduce((a, b) => a * b, 1) / v - 1) * v;
  const data = logits.data as ArrayLike<number>;
  const value = (i: number) => (data instanceof Uint16Array ? halfToFloat(data[start + i]!) : data[start + i]!);
  let best = -Infinity;
  let second = -Infinity;
  for (let i = 0; i < v; i++) {
    const x = value(i);
    if (x > best) [best, second] = [x, best];
    else if (x > second) second = x;
  }
  return best - second;
}

/** transformers.js's way at the onnxruntime-node level: feeds and fetches in host memory. */
async function sessionRun(): Promise<{ decode: Decode; close: () => Promise<void> }> {
  const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  const session = await ort.InferenceSession.create(file, { executionProviders: [device] });
  const pasts = session.inputNames.filter((n) => n.startsWith('past_key_values.'));
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, number>;
  const meta = (session as unknown as { inputMetadata?: { name: string; type: string; shape: (number | string)[] }[] })
    .inputMetadata;
  const pastMeta = meta?.find((m) => m.name === pasts[0]);
  const cacheType = (pastMeta?.type ?? (dtype === 'fp32' ? 'float32' : 'float16')) as 'float32' | 'float16';
  const heads =
    typeof pastMeta?.shape[1] === 'number'
      ? pastMeta.shape[1]
      : (config.num_key_value_heads ?? config.num_attention_heads!);
  const headDim =
    typeof pastMeta?.shape[3] === 'number'
      ? pastMeta.shape[3]
      : (config.head_dim ?? config.hidden_size! / config.num_attention_heads!);
  const empty = () =>
    new ort.Tensor(cacheType, cacheType === 'float32' ? new Float32Array(0) : new Uint16Array(0), [
      1,
      heads,
      0,
      headDim,
    ]);
  const decode: Decode = async (prompt) => {
    const tokens: number[] = [];
    const stepMs: number[] = [];
    const margins: number[] = [];
    let cache: Record<string, OrtTensorLike> = Object.fromEntries(pasts.map((n) => [n, empty()]));
    let ids = prompt;
    for (let step = 0; step < maxNew; step++) {
      const t0 = performance.now();
      const total = prompt.length + step;
      const feeds: Record<string, unknown> = {
        ...cache,
        input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
      };
      if (session.inputNames.includes('position_ids'))
        feeds.position_ids = new ort.Tensor(
          'int64',
          BigInt64Array.from({ length: ids.length }, (_, i) => BigInt(total - ids.length + i)),
          [1, ids.length],
        );
      for (const n of ['num_logits_to_keep', 'logits_to_keep'])
        if (session.inputNames.includes(n)) feeds[n] = new ort.Tensor('int64', BigInt64Array.of(1n), []);
      const out = (await session.run(feeds as never)) as unknown as Record<string, OrtTensorLike>;
      const token = lastArgmax(out.logits!);
      stepMs.push(performance.now() - t0);
      margins.push(lastMargin(out.logits!)); // after the step's time: a diagnostic, not the loop's work
      cache = Object.fromEntries(pasts.map((n) => [n, out[n.replace('past_key_values.', 'present.')]!]));
      tokens.push(token);
      ids = [token];
    }
    return { tokens, stepMs, margins };
  };
  return { decode, close: () => session.release() };
}

let ortVersion: string | undefined;

/** The cache bound on the device between steps (onnxruntime's C API). */
async function ioBinding(): Promise<{ decode: Decode; close: () => Promise<void> }> {
  const ort = loadOrt();
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, number>;
  ortVersion = ort.version;
  const decoder = DirectDecoder.open(ort, file, device, {
    kvHeads: config.num_key_value_heads ?? config.num_attention_heads,
    headDim: config.head_dim ?? (config.hidden_size! / config.num_attention_heads! || undefined),
  });
  return {
    decode: (prompt) => decoder.generate(prompt, { maxNewTokens: maxNew }),
    close: async () => {
      decoder.release();
      ort.close();
    },
  };
}

/** The cache in fixed-length buffers written in place (GroupQueryAttention); `graph`: each decode step a CUDA graph, replayed. */
function fixedCache(graph: boolean) {
  return async (): Promise<{ decode: Decode; close: () => Promise<void> }> => {
    const ort = loadOrt();
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, number>;
    ortVersion = ort.version;
    let decoder: StaticDecoder;
    try {
      decoder = StaticDecoder.open(
        ort,
        file,
        device,
        {
          kvHeads: config.num_key_value_heads ?? config.num_attention_heads,
          headDim: config.head_dim ?? (config.hidden_size! / config.num_attention_heads! || undefined),
          maxPositions: config.max_position_embeddings,
        },
        { graph },
      );
    } catch (e) {
      ort.close();
      throw e;
    }
    return {
      decode: (prompt) => decoder.generate(prompt, { maxNewTokens: maxNew }),
      close: async () => {
        decoder.release();
        ort.close();
      },
    };
  };
}

/** transformers.js's generate() on the same file, steps timed through its streamer. */
async function generate(): Promise<{ decode: Decode; close: () => Promise<void> }> {
  const { AutoModelForCausalLM, env, Tensor } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = dirname(dir) + sep;
  const model = await AutoModelForCausalLM.from_pretrained(basename(dir), {
    device: device as 'cpu',
    dtype: dtype as 'fp32',
  });
  const decode: Decode = async (prompt) => {
    const times: number[] = [];
    let last: bigint[] = [];
    const streamer = {
      put: (ids: bigint[][]) => {
        times.push(performance.now());
        last = ids[0]!;
      },
      end: () => {},
    };
    const input_ids = new Tensor('int64', BigInt64Array.from(prompt, BigInt), [1, prompt.length]);
    const attention_mask = new Tensor('int64', new BigInt64Array(prompt.length).fill(1n), [1, prompt.length]);
    const t0 = performance.now();
    const out = (await model.generate({
      input_ids,
      attention_mask,
      max_new_tokens: maxNew,
      eos_token_id: [], // never stop early: the same number of new tokens as the other modes
      do_sample: false,
      streamer,
    } as never)) as { data: BigInt64Array };
    void last;
    // put() is called with the prompt first, then once per new token.
    const stamps = [t0, ...times.slice(1)];
    const stepMs = stamps.slice(1).map((t, i) => t - stamps[i]!);
    return { tokens: [...out.data].slice(prompt.length).map(Number), stepMs };
  };
  return { decode, close: async () => void (await model.dispose()) };
}

async function main() {
  if (process.env.CARBONLENS_ORT_DIR) useRuntime(process.env.CARBONLENS_ORT_DIR);
  if (device === 'cuda') {
    const ready = prepareCuda();
    if (ready.unavailable) throw new Error(`CUDA: ${ready.unavailable}`);
  }
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = dirname(dir) + sep;
  const tokenizer = await AutoTokenizer.from_pretrained(basename(dir));
  const prompts = readFileSync(args.prompts!, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .slice(0, samples)
    .map((l) => {
      const text = `Question: ${(JSON.parse(l) as { prompt: string }).prompt}\nAnswer:`;
      const ids = (tokenizer(text) as { input_ids: { data: BigInt64Array } }).input_ids.data;
      return [...ids].map(Number);
    });
  if (prompts.length === 0) throw new Error(`no prompts in ${args.prompts}`);
  const runners: Record<string, () => Promise<{ decode: Decode; close: () => Promise<void> }>> = {
    'session-run': sessionRun,
    'io-binding': ioBinding,
    'fixed-cache': fixedCache(false),
    'cuda-graph': fixedCache(true),
    generate,
  };
  let reference: Answer[] | undefined;
  for (const mode of modes) {
    const runner = runners[mode];
    if (!runner) throw new Error(`unknown mode ${mode} (${Object.keys(runners).join(', ')})`);
    let opened: Awaited<ReturnType<typeof runner>>;
    try {
      opened = await runner();
    } catch (e) {
      // One mode that cannot run does not cost the others their figures.
      console.log(JSON.stringify({ mode, device, model: basename(dir), dtype, error: (e as Error).message }));
      process.exitCode = 1;
      continue;
    }
    const { decode, close } = opened;
    try {
      await decode(prompts[0]!); // warm-up
      const answers: Answer[] = [];
      for (const p of prompts) answers.push(await decode(p));
      const first = answers.map((a) => a.stepMs[0]!);
      const steps = answers.flatMap((a) => a.stepMs.slice(1));
      const decodeS = steps.reduce((a, b) => a + b, 0) / 1000;
      // io-binding only: the decode steps' time inside onnxruntime's run.
      const runs = answers.flatMap((a) => a.runMs?.slice(1) ?? []);
      const tokens = answers.map((a) => a.tokens);
      if (mode === 'session-run') reference = answers;
      // Where each answer first leaves session-run's, and how close session-run's two best logits were there.
      const firstDifference = reference
        ? tokens.map((t, i) => {
            const k = t.findIndex((x, j) => x !== reference![i]!.tokens[j]);
            return k < 0 ? null : k;
          })
        : [];
      const marginsThere = firstDifference.flatMap((k, i) =>
        k === null ? [] : [round(reference![i]!.margins?.[k] ?? NaN, 4)],
      );
      const allMargins = reference?.flatMap((a) => a.margins ?? []) ?? [];
      console.log(
        JSON.stringify({
          mode,
          device,
          model: basename(dir),
          dtype,
          file: basename(file),
          prompts: prompts.length,
          prompt_tokens_mean: round(mean(prompts.map((p) => p.length)), 1),
          new_tokens: maxNew,
          decode_step_ms_median: round(median(steps)),
          decode_step_ms_mean: round(mean(steps)),
          decode_tokens_per_s: round(steps.length / decodeS, 2),
          decode_run_ms_median: runs.length ? round(median(runs)) : undefined,
          first_step_ms_median: round(median(first)),
          first_step_ms_mean: round(mean(first)),
          same_tokens_as_session_run: reference
            ? JSON.stringify(tokens) === JSON.stringify(reference.map((a) => a.tokens))
            : null,
          ...(mode !== 'session-run' &&
            reference && {
              first_difference_step_by_prompt: firstDifference,
              session_run_margin_there: marginsThere,
              session_run_margin_median: allMargins.length ? round(median(allMargins), 4) : undefined,
            }),
          onnxruntime: mode === 'session-run' || mode === 'generate' ? undefined : ortVersion,
        }),
      );
    } catch (e) {
      console.log(JSON.stringify({ mode, device, model: basename(dir), dtype, error: (e as Error).message }));
      process.exitCode = 1;
    } finally {
      await close();
    }
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
