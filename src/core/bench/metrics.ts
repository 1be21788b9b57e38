// Quality metrics for the three tasks. Each is a plain function of predictions and references,
// so the figures can be checked by hand against published examples.

/** A proportion with its 95% Wilson score interval (sound for small samples and 0% or 100%). */
export interface Proportion {
  value: number;
  low: number;
  high: number;
  n: number;
}

const Z95 = 1.959963984540054;

export function wilsonInterval(successes: number, n: number): Proportion {
  if (n === 0) return { value: NaN, low: NaN, high: NaN, n };
  const p = successes / n;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { value: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half), n };
}

/** A mean with a 95% interval from the normal approximation (t would differ below ~30 items). */
export interface Mean {
  value: number;
  low: number;
  high: number;
  n: number;
}

export function meanInterval(values: readonly number[]): Mean {
  const n = values.length;
  if (n === 0) return { value: NaN, low: NaN, high: NaN, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { value: mean, low: NaN, high: NaN, n };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  const half = Z95 * Math.sqrt(variance / n);
  return { value: mean, low: mean - half, high: mean + half, n };
}

/** Levenshtein distance over Unicode code points. */
export function editDistance(a: string, b: string): number {
  const s = [...a];
  const t = [...b];
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[t.length];
}

/** Character error rate: edits over the reference's length, summed over the set. */
export function characterErrorRate(predictions: readonly string[], references: readonly string[]): number {
  let edits = 0;
  let length = 0;
  predictions.forEach((p, i) => {
    edits += editDistance(p, references[i]);
    length += [...references[i]].length;
  });
  return length === 0 ? NaN : edits / length;
}

/** OCR text compared as a reader would: trimmed, inner whitespace collapsed. */
export const normaliseText = (s: string) => s.trim().replace(/\s+/g, ' ');

export interface RougeScore {
  precision: number;
  recall: number;
  f1: number;
}

/** Google's rouge-score tokeniser (no stemming): lowercase, non-alphanumerics to spaces. */
export function rougeTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
}

function score(overlap: number, predicted: number, reference: number): RougeScore {
  const precision = predicted === 0 ? 0 : overlap / predicted;
  const recall = reference === 0 ? 0 : overlap / reference;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

function ngrams(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const gram = tokens.slice(i, i + n).join(' ');
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return counts;
}

export function rougeN(prediction: string, reference: string, n: number): RougeScore {
  const p = ngrams(rougeTokens(prediction), n);
  const r = ngrams(rougeTokens(reference), n);
  let overlap = 0;
  for (const [gram, count] of p) overlap += Math.min(count, r.get(gram) ?? 0);
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  return score(overlap, total(p), total(r));
}

function lcsLength(a: readonly string[], b: readonly string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const current = [0];
    for (let j = 1; j <= b.length; j++)
      current[j] = a[i - 1] === b[j - 1] ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1]);
    previous = current;
  }
  return previous[b.length];
}

export function rougeL(prediction: string, reference: string): RougeScore {
  const p = rougeTokens(prediction);
  const r = rougeTokens(reference);
  return score(lcsLength(p, r), p.length, r.length);
}

export interface RougeSummary {
  rouge1: Mean;
  rouge2: Mean;
  rougeL: Mean;
}

/** Mean F1 per ROUGE variant over a set, with intervals. */
export function rouge(predictions: readonly string[], references: readonly string[]): RougeSummary {
  const f1 = (fn: (p: string, r: string) => RougeScore) =>
    meanInterval(predictions.map((p, i) => fn(p, references[i]).f1));
  return { rouge1: f1((p, r) => rougeN(p, r, 1)), rouge2: f1((p, r) => rougeN(p, r, 2)), rougeL: f1(rougeL) };
}

/** A model's short answer: its first non-empty line, trimmed. */
export const firstLine = (text: string) =>
  text
    .split('\n')
    .find((l) => l.trim())
    ?.trim() ?? '';

/** Exact match: the answer's first line equals the reference, but for surrounding space and one final full stop. */
export const exactAnswer = (answer: string, reference: string) =>
  firstLine(answer).replace(/\.$/, '') === reference.trim();

/** SQuAD's answer normalisation: lower case, no punctuation, no articles, single spaces ("1,024" -> "1024"). */
export const normaliseAnswer = (s: string) =>
  s
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, '')
    .replace(/\b(a|an|the)\b/g, ' ')
    .trim()
    .split(/\s+/)
    .filter(Boolean);

/** A short answer may wrap the reference in a few words ("The answer is 42."), never in a paragraph. */
export const NORMALISED_MAX_WORDS = 8;

/**
 * Normalised match: the normalised reference appears, as whole words, in the normalised first
 * line of the answer, and that line has at most NORMALISED_MAX_WORDS words.
 */
export function normalisedAnswer(answer: string, reference: string): boolean {
  const got = normaliseAnswer(firstLine(answer));
  const want = normaliseAnswer(reference);
  if (want.length === 0 || got.length === 0 || got.length > NORMALISED_MAX_WORDS) return false;
  for (let i = 0; i + want.length <= got.length; i++) if (want.every((w, k) => got[i + k] === w)) return true;
  return false;
}
