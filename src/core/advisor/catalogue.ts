// The model-equivalence catalogue (data/model-equivalents.csv): ids as people write them, legacy
// short names and ONNX mirrors included, matched to the catalogue's.
import { modelEquivalentRows, paperMeasurementRows, type ModelEquivalentRow } from '../../generated/modelCatalogue';

/** Legacy hub names that redirect to namespaced ones (SOURCES.md §6): both forms match. */
export const LEGACY_NAMES: Readonly<Record<string, string>> = {
  'bert-base-uncased': 'google-bert/bert-base-uncased',
  'bert-base-cased': 'google-bert/bert-base-cased',
  'distilbert-base-uncased': 'distilbert/distilbert-base-uncased',
  'distilbert-base-cased': 'distilbert/distilbert-base-cased',
  'roberta-base': 'FacebookAI/roberta-base',
  'distilroberta-base': 'distilbert/distilroberta-base',
  gpt2: 'openai-community/gpt2',
  distilgpt2: 'distilbert/distilgpt2',
};
const LEGACY_BY_NAMESPACED = Object.fromEntries(Object.entries(LEGACY_NAMES).map(([k, v]) => [v.toLowerCase(), k]));

/** Owners that republish others' models as ONNX for transformers.js. */
const MIRRORS = ['xenova', 'onnx-community'];

export interface ModelRef {
  /** The catalogue's id for it (lower case, namespaced). */
  canonical: string;
  /** How to write another model the same way: `legacy`, a mirror's owner, or as the catalogue does. */
  style: { kind: 'plain' } | { kind: 'legacy' } | { kind: 'mirror'; owner: string };
}

const lower = (s: string) => s.toLowerCase();
const canonicalOf = (id: string) => lower(LEGACY_NAMES[id] ?? LEGACY_NAMES[lower(id)] ?? id);
let ids: Set<string> | undefined;
const catalogueIds = () =>
  (ids ??= new Set(modelEquivalentRows().flatMap((r) => [canonicalOf(r.large), canonicalOf(r.small)])));

/** The catalogue model an id stands for, or undefined when the catalogue does not know it. */
export function modelRef(id: string): ModelRef | undefined {
  const ids = catalogueIds();
  if (LEGACY_NAMES[id] || LEGACY_NAMES[lower(id)]) return { canonical: canonicalOf(id), style: { kind: 'legacy' } };
  if (ids.has(lower(id))) return { canonical: lower(id), style: { kind: 'plain' } };
  const [owner, name] = id.split('/');
  if (name && MIRRORS.includes(lower(owner))) {
    const match = [...ids].find((c) => c.split('/').pop() === lower(name));
    if (match) return { canonical: match, style: { kind: 'mirror', owner } };
  }
  return undefined;
}

/** A catalogue id written in a reference's style (`distilbert-base-uncased`, `Xenova/distilbart-cnn-6-6`). */
export function writeLike(catalogueId: string, style: ModelRef['style']): string {
  if (style.kind === 'legacy') return LEGACY_BY_NAMESPACED[lower(catalogueId)] ?? catalogueId;
  if (style.kind === 'mirror') return `${style.owner}/${catalogueId.split('/').pop()}`;
  return LEGACY_NAMES[catalogueId] ?? catalogueId;
}

export const sameModel = (a: string, b: string) => {
  const x = modelRef(a)?.canonical ?? lower(a);
  const y = modelRef(b)?.canonical ?? lower(b);
  return x === y;
};

/** The published comparisons where `canonical` is the larger model, grouped by smaller model. */
export function publishedAlternatives(canonical: string): Map<string, ModelEquivalentRow[]> {
  const groups = new Map<string, ModelEquivalentRow[]>();
  for (const row of modelEquivalentRows()) {
    if (canonicalOf(row.large) !== canonical) continue;
    const list = groups.get(row.small) ?? [];
    list.push(row);
    groups.set(row.small, list);
  }
  return groups;
}

/** The study's energy for both models on the same workload and hardware: 1 - small/large, in %. */
export function publishedEnergySaving(
  large: string,
  small: string,
): { percent: number; workload: string; hardware: string; source: string } | undefined {
  const rows = paperMeasurementRows();
  for (const a of rows.filter((r) => canonicalOf(r.model) === canonicalOf(large))) {
    const b = rows.find(
      (r) => canonicalOf(r.model) === canonicalOf(small) && r.workload === a.workload && r.hardware === a.hardware,
    );
    if (b)
      return {
        percent: (1 - b.energyKwh / a.energyKwh) * 100,
        workload: a.workload,
        hardware: a.hardware || 'unstated hardware',
        source: a.source,
      };
  }
  return undefined;
}
