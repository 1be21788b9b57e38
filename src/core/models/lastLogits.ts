// Greedy generation reads only the last position's logits, and transformers.js takes that row
// with a general-purpose slice that walks every element: after a prompt's pass all its positions
// (58 ms for 137 x 151,936 logits on our 2-core build machine: most of a time to first token),
// and at every later step the whole vocabulary again. CarbonLens hands generate() the last row
// as a view of the same memory, whose own `slice(null, -1, null)` (the call generate() makes) is
// a view too. Graphs that declare num_logits_to_keep already return one row.

/** What this needs of transformers.js's Tensor: its class makes the views. */
interface LogitsTensor {
  type: string;
  dims: number[];
  location?: string;
  data: { subarray(start: number, end: number): unknown };
  slice(...slices: unknown[]): LogitsTensor;
  constructor: new (type: string, data: unknown, dims: number[]) => LogitsTensor;
}

/** `output` with its logits as the last position's row, for a batch of one in host memory; else `output` itself. */
export function lastPositionOnly<T>(output: T): T {
  const logits = (output as { logits?: LogitsTensor } | undefined)?.logits;
  if (logits?.dims.length !== 3) return output;
  const [batch, positions, vocabulary] = logits.dims as [number, number, number];
  if (batch !== 1 || (logits.location ?? 'cpu') !== 'cpu' || typeof logits.data?.subarray !== 'function') return output;
  const Tensor = logits.constructor;
  const data = logits.data.subarray((positions - 1) * vocabulary, positions * vocabulary);
  const row = positions > 1 ? new Tensor(logits.type, data, [1, 1, vocabulary]) : logits;
  const slice = row.slice;
  row.slice = (...slices: unknown[]) =>
    slices.length === 3 && slices[0] === null && slices[1] === -1 && slices[2] === null
      ? new Tensor(logits.type, data, [1, vocabulary])
      : slice.apply(row, slices);
  (output as { logits: LogitsTensor }).logits = row;
  return output;
}
