// Whether a smaller model can replace a larger one where code loads it: the class or pipeline task
// used must load the replacement's architecture (data/auto-class-model-types.csv, from
// transformers' modeling_auto.py), sentence embeddings keep their size, and a tokenizer-only load,
// a pinned revision or a download by file name get no swap at all.
import { AUTO_CLASS_MODEL_TYPES, PIPELINE_TASK_CLASSES } from '../../generated/modelCatalogue';
import type { ModelUse } from './candidates';
import { familyOf } from './catalogue';

/** Pseudo-loaders the Python reader records: an id loaded nowhere in its file, and PEFT module names. */
export const NOT_LOADED_HERE = '(not loaded in this file)';
export const TARGET_MODULES = 'target_modules';
/** A PEFT adapter is loaded in the file: it was trained on one base model. */
export const ADAPTER = '(adapter loaded in this file)';

export type LoaderKind = 'tokenizer' | 'model' | 'sentence-transformers' | 'download' | 'unknown';

/** Classes that load a tokenizer, processor or configuration: nothing of the model runs. */
const TOKENIZER = /(?:Tokenizer(?:Fast)?|Processor|FeatureExtractor|Config|GenerationConfig)$/;
const DOWNLOAD = /^(?:hf_hub_download|snapshot_download)$/;

let byClass: Map<string, Set<string>> | undefined;
let byConcrete: Map<string, Set<string>> | undefined;
function tables() {
  if (!byClass || !byConcrete) {
    byClass = new Map();
    byConcrete = new Map();
    for (const [auto, type, cls] of AUTO_CLASS_MODEL_TYPES) {
      if (!byClass.has(auto)) byClass.set(auto, new Set());
      byClass.get(auto)!.add(type);
      if (!byConcrete.has(cls)) byConcrete.set(cls, new Set());
      byConcrete.get(cls)!.add(type);
    }
  }
  return { byClass, byConcrete };
}

export function loaderKind(loader: string): LoaderKind {
  if (TOKENIZER.test(loader)) return 'tokenizer';
  if (DOWNLOAD.test(loader)) return 'download';
  if (loader === 'SentenceTransformer' || loader === 'CrossEncoder' || loader === 'models.Transformer')
    return 'sentence-transformers';
  if (loader === 'pipeline' || /^(?:TF|Flax)?AutoModel/.test(loader) || tables().byConcrete.has(loader)) return 'model';
  return /(?:Model|LMHead\w*|For[A-Z]\w*)$/.test(loader) ? 'model' : 'unknown';
}

/** Base models, backbones and features: classes without a task head (`AutoModel`, `BertModel`, `AutoBackbone`). */
function isBaseClass(loader: string): boolean {
  if (/^(?:TF|Flax)?(?:AutoModel|AutoModelForTextEncoding|AutoBackbone)$/.test(loader)) return true;
  const { byConcrete } = tables();
  return (
    byConcrete.has(loader) &&
    AUTO_CLASS_MODEL_TYPES.some(
      ([auto, , cls]) => cls === loader && /^(?:AutoModel|AutoModelForTextEncoding|AutoBackbone)$/.test(auto),
    )
  );
}

/** A use where the model's width reaches the code: a base class, a feature pipeline, or a load the reader cannot see. */
function headless(use: ModelUse): boolean {
  if (use.loader === 'pipeline') return /feature-extraction$/.test(use.task ?? '');
  const kind = loaderKind(use.loader);
  if (kind === 'tokenizer' || kind === 'download' || kind === 'sentence-transformers') return false;
  return kind === 'unknown' || isBaseClass(use.loader);
}

/** The model types a loader accepts, or undefined when the data does not say. */
function acceptedTypes(use: ModelUse): Set<string> | undefined {
  const { byClass, byConcrete } = tables();
  if (use.loader === 'pipeline') {
    if (!use.task) return undefined;
    const task = use.task.startsWith('translation') ? 'translation' : use.task;
    const classes = PIPELINE_TASK_CLASSES.filter((p) => p[0] === task).map((p) => p[1]);
    if (classes.length === 0) return undefined;
    return new Set(classes.flatMap((c) => [...(byClass.get(c) ?? [])]));
  }
  return byClass.get(use.loader) ?? byConcrete.get(use.loader);
}

/** Types that transformers' masked-LM mapping loads: encoders, which a sentence or cross encoder is built on. */
function encoderOnly(type: string): boolean {
  return tables().byClass.get('AutoModelForMaskedLM')?.has(type) === true;
}

/** Why this code gives no advice on its id at all, or undefined. */
export function silentUse(uses: readonly ModelUse[]): string | undefined {
  if (uses.some((u) => u.pinned))
    return 'it is loaded at a pinned revision (`revision=`): that commit belongs to this repository, not to another model';
  if (uses.some((u) => u.files))
    return 'it is loaded with file names of this repository (`subfolder=`, `gguf_file=`, `filename=`), which another need not have';
  if (uses.some((u) => u.loader === ADAPTER))
    return 'a PEFT adapter is loaded in this file, and an adapter works only on the base model it was trained on';
  const kinds = uses.map((u) => loaderKind(u.loader));
  if (kinds.length > 0 && kinds.every((k) => k === 'tokenizer'))
    return `only its ${[...new Set(uses.map((u) => u.loader))].join(', ')} is loaded here: no model runs`;
  if (kinds.length > 0 && kinds.every((k) => k === 'download' || k === 'tokenizer'))
    return 'its files are downloaded by name here: whether another repository has the same files is not known';
  return undefined;
}

/**
 * Why `replacement` cannot stand in for `original` in these uses, or undefined when it can.
 * Sentence embeddings must keep their size wherever they are used (a stored index would break).
 */
export function swapMisfit(
  original: string,
  replacement: string,
  uses: readonly ModelUse[] | undefined,
): string | undefined {
  const from = familyOf(original);
  const to = familyOf(replacement);
  if (from?.embeddingDim && to?.embeddingDim && from.embeddingDim !== to.embeddingDim)
    return `its embeddings have ${to.embeddingDim} dimensions, not ${from.embeddingDim}: stored vectors and indexes would no longer match`;
  if (!uses) return undefined;
  // Without a task head built from the replacement's own configuration (a base model, a backbone,
  // features, or a use the reader cannot see), layers written for the model's width must still fit.
  if (uses.some(headless)) {
    const a = from?.hiddenSize;
    const b = to?.hiddenSize;
    if (!a || !b) return 'its width (hidden size) is not recorded, and this code uses the model without a task head';
    if (a !== b)
      return `its hidden size is ${b}, not ${a}: layers built on the model's outputs (this code uses it without a task head) would not fit`;
  }
  for (const use of uses) {
    const kind = loaderKind(use.loader);
    if (kind === 'tokenizer' || kind === 'download') continue;
    if (kind === 'sentence-transformers') {
      if (/^sentence-transformers\b/.test(from?.family ?? '')) {
        if (!/^sentence-transformers\b/.test(to?.family ?? ''))
          return `${use.loader} needs a sentence-transformers model`;
        continue;
      }
      // A plain encoder made into one (mean pooling over AutoModel; a cross-encoder's classification
      // head): the replacement must load the same way and be of the same kind of model.
      const types = tables().byClass.get(
        use.loader === 'CrossEncoder' ? 'AutoModelForSequenceClassification' : 'AutoModel',
      );
      const toType = to?.modelType;
      if (!toType || !from?.modelType || !types?.has(toType) || encoderOnly(toType) !== encoderOnly(from.modelType))
        return `\`${use.loader}\` of ${original} is not known to work the same way with ${replacement}`;
      continue;
    }
    const types = kind === 'model' ? acceptedTypes(use) : undefined;
    const toType = to?.modelType;
    if (types && !/^(?:TF|Flax)/.test(use.loader)) {
      if (!toType || !types.has(toType))
        return `\`${use.loader}${use.task ? `("${use.task}")` : ''}\` does not load ${toType ? `a ${toType} model` : 'it'} (transformers' auto mappings)`;
      continue;
    }
    // A class the data does not describe, or no load in sight: only the same architecture is known to work.
    if (!toType || !from?.modelType || toType !== from.modelType) {
      const same = from?.modelType ? ` (${from.modelType})` : '';
      if (use.loader === NOT_LOADED_HERE)
        return `it is not loaded in this file, so only a model of the same architecture${same} is known to fit`;
      if (use.loader === TARGET_MODULES)
        return `the file names modules of its architecture${same} in \`target_modules\``;
      return `\`${use.loader}\` is not known to load ${toType ? `a ${toType} model` : 'it'}`;
    }
  }
  return undefined;
}
