// A model named by a local folder or a hub id, made into a local folder transformers.js loads.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { HubError, type HubClient, type Snapshot, type SnapshotOptions } from './hub';
import { availableDtypes, modelFiles, type Dtype, type ModelKind } from './tasks';
import { withRemedy } from '../messages';
import { HUB_ID, listFolder } from './modelName';

export interface ResolvedModel {
  /** The hub id, or the folder as given. */
  id: string;
  folder: string;
  source: 'local' | 'hub';
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

export async function resolveModel(
  idOrPath: string,
  task: ModelKind,
  dtype: Dtype,
  hub: HubClient,
  options: SnapshotOptions = {},
): Promise<ResolvedModel> {
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
