// A text-generation pipeline that decodes through onnxruntime's C API with the key/value cache
// kept on the device (ortDirectDecode.ts, or in fixed-length buffers with CUDA graphs:
// ortStaticDecode.ts) instead of transformers.js's generate(): the same tokenizer, prompt
// rendering (chat template or plain text) and output shape as transformers.js's text-generation
// pipeline, greedy only, one input at a time. The default on CUDA (runtime.ts's textDecoder);
// the record's runtime names the loop that ran (`preprocessing`).
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { loadOrt, type OrtDevice } from './ortDirect';
import { type CacheShape, DirectDecoder } from './ortDirectDecode';
import { StaticDecoder } from './ortStaticDecode';
import type { ForwardListener, TaskPipeline } from './runtime';
import type { Dtype } from './tasks';

type Chat = { role: string; content: string }[];
const isChat = (x: unknown): x is Chat =>
  Array.isArray(x) && x.every((m) => typeof m === 'object' && m !== null && 'role' in m && 'content' in m);

/** The decoder file transformers.js loads for a dtype (onnx/model.onnx for fp32, else model_<dtype>.onnx). */
export const decoderFile = (folder: string, dtype: Dtype) =>
  join(folder, 'onnx', dtype === 'fp32' ? 'model.onnx' : `model_${dtype}.onnx`);

/** End-of-sequence ids from generation_config.json, else config.json. */
export function eosIds(folder: string, config: Record<string, unknown>): number[] {
  const generation = join(folder, 'generation_config.json');
  const fromGeneration = existsSync(generation)
    ? (JSON.parse(readFileSync(generation, 'utf8')) as { eos_token_id?: unknown }).eos_token_id
    : undefined;
  const eos = fromGeneration ?? config.eos_token_id;
  return (Array.isArray(eos) ? eos : [eos]).filter((x): x is number => typeof x === 'number');
}

/**
 * The fixed-length cache's decoder, having decoded five tokens after a two-token prompt: a file whose
 * attention does not write its cache in place, or a provider that cannot capture its steps,
 * fails here rather than in the first measured answer.
 */
async function probedStaticDecoder(
  ort: ReturnType<typeof loadOrt>,
  file: string,
  device: OrtDevice,
  shape: CacheShape,
): Promise<StaticDecoder> {
  const decoder = StaticDecoder.open(ort, file, device, shape);
  try {
    await decoder.generate([0, 0], { maxNewTokens: 5 }); // past the runs before a capture, and two replays
    return decoder;
  } catch (e) {
    decoder.release();
    throw e;
  }
}

/**
 * `fixedCache`: the cache in fixed-length buffers written in place (ortStaticDecode.ts; files whose
 * attention is GroupQueryAttention), each decode step a CUDA graph on CUDA; other files decode
 * with the cache bound as each step leaves it, and the runtime's text says why.
 */
export async function ioBindingTextGenerator(
  folder: string,
  device: OrtDevice,
  dtype: Dtype,
  { fixedCache = false } = {},
): Promise<TaskPipeline> {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = dirname(folder) + sep;
  env.useFSCache = false;
  const tokenizer = await AutoTokenizer.from_pretrained(basename(folder));
  const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as Record<string, number>;
  const eos = eosIds(folder, config);
  const ort = loadOrt();
  let decoder: DirectDecoder | StaticDecoder;
  const shape = {
    kvHeads: config.num_key_value_heads ?? config.num_attention_heads,
    headDim: config.head_dim ?? (config.hidden_size! / config.num_attention_heads! || undefined),
    maxPositions: config.max_position_embeddings,
  };
  let fixedCacheFailed: string | undefined;
  try {
    const file = decoderFile(folder, dtype);
    if (fixedCache) {
      try {
        decoder = await probedStaticDecoder(ort, file, device, shape);
      } catch (e) {
        fixedCacheFailed = (e as Error).message;
        decoder = DirectDecoder.open(ort, file, device, shape);
      }
    } else decoder = DirectDecoder.open(ort, file, device, shape);
  } catch (e) {
    ort.close();
    throw e;
  }
  const tok = tokenizer as unknown as {
    (text: string, options: { add_special_tokens: boolean }): { input_ids: { data: BigInt64Array } };
    apply_chat_template(chat: Chat, options: Record<string, unknown>): unknown;
    decode(ids: number[], options: { skip_special_tokens: boolean }): string;
    add_bos_token?: boolean;
    add_eos_token?: boolean;
  };
  /** One input's answer, as transformers.js's text-generation pipeline gives it. */
  const answer = async (input: unknown, options: Record<string, unknown>, beforeStep?: BeforeStep) => {
    const chat = isChat(input);
    if (!chat && typeof input !== 'string') throw new Error('Input must be a string or a chat.');
    const text = chat
      ? (tok.apply_chat_template(input, { tokenize: false, add_generation_prompt: true }) as string)
      : input;
    const special = chat
      ? false
      : ((options.add_special_tokens as boolean | undefined) ?? (tok.add_bos_token || tok.add_eos_token) ?? false);
    const prompt = [...tok(text, { add_special_tokens: special }).input_ids.data].map(Number);
    const { tokens } = await decoder.generate(
      prompt,
      { maxNewTokens: (options.max_new_tokens as number | undefined) ?? 256, eosTokenIds: eos },
      beforeStep,
    );
    const full = tok.decode([...prompt, ...tokens], { skip_special_tokens: true });
    const fullText = chat ? false : ((options.return_full_text as boolean | undefined) ?? true);
    const generated = fullText ? full : full.slice(tok.decode(prompt, { skip_special_tokens: true }).length);
    return [{ generated_text: chat ? [...input, { role: 'assistant', content: generated }] : generated }];
  };
  return decoderPipeline(
    answer,
    `transformers.js's tokenizer; greedy decode through onnxruntime's C API with the key/value cache bound on the device (IO binding${
      decoder instanceof StaticDecoder
        ? `, in fixed-length buffers written in place${decoder.graph ? ', each decode step a CUDA graph replayed' : ''}`
        : fixedCacheFailed
          ? `; not in fixed-length buffers: ${fixedCacheFailed}`
          : ''
    })`,
    () => {
      decoder.release();
      ort.close();
    },
  );
}

type BeforeStep = (inputTokens: number) => Promise<void>;

/**
 * A pipeline over a decoder of onnxruntime's C API: `answer` makes one input's output, told
 * `beforeStep` (each forward pass's input length) while the benchmark watches; greedy only, one
 * input at a time; disposing releases the decoder once (`release`).
 */
export function decoderPipeline(
  answer: (input: unknown, options: Record<string, unknown>, beforeStep?: BeforeStep) => Promise<unknown>,
  preprocessing: string,
  release: () => void,
): TaskPipeline {
  let listener: ForwardListener | undefined;
  const beforeStep: BeforeStep = (n) => listener!({ input_ids: { dims: [1, n] } });
  const call = async (inputs: unknown[], options: Record<string, unknown> = {}) => {
    if (options.do_sample) throw new Error("onnxruntime's C API decoder is greedy only (do_sample: false).");
    const out = [];
    for (const input of inputs) out.push(await answer(input, options, listener ? beforeStep : undefined));
    return out;
  };
  let disposed = false;
  return Object.assign(call, {
    preprocessing,
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      release();
    },
    onForward: (l: ForwardListener | undefined) => {
      listener = l;
    },
  });
}
