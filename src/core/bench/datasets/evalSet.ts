// An evaluation set: items with a reference answer, drawn reproducibly from a source.

export interface EvalItem {
  id: string;
  /** What the pipeline takes: an image (transformers.js RawImage) or a text. */
  input: unknown;
  /** The expected answer: a CIFAR-10 class, a word, a reference summary. */
  reference: string;
}

export interface EvalSet {
  /** A short name for reports: `cifar10`, `rendered-words`, `cnn_dailymail`, or the path given. */
  name: string;
  /** Where the items came from, for the report and the JSON record. */
  source: string;
  items: EvalItem[];
  /** How many the source had to draw from. */
  population: number;
  seed: number;
}

/** mulberry32: a small, well-mixed seeded generator, so a seed names the same sample everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct indices of `population`, in a seeded random order (partial Fisher-Yates). */
export function sampleIndices(population: number, count: number, seed: number): number[] {
  const n = Math.min(count, population);
  const rnd = seededRandom(seed);
  const pool = Array.from({ length: population }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rnd() * (population - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, n);
}

class Cancelled extends Error {
  override name = 'AbortError';
}

/** Throws the benchmark's cancellation error once `signal` has fired. */
export function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new Cancelled('The benchmark was cancelled: nothing was recorded.');
}
