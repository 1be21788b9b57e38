// A model from its id or folder to a measured result: resolve (download with consent), load the
// evaluation set, run the harness. The CLI and the extension both go through here.
import type { DiffusionOptions } from '../diffusion/stableDiffusion';
import type { HubClient, SnapshotOptions } from '../models/hub';
import { resolveModel, type ResolvedModel } from '../models/modelSource';
import { loadEvalSet } from './datasets';
import type { EvalSet } from './datasets/evalSet';
import { runBenchmark, type BenchOptions, type BenchResult } from './harness';

export interface BenchmarkRequest extends Omit<BenchOptions, 'folder' | 'set' | 'textToImage'> {
  /** Text to image: the CLIP model (id or folder) that scores the images, where they go, the sampler. */
  textToImage?: { clip: string; imagesDir: string; diffusion: DiffusionOptions };
  model: string;
  /** A GGUF model's quantisation, checked against the file's (--quant). */
  quant?: string;
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
  const model = await resolveModel(request.model, task, dtype, hub, {
    ...download,
    ...(request.quant !== undefined && { quant: request.quant }),
  });
  const set =
    request.set ??
    (await loadEvalSet(task, request.dataset, request.samples, request.seed, hub, {
      ...download,
      signal: request.signal,
    }));
  const { textToImage: t2i, ...rest } = request;
  if (task === 'text-to-image' && !t2i) throw new Error('Text-to-image needs a CLIP model to score the images.');
  const clip = t2i && (await resolveModel(t2i.clip, 'clip', 'fp32', hub, download));
  const textToImage =
    t2i && clip ? { imagesDir: t2i.imagesDir, clipFolder: clip.folder, diffusion: t2i.diffusion } : undefined;
  const { quant: _quant, ...options } = rest;
  const result = await runBenchmark({
    ...options,
    folder: model.folder,
    set,
    ...(textToImage && { textToImage }),
    ...(model.gguf && { gguf: model.gguf }),
  });
  return { model, set, result };
}
