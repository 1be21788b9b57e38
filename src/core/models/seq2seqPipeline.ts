// A summarization pipeline that decodes through onnxruntime's C API in CarbonLens's step layout
// (ortSeq2SeqStatic.ts: fixed buffers, each decoder step a CUDA graph on CUDA) instead of
// transformers.js's generate(): the same prefixes, tokenizer, truncation and output as
// transformers.js's summarization pipeline, greedy only, one input at a time. Used where the
// model's folder has the step layout's files (runtime.ts); the record's runtime says so.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { decoderPipeline, eosIds } from './ioBindingPipeline';
import { loadOrt, type OrtDevice } from './ortDirect';
import { type Seq2SeqFiles, Seq2SeqStaticDecoder } from './ortSeq2SeqStatic';
import type { TaskPipeline } from './runtime';
import type { Dtype } from './tasks';

/** The step layout's files for a dtype (transformers.js's suffixes), or undefined where one is missing. */
export function seq2seqFiles(folder: string, dtype: Dtype): Seq2SeqFiles | undefined {
  const file = (name: string) => join(folder, 'onnx', `${name}${dtype === 'fp32' ? '' : `_${dtype}`}.onnx`);
  const files = { encoder: file('encoder_model'), cross: file('cross_kv'), step: file('decoder_static') };
  return Object.values(files).every((f) => existsSync(f)) ? files : undefined;
}

interface Seq2SeqConfig {
  prefix?: string;
  task_specific_params?: { summarization?: { prefix?: string } };
  decoder_start_token_id?: number;
  pad_token_id?: number;
}

export async function staticSummarizer(folder: string, device: OrtDevice, files: Seq2SeqFiles): Promise<TaskPipeline> {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = dirname(folder) + sep;
  env.useFSCache = false;
  const tok = (await AutoTokenizer.from_pretrained(basename(folder))) as unknown as {
    (text: string, options: { truncation: boolean }): { input_ids: { data: BigInt64Array } };
    decode(ids: number[], options: { skip_special_tokens: boolean }): string;
  };
  const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as Seq2SeqConfig;
  const generation = join(folder, 'generation_config.json');
  const generationConfig = (
    existsSync(generation) ? JSON.parse(readFileSync(generation, 'utf8')) : {}
  ) as Seq2SeqConfig;
  const pad = generationConfig.pad_token_id ?? config.pad_token_id ?? 0;
  const start = generationConfig.decoder_start_token_id ?? config.decoder_start_token_id ?? pad;
  const prefix = (config.prefix ?? '') + (config.task_specific_params?.summarization?.prefix ?? '');
  const eos = eosIds(folder, config as Record<string, unknown>);
  const ort = loadOrt();
  /** The decoder, having summarised a two-token input in 5 tokens: past the runs before a capture, and replays. */
  const probed = async (graph: boolean) => {
    const d = Seq2SeqStaticDecoder.open(ort, files, device, { graph });
    try {
      await d.generate([pad, pad], { maxNewTokens: 5, decoderStartTokenId: start, padTokenId: pad });
      return d;
    } catch (e) {
      d.release();
      throw e;
    }
  };
  let decoder: Seq2SeqStaticDecoder;
  let noGraph: string | undefined;
  try {
    try {
      decoder = await probed(device === 'cuda');
    } catch (e) {
      if (device !== 'cuda') throw e;
      // A provider that cannot capture the step (a node it places on the CPU): the same loop, uncaptured.
      noGraph = (e as Error).message;
      decoder = await probed(false);
    }
  } catch (e) {
    ort.close();
    throw e;
  }
  const summary = async (
    input: unknown,
    options: Record<string, unknown>,
    beforeStep?: (n: number) => Promise<void>,
  ) => {
    if (typeof input !== 'string') throw new Error('Input must be a string.');
    const ids = [...tok(prefix + input, { truncation: true }).input_ids.data].map(Number);
    const maxNewTokens = (options.max_new_tokens as number | undefined) ?? 256;
    const tokens = await decoder.generate(
      ids,
      { maxNewTokens, decoderStartTokenId: start, padTokenId: pad, eosTokenIds: eos },
      beforeStep,
    );
    return { summary_text: tok.decode(tokens, { skip_special_tokens: true }) };
  };
  return decoderPipeline(
    summary,
    `transformers.js's tokenizer; greedy decode through onnxruntime's C API in CarbonLens's step layout (encoder and cross-attention once per input, the decoder's cache in fixed buffers${decoder.graph ? ', each decoder step a CUDA graph replayed' : noGraph ? `; no CUDA graph: ${noGraph}` : ''})`,
    () => {
      decoder.release();
      ort.close();
    },
  );
}
