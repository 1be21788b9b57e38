// An image classifier that takes bytes: the model's `pixel_values` (float or float16, NCHW) input
// replaced by `pixel_values_u8` (uint8, NHWC: the resized RGB bytes as sharp gives them), with
// Cast, Transpose, Mul and Sub (and a Cast to float16 where the model takes that) ahead of the
// graph, so the normalisation runs on the model's device, the preparation threads only resize,
// and a quarter of the bytes cross to the device. With `resize` (a CUDA device), the input is the
// decoded images at their own size and the resize runs there too (resizePrefix), so the threads
// only decode. The edit works on the protobuf's top-level
// fields (ModelProto, GraphProto; field numbers as onnx/onnx.proto) and copies everything else
// byte for byte; the edited file is written into a mirror of the model folder (its other files
// linked), which transformers.js loads as it loads any folder.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DTYPE_SUFFIX, type Dtype } from './tasks';

export const BYTE_INPUT = 'pixel_values_u8';
const INPUT = 'pixel_values';
const FLOAT = 1;
const UINT8 = 2;
const INT64 = 7;
const FLOAT16 = 10;

export interface Normalisation {
  rescale: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

// --- protobuf, the little of it needed ---

function readVarint(buf: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let i = at; i < at + 10; i++) {
    const b = buf[i]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) return [value, i + 1];
  }
  throw new Error('Not an ONNX file: a varint runs past 10 bytes.');
}

interface Field {
  no: number;
  /** The whole field, key included. */
  start: number;
  end: number;
  /** A length-delimited field's content. */
  body?: [number, number];
}

function* fields(buf: Uint8Array, start: number, end: number): Generator<Field> {
  let at = start;
  while (at < end) {
    const [key, afterKey] = readVarint(buf, at);
    const wire = key & 7;
    let next: number;
    let body: [number, number] | undefined;
    if (wire === 0) next = readVarint(buf, afterKey)[1];
    else if (wire === 1) next = afterKey + 8;
    else if (wire === 5) next = afterKey + 4;
    else if (wire === 2) {
      const [length, bodyStart] = readVarint(buf, afterKey);
      body = [bodyStart, bodyStart + length];
      next = bodyStart + length;
    } else throw new Error(`Not an ONNX file: wire type ${wire}.`);
    if (next > end) throw new Error('Not an ONNX file: a field runs past its message.');
    yield { no: Math.floor(key / 8), start: at, end: next, body };
    at = next;
  }
}

const sub = (buf: Uint8Array, f: Field) => buf.subarray(f.body![0], f.body![1]);
const first = (buf: Uint8Array, no: number) => {
  for (const f of fields(buf, 0, buf.length)) if (f.no === no) return f;
  return undefined;
};
const text = (buf: Uint8Array, no: number) => {
  const f = first(buf, no);
  return f?.body ? Buffer.from(sub(buf, f)).toString('utf8') : undefined;
};

function varint(value: number): Buffer {
  const out: number[] = [];
  let v = value;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return Buffer.from(out);
}
const int = (no: number, v: number) => Buffer.concat([varint(no * 8), varint(v)]);
const bytes = (no: number, b: Uint8Array) => Buffer.concat([varint(no * 8 + 2), varint(b.length), b]);
const str = (no: number, s: string) => bytes(no, Buffer.from(s, 'utf8'));
const msg = (no: number, parts: Uint8Array[]) => bytes(no, Buffer.concat(parts));

const node = (op: string, inputs: string[], output: string, attributes: Uint8Array[][] = []) =>
  msg(1, [
    ...inputs.map((i) => str(1, i)),
    str(2, output),
    str(3, `carbonlens_${output}`),
    str(4, op),
    ...attributes.map((a) => msg(5, a)),
  ]);
const intAttribute = (name: string, v: number) => [str(1, name), int(3, v), int(20, 2)];
const intsAttribute = (name: string, vs: number[]) => [str(1, name), ...vs.map((v) => int(8, v)), int(20, 7)];
/** An initializer (TensorProto: dims, data_type, name, raw_data). */
const initializer = (name: string, type: number, dims: number[], data: Float32Array | BigInt64Array) =>
  msg(5, [...dims.map((d) => int(1, d)), int(2, type), str(8, name), bytes(9, new Uint8Array(data.buffer))]);
const floats = (name: string, values: number[], dims = [1, 3, 1, 1]) =>
  initializer(name, FLOAT, dims, Float32Array.from(values));

/** A graph input's element type and dimensions (numbers, or names for symbolic ones). */
function inputType(info: Uint8Array): { elemType: number; dims: (number | string)[] } {
  const type = first(info, 2);
  const tensor = type && first(sub(info, type), 1);
  if (!type || !tensor) throw new Error(`${INPUT} is not a tensor.`);
  const t = sub(sub(info, type), tensor);
  const elem = first(t, 1);
  const elemType = elem ? readVarint(t, elem.start + 1)[0] : 0;
  const shape = first(t, 2);
  const dims: (number | string)[] = [];
  if (shape)
    for (const d of fields(sub(t, shape), 0, shape.body![1] - shape.body![0])) {
      const dim = sub(sub(t, shape), d);
      const value = first(dim, 1);
      dims.push(value ? readVarint(dim, value.start + 1)[0] : (text(dim, 2) ?? '?'));
    }
  return { elemType, dims };
}

const valueInfo = (name: string, elemType: number, dims: (number | string)[]) =>
  msg(11, [
    str(1, name),
    msg(2, [
      msg(1, [
        int(1, elemType),
        msg(
          2,
          dims.map((d) => msg(1, [typeof d === 'number' ? int(1, d) : str(2, d)])),
        ),
      ]),
    ]),
  ]);

/** The graph's own inputs for the resize on the device (resizePrefix): taps from vipsBilinearTaps. */
export const RESIZE_INPUTS = { rows: 'carbonlens_rows', y: 'carbonlens_y', cols: 'carbonlens_cols', x: 'carbonlens_x' };

/** The default domain's opset the model imports (ModelProto.opset_import), 0 when none is said. */
function opset(model: Uint8Array): number {
  for (const f of fields(model, 0, model.length)) {
    if (f.no !== 8 || !f.body) continue;
    const set = sub(model, f);
    const domain = text(set, 1) ?? '';
    const version = first(set, 2);
    if (domain === '' || domain === 'ai.onnx') return version ? readVarint(set, version.start + 1)[0] : 0;
  }
  return 0;
}

/**
 * vipsBilinearRgb as a graph, from the bytes of a batch of same-sized images to the resized
 * pixels (as floats, NHWC), exact: every product and sum is a whole number below 2^24, so float32
 * holds them as libvips's integers do. The input gets libvips's black border (1 pixel left and
 * top, 2 right and bottom); each output pixel blends four bordered pixels with 12-bit weights
 * made from its row's and column's (c4 = Y*X >> 12, c2 = (4096 - Y)*X >> 12, c3 = Y - c4,
 * c1 = 4096 - Y - c2), rounded as libvips rounds ((sum + 2048) >> 12).
 */
function resizePrefix(output: string): Uint8Array[] {
  const n = (op: string, inputs: string[], out: string, attributes: Uint8Array[][] = []) =>
    node(op, inputs, `carbonlens_${out}`, attributes);
  const gather = (data: string, index: string, axis: number, out: string) =>
    n('Gather', [`carbonlens_${data}`, index], out, [intAttribute('axis', axis)]);
  const { rows, y, cols, x } = RESIZE_INPUTS;
  return [
    n('Cast', [BYTE_INPUT], 'f32', [intAttribute('to', FLOAT)]),
    node('Pad', ['carbonlens_f32', 'carbonlens_pads'], 'carbonlens_bordered'),
    node('Add', [rows, 'carbonlens_one'], 'carbonlens_rows1'),
    node('Add', [cols, 'carbonlens_one'], 'carbonlens_cols1'),
    gather('bordered', rows, 1, 'r0'),
    gather('bordered', 'carbonlens_rows1', 1, 'r1'),
    gather('r0', cols, 2, 'p1'),
    gather('r0', 'carbonlens_cols1', 2, 'p2'),
    gather('r1', cols, 2, 'p3'),
    gather('r1', 'carbonlens_cols1', 2, 'p4'),
    node('Mul', [y, x], 'carbonlens_yx'),
    node('Mul', ['carbonlens_yx', 'carbonlens_inv4096'], 'carbonlens_yx12'),
    node('Floor', ['carbonlens_yx12'], 'carbonlens_c4'),
    node('Sub', ['carbonlens_4096', y], 'carbonlens_yd'),
    node('Mul', ['carbonlens_yd', x], 'carbonlens_ydx'),
    node('Mul', ['carbonlens_ydx', 'carbonlens_inv4096'], 'carbonlens_ydx12'),
    node('Floor', ['carbonlens_ydx12'], 'carbonlens_c2'),
    node('Sub', [y, 'carbonlens_c4'], 'carbonlens_c3'),
    node('Sub', ['carbonlens_yd', 'carbonlens_c2'], 'carbonlens_c1'),
    ...[1, 2, 3, 4].map((k) => node('Mul', [`carbonlens_p${k}`, `carbonlens_c${k}`], `carbonlens_m${k}`)),
    node('Add', ['carbonlens_m1', 'carbonlens_m2'], 'carbonlens_m12'),
    node('Add', ['carbonlens_m3', 'carbonlens_m4'], 'carbonlens_m34'),
    node('Add', ['carbonlens_m12', 'carbonlens_m34'], 'carbonlens_sum'),
    node('Add', ['carbonlens_sum', 'carbonlens_2048'], 'carbonlens_rounding'),
    node('Mul', ['carbonlens_rounding', 'carbonlens_inv4096'], 'carbonlens_scaled12'),
    node('Floor', ['carbonlens_scaled12'], output),
    initializer('carbonlens_pads', INT64, [8], BigInt64Array.from([0n, 1n, 1n, 0n, 0n, 2n, 2n, 0n])),
    initializer('carbonlens_one', INT64, [], BigInt64Array.from([1n])),
    floats('carbonlens_inv4096', [1 / 4096], []),
    floats('carbonlens_4096', [4096], []),
    floats('carbonlens_2048', [2048], []),
    valueInfo(rows, INT64, ['carbonlens_height']),
    valueInfo(y, FLOAT, ['carbonlens_height', 1, 1]),
    valueInfo(cols, INT64, ['carbonlens_width']),
    valueInfo(x, FLOAT, [1, 'carbonlens_width', 1]),
  ];
}

/**
 * The model with a uint8 NHWC input in place of `pixel_values`, normalised on the model's device;
 * with `resize`, the input is the decoded images at their own size, resized there too
 * (resizePrefix, fed RESIZE_INPUTS). Throws when the model's input is not a 4-D float
 * `pixel_values` of `height` x `width` x 3, or (with `resize`) its opset is below 11.
 */
export function withByteInput(
  model: Uint8Array,
  n: Normalisation,
  height: number,
  width: number,
  resize = false,
): Buffer {
  const graphField = first(model, 7);
  if (!graphField?.body) throw new Error('Not an ONNX model: no graph.');
  if (resize && opset(model) < 11)
    throw new Error(`Opset ${opset(model)}: the resize needs Pad with its pads as an input (11).`);
  const graph = sub(model, graphField);
  const kept: Uint8Array[] = [];
  let found: ReturnType<typeof inputType> | undefined;
  for (const f of fields(graph, 0, graph.length)) {
    if (f.no === 11 && text(sub(graph, f), 1) === INPUT) found = inputType(sub(graph, f));
    else kept.push(graph.subarray(f.start, f.end));
  }
  if (!found) throw new Error(`The model has no ${INPUT} input.`);
  const { elemType, dims } = found;
  if (
    (elemType !== FLOAT && elemType !== FLOAT16) ||
    dims.length !== 4 ||
    (typeof dims[1] === 'number' && dims[1] !== 3)
  )
    throw new Error(`${INPUT} is not a float NCHW image batch (type ${elemType}, dims ${dims.join('x')}).`);
  const fixed = (d: number | string, v: number) => (typeof d === 'number' && d !== v ? NaN : v);
  if (Number.isNaN(fixed(dims[2]!, height)) || Number.isNaN(fixed(dims[3]!, width)))
    throw new Error(`${INPUT} is ${dims.join('x')}, not ${height}x${width}.`);
  const scale = n.std.map((s) => n.rescale / s);
  const shift = n.mean.map((m, i) => m / n.std[i]!);
  const half = elemType === FLOAT16;
  const prepended = [
    ...(resize
      ? resizePrefix('carbonlens_f32_resized')
      : [node('Cast', [BYTE_INPUT], 'carbonlens_f32_resized', [intAttribute('to', FLOAT)])]),
    node('Transpose', ['carbonlens_f32_resized'], 'carbonlens_nchw', [intsAttribute('perm', [0, 3, 1, 2])]),
    node('Mul', ['carbonlens_nchw', 'carbonlens_scale'], 'carbonlens_scaled'),
    node('Sub', ['carbonlens_scaled', 'carbonlens_shift'], half ? 'carbonlens_normalised' : INPUT),
    ...(half ? [node('Cast', ['carbonlens_normalised'], INPUT, [intAttribute('to', FLOAT16)])] : []),
    floats('carbonlens_scale', scale),
    floats('carbonlens_shift', shift),
    resize
      ? valueInfo(BYTE_INPUT, UINT8, [dims[0]!, 'carbonlens_source_height', 'carbonlens_source_width', 3])
      : valueInfo(BYTE_INPUT, UINT8, [dims[0]!, height, width, 3]),
  ];
  const newGraph = Buffer.concat([...prepended, ...kept]);
  return Buffer.concat([model.subarray(0, graphField.start), bytes(7, newGraph), model.subarray(graphField.end)]);
}

/**
 * A folder transformers.js loads like `folder`, whose `dtype` graph takes bytes (withByteInput);
 * made once per model file (by its path, size and time) under the system's temporary folder.
 */
export function byteInputFolder(
  folder: string,
  dtype: Dtype,
  n: Normalisation,
  height: number,
  width: number,
  resize = false,
): string {
  const file = join(folder, 'onnx', `model${DTYPE_SUFFIX[dtype]}.onnx`);
  const stat = statSync(file);
  const id = createHash('sha256')
    .update(JSON.stringify([file, stat.size, stat.mtimeMs, n, height, width, resize, 1]))
    .digest('hex')
    .slice(0, 16);
  const mirror = join(tmpdir(), 'carbonlens-byte-input', id, 'model');
  const edited = join(mirror, 'onnx', `model${DTYPE_SUFFIX[dtype]}.onnx`);
  if (existsSync(edited)) return mirror;
  mkdirSync(join(mirror, 'onnx'), { recursive: true });
  const link = (from: string, to: string) => {
    try {
      symlinkSync(from, to);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // made by another run
    }
  };
  for (const f of readdirSync(folder)) if (f !== 'onnx') link(join(folder, f), join(mirror, f));
  // External data keeps its name beside the edited graph, which refers to it by that name.
  for (const f of readdirSync(join(folder, 'onnx')))
    if (f !== `model${DTYPE_SUFFIX[dtype]}.onnx`) link(join(folder, 'onnx', f), join(mirror, 'onnx', f));
  const partial = `${edited}.${process.pid}.partial`;
  writeFileSync(partial, withByteInput(readFileSync(file), n, height, width, resize));
  renameSync(partial, edited);
  return mirror;
}
