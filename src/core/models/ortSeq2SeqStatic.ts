// Greedy decoding of an encoder-decoder model (T5) with every decoder step the same run over
// buffers of fixed length at fixed addresses, so that on CUDA each step is a CUDA graph replayed
// (onnxruntime's enable_cuda_graph; ortStaticDecode.ts does the same for decoder-only models).
// Three files, CarbonLens's step layout (bench/t5/t5.py exports it; test/fixtures/tiny-models
// writes a tiny one):
//   encoder_model            input_ids, attention_mask -> last_hidden_state (transformers.js's own)
//   cross_kv                 encoder_hidden_states -> cross.{i}.key/value [1, heads, enc, head dim]
//   decoder_static           input_ids [1,1], position [1], cache_positions [max],
//                            encoder_attention_mask [1, enc], cross.{i}.*, past.{i}.key/value
//                            [1, heads, max, head dim] -> next_token [1,1] (greedy, in the graph),
//                            present.{i}.* (the past with this position's row written)
// The encoder's input is padded to a multiple of ENCODER_STEP (its mask 0 there), and the cache to
// a multiple of CACHE_STEP: one set of buffers (and graphs) per padded input length, kept, so
// answers of nearby lengths share them and the graphs onnxruntime holds stay few. Each step reads
// one set of cache buffers and writes the other (two graphs, alternating): a run never writes
// what it reads. The encoder and the cross-attention keys and values run once per answer,
// uncaptured, straight into the buffers the steps read.
import { type DeviceMemory, deviceMemory } from './deviceMemory';
import { DeviceTensors } from './deviceTensors';
import { ELEMENT, type OrtBinding, type OrtDevice, type OrtDirect, type OrtDirectSession } from './ortDirect';

export const ENCODER_STEP = 64;
export const CACHE_STEP = 64;

export interface Seq2SeqFiles {
  encoder: string;
  cross: string;
  step: string;
}

export interface Seq2SeqOptions {
  maxNewTokens: number;
  decoderStartTokenId: number;
  padTokenId: number;
  eosTokenIds?: number[];
}

interface Buffers {
  encoderLength: number;
  cacheLength: number;
  owned: DeviceTensors;
  /** The encoder's input ids then its mask, adjacent. */
  encoderInputAt: bigint;
  encoder: OrtBinding;
  cross: OrtBinding;
  /** Two bindings of the step: cache A to B, then B to A; each its own graph. */
  steps: [OrtBinding, OrtBinding];
  runOptions: [unknown, unknown];
  /** The token and its position, adjacent: one copy a step. */
  ioAt: bigint;
  nextAt: bigint;
}

export class Seq2SeqStaticDecoder {
  /** Per padded input length. */
  private readonly sets = new Map<number, Buffers>();
  private graphs = 0;
  private readonly layers: number;
  private readonly heads: number;
  private readonly headDim: number;
  private readonly hidden: number;
  private readonly stateType: number;

  private constructor(
    private readonly ort: OrtDirect,
    private readonly sessions: { encoder: OrtDirectSession; cross: OrtDirectSession; step: OrtDirectSession },
    private readonly memory: DeviceMemory,
    readonly graph: boolean,
  ) {
    const { step, encoder } = sessions;
    this.layers = step.inputs.filter((n) => /^past\.\d+\.key$/.test(n)).length;
    if (!this.layers || !step.outputs.includes('next_token'))
      throw new Error('the decoder is not in the step layout (past.N.key inputs, a next_token output)');
    const past = step.inputInfo('past.0.key');
    [, this.heads, , this.headDim] = past.dims as [number, number, number, number];
    this.stateType = past.type;
    const hidden = ort.ioInfo(encoder.handle, 'output', encoder.outputs.indexOf('last_hidden_state')).dims;
    this.hidden = hidden[hidden.length - 1]!;
    if (!(this.heads > 0 && this.headDim > 0 && this.hidden > 0))
      throw new Error('the heads, head size or hidden size is symbolic in the files');
  }

  /** `graph` (CUDA only): capture each decoder step as a CUDA graph and replay it. */
  static open(ort: OrtDirect, files: Seq2SeqFiles, device: OrtDevice, { graph = device === 'cuda' } = {}) {
    const opened: OrtDirectSession[] = [];
    try {
      const encoder = ort.session(files.encoder, device);
      opened.push(encoder);
      const cross = ort.session(files.cross, device);
      opened.push(cross);
      const step = ort.session(files.step, device, { cudaGraph: graph && device === 'cuda' });
      opened.push(step);
      return new Seq2SeqStaticDecoder(ort, { encoder, cross, step }, deviceMemory(device), graph && device === 'cuda');
    } catch (e) {
      for (const s of opened) s.release();
      throw e;
    }
  }

  /**
   * Greedy tokens for the encoder input `ids`. `beforeStep` is awaited before the encoder's pass
   * with the first step (with the input's length) and before every later step (with 1).
   */
  async generate(
    ids: readonly number[],
    options: Seq2SeqOptions,
    beforeStep?: (inputTokens: number) => Promise<void>,
  ): Promise<number[]> {
    if (ids.length === 0) throw new Error('an empty input');
    const b = this.buffersFor(ids.length, options.maxNewTokens);
    const eos = new Set(options.eosTokenIds ?? []);
    const input = new BigInt64Array(2 * b.encoderLength).fill(BigInt(options.padTokenId), 0, b.encoderLength);
    ids.forEach((id, i) => {
      input[i] = BigInt(id);
      input[b.encoderLength + i] = 1n;
    });
    const tokens: number[] = [];
    const next = new BigInt64Array(1);
    for (let step = 0; step < options.maxNewTokens; step++) {
      if (beforeStep) await beforeStep(step === 0 ? ids.length : 1);
      if (step === 0) {
        this.memory.write(b.encoderInputAt, input);
        b.encoder.run();
        b.cross.run();
      }
      const token = step === 0 ? options.decoderStartTokenId : tokens[step - 1]!;
      this.memory.write(b.ioAt, BigInt64Array.of(BigInt(token), BigInt(step)));
      b.steps[step % 2]!.run(b.runOptions[step % 2]);
      this.memory.sync();
      this.memory.read(b.nextAt, next);
      const made = Number(next[0]);
      tokens.push(made);
      if (eos.has(made)) break;
    }
    return tokens;
  }

  /** Buffers for an input of `inputLength` and `newTokens` tokens: the current ones where they match, else new ones. */
  private buffersFor(inputLength: number, newTokens: number): Buffers {
    const encoderLength = Math.ceil(inputLength / ENCODER_STEP) * ENCODER_STEP;
    const cacheLength = Math.ceil(newTokens / CACHE_STEP) * CACHE_STEP;
    const current = this.sets.get(encoderLength);
    if (current && current.cacheLength >= cacheLength) return current;
    if (current) this.free(current);
    const { ort, memory, sessions } = this;
    const b: Buffers = {
      encoderLength,
      cacheLength,
      owned: new DeviceTensors(ort, memory),
      encoderInputAt: 0n,
      encoder: sessions.encoder.binding(),
      cross: sessions.cross.binding(),
      steps: [sessions.step.binding(), sessions.step.binding()],
      runOptions: [undefined, undefined],
      ioAt: 0n,
      nextAt: 0n,
    };
    this.sets.set(encoderLength, b);
    const { owned } = b;
    const S = encoderLength;
    const M = b.cacheLength;
    b.encoderInputAt = owned.alloc(16 * S);
    const encoderIds = owned.over(b.encoderInputAt, ELEMENT.int64, [1, S]);
    const encoderMask = owned.over(b.encoderInputAt + BigInt(8 * S), ELEMENT.int64, [1, S]);
    const states = owned.tensor(this.stateType, [1, S, this.hidden]);
    b.encoder.input('input_ids', encoderIds);
    b.encoder.input('attention_mask', encoderMask);
    b.encoder.outputTo('last_hidden_state', states);
    b.cross.input('encoder_hidden_states', states);
    const kv = (length: number) => owned.tensor(this.stateType, [1, this.heads, length, this.headDim]);
    const names = Array.from({ length: this.layers }, (_, i) => [`${i}.key`, `${i}.value`]).flat();
    const cross = names.map((n) => [n, kv(S)] as const);
    for (const [n, t] of cross) b.cross.outputTo(`cross.${n}`, t);
    const caches = [names.map(() => kv(M)), names.map(() => kv(M))];
    b.ioAt = owned.alloc(16);
    const inputIds = owned.over(b.ioAt, ELEMENT.int64, [1, 1]);
    const position = owned.over(b.ioAt + 8n, ELEMENT.int64, [1]);
    const positionsAt = owned.alloc(8 * M);
    memory.write(
      positionsAt,
      BigInt64Array.from({ length: M }, (_, i) => BigInt(i)),
    );
    const positions = owned.over(positionsAt, ELEMENT.int64, [M]);
    b.nextAt = owned.alloc(8);
    const nextToken = owned.over(b.nextAt, ELEMENT.int64, [1, 1]);
    b.steps.forEach((step, parity) => {
      step.input('input_ids', inputIds);
      step.input('position', position);
      step.input('cache_positions', positions);
      step.input('encoder_attention_mask', encoderMask);
      for (const [n, t] of cross) step.input(`cross.${n}`, t);
      names.forEach((n, i) => {
        step.input(`past.${n}`, caches[parity]![i]!);
        step.outputTo(`present.${n}`, caches[1 - parity]![i]!);
      });
      step.outputTo('next_token', nextToken);
      b.runOptions[parity] = ort.runOptions(this.graph ? { gpu_graph_id: String(++this.graphs) } : {});
    });
    return b;
  }

  private free(b: Buffers): void {
    this.sets.delete(b.encoderLength);
    for (const binding of [b.encoder, b.cross, ...b.steps]) {
      binding.clear();
      binding.release();
    }
    for (const o of b.runOptions) if (o) this.ort.releaseRunOptions(o);
    b.owned.release();
  }

  release(): void {
    for (const b of [...this.sets.values()]) this.free(b);
    for (const s of Object.values(this.sessions)) s.release();
  }
}
