// Which of node-llama-cpp's prebuilt llama.cpp builds this machine can run, and the packages each
// is made of. The packages and their integrity hashes are package-lock.json's
// (src/generated/llamaPackages.ts, written by scripts/llamaPackages.mjs at every build).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cudaSearchDirs } from './cudaDetect';
import type { CudaDriverFacts } from './cudaDriver';
import { kernelImages, kernelsMismatch } from './cudaKernels';

export interface LlamaPackage {
  name: string;
  version: string;
  /** The lock's `integrity`: sha512, base64. */
  integrity: string;
  os?: string[];
  cpu?: string[];
}

export interface LlamaRuntimePackage extends LlamaPackage {
  /** Where it goes under node_modules (node-llama-cpp/node_modules/chalk), as the lock places it. */
  path: string;
}

export interface LlamaPackages {
  /** node-llama-cpp's version. */
  version: string;
  /** node-llama-cpp (first) and every package it needs at run time. */
  runtime: LlamaRuntimePackage[];
  /** @node-llama-cpp/<platform>[-gpu], one per prebuilt build. */
  builds: LlamaPackage[];
}

/** The builds one can install (Metal on macOS on Apple silicon is the only one there). */
export const INSTALLABLE_BUILDS = ['cpu', 'cuda', 'vulkan', 'metal'] as const;
export type InstallableBuild = (typeof INSTALLABLE_BUILDS)[number];

export interface Platform {
  platform: NodeJS.Platform;
  arch: string;
}
const here = (): Platform => ({ platform: process.platform, arch: process.arch });

/**
 * The packages of `build` on `p`, or undefined where node-llama-cpp publishes none. The CUDA
 * build is CUDA 13's; its `-ext` package adds the CUDA 12 backend llama.cpp falls back to, needed
 * where only CUDA 12 is.
 */
export function buildPackages(build: InstallableBuild, cuda?: 12 | 13, p: Platform = here()): string[] | undefined {
  const os = { linux: 'linux', darwin: 'mac', win32: 'win' }[p.platform as string];
  const arch = p.platform === 'linux' && p.arch === 'arm' ? 'armv7l' : p.arch;
  if (!os) return undefined;
  const base = `@node-llama-cpp/${os}-${arch}`;
  if (os === 'mac') {
    if (arch === 'arm64') return build === 'metal' ? [`${base}-metal`] : undefined;
    return build === 'cpu' && arch === 'x64' ? [base] : undefined;
  }
  if (build === 'cpu') return [base];
  if (arch !== 'x64' || build === 'metal') return undefined;
  if (build === 'vulkan') return [`${base}-vulkan`];
  return cuda === 12 ? [`${base}-cuda`, `${base}-cuda-ext`] : [`${base}-cuda`];
}

export interface BuildChoice {
  build: InstallableBuild;
  /** The CUDA runtime found, for the CUDA build. */
  cuda?: 12 | 13;
  /** Why this build: what was found, or missing. */
  why: string;
}

/** The libraries each GPU build loads, per platform: what tells that it can run here. */
const NEEDS = {
  linux: {
    driver: 'libcuda.so.1',
    cuda: (m: number) => [`libcudart.so.${m}`, `libcublas.so.${m}`, `libcublasLt.so.${m}`],
    vulkan: 'libvulkan.so.1',
  },
  win32: {
    driver: 'nvcuda.dll',
    cuda: (m: number) => [`cudart64_${m}.dll`, `cublas64_${m}.dll`, `cublasLt64_${m}.dll`],
    vulkan: 'vulkan-1.dll',
  },
};

/** Where those libraries are looked for. */
export function librarySearchDirs(p: Platform = here(), env = process.env): string[] {
  if (p.platform !== 'win32') return cudaSearchDirs(env);
  const path = (env.PATH ?? env.Path ?? '').split(';').filter(Boolean);
  const system = join(env.SystemRoot ?? 'C:\\Windows', 'System32');
  const cudaBins = env.CUDA_PATH ? [join(env.CUDA_PATH, 'bin', 'x64'), join(env.CUDA_PATH, 'bin')] : [];
  return [...cudaBins, ...path, system];
}

/**
 * The build to install here, as `--device auto` would want it: CUDA where the NVIDIA driver and
 * a CUDA 13 or 12 runtime are found, else Vulkan where its loader is, else the CPU; Metal on
 * Apple silicon.
 */
export function chooseBuild(p: Platform = here(), dirs = librarySearchDirs(p), gpuDevice = renderNode): BuildChoice {
  if (p.platform === 'darwin')
    return p.arch === 'arm64'
      ? { build: 'metal', why: 'Apple silicon: the Metal build' }
      : { build: 'cpu', why: 'macOS on Intel: node-llama-cpp publishes a CPU build only' };
  const needs = NEEDS[p.platform as keyof typeof NEEDS];
  if (!needs || p.arch !== 'x64')
    return { build: 'cpu', why: `node-llama-cpp publishes GPU builds for x64 only, not ${p.platform}-${p.arch}` };
  const has = (name: string) => dirs.some((d) => existsSync(join(d, name)));
  const driver = has(needs.driver);
  const cuda = driver ? ([13, 12] as const).find((m) => needs.cuda(m).every(has)) : undefined;
  if (cuda)
    return { build: 'cuda', cuda, why: `the NVIDIA driver and CUDA ${cuda}'s runtime (${needs.cuda(cuda)[0]}) found` };
  const noCuda = driver
    ? `the NVIDIA driver is here but no CUDA 13 or 12 runtime (${needs.cuda(13).join(', ')}, or 12's)`
    : `no NVIDIA driver (${needs.driver})`;
  // On Linux, Mesa's Vulkan drivers are often installed where no GPU is (its CPU driver, lavapipe, is slower than the CPU build).
  const gpu = p.platform !== 'linux' || gpuDevice();
  if (has(needs.vulkan) && gpu) return { build: 'vulkan', why: `${noCuda}; Vulkan's loader (${needs.vulkan}) found` };
  if (has(needs.vulkan))
    return { build: 'cpu', why: `${noCuda}; Vulkan's loader is here but no GPU (no /dev/dri/renderD*)` };
  return { build: 'cpu', why: `${noCuda}, and no Vulkan loader (${needs.vulkan})` };
}

/** Whether Linux shows a GPU that Vulkan can drive (a DRM render node). */
function renderNode(): boolean {
  try {
    return readdirSync('/dev/dri').some((n) => n.startsWith('renderD'));
  } catch {
    return false;
  }
}

/** Whether a package with these `os`/`cpu` fields installs on `p` (npm's rule). */
export function fitsPlatform(pkg: Pick<LlamaPackage, 'os' | 'cpu'>, p: Platform = here()): boolean {
  const fits = (list: string[] | undefined, value: string) =>
    !list || (list.some((v) => !v.startsWith('!')) ? list.includes(value) : !list.includes(`!${value}`));
  return fits(pkg.os, p.platform) && fits(pkg.cpu, p.arch);
}

/**
 * Why llama.cpp's CUDA build in `file` cannot run on the GPUs `facts` describe, read from its
 * kernels (a kernel it cannot run aborts the process at the first prompt); undefined where it
 * can, or where that cannot be told (no build, no driver, a library without a fatbin).
 */
export function cudaBuildMismatch(file: string | undefined, facts: CudaDriverFacts | undefined): string | undefined {
  let images: ReturnType<typeof kernelImages> = [];
  try {
    if (file && facts) images = kernelImages(file);
  } catch {
    // An unreadable library: nothing to tell, and node-llama-cpp's own load says what it finds.
  }
  // llama.cpp spreads a model over every GPU it sees: each must run the kernels.
  const why = images.length
    ? facts?.gpus.map((cc) => kernelsMismatch(images, cc, facts.version)).find(Boolean)
    : undefined;
  return (
    why &&
    `llama.cpp's CUDA build cannot run on this GPU: ${why}. A newer NVIDIA driver runs it; until then the model runs on another device`
  );
}
