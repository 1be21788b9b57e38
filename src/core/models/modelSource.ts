// A model named by a local folder or a hub id, made into a local folder transformers.js loads.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { HubError, type HubClient, type Snapshot, type SnapshotOptions } from './hub';
import { availableDtypes, modelFiles, type Dtype, type ModelKind } from './tasks';
import { withRemedy } from '../messages';
import { HUB_ID, listFolder } from './modelName';
import { GGUF_QUANTS, normaliseQuant, readGguf, type GgufInfo } from './gguf';
import { join } from 'node:path';
import { isOllamaId, resolveOllama } from './ollama';
import { ModelFileError } from '../bench/promptFit';

export interface ResolvedModel {
  /** The hub id, the folder or GGUF file as given, or ollama:NAME:TAG. */
  id: string;
  /** The model's folder; for a GGUF model, its file. */
  folder: string;
  source: 'local' | 'hub' | 'ollama';
  /** A GGUF model (run by llama.cpp): its header. */
  gguf?: GgufInfo;
  /** An Ollama model: its weights' sha256 digest, as its manifest names them. */
  digest?: string;
  /** For hub models: the commit and whether this run downloaded it. */
  commit?: string;
  from?: Snapshot['from'];
}

function dtypeError(model: string, task: ModelKind, dtype: Dtype, files: readonly string[]): Error {
  const have = availableDtypes(task, files);
  if (have.length)
    return withRemedy(new HubError('', 'not-found'), { id: 'weightsMissing', params: { model, dtype, task, have } });
  return new HubError(
    `${model} has no ONNX graphs for ${task} (expected ${modelFiles(task, dtype, [])
      .required.filter((f) => f.endsWith('.onnx'))
      .join(' and ')}); export it with Optimum, or use a repository that has them.`,
    'not-found',
  );
}

/** A .gguf file or an Ollama name: models llama.cpp runs, for text generation. */
export const isGgufModel = (idOrPath: string) =>
  isOllamaId(idOrPath) || (idOrPath.toLowerCase().endsWith('.gguf') && !isDirectory(idOrPath));

const isDirectory = (path: string) => existsSync(resolve(path)) && statSync(resolve(path)).isDirectory();

/**
 * A GGUF file or an Ollama model, its header read: for text generation only, and of the
 * quantisation `quant` names where one is given.
 */
export function resolveGguf(idOrPath: string, task: ModelKind, quant?: string, ollamaDir?: string): ResolvedModel {
  if (task !== 'text-generation')
    throw new ModelFileError(
      `${idOrPath} is a GGUF model, which CarbonLens runs for text-generation (through llama.cpp), not ${task}.`,
    );
  const ollama = isOllamaId(idOrPath) ? resolveOllama(idOrPath, ollamaDir) : undefined;
  const file = ollama?.file ?? resolve(idOrPath);
  if (!ollama && !existsSync(file)) throw new ModelFileError(`No GGUF file ${idOrPath} on this machine.`);
  const gguf = readGguf(file);
  if (quant !== undefined && normaliseQuant(quant) !== gguf.quantisation)
    throw withRemedy(new ModelFileError(''), {
      id: 'quantMismatch',
      params: {
        model: ollama?.id ?? idOrPath,
        ...(gguf.quantisation !== undefined && { is: gguf.quantisation }),
        asked: normaliseQuant(quant),
        ollama: !!ollama,
      },
    });
  return ollama
    ? { id: ollama.id, folder: file, source: 'ollama', gguf, digest: ollama.digest }
    : { id: idOrPath, folder: file, source: 'local', gguf };
}

/** The quantisation a GGUF file's name states (`qwen2.5-0.5b-instruct-q4_k_m.gguf`: Q4_K_M), the longest that fits. */
export function quantInName(file: string): string | undefined {
  const name = (file.split('/').pop() ?? file).toUpperCase().replace(/\.GGUF$/, '');
  return [...GGUF_QUANTS]
    .sort((a, b) => b.length - a.length)
    .find((q) => new RegExp(`(^|[-._])${q}($|[-._])`).test(name));
}

const SHARD = /-\d{5}-of-\d{5}\.gguf$/i;

/**
 * The GGUF file of a hub repository for `quant`, by its name; without `quant`, the repository's
 * only one. A repository of several says which quantisations it has.
 */
export function ggufFileFor(repo: string, files: readonly string[], quant?: string): string {
  const ggufs = files.filter((f) => f.toLowerCase().endsWith('.gguf'));
  if (ggufs.length === 0) throw new HubError(`${repo} has no GGUF files.`, 'not-found');
  const have = [...new Set(ggufs.map((f) => quantInName(f) ?? f))];
  if (quant === undefined) {
    if (ggufs.length === 1) return ggufs[0]!;
    throw withRemedy(new HubError('', 'not-found'), { id: 'quantChoice', params: { repo, have, reason: 'several' } });
  }
  const q = normaliseQuant(quant);
  const matching = ggufs.filter((f) => quantInName(f) === q);
  if (matching.length === 0)
    throw withRemedy(new HubError('', 'not-found'), {
      id: 'quantChoice',
      params: { repo, have, reason: 'absent', quant: q },
    });
  if (matching.some((f) => SHARD.test(f)))
    throw new HubError(
      `${repo}'s ${q} model is split into shards (${matching[0]}), which CarbonLens does not load yet: give a single-file quantisation.`,
      'not-found',
    );
  if (matching.length > 1)
    throw new HubError(
      `${repo} has several ${q} GGUF files (${matching.join(', ')}): download the one you want and give its path.`,
      'not-found',
    );
  return matching[0]!;
}

export async function resolveModel(
  idOrPath: string,
  task: ModelKind,
  dtype: Dtype,
  hub: HubClient,
  options: SnapshotOptions & { quant?: string } = {},
): Promise<ResolvedModel> {
  if (isGgufModel(idOrPath)) return resolveGguf(idOrPath, task, options.quant);
  const asPath = resolve(idOrPath);
  if (options.quant !== undefined) {
    if (existsSync(asPath) || !HUB_ID.test(idOrPath))
      throw withRemedy(new ModelFileError(''), { id: 'quantNotApplicable', params: { model: idOrPath } });
    return resolveHubGguf(idOrPath, task, options.quant, hub, options);
  }
  if (existsSync(asPath) && statSync(asPath).isDirectory()) {
    const files = listFolder(asPath);
    const missing = modelFiles(task, dtype, files).required.filter((f) => !files.includes(f));
    if (missing.length > 0) {
      if (missing.some((f) => f.endsWith('.onnx'))) throw dtypeError(idOrPath, task, dtype, files);
      throw new HubError(`${idOrPath} lacks ${missing.join(', ')} for ${task}.`, 'not-found');
    }
    return { id: idOrPath, folder: asPath, source: 'local' };
  }
  if (!HUB_ID.test(idOrPath))
    throw new HubError(
      `${idOrPath} is neither a folder nor a hub model id (like "google/vit-base-patch16-224").`,
      'not-found',
    );
  const snapshot = await hub.snapshot(
    { id: idOrPath, type: 'model' },
    (files) => {
      const selection = modelFiles(task, dtype, files);
      if (task === 'text-generation' && selection.required.some((f) => !files.includes(f))) {
        const quants = [...new Set(files.filter((f) => /\.gguf$/i.test(f)).map((f) => quantInName(f) ?? f))];
        if (quants.length)
          throw withRemedy(new HubError('', 'not-found'), {
            id: 'quantChoice',
            params: { repo: idOrPath, have: quants, reason: 'not-onnx' },
          });
      }
      if (selection.required.some((f) => f.endsWith('.onnx') && !files.includes(f)))
        throw dtypeError(idOrPath, task, dtype, files);
      return selection;
    },
    options,
  );
  return { id: idOrPath, folder: snapshot.folder, source: 'hub', commit: snapshot.commit, from: snapshot.from };
}

/** A hub repository's GGUF file of `quant`, downloaded (with consent) and its header checked. */
async function resolveHubGguf(
  id: string,
  task: ModelKind,
  quant: string,
  hub: HubClient,
  options: SnapshotOptions,
): Promise<ResolvedModel> {
  if (task !== 'text-generation')
    throw withRemedy(new ModelFileError(''), { id: 'quantNotApplicable', params: { model: id, task } });
  let chosen = '';
  const snapshot = await hub.snapshot(
    { id, type: 'model' },
    (files) => {
      chosen = ggufFileFor(id, files, quant);
      return { required: [chosen] };
    },
    options,
  );
  const file = join(snapshot.folder, chosen);
  const gguf = readGguf(file);
  if (gguf.quantisation !== normaliseQuant(quant))
    throw new ModelFileError(
      `${id}'s ${chosen} is named ${normaliseQuant(quant)} but its header says ${gguf.quantisation ?? 'no quantisation'} (general.file_type).`,
    );
  return { id, folder: file, source: 'hub', commit: snapshot.commit, from: snapshot.from, gguf };
}
