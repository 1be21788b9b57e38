// Before onnxruntime loads its CUDA provider, the CUDA libraries that provider links against
// must be findable by the dynamic loader. A toolkit under /usr/local/cuda-13.0/targets/... often
// is not on its path; loading each library there by its full name first makes the provider's
// own lookup (by soname) find the one already loaded, without LD_LIBRARY_PATH or a restart.
import { join } from 'node:path';
import { CUDA_NEEDS, type CudaMajor, detectCuda, foldersOffLoaderPath } from './cudaDetect';
import { providerInUse } from './cudaProvider';

export interface CudaReadiness {
  /** Why CUDA cannot run with the installed provider here; undefined when it can be tried. */
  unavailable?: string;
  /** What was done to make it loadable (libraries loaded from folders off the loader path). */
  notes: string[];
}

let done: CudaReadiness | undefined;

/** Checks the installed provider's CUDA libraries and loads those off the loader path, once. */
export function prepareCuda(
  load = (path: string) => void (require('koffi') as typeof import('koffi')).load(path),
): CudaReadiness {
  if (done) return done;
  const provider = providerInUse();
  if (!provider) return (done = { unavailable: "onnxruntime-node's CUDA provider is not installed", notes: [] });
  const major: CudaMajor = provider.cuda ?? 12;
  const found = detectCuda().libraries[major];
  const missing = found.filter((l) => !l.dir).map((l) => l.name);
  if (missing.length)
    return (done = {
      unavailable: `the installed provider is built for CUDA ${major}; not found here: ${missing.join(', ')} (carbonlens cuda-provider status)`,
      notes: [],
    });
  const notes: string[] = [];
  const off = new Set(foldersOffLoaderPath(found));
  // In CUDA_NEEDS order: each one's own dependencies (cublasLt before cublas) come first.
  for (const name of CUDA_NEEDS[major]) {
    const lib = found.find((l) => l.name === name)!;
    if (!off.has(lib.dir!)) continue;
    try {
      load(join(lib.dir!, name));
      notes.push(`loaded ${name} from ${lib.dir}`);
    } catch (e) {
      return (done = {
        unavailable: `${name} in ${lib.dir} could not be loaded: ${(e as Error).message.split('\n')[0]}`,
        notes,
      });
    }
  }
  return (done = { notes });
}
