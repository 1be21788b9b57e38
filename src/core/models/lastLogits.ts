// A prompt's forward pass returns logits for every position, and greedy generation reads only
// the last. transformers.js takes that row with a general-purpose slice that walks every element
// (58 ms for 137 positions of a 151,936-token vocabulary on our 2-core build machine: most of a
// time to first token), so CarbonLens hands generate() the last row as a view of the same memory.
// Graphs that declare num_logits_to_keep return one row already, and are left alone.

/** What this needs of transformers.js's Tensor: its class makes the view. */
interface LogitsTensor {
  type: string;
  dims: number[];
  location?: string;
  data: { subarray(start: number, end: number): unknown };
  constructor: new (type: string, data: unknown, dims: number[]) => LogitsTensor;
}

/** `output` with its logits cut to the last position, for a batch of one in host memory; else `output` itself. */
export function lastPositionOnly<T>(output: T): T {
  const logits = (output as { logits?: LogitsTensor } | undefined)?.logits;
  if (logits?.dims.length !== 3) return output;
  const [batch, positions, vocabulary] = logits.dims as [number, number, number];
  if (batch !== 1 || positions <= 1 || (logits.location ?? 'cpu') !== 'cpu') return output;
  if (typeof logits.data?.subarray !== 'function') return output;
  const last = logits.data.subarray((positions - 1) * vocabulary, positions * vocabulary);
  (output as { logits: LogitsTensor }).logits = new logits.constructor(logits.type, last, [1, 1, vocabulary]);
  return output;
}
