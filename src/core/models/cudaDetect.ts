// Which CUDA runtime this machine can load, for choosing the matching onnxruntime CUDA provider:
// a provider built for CUDA 12 cannot load where only CUDA 13 is (current PyTorch wheels, new
// drivers), and the other way round.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { librarySearchPath } from './libraryPath';

export type CudaMajor = 12 | 13;

/** The libraries each provider build links against (its ELF NEEDED entries), cuDNN 9 included; each after its own dependencies. */
export const CUDA_NEEDS: Record<CudaMajor, readonly string[]> = {
  12: ['libcudart.so.12', 'libcublasLt.so.12', 'libcublas.so.12', 'libcurand.so.10', 'libcufft.so.11', 'libcudnn.so.9'],
  13: ['libcudart.so.13', 'libcublasLt.so.13', 'libcublas.so.13', 'libcurand.so.10', 'libcufft.so.12', 'libcudnn.so.9'],
};

export interface LibraryFound {
  name: string;
  /** The folder it is in, or undefined when none of the searched folders has it. */
  dir?: string;
}

export interface CudaReport {
  /** Per CUDA major, each library it needs and where it was found. */
  libraries: Record<CudaMajor, LibraryFound[]>;
  /** The newest CUDA major whose libraries are all there; undefined when none is complete. */
  usable?: CudaMajor;
  /** One sentence a person reads: what was found and what follows. */
  summary: string;
}

/** Where CUDA toolkits and pip's nvidia packages put their libraries, besides the loader's path. */
export function cudaSearchDirs(env = process.env): string[] {
  const dirs = [...librarySearchPath(env)];
  const roots = ['/usr/local', '/opt'];
  for (const root of roots) {
    let names: string[] = [];
    try {
      names = readdirSync(root).filter((n) => /^cuda(-\d+(\.\d+)?)?$/.test(n));
    } catch {
      continue;
    }
    for (const n of names.sort().reverse())
      dirs.push(join(root, n, 'lib64'), join(root, n, 'targets', 'x86_64-linux', 'lib'));
  }
  if (env.CUDA_HOME) dirs.unshift(join(env.CUDA_HOME, 'lib64'), join(env.CUDA_HOME, 'targets', 'x86_64-linux', 'lib'));
  return [...new Set(dirs)];
}

export function detectCuda(dirs = cudaSearchDirs()): CudaReport {
  const find = (name: string): LibraryFound => ({ name, dir: dirs.find((d) => existsSync(join(d, name))) });
  const libraries = { 12: CUDA_NEEDS[12].map(find), 13: CUDA_NEEDS[13].map(find) };
  const complete = (m: CudaMajor) => libraries[m].every((l) => l.dir);
  const usable = complete(13) ? 13 : complete(12) ? 12 : undefined;
  const missing = (m: CudaMajor) =>
    libraries[m]
      .filter((l) => !l.dir)
      .map((l) => l.name)
      .join(', ');
  const summary = usable
    ? `CUDA ${usable} and cuDNN 9 found (${libraries[usable][0]!.dir}): the provider built for CUDA ${usable} matches.`
    : `No complete CUDA runtime found: CUDA 13 lacks ${missing(13)}; CUDA 12 lacks ${missing(12)}.`;
  return { libraries, ...(usable && { usable }), summary };
}

/** Folders of `found` libraries that the dynamic loader does not search by itself. */
export function foldersOffLoaderPath(found: readonly LibraryFound[], env = process.env): string[] {
  const loader = new Set(librarySearchPath(env));
  return [...new Set(found.map((l) => l.dir).filter((d): d is string => !!d && !loader.has(d)))];
}
