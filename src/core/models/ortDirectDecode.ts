// Greedy decoding of a decoder-only ONNX file through onnxruntime's C API with IO binding: each
// step's present key/value tensors are bound on the session's device and fed unchanged as the next
// step's pasts, so the cache never leaves the device; only the logits come back to host memory,
// and of them only the last position's row is read. The file's layout is transformers.js's:
// inputs input_ids, attention_mask, optional position_ids (and num_logits_to_keep, fed 1),
// past_key_values.N.key/value; outputs logits, present.N.key/value. As in transformers.js, the
// first step's pasts are zero-length.
import {
  ELEMENT,
  elementName,
  type OrtDevice,
  type OrtDirect,
  type OrtDirectSession,
  type OrtTensor,
} from './ortDirect';

export interface DecodeOptions {
  maxNewTokens: number;
  /** Tokens that end the answer (included in it, as transformers.js's generate() does). */
  eosTokenIds?: readonly number[];
}

export interface DecodeResult {
  /** The new tokens (not the prompt's). */
  tokens: number[];
  /** Wall-clock milliseconds of each step (step 0 is the prompt's pass: the time to first token). */
  stepMs: number[];
  /** Of each step, the milliseconds inside onnxruntime's RunWithBinding (the rest: binding, tensors, argmax). */
  runMs: number[];
}

/** The cache's shape where the file leaves it symbolic (from config.json). */
export interface CacheShape {
  kvHeads?: number;
  headDim?: number;
  /** The most positions the model takes (config.json's max_position_embeddings), where known. */
  maxPositions?: number;
}

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;
const KNOWN = new Set(['input_ids', 'attention_mask', 'position_ids', 'num_logits_to_keep', 'logits_to_keep']);

/** The index of the largest value of row `row` (first one on ties), float32 or float16 bits. */
export function argmaxRow(data: Float32Array | Uint16Array, row: number, width: number): number {
  const start = row * width;
  let best = 0;
  if (data instanceof Float32Array) {
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < width; i++) {
      const v = data[start + i]!;
      if (v > max) {
        max = v;
        best = i;
      }
    }
    return best;
  }
  // float16 bits: an order-preserving integer key (NaNs skipped), no conversion to float.
  let max = -1;
  for (let i = 0; i < width; i++) {
    const h = data[start + i]!;
    if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue;
    const key = h & 0x8000 ? 0x7fff - (h & 0x7fff) : 0x8000 + h;
    if (key > max) {
      max = key;
      best = i;
    }
  }
  return best;
}

/**
 * A step's feeds besides the cache, as CPU tensors the caller releases: `ids` ending at position
 * `total` - 1, a mask of `total` ones, their positions where the file takes them, and the last
 * position's logits only where the file can be told so.
 */
export function stepFeeds(
  ort: OrtDirect,
  inputs: readonly string[],
  ids: readonly number[],
  total: number,
): [string, OrtTensor][] {
  const feeds: [string, OrtTensor][] = [];
  const feed = (name: string, dims: number[], data: BigInt64Array) =>
    feeds.push([name, ort.tensor(ELEMENT.int64, dims, data)]);
  try {
    feed('input_ids', [1, ids.length], BigInt64Array.from(ids, BigInt));
    feed('attention_mask', [1, total], new BigInt64Array(total).fill(1n));
    if (inputs.includes('position_ids'))
      feed(
        'position_ids',
        [1, ids.length],
        BigInt64Array.from({ length: ids.length }, (_, i) => BigInt(total - ids.length + i)),
      );
    for (const name of ['num_logits_to_keep', 'logits_to_keep'])
      if (inputs.includes(name)) feed(name, [], BigInt64Array.of(1n));
    return feeds;
  } catch (e) {
    for (const [, t] of feeds) t.release();
    throw e;
  }
}

/** A decoder session and its cache layout; `generate` runs one greedy answer. */
export class DirectDecoder {
  readonly layers: number;
  readonly cacheType: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly pastNames: string[];

  private constructor(
    private readonly ort: OrtDirect,
    readonly session: OrtDirectSession,
    shape: CacheShape,
  ) {
    this.pastNames = session.inputs.filter((n) => PAST.test(n));
    const unknown = session.inputs.filter((n) => !PAST.test(n) && !KNOWN.has(n));
    if (unknown.length) throw new Error(`the decoder has inputs this loop does not feed: ${unknown.join(', ')}`);
    for (const need of ['input_ids', 'attention_mask'])
      if (!session.inputs.includes(need)) throw new Error(`the decoder has no ${need} input`);
    if (!session.outputs.includes('logits')) throw new Error('the decoder has no logits output');
    this.layers = this.pastNames.length / 2;
    for (const past of this.pastNames) {
      const present = past.replace('past_key_values.', 'present.');
      if (!session.outputs.includes(present)) throw new Error(`the decoder has ${past} but no ${present} output`);
    }
    if (this.layers === 0) throw new Error('the decoder has no past_key_values inputs (a file without a cache)');
    const info = session.inputInfo(this.pastNames[0]!);
    if (info.dims.length !== 4) throw new Error(`${this.pastNames[0]} has ${info.dims.length} dimensions, not 4`);
    this.cacheType = info.type;
    if (info.type !== ELEMENT.float32 && info.type !== ELEMENT.float16)
      throw new Error(`a ${elementName(info.type)} cache is not supported`);
    const fixed = (d: number | undefined, fallback: number | undefined, what: string) => {
      if (d !== undefined && d > 0) return d;
      if (fallback) return fallback;
      throw new Error(`the cache's ${what} is symbolic in the file and not given`);
    };
    this.kvHeads = fixed(info.dims[1], shape.kvHeads, 'number of key/value heads');
    this.headDim = fixed(info.dims[3], shape.headDim, 'head size');
  }

  static open(
    ort: OrtDirect,
    modelPath: string,
    device: OrtDevice,
    shape: CacheShape = {},
    options: { cudaGraph?: boolean } = {},
  ): DirectDecoder {
    const session = ort.session(modelPath, device, options);
    try {
      return new DirectDecoder(ort, session, shape);
    } catch (e) {
      session.release();
      throw e;
    }
  }

  /**
   * Greedy tokens after `prompt` (token ids, batch of one). `beforeStep`, where given, is awaited
   * before each step with the number of tokens the step feeds (the prompt's, then 1), as a
   * forward-pass listener is in transformers.js (the harness meters prefill and decode apart by it).
   */
  async generate(
    prompt: readonly number[],
    options: DecodeOptions,
    beforeStep?: (inputTokens: number) => Promise<void>,
  ): Promise<DecodeResult> {
    if (prompt.length === 0) throw new Error('an empty prompt');
    const { ort, session } = this;
    const eos = new Set(options.eosTokenIds ?? []);
    const device = session.device;
    const live = new Set<OrtTensor>();
    const own = (t: OrtTensor) => (live.add(t), t);
    const drop = (t: OrtTensor | undefined) => {
      if (!t) return;
      t.release();
      live.delete(t);
    };
    const binding = session.binding();
    const tokens: number[] = [];
    const stepMs: number[] = [];
    const runMs: number[] = [];
    try {
      let pasts = new Map<string, OrtTensor>(
        this.pastNames.map((n) => [n, own(ort.tensor(this.cacheType, [1, this.kvHeads, 0, this.headDim]))]),
      );
      let ids: readonly number[] = prompt;
      for (let step = 0; step < options.maxNewTokens; step++) {
        if (beforeStep) await beforeStep(ids.length);
        const t0 = performance.now();
        const total = prompt.length + step;
        const feeds = stepFeeds(ort, session.inputs, ids, total);
        for (const [, value] of feeds) own(value);
        binding.clear();
        for (const [name, value] of feeds) binding.input(name, value);
        for (const [name, value] of pasts) binding.input(name, value);
        binding.output('logits', 'cpu');
        for (const name of this.pastNames) binding.output(name.replace('past_key_values.', 'present.'), device);
        const r0 = performance.now();
        binding.run();
        runMs.push(performance.now() - r0);
        const outputs = binding.take();
        for (const t of outputs.values()) own(t);
        const logits = outputs.get('logits')!;
        const { dims } = logits.info();
        const view = logits.cpuView();
        if (view instanceof BigInt64Array) throw new Error('int64 logits');
        // [batch, positions, vocabulary], or [batch, vocabulary] where the file keeps the last position only.
        const width = dims[dims.length - 1]!;
        const token = argmaxRow(view, view.length / width - 1, width);
        drop(logits);
        for (const [, value] of feeds) drop(value);
        for (const value of pasts.values()) drop(value);
        pasts = new Map(this.pastNames.map((n) => [n, outputs.get(n.replace('past_key_values.', 'present.'))!]));
        stepMs.push(performance.now() - t0);
        tokens.push(token);
        if (eos.has(token)) break;
        ids = [token];
      }
      return { tokens, stepMs, runMs };
    } finally {
      binding.clear();
      for (const t of live) t.release();
      binding.release();
    }
  }

  release(): void {
    this.session.release();
  }
}
