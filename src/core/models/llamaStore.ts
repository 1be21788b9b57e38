// Where llama.cpp's builds are installed (see llamaInstall.ts) and which install node-llama-cpp
// loads from: asked at every CLI start, so nothing here loads more than node:fs and the build
// choice (llamaPackages.ts).
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildPackages, INSTALLABLE_BUILDS, type InstallableBuild } from './llamaPackages';

export const LLAMA_MANIFEST = 'carbonlens-llama.json';

/** The folder of llama.cpp's builds inside `storage`. */
export const llamaFolder = (storage: string) => join(storage, 'llama-cpp');

export interface LlamaManifest {
  /** node-llama-cpp's version. */
  version: string;
  /** The builds installed, each with its packages. */
  builds: { build: InstallableBuild; cuda?: 12 | 13; packages: string[] }[];
  /** Every package in the tree: where it is under node_modules, and the integrity it matched. */
  packages: { path: string; name: string; version: string; integrity: string }[];
  registry: string;
  /** Bytes downloaded by the install that wrote this (packages kept from before not counted). */
  bytes: number;
  installedAt: string;
}

/** The manifest of a complete install in `folder`, or undefined. */
export function installedLlama(folder: string): LlamaManifest | undefined {
  if (!existsSync(join(folder, LLAMA_MANIFEST))) return undefined;
  try {
    const m = JSON.parse(readFileSync(join(folder, LLAMA_MANIFEST), 'utf8')) as LlamaManifest;
    return m.packages.every((p) => existsSync(join(folder, 'node_modules', p.path, 'package.json'))) ? m : undefined;
  } catch {
    return undefined;
  }
}

let active: string | undefined;

/** Loads node-llama-cpp from `folder` from now on, where a complete install is there. */
export function useLlama(folder: string): boolean {
  if (!installedLlama(folder)) return false;
  active = folder;
  return true;
}

/** The install node-llama-cpp loads from, if `useLlama` found one. */
export const llamaInUse = (): string | undefined => active;

/** node-llama-cpp's entry point in an install: a file URL for import(). */
export function llamaEntry(folder: string): string {
  const dir = join(folder, 'node_modules', 'node-llama-cpp');
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    exports?: { '.'?: { import?: string; default?: string } };
    main?: string;
  };
  const rel = pkg.exports?.['.']?.import ?? pkg.exports?.['.']?.default ?? pkg.main ?? 'index.js';
  return pathToFileURL(join(dir, rel)).href;
}

/** The folder of `name`'s package.json, found from `from` as Node resolves packages; undefined when none. */
function packageDir(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

/** node-llama-cpp as this copy of CarbonLens has it without an install, and which builds it finds. */
export function bundledLlama(
  from = __dirname,
): { dir: string; version: string; builds: InstallableBuild[] } | undefined {
  const dir = packageDir('node-llama-cpp', from);
  if (!dir) return undefined;
  const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const builds = INSTALLABLE_BUILDS.filter((b) =>
    (buildPackages(b, 13) ?? [undefined]).every((n) => n !== undefined && packageDir(n, dir)),
  );
  return { dir, version, builds };
}

/** The builds a GGUF run can load: the install's in use, else those bundled with this copy. */
export function buildsHere(): InstallableBuild[] {
  const folder = llamaInUse();
  const m = folder ? installedLlama(folder) : undefined;
  return m ? m.builds.map((b) => b.build) : (bundledLlama()?.builds ?? []);
}

/**
 * The kernel library of the CUDA build node-llama-cpp loads here: CUDA 13's, or with `cuda` 12
 * the CUDA 12 fallback of the `-ext` package; undefined where that build is not installed.
 */
export function cudaBuildLibrary(cuda: 12 | 13 = 13): string | undefined {
  const folder = llamaInUse();
  const nlc = folder ? packageDir('node-llama-cpp', folder) : bundledLlama()?.dir;
  const names = buildPackages('cuda', cuda);
  const pkg = nlc && names ? packageDir(names[names.length - 1]!, nlc) : undefined;
  if (!pkg) return undefined;
  const win = process.platform === 'win32';
  const bins = join(pkg, 'bins', `${win ? 'win' : 'linux'}-x64-cuda`, ...(cuda === 12 ? ['fallback'] : []));
  const file = join(bins, win ? 'ggml-cuda.dll' : 'libggml-cuda.so');
  return existsSync(file) ? file : undefined;
}
