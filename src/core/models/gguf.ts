// A GGUF file's header and metadata (ggml's docs/gguf.md), read before llama.cpp opens it: what
// model it is, its quantisation (general.file_type), its context, and whether it is GGUF at all.
// llama.cpp trusts what it opens, so a file that is not a model is refused here with a reason.
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { ModelFileError } from '../bench/promptFit';

/** llama.cpp's llama_ftype: general.file_type's values, by the names its quantize tool uses. */
export const GGUF_FILE_TYPES: Readonly<Record<number, string>> = {
  0: 'F32',
  1: 'F16',
  2: 'Q4_0',
  3: 'Q4_1',
  4: 'Q4_1_SOME_F16',
  7: 'Q8_0',
  8: 'Q5_0',
  9: 'Q5_1',
  10: 'Q2_K',
  11: 'Q3_K_S',
  12: 'Q3_K_M',
  13: 'Q3_K_L',
  14: 'Q4_K_S',
  15: 'Q4_K_M',
  16: 'Q5_K_S',
  17: 'Q5_K_M',
  18: 'Q6_K',
  19: 'IQ2_XXS',
  20: 'IQ2_XS',
  21: 'Q2_K_S',
  22: 'IQ3_XS',
  23: 'IQ3_XXS',
  24: 'IQ1_S',
  25: 'IQ4_NL',
  26: 'IQ3_S',
  27: 'IQ3_M',
  28: 'IQ2_S',
  29: 'IQ2_M',
  30: 'IQ4_XS',
  31: 'IQ1_M',
  32: 'BF16',
  36: 'TQ1_0',
  37: 'TQ2_0',
  38: 'MXFP4_MOE',
  39: 'NVFP4',
  40: 'Q1_0',
  41: 'Q2_0',
};

export const GGUF_QUANTS = Object.values(GGUF_FILE_TYPES);

/** A quantisation's name as llama.cpp writes it (q4_k_m, Q4_K_M and q4-k-m are one). */
export const normaliseQuant = (name: string) => name.trim().toUpperCase().replace(/-/g, '_');

/** --quant's value checked against llama.cpp's names; a clear error for one it has not. */
export function quantOption(name: string): string {
  const q = normaliseQuant(name);
  if (!GGUF_QUANTS.includes(q))
    throw new ModelFileError(`'${name}' is not a llama.cpp quantisation: one of ${GGUF_QUANTS.join(', ')}.`);
  return q;
}

type Scalar = number | bigint | boolean | string;
/** An array's values where short (up to 64), else only its type and length. */
export type GgufMetaValue = Scalar | Scalar[] | { arrayOf: number; length: number };

export interface GgufInfo {
  file: string;
  bytes: number;
  version: number;
  tensorCount: number;
  metadata: Record<string, GgufMetaValue>;
  /** general.architecture (llama, qwen2, gemma3...). */
  architecture: string;
  name?: string;
  /** general.file_type's name (Q4_K_M), or `file_type N` where llama.cpp has no name for N; undefined when absent. */
  quantisation?: string;
  /** The context the model was trained with ({arch}.context_length). */
  contextLength?: number;
  /** tokenizer.chat_template is there. */
  chatTemplate: boolean;
}

const MAGIC = 0x46554747; // "GGUF", little-endian
/** Above any model's metadata count, key or string (a vocabulary's strings are short; a chat template is at most ~100 KB). */
const LIMITS = { kv: 100_000, tensors: 1_000_000, string: 16 * 1024 * 1024, array: 50_000_000 };
const SHORT_ARRAY = 64;

class GgufError extends ModelFileError {}

/** Reads forward through a file in chunks, never past its end. */
class Reader {
  private buf = Buffer.alloc(0);
  private start = 0; // file offset of buf[0]
  pos = 0;
  constructor(
    private readonly fd: number,
    readonly size: number,
    private readonly file: string,
  ) {}
  private need(n: number) {
    if (this.pos + n > this.size)
      throw new GgufError(
        `${this.file} ends inside its GGUF header (at byte ${this.pos} of ${this.size}): the file is cut short or not a GGUF model.`,
      );
    if (this.pos >= this.start && this.pos + n <= this.start + this.buf.length) return;
    const length = Math.min(Math.max(n, 1 << 20), this.size - this.pos);
    this.buf = Buffer.alloc(length);
    readSync(this.fd, this.buf, 0, length, this.pos);
    this.start = this.pos;
  }
  /** Reads after refilling: `this.buf` is looked up once the bytes are there. */
  private at<T>(n: number, read: (b: Buffer, i: number) => T): T {
    const i = this.take(n);
    return read(this.buf, i);
  }
  private take(n: number) {
    this.need(n);
    const at = this.pos - this.start;
    this.pos += n;
    return at;
  }
  u8 = () => this.at(1, (b, i) => b.readUInt8(i));
  i8 = () => this.at(1, (b, i) => b.readInt8(i));
  u16 = () => this.at(2, (b, i) => b.readUInt16LE(i));
  i16 = () => this.at(2, (b, i) => b.readInt16LE(i));
  u32 = () => this.at(4, (b, i) => b.readUInt32LE(i));
  i32 = () => this.at(4, (b, i) => b.readInt32LE(i));
  f32 = () => this.at(4, (b, i) => b.readFloatLE(i));
  f64 = () => this.at(8, (b, i) => b.readDoubleLE(i));
  u64 = () => this.at(8, (b, i) => b.readBigUInt64LE(i));
  i64 = () => this.at(8, (b, i) => b.readBigInt64LE(i));
  count(what: string, limit: number) {
    const n = this.u64();
    if (n > BigInt(limit))
      throw new GgufError(`${this.file}: ${what} of ${n} is past any model's (${limit}): the GGUF header is corrupt.`);
    return Number(n);
  }
  str(what = 'a string length') {
    const n = this.count(what, LIMITS.string);
    const at = this.take(n);
    return this.buf.toString('utf8', at, at + n);
  }
  skip(n: number) {
    if (this.pos + n > this.size) this.need(n);
    this.pos += n;
  }
}

const SIZES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

function value(r: Reader, type: number, key: string): Scalar {
  switch (type) {
    case 0:
      return r.u8();
    case 1:
      return r.i8();
    case 2:
      return r.u16();
    case 3:
      return r.i16();
    case 4:
      return r.u32();
    case 5:
      return r.i32();
    case 6:
      return r.f32();
    case 7:
      return r.u8() !== 0;
    case 8:
      return r.str();
    case 10:
      return r.u64();
    case 11:
      return r.i64();
    case 12:
      return r.f64();
    default:
      throw new GgufError(
        `The GGUF key ${key} has value type ${type}, which GGUF does not define: the header is corrupt.`,
      );
  }
}

/** The header and metadata of a GGUF file; a ModelFileError saying what is wrong with one that is not. */
export function readGguf(file: string): GgufInfo {
  let fd: number;
  try {
    // Before opening: a named pipe would block the open until a writer came, /dev/zero never end.
    if (!statSync(file).isFile()) throw new GgufError(`${file} is not a regular file, so it is no GGUF model.`);
    fd = openSync(file, 'r');
  } catch (e) {
    if (e instanceof GgufError) throw e;
    throw new ModelFileError(`${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new GgufError(`${file} is not a regular file, so it is no GGUF model.`);
    const r = new Reader(fd, stat.size, file);
    if (stat.size < 24 || r.u32() !== MAGIC)
      throw new GgufError(
        `${file} is not a GGUF file (it does not start with "GGUF"): give a .gguf model, as llama.cpp's converter or Ollama writes them.`,
      );
    const version = r.u32();
    if (version !== 2 && version !== 3)
      throw new GgufError(`${file} is GGUF version ${version}; llama.cpp reads versions 2 and 3.`);
    const tensorCount = r.count('a tensor count', LIMITS.tensors);
    const kvCount = r.count('a metadata count', LIMITS.kv);
    const metadata: Record<string, GgufMetaValue> = {};
    for (let i = 0; i < kvCount; i++) {
      const key = r.str('a key length');
      const type = r.u32();
      if (type === 9) {
        const of = r.u32();
        const length = r.count(`the array ${key}'s length`, LIMITS.array);
        if (length <= SHORT_ARRAY || of === 9) {
          if (of === 9)
            throw new GgufError(`The GGUF key ${key} is an array of arrays, which CarbonLens does not read.`);
          metadata[key] = Array.from({ length }, () => value(r, of, key));
        } else {
          if (of === 8) for (let j = 0; j < length; j++) r.skip(r.count(`a string in ${key}`, LIMITS.string));
          else if (SIZES[of]) r.skip(SIZES[of]! * length);
          else
            throw new GgufError(
              `The GGUF array ${key} holds value type ${of}, which GGUF does not define: the header is corrupt.`,
            );
          metadata[key] = { arrayOf: of, length };
        }
      } else metadata[key] = value(r, type, key);
    }
    const architecture = metadata['general.architecture'];
    if (typeof architecture !== 'string' || !architecture)
      throw new GgufError(`${file} has no general.architecture: llama.cpp cannot tell what model it is.`);
    const fileType = metadata['general.file_type'];
    const context = metadata[`${architecture}.context_length`];
    const name = metadata['general.name'];
    return {
      file,
      bytes: stat.size,
      version,
      tensorCount,
      metadata,
      architecture,
      ...(typeof name === 'string' && { name }),
      ...(typeof fileType === 'number' && { quantisation: GGUF_FILE_TYPES[fileType] ?? `file_type ${fileType}` }),
      ...((typeof context === 'number' || typeof context === 'bigint') && { contextLength: Number(context) }),
      chatTemplate: typeof metadata['tokenizer.chat_template'] === 'string',
    };
  } finally {
    closeSync(fd);
  }
}

/** The first four bytes are "GGUF" (a file named otherwise, as Ollama's blobs are, can be one). */
export function isGgufFile(file: string): boolean {
  let fd: number | undefined;
  try {
    if (!statSync(file).isFile()) return false;
    fd = openSync(file, 'r');
    const b = Buffer.alloc(4);
    return readSync(fd, b, 0, 4, 0) === 4 && b.readUInt32LE(0) === MAGIC;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
