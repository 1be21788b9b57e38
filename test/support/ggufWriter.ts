// Writes GGUF files for tests (the format of ggml's docs/gguf.md, version 3): a tiny
// llama-architecture language model with random weights and a byte-level SentencePiece vocabulary
// that llama.cpp loads and generates from, and the raw writer to make broken ones.
import { writeFileSync } from 'node:fs';
import { seededRandom } from '../../src/core/bench/datasets/evalSet';

/** GGUF's metadata value types. */
export const GGUF_TYPE = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

export type GgufValue =
  | { type: 'uint32' | 'int32' | 'float32' | 'uint8' | 'bool' | 'uint64'; value: number | boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; of: 'string'; value: string[] }
  | { type: 'array'; of: 'float32' | 'int32'; value: number[] };

export interface GgufTensor {
  name: string;
  /** ne[0] first: the innermost (row) length first, as GGUF lists them. */
  dims: number[];
  /** ggml type: 0 F32, 1 F16. */
  type: 0 | 1;
  data: Float32Array;
}

const ALIGNMENT = 32;

class Bytes {
  private chunks: Buffer[] = [];
  length = 0;
  push(b: Buffer) {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(n: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    this.push(b);
  }
  u64(n: number | bigint) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    this.push(b);
  }
  str(s: string) {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  pad() {
    const n = (ALIGNMENT - (this.length % ALIGNMENT)) % ALIGNMENT;
    if (n) this.push(Buffer.alloc(n));
  }
  buffer() {
    return Buffer.concat(this.chunks);
  }
}

function scalar(out: Bytes, type: string, value: number | boolean) {
  const b = Buffer.alloc(type === 'uint64' ? 8 : type === 'uint8' || type === 'bool' ? 1 : 4);
  if (type === 'uint32') b.writeUInt32LE(value as number);
  else if (type === 'int32') b.writeInt32LE(value as number);
  else if (type === 'float32') b.writeFloatLE(value as number);
  else if (type === 'uint8') b.writeUInt8(value as number);
  else if (type === 'bool') b.writeUInt8(value ? 1 : 0);
  else b.writeBigUInt64LE(BigInt(value as number));
  out.push(b);
}

/** A GGUF file's bytes: header, metadata, tensor infos, aligned tensor data. */
export function ggufBytes(metadata: Record<string, GgufValue>, tensors: GgufTensor[], version = 3): Buffer {
  const out = new Bytes();
  out.push(Buffer.from('GGUF', 'ascii'));
  out.u32(version);
  out.u64(tensors.length);
  out.u64(Object.keys(metadata).length);
  for (const [key, v] of Object.entries(metadata)) {
    out.str(key);
    out.u32(GGUF_TYPE[v.type]);
    if (v.type === 'string') out.str(v.value);
    else if (v.type === 'array') {
      out.u32(GGUF_TYPE[v.of]);
      out.u64(v.value.length);
      for (const x of v.value) {
        if (v.of === 'string') out.str(x as string);
        else scalar(out, v.of, x as number);
      }
    } else scalar(out, v.type, v.value);
  }
  const datas = tensors.map((t) => tensorData(t));
  let offset = 0;
  tensors.forEach((t, i) => {
    out.str(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(t.type);
    out.u64(offset);
    offset += Math.ceil(datas[i]!.length / ALIGNMENT) * ALIGNMENT;
  });
  out.pad();
  for (const d of datas) {
    out.push(d);
    out.pad();
  }
  return out.buffer();
}

function tensorData(t: GgufTensor): Buffer {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (t.data.length !== count) throw new Error(`${t.name}: ${t.data.length} values for ${count}`);
  if (t.type === 0) return Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const b = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) b.writeUInt16LE(toHalf(t.data[i]!), i * 2);
  return b;
}

/** float32 to IEEE half (round toward zero; small weights only). */
function toHalf(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  const mant = (u >>> 13) & 0x3ff;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | mant;
}

/** The tiny model's shape. */
export const TINY_LLAMA = { embd: 32, heads: 4, ff: 64, layers: 2, context: 512 } as const;

/**
 * SentencePiece-style vocabulary: <unk>, <s>, </s>, the 256 byte tokens, then a few pieces, so
 * any text tokenises (unknown characters fall back to bytes).
 */
export function tinyVocab(): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [2, 3, 3]; // unknown, control, control
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(6); // byte
  }
  const pieces = ['▁', ...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''), '▁the', '▁is', '▁Answer', ':', '?'];
  for (const p of pieces) {
    tokens.push(p);
    types.push(1); // normal
  }
  return { tokens, scores: tokens.map((_, i) => (i < 259 ? 0 : -(i - 259))), types };
}

export interface TinyGgufOptions {
  seed?: number;
  /** general.file_type (0 all F32, 1 mostly F16, ...); default 0, or 1 with f16. */
  fileType?: number;
  /** Weights (2-D tensors) in F16. */
  f16?: boolean;
  name?: string;
  /** A chat template (tokenizer.chat_template). */
  chatTemplate?: string;
}

/** A tiny llama model with random weights, as GGUF bytes. */
export function tinyLlamaGguf(options: TinyGgufOptions = {}): Buffer {
  const { embd, heads, ff, layers, context } = TINY_LLAMA;
  const vocab = tinyVocab();
  const n = vocab.tokens.length;
  const rand = seededRandom(options.seed ?? 1);
  const weights = (count: number, scale = 0.2) => Float32Array.from({ length: count }, () => (rand() * 2 - 1) * scale);
  const ones = (count: number) => new Float32Array(count).fill(1);
  const w = options.f16 ? 1 : 0;
  // Output rows of the special and byte tokens are zero: the greedy answer is made of the pieces.
  const output = weights(embd * n, 1);
  output.fill(0, 0, 259 * embd);
  const tensors: GgufTensor[] = [
    { name: 'token_embd.weight', dims: [embd, n], type: w, data: weights(embd * n, 1) },
    { name: 'output_norm.weight', dims: [embd], type: 0, data: ones(embd) },
    { name: 'output.weight', dims: [embd, n], type: w, data: output },
  ];
  for (let l = 0; l < layers; l++) {
    const b = `blk.${l}`;
    tensors.push(
      { name: `${b}.attn_norm.weight`, dims: [embd], type: 0, data: ones(embd) },
      { name: `${b}.attn_q.weight`, dims: [embd, embd], type: w, data: weights(embd * embd) },
      { name: `${b}.attn_k.weight`, dims: [embd, embd], type: w, data: weights(embd * embd) },
      { name: `${b}.attn_v.weight`, dims: [embd, embd], type: w, data: weights(embd * embd) },
      { name: `${b}.attn_output.weight`, dims: [embd, embd], type: w, data: weights(embd * embd) },
      { name: `${b}.ffn_norm.weight`, dims: [embd], type: 0, data: ones(embd) },
      { name: `${b}.ffn_gate.weight`, dims: [embd, ff], type: w, data: weights(embd * ff) },
      { name: `${b}.ffn_up.weight`, dims: [embd, ff], type: w, data: weights(embd * ff) },
      { name: `${b}.ffn_down.weight`, dims: [ff, embd], type: w, data: weights(ff * embd) },
    );
  }
  const metadata: Record<string, GgufValue> = {
    'general.architecture': { type: 'string', value: 'llama' },
    'general.name': { type: 'string', value: options.name ?? 'carbonlens-tiny-llama' },
    'general.file_type': { type: 'uint32', value: options.fileType ?? (options.f16 ? 1 : 0) },
    'llama.context_length': { type: 'uint32', value: context },
    'llama.embedding_length': { type: 'uint32', value: embd },
    'llama.block_count': { type: 'uint32', value: layers },
    'llama.feed_forward_length': { type: 'uint32', value: ff },
    'llama.attention.head_count': { type: 'uint32', value: heads },
    'llama.attention.head_count_kv': { type: 'uint32', value: heads },
    'llama.attention.layer_norm_rms_epsilon': { type: 'float32', value: 1e-5 },
    'llama.rope.dimension_count': { type: 'uint32', value: embd / heads },
    'llama.vocab_size': { type: 'uint32', value: n },
    'tokenizer.ggml.model': { type: 'string', value: 'llama' },
    'tokenizer.ggml.tokens': { type: 'array', of: 'string', value: vocab.tokens },
    'tokenizer.ggml.scores': { type: 'array', of: 'float32', value: vocab.scores },
    'tokenizer.ggml.token_type': { type: 'array', of: 'int32', value: vocab.types },
    'tokenizer.ggml.unknown_token_id': { type: 'uint32', value: 0 },
    'tokenizer.ggml.bos_token_id': { type: 'uint32', value: 1 },
    'tokenizer.ggml.eos_token_id': { type: 'uint32', value: 2 },
    'tokenizer.ggml.add_bos_token': { type: 'bool', value: true },
    ...(options.chatTemplate && { 'tokenizer.chat_template': { type: 'string', value: options.chatTemplate } }),
  };
  return ggufBytes(metadata, tensors);
}

/** Writes the tiny model to `file`. */
export function writeTinyGguf(file: string, options?: TinyGgufOptions): string {
  writeFileSync(file, tinyLlamaGguf(options));
  return file;
}
