// Greedy decoding with the key/value cache in buffers of one fixed length on the device, each
// layer's past and present bound to the same buffer: GroupQueryAttention (the fused attention of
// onnxruntime-genai's builder files and many hub conversions) then writes each new position in
// place (what onnxruntime-genai calls past_present_share_buffer). Every decode step has the same
// inputs and outputs at the same addresses with the same shapes: the token and its position (two
// int64s), the attention mask over the whole buffer (a 1 written per step) and the last logits.
// On CUDA the provider captures such a step as a CUDA graph once and replays it (`graph`:
// onnxruntime's enable_cuda_graph, the step's run annotated with gpu_graph_id), so a step costs
// no kernel launches from the host. The prompt's pass runs uncaptured, with a mask of its own
// length (GroupQueryAttention's first prompt). On the CPU the same loop runs without capture.
import { type DeviceMemory, deviceMemory } from './deviceMemory';
import { DeviceTensors } from './deviceTensors';
import { ELEMENT, type OrtBinding, type OrtDevice, type OrtDirect, type OrtTensor } from './ortDirect';
import {
  argmaxRow,
  type CacheShape,
  type DecodeOptions,
  type DecodeResult,
  DirectDecoder,
  stepFeeds,
} from './ortDirectDecode';

/** Buffers are made for prompt + new tokens rounded up to this many positions, and kept while later answers fit. */
const LENGTH_STEP = 256;
const BYTES: Record<number, number> = { [ELEMENT.float32]: 4, [ELEMENT.float16]: 2, [ELEMENT.int64]: 8 };

interface Buffers {
  length: number;
  /** Run options of a decode step: its CUDA graph's id (one per set of buffers: their addresses are in it). */
  runOptions: unknown;
  binding: OrtBinding;
  owned: DeviceTensors;
  cache: Map<string, OrtTensor>;
  /** The token and its position, adjacent: one copy a step. */
  idsAt: bigint;
  maskAt: bigint;
  logitsAt: bigint;
}

export class StaticDecoder {
  private buffers: Buffers | undefined;
  private graphs = 0;
  private readonly logitsType: number;
  private readonly vocabulary: number;
  private readonly promptOptions: unknown;

  private constructor(
    private readonly ort: OrtDirect,
    readonly decoder: DirectDecoder,
    private readonly memory: DeviceMemory,
    readonly graph: boolean,
    private readonly maxPositions: number | undefined,
  ) {
    const { session } = decoder;
    for (const name of ['num_logits_to_keep', 'logits_to_keep'])
      if (session.inputs.includes(name))
        throw new Error(`the decoder takes ${name}, whose value decides a shape: a step cannot be replayed`);
    const logits = ort.ioInfo(session.handle, 'output', session.outputs.indexOf('logits'));
    this.logitsType = logits.type;
    this.vocabulary = logits.dims[logits.dims.length - 1]!;
    if (!(this.vocabulary > 0)) throw new Error("the logits' vocabulary dimension is symbolic in the file");
    if (!BYTES[this.logitsType]) throw new Error(`logits of element type ${logits.type} are not read here`);
    this.promptOptions = ort.runOptions(graph ? { gpu_graph_id: '-1' } : {});
  }

  /** `graph` (CUDA only): capture each decode step as a CUDA graph and replay it. */
  static open(
    ort: OrtDirect,
    modelPath: string,
    device: OrtDevice,
    shape: CacheShape = {},
    { graph = device === 'cuda' } = {},
  ): StaticDecoder {
    const decoder = DirectDecoder.open(ort, modelPath, device, shape, { cudaGraph: graph && device === 'cuda' });
    try {
      return new StaticDecoder(ort, decoder, deviceMemory(device), graph && device === 'cuda', shape.maxPositions);
    } catch (e) {
      decoder.release();
      throw e;
    }
  }

  /** Greedy tokens after `prompt`, as DirectDecoder.generate gives them. */
  async generate(
    prompt: readonly number[],
    options: DecodeOptions,
    beforeStep?: (inputTokens: number) => Promise<void>,
  ): Promise<DecodeResult> {
    if (prompt.length === 0) throw new Error('an empty prompt');
    const n = prompt.length;
    const b = this.buffersFor(n + options.maxNewTokens);
    const eos = new Set(options.eosTokenIds ?? []);
    const row =
      this.logitsType === ELEMENT.float32 ? new Float32Array(this.vocabulary) : new Uint16Array(this.vocabulary);
    const tokens: number[] = [];
    const stepMs: number[] = [];
    const runMs: number[] = [];
    const mask = new BigInt64Array(b.length);
    mask.fill(1n, 0, n + 1); // the prompt and the first new token
    for (let step = 0; step < options.maxNewTokens; step++) {
      if (beforeStep) await beforeStep(step === 0 ? n : 1);
      const t0 = performance.now();
      let r0: number;
      if (step === 0) {
        this.memory.write(b.maskAt, mask);
        r0 = performance.now();
        this.prompt(prompt, b, row);
      } else {
        const position = n + step - 1;
        this.memory.write(b.idsAt, BigInt64Array.of(BigInt(tokens[step - 1]!), BigInt(position)));
        this.memory.write(b.maskAt + BigInt(8 * position), BigInt64Array.of(1n));
        r0 = performance.now();
        b.binding.run(b.runOptions);
        this.memory.sync();
        this.memory.read(b.logitsAt, row);
      }
      runMs.push(performance.now() - r0);
      const token = argmaxRow(row, 0, this.vocabulary);
      stepMs.push(performance.now() - t0);
      tokens.push(token);
      if (eos.has(token)) break;
    }
    return { tokens, stepMs, runMs };
  }

  /** The prompt's pass, uncaptured: its cache written into the buffers, its last logits into `row`. */
  private prompt(prompt: readonly number[], b: Buffers, row: Float32Array | Uint16Array): void {
    const { ort, decoder } = this;
    const { session } = decoder;
    const n = prompt.length;
    const feeds = stepFeeds(ort, session.inputs, prompt, n);
    const binding = session.binding();
    let outputs: Map<string, OrtTensor> | undefined;
    try {
      for (const [name, value] of feeds) binding.input(name, value);
      for (const [past, buffer] of b.cache) {
        binding.input(past, buffer);
        binding.outputTo(past.replace('past_key_values.', 'present.'), buffer);
      }
      binding.output('logits', session.device);
      binding.run(this.promptOptions);
      outputs = binding.take();
      const logits = outputs.get('logits')!;
      const dims = logits.info().dims;
      const last = (dims.slice(0, -1).reduce((x, y) => x * y, 1) - 1) * this.vocabulary;
      // onnxruntime's memory: a CPU tensor is viewed, a device one copied from its address.
      if (session.device === 'cpu')
        row.set(logits.cpuView().subarray(last, last + this.vocabulary) as Float32Array & Uint16Array);
      else {
        this.memory.sync();
        this.memory.read(ort.address(logits.handle) + BigInt(last * BYTES[this.logitsType]!), row);
      }
    } catch (e) {
      // onnxruntime's words when a present outgrows the buffer bound for it.
      throw /output OrtValue provided for output 'present\./.test(String(e))
        ? new Error(
            `the decoder's attention does not write its cache in place (GroupQueryAttention does), so a fixed-length cache cannot be bound: ${(e as Error).message}`,
          )
        : e;
    } finally {
      for (const t of outputs?.values() ?? []) t.release();
      for (const [, t] of feeds) t.release();
      binding.clear();
      binding.release();
    }
  }

  /** Buffers of at least `needed` positions: the current ones, or new ones (and a new graph). */
  private buffersFor(needed: number): Buffers {
    if (this.buffers && this.buffers.length >= needed) return this.buffers;
    this.freeBuffers();
    const { ort, decoder, memory } = this;
    const { session } = decoder;
    const most = this.maxPositions ?? Number.POSITIVE_INFINITY;
    if (needed > most) throw new Error(`${needed} positions asked for, more than the model's ${most}`);
    // Rounded up, within the model's positions (its rotary tables end there).
    const length = Math.min(Math.ceil(needed / LENGTH_STEP) * LENGTH_STEP, most);
    const b: Buffers = {
      length,
      runOptions: undefined,
      binding: session.binding(),
      owned: new DeviceTensors(ort, memory),
      cache: new Map(),
      idsAt: 0n,
      maskAt: 0n,
      logitsAt: 0n,
    };
    this.buffers = b;
    const { owned } = b;
    for (const past of decoder.pastNames)
      b.cache.set(past, owned.tensor(decoder.cacheType, [1, decoder.kvHeads, length, decoder.headDim]));
    b.idsAt = owned.alloc(16); // the token, then its position: one copy a step
    const inputIds = owned.over(b.idsAt, ELEMENT.int64, [1, 1]);
    const positions = owned.over(b.idsAt + 8n, ELEMENT.int64, [1, 1]);
    b.maskAt = owned.alloc(8 * length);
    const mask = owned.over(b.maskAt, ELEMENT.int64, [1, length]);
    b.logitsAt = owned.alloc(this.vocabulary * BYTES[this.logitsType]!);
    const logits = owned.over(b.logitsAt, this.logitsType, [1, 1, this.vocabulary]);
    b.binding.input('input_ids', inputIds);
    if (session.inputs.includes('position_ids')) b.binding.input('position_ids', positions);
    b.binding.input('attention_mask', mask);
    for (const [past, buffer] of b.cache) {
      b.binding.input(past, buffer);
      b.binding.outputTo(past.replace('past_key_values.', 'present.'), buffer);
    }
    b.binding.outputTo('logits', logits);
    b.runOptions = ort.runOptions(this.graph ? { gpu_graph_id: String(++this.graphs) } : {});
    return b;
  }

  private freeBuffers(): void {
    const b = this.buffers;
    if (!b) return;
    this.buffers = undefined;
    b.binding.clear();
    b.binding.release();
    if (b.runOptions) this.ort.releaseRunOptions(b.runOptions);
    b.owned.release();
  }

  release(): void {
    this.freeBuffers();
    this.ort.releaseRunOptions(this.promptOptions);
    this.decoder.release();
  }
}
