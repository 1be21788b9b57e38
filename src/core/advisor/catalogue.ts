// The model catalogue: the published comparisons (data/model-equivalents.csv) and the families the
// advisor recognises (data/model-families.csv). Ids are matched as people write them: any case,
// legacy short names, ONNX mirrors, and sentence-transformers models without their owner.
import {
  MODEL_FAMILY_PATTERNS,
  OLLAMA_MODELS,
  modelEquivalentRows,
  modelFamilyRows,
  paperMeasurementRows,
  type ModelEquivalentRow,
  type ModelFamilyRow,
} from '../../generated/modelCatalogue';

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
  'bert-large-uncased': 'google-bert/bert-large-uncased',
  'bert-large-cased': 'google-bert/bert-large-cased',
  'bert-large-uncased-whole-word-masking': 'google-bert/bert-large-uncased-whole-word-masking',
  'bert-base-multilingual-cased': 'google-bert/bert-base-multilingual-cased',
  'bert-base-multilingual-uncased': 'google-bert/bert-base-multilingual-uncased',
  'distilbert-base-multilingual-cased': 'distilbert/distilbert-base-multilingual-cased',
  'distilbert-base-uncased-finetuned-sst-2-english': 'distilbert/distilbert-base-uncased-finetuned-sst-2-english',
  'distilbert-base-cased-distilled-squad': 'distilbert/distilbert-base-cased-distilled-squad',
  'roberta-large': 'FacebookAI/roberta-large',
  'xlm-roberta-base': 'FacebookAI/xlm-roberta-base',
  'xlm-roberta-large': 'FacebookAI/xlm-roberta-large',
  'gpt2-medium': 'openai-community/gpt2-medium',
  'gpt2-large': 'openai-community/gpt2-large',
  'gpt2-xl': 'openai-community/gpt2-xl',
  't5-small': 'google-t5/t5-small',
  't5-base': 'google-t5/t5-base',
  't5-large': 'google-t5/t5-large',
  't5-3b': 'google-t5/t5-3b',
  't5-11b': 'google-t5/t5-11b',
  'albert-base-v2': 'albert/albert-base-v2',
  'albert-large-v2': 'albert/albert-large-v2',
};
const LEGACY_BY_NAMESPACED = Object.fromEntries(Object.entries(LEGACY_NAMES).map(([k, v]) => [v.toLowerCase(), k]));

/** Owners that republish others' models as ONNX for transformers.js. */
const MIRRORS = ['xenova', 'onnx-community'];
/** Owners whose models are written by name alone (`all-mpnet-base-v2`): sentence-transformers resolves them. */
const SHORT_OWNERS = ['sentence-transformers'];

export interface ModelRef {
  /** The catalogue's id for it (lower case, namespaced). */
  canonical: string;
  /** How to write another model the same way: `legacy`, a mirror's owner, or as the catalogue does. */
  style:
    | { kind: 'plain' }
    | { kind: 'legacy' }
    | { kind: 'short' }
    | { kind: 'mirror'; owner: string }
    /** An Ollama library name (`llama3.2:3b`, data/ollama-models.csv). */
    | { kind: 'ollama' };
  /** Its family, model type and size, when data/model-families.csv lists it. */
  family?: ModelFamilyRow;
}

const lower = (s: string) => s.toLowerCase();
const canonicalOf = (id: string) => lower(LEGACY_NAMES[id] ?? LEGACY_NAMES[lower(id)] ?? id);
let ids: Set<string> | undefined;
let byName: Map<string, string> | undefined;
let families: Map<string, ModelFamilyRow> | undefined;
const familyMap = () => (families ??= new Map(modelFamilyRows().map((f) => [lower(f.id), f])));
const catalogueIds = () =>
  (ids ??= new Set([
    ...modelEquivalentRows().flatMap((r) => [canonicalOf(r.large), canonicalOf(r.small)]),
    ...familyMap().keys(),
  ]));
/** name -> canonical id, for names that only one catalogue id carries. */
const catalogueNames = () => {
  if (byName) return byName;
  const seen = new Map<string, string | null>();
  for (const c of catalogueIds()) {
    const name = c.split('/').pop()!;
    seen.set(name, seen.has(name) && seen.get(name) !== c ? null : c);
  }
  byName = new Map([...seen].filter((e): e is [string, string] => e[1] !== null));
  return byName;
};

const withFamily = (ref: Omit<ModelRef, 'family'>): ModelRef => {
  const family = familyMap().get(ref.canonical);
  return family ? { ...ref, family } : ref;
};

const refs = new Map<string, ModelRef | undefined>();

/** The catalogue model an id stands for, or undefined when the catalogue does not know it. */
export function modelRef(id: string): ModelRef | undefined {
  if (refs.has(id)) return refs.get(id);
  if (refs.size > 10_000) refs.clear(); // ids come from files: keep the memo bounded
  const ref = lookUp(id);
  refs.set(id, ref);
  return ref;
}

/** Ollama's `name:tag` (`llama3.2:3b`, `someone/model:q8_0`): no hub id has a colon. */
export const OLLAMA_NAME = /^[a-z0-9][\w.-]{0,79}(?:\/[a-z0-9][\w.-]{0,79})?:[\w.-]{1,80}$/i;

let ollamaByName: Map<string, string> | undefined;
let ollamaByModel: Map<string, string> | undefined;
const ollamaTables = () => {
  ollamaByName ??= new Map(OLLAMA_MODELS.map(([name, id]) => [name, lower(id)]));
  ollamaByModel ??= new Map(OLLAMA_MODELS.map(([name, id]) => [lower(id), name]));
  return { byName: ollamaByName, byModel: ollamaByModel };
};

/** The Ollama library name of a catalogue model (`meta-llama/Llama-3.2-1B-Instruct` -> `llama3.2:1b`), where data/ollama-models.csv has one. */
export const ollamaNameOf = (catalogueId: string) => ollamaTables().byModel.get(lower(catalogueId));

function lookUp(id: string): ModelRef | undefined {
  const ids = catalogueIds();
  const key = lower(id.trim());
  if (key.includes(':')) {
    const model = ollamaTables().byName.get(key.replace(/^ollama:/, ''));
    return model ? withFamily({ canonical: model, style: { kind: 'ollama' } }) : undefined;
  }
  if (LEGACY_NAMES[key]) return withFamily({ canonical: canonicalOf(key), style: { kind: 'legacy' } });
  if (ids.has(key)) return withFamily({ canonical: key, style: { kind: 'plain' } });
  const [owner, name, extra] = key.split('/');
  if (extra !== undefined) return undefined;
  if (name === undefined) {
    const short = SHORT_OWNERS.map((o) => `${o}/${owner}`).find((c) => ids.has(c));
    return short ? withFamily({ canonical: short, style: { kind: 'short' } }) : undefined;
  }
  if (MIRRORS.includes(owner!)) {
    const match = catalogueNames().get(name);
    if (match) return withFamily({ canonical: match, style: { kind: 'mirror', owner: id.split('/')[0]! } });
  }
  return undefined;
}

/** A catalogue id written in a reference's style (`distilbert-base-uncased`, `Xenova/distilbart-cnn-6-6`). */
export function writeLike(catalogueId: string, style: ModelRef['style']): string {
  const written = familyMap().get(lower(catalogueId))?.id ?? catalogueId;
  if (style.kind === 'ollama') return ollamaNameOf(catalogueId) ?? written;
  if (style.kind === 'legacy') return LEGACY_BY_NAMESPACED[lower(catalogueId)] ?? written;
  if (style.kind === 'mirror') return `${style.owner}/${written.split('/').pop()}`;
  if (style.kind === 'short' && SHORT_OWNERS.includes(lower(written.split('/')[0]!))) return written.split('/').pop()!;
  return LEGACY_NAMES[catalogueId] ?? written;
}

/** The family row of a model id as written, when the catalogue knows it. */
export const familyOf = (id: string): ModelFamilyRow | undefined => modelRef(id)?.family;

/** "Qwen3-4B-Instruct" -> 4000, "opt-350m" -> 350: the size a name states, in millions (not "8x7B"). */
export function paramsFromName(id: string): number | undefined {
  const m = /(?<![\dx.])(\d+(?:\.\d+)?)([bm])(?![a-z])/i.exec(id.split('/').pop()!);
  return m ? Number(m[1]) * (m[2]!.toLowerCase() === 'b' ? 1000 : 1) : undefined;
}

let patterns: [string, RegExp, string, string][] | undefined;
/**
 * The family an id belongs to: its row in data/model-families.csv, else a family recognised by
 * its repository name (data/model-family-patterns.csv) with the size its name states. For notes
 * only: a family recognised by name has no published figures.
 */
export function recognise(id: string): ModelFamilyRow | undefined {
  const exact = modelRef(id)?.family;
  if (exact) return exact;
  patterns ??= MODEL_FAMILY_PATTERNS.map(([f, p, t, s]) => [f, new RegExp(p), t, s]);
  const key = lower(id.trim());
  const hit = patterns.find((p) => p[1].test(key));
  if (!hit) return undefined;
  const params = paramsFromName(key);
  return {
    family: hit[0],
    id,
    modelType: hit[2],
    paramsM: params ?? null,
    paramsBasis: params === undefined ? '' : 'name',
    embeddingDim: null,
    hiddenSize: null,
    source: hit[3],
  };
}

/** The other members of a model's family with fewer parameters (both counts known), largest first. */
export function smallerMembers(canonical: string): ModelFamilyRow[] {
  const me = familyMap().get(canonical);
  if (!me) return [];
  return modelFamilyRows()
    .filter(
      (f) =>
        f.family === me.family &&
        lower(f.id) !== canonical &&
        me.paramsM !== null &&
        f.paramsM !== null &&
        f.paramsM < me.paramsM,
    )
    .sort((a, b) => b.paramsM! - a.paramsM!);
}

export const sameModel = (a: string, b: string) => modelKey(a) === modelKey(b);

/**
 * What makes two ids one model: the catalogue's id, or for an Ollama model its name and tag
 * (`ollama:llama3.2:3b` as a record names it and `llama3.2:3b` as a config does): an Ollama
 * model is its own quantised build, not the hub model it comes from.
 */
const modelKey = (id: string) =>
  id.includes(':') ? `ollama:${lower(id.trim()).replace(/^ollama:/, '')}` : (modelRef(id)?.canonical ?? lower(id));

/** The published comparisons where `canonical` is the larger model, grouped by smaller model. */
const alternatives = new Map<string, ReadonlyMap<string, readonly ModelEquivalentRow[]>>();
export function publishedAlternatives(canonical: string): ReadonlyMap<string, readonly ModelEquivalentRow[]> {
  const known = alternatives.get(canonical);
  if (known) return known;
  const groups = new Map<string, ModelEquivalentRow[]>();
  for (const row of modelEquivalentRows()) {
    if (canonicalOf(row.large) !== canonical) continue;
    const list = groups.get(row.small) ?? [];
    list.push(row);
    groups.set(row.small, list);
  }
  alternatives.set(canonical, groups);
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
