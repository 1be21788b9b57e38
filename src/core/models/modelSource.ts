// A model named by a local folder or a hub id, made into a local folder transformers.js loads.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { HubError, type HubClient, type Snapshot, type SnapshotOptions } from './hub';
import { availableDtypes, modelFiles, type Dtype, type ModelKind } from './tasks';
import { withRemedy } from '../messages';
import { HUB_ID, listFolder } from './modelName';
import { normaliseQuant, readGguf, type GgufInfo } from './gguf';
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
    throw new ModelFileError(
      `${ollama?.id ?? idOrPath} is ${gguf.quantisation ?? 'of no stated quantisation (no general.file_type)'}, not ${normaliseQuant(quant)}: ${ollama ? 'pull the tag of that quantisation' : 'give the file of that quantisation'}, or leave --quant out.`,
    );
  return ollama
    ? { id: ollama.id, folder: file, source: 'ollama', gguf, digest: ollama.digest }
    : { id: idOrPath, folder: file, source: 'local', gguf };
}

export async function resolveModel(
  idOrPath: string,
  task: ModelKind,
  dtype: Dtype,
  hub: HubClient,
  options: SnapshotOptions & { quant?: string } = {},
): Promise<ResolvedModel> {
  if (isGgufModel(idOrPath)) return resolveGguf(idOrPath, task, options.quant);
  if (options.quant !== undefined)
    throw new ModelFileError(`--quant is for GGUF models (a .gguf file or ollama:NAME:TAG); ${idOrPath} is neither.`);
  const asPath = resolve(idOrPath);
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
      if (selection.required.some((f) => f.endsWith('.onnx') && !files.includes(f)))
        throw dtypeError(idOrPath, task, dtype, files);
      return selection;
    },
    options,
  );
  return { id: idOrPath, folder: snapshot.folder, source: 'hub', commit: snapshot.commit, from: snapshot.from };
}
