// A model from its id or folder to a measured result: resolve (download with consent), load the
// evaluation set, run the harness. The CLI and the extension both go through here.
import type { HubClient, SnapshotOptions } from '../models/hub';
import { resolveModel, type ResolvedModel } from '../models/modelSource';
import { loadEvalSet } from './datasets';
import type { EvalSet } from './datasets/evalSet';
import { runBenchmark, type BenchOptions, type BenchResult } from './harness';

export interface BenchmarkRequest extends Omit<BenchOptions, 'folder' | 'set'> {
  model: string;
  dataset?: string;
  samples: number;
  seed: number;
  hub: HubClient;
  download?: SnapshotOptions;
  /** An already loaded set (compare runs two models on the same items). */
  set?: EvalSet;
}

export interface BenchmarkOutcome {
  model: ResolvedModel;
  set: EvalSet;
  result: BenchResult;
}

export async function benchmarkModel(request: BenchmarkRequest): Promise<BenchmarkOutcome> {
  const { hub, download, task, dtype } = request;
  const model = await resolveModel(request.model, task, dtype, hub, download);
  const set = request.set ?? (await loadEvalSet(task, request.dataset, request.samples, request.seed, hub, { ...download, signal: request.signal }));
  const result = await runBenchmark({ ...request, folder: model.folder, set });
  return { model, set, result };
}
