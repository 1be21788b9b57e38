// llama.cpp's builds on demand. The VSIX carries no node-llama-cpp (its tarball alone is 35 MB,
// the CUDA build 143 MB): with the user's consent, `installLlama` fetches node-llama-cpp, every
// package it needs at run time and the build this machine can run from an npm registry, checks
// each tarball against package-lock.json's integrity hash before unpacking it, and lays them out
// as a node_modules tree in a folder of the extension's storage, where node-llama-cpp finds its
// build (it imports @node-llama-cpp/<platform> from its own place). The folder is replaced only
// when everything is in place: a failure, a mismatch or a cancel leaves the earlier one as it was.
// `useLlama` makes llamaRuntime load node-llama-cpp from there.
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { METADATA_LIMITS, timeLimit } from '../boundedJson';
import { checkFolder, checkScheme, download, LIMITS, ProviderError, request } from './cudaProvider';
import { NPM_REGISTRY, tarballUrl } from './cudaProviderNpm';
import {
  buildPackages,
  fitsPlatform,
  type InstallableBuild,
  type LlamaPackages,
  type LlamaRuntimePackage,
  type Platform,
} from './llamaPackages';
import { installedLlama, LLAMA_MANIFEST, type LlamaManifest } from './llamaStore';
import { extractTgz } from './tgz';

const HINT = 'Check the network, or use an npm registry that mirrors registry.npmjs.org.';

export interface LlamaPlan {
  build: InstallableBuild;
  /** What is fetched, in words (node-llama-cpp 3.21.1 and 119 packages + @node-llama-cpp/linux-x64-cuda). */
  what: string;
  registry: string;
  /** Tarballs to fetch (those already in the folder are kept). */
  packages: number;
  /** Their size as the registry declares it; undefined where it does not say. */
  bytes?: number;
}

export interface LlamaInstallOptions {
  folder: string;
  build: InstallableBuild;
  /** The CUDA runtime here, for the CUDA build (12 adds llama.cpp's CUDA 12 fallback). */
  cuda?: 12 | 13;
  /** An npm registry (default the public one). */
  registry?: string;
  /** Asked with the size before any tarball is fetched. */
  confirm: (plan: LlamaPlan) => Promise<boolean>;
  onProgress?: (doneBytes: number, totalBytes?: number) => void;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
  /** The packages and their pins (default package-lock.json's); tests give their own. */
  packages?: LlamaPackages;
  platform?: Platform;
}

interface Wanted extends LlamaRuntimePackage {
  url: string;
  /** Already in the folder with this integrity: copied from there, not fetched. */
  kept: boolean;
}

/** The tree for `build` (with the builds installed before), each marked kept where the folder has it. */
function wantedPackages(options: LlamaInstallOptions, registry: string, earlier?: LlamaManifest) {
  const list =
    options.packages ?? (require('../../generated/llamaPackages') as { LLAMA_PACKAGES: LlamaPackages }).LLAMA_PACKAGES;
  const p = options.platform ?? { platform: process.platform, arch: process.arch };
  const names = buildPackages(options.build, options.cuda, p);
  if (!names)
    throw new ProviderError(
      `node-llama-cpp publishes no ${options.build} build for ${p.platform}-${p.arch}.`,
      'unsupported',
    );
  const builds = [
    ...(earlier?.builds.filter((b) => b.build !== options.build) ?? []),
    { build: options.build, ...(options.build === 'cuda' && options.cuda && { cuda: options.cuda }), packages: names },
  ];
  const byName = new Map(list.builds.map((b) => [b.name, b]));
  const buildEntries = builds
    .flatMap((b) => b.packages)
    .map((n): LlamaRuntimePackage => {
      const b = byName.get(n);
      if (!b)
        throw new ProviderError(`${n} is not among node-llama-cpp ${list.version}'s pinned builds.`, 'unsupported');
      return { ...b, path: n };
    });
  const old = new Map(earlier?.packages.map((e) => [e.path, e.integrity]));
  const packages = [...list.runtime.filter((r) => fitsPlatform(r, p)), ...buildEntries].map(
    (e): Wanted => ({ ...e, url: tarballUrl(registry, e), kept: !!earlier && old.get(e.path) === e.integrity }),
  );
  return { list, builds, packages };
}

/** Runs `task` over `items`, `limit` at a time; the first failure aborts the rest, and all are settled before it is thrown. */
async function pool<T>(
  items: T[],
  limit: number,
  task: (item: T, signal: AbortSignal) => Promise<void>,
  outer?: AbortSignal,
) {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  outer?.addEventListener('abort', onAbort);
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length && failure === undefined && !stop.signal.aborted) {
      const item = items[next++]!;
      try {
        await task(item, stop.signal);
      } catch (e) {
        failure ??= e;
        stop.abort();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  } finally {
    outer?.removeEventListener('abort', onAbort);
  }
  if (failure !== undefined) throw outer?.aborted ? new ProviderError('Cancelled.', 'cancelled') : failure;
  if (outer?.aborted) throw new ProviderError('Cancelled.', 'cancelled');
}

/** The registry's declared sizes (HEAD), each under the limit; undefined where one is not said. */
async function declaredBytes(packages: Wanted[], fetchImpl: typeof fetch, signal?: AbortSignal) {
  let total: number | undefined = 0;
  await pool(
    packages,
    8,
    async (p, stop) => {
      const head = await request(
        p.url,
        { method: 'HEAD', signal: timeLimit(METADATA_LIMITS.ms, stop) },
        fetchImpl,
        HINT,
      );
      const size = Number(head.headers.get('content-length')) || undefined;
      if (size !== undefined && size > LIMITS.packageBytes)
        throw new ProviderError(
          `The registry declares ${p.name} ${p.version} at ${size} bytes: refused, nothing downloaded.`,
          'package',
        );
      total = size === undefined || total === undefined ? undefined : total + size;
    },
    signal,
  );
  return total;
}

/** The tarball's entries under its top folder, into `dir`; a path that leaves `dir` is refused. */
async function unpack(file: string, dir: string, p: Wanted): Promise<void> {
  const target = (name: string) => {
    const rel = posix.normalize(name.split('/').slice(1).join('/'));
    if (!rel || rel === '.' || rel.startsWith('../') || rel === '..' || posix.isAbsolute(rel)) return undefined;
    const to = join(dir, ...rel.split('/'));
    mkdirSync(dirname(to), { recursive: true });
    return to;
  };
  try {
    await extractTgz(file, target, LIMITS.entryBytes);
  } catch (e) {
    throw new ProviderError(`${p.name} ${p.version} is damaged: ${(e as Error).message}`, 'package');
  }
  if (!existsSync(join(dir, 'package.json')))
    throw new ProviderError(`${p.name} ${p.version}'s tarball has no package.json: not an npm package.`, 'package');
}

/** Each package into `staging`: kept ones copied from `folder`, the others fetched, checked, unpacked. */
async function fill(
  staging: string,
  folder: string,
  packages: Wanted[],
  fetchImpl: typeof fetch,
  options: LlamaInstallOptions,
  total?: number,
) {
  const tgzDir = join(staging, '.tarballs');
  mkdirSync(tgzDir, { recursive: true });
  for (const p of packages.filter((x) => x.kept)) {
    const from = join(folder, 'node_modules', p.path);
    cpSync(from, join(staging, 'node_modules', p.path), {
      recursive: true,
      filter: (src) => src === from || !src.slice(from.length).split(/[\\/]/).includes('node_modules'),
    });
  }
  const progress = new Map<string, number>();
  let done = 0;
  await pool(
    packages.filter((x) => !x.kept),
    4,
    async (p, signal) => {
      const file = join(tgzDir, `${p.path.replace(/[\\/@]/g, '+')}.tgz`);
      const got = await download(p.url, file, fetchImpl, {
        signal,
        hint: HINT,
        onProgress: (n) => {
          done += n - (progress.get(p.path) ?? 0);
          progress.set(p.path, n);
          options.onProgress?.(done, total);
        },
      });
      if (`sha512-${got.sha512}` !== p.integrity)
        throw new ProviderError(
          `${p.name} ${p.version} from ${new URL(p.url).origin} is not the package we know (integrity differs from the pinned ${p.integrity.slice(0, 20)}...): nothing was installed.`,
          'package',
        );
      await unpack(file, join(staging, 'node_modules', p.path), p);
      rmSync(file);
    },
    options.signal,
  );
  rmSync(tgzDir, { recursive: true, force: true });
  return done;
}

/** Staging folders beside `folder` whose install was killed (its process is gone), and this process's own. */
function removeAbandoned(folder: string): void {
  const prefix = `${basename(folder)}.partial-`;
  let names: string[] = [];
  try {
    names = readdirSync(dirname(folder)).filter((n) => n.startsWith(prefix));
  } catch {
    return; // no parent folder yet: nothing abandoned
  }
  for (const n of names) {
    const pid = Number(n.slice(prefix.length));
    if (!Number.isInteger(pid) || pid <= 0) continue;
    let alive = pid !== process.pid;
    if (alive)
      try {
        process.kill(pid, 0);
      } catch (e) {
        alive = (e as NodeJS.ErrnoException).code === 'EPERM';
      }
    if (!alive) rmSync(join(dirname(folder), n), { recursive: true, force: true });
  }
}

export async function installLlama(options: LlamaInstallOptions): Promise<LlamaManifest> {
  checkFolder(options.folder, LLAMA_MANIFEST);
  const fetchImpl = options.fetchImpl ?? fetch;
  const registry = (options.registry ?? NPM_REGISTRY).replace(/\/+$/, '');
  checkScheme(registry, 'The registry');
  const earlier = installedLlama(options.folder);
  const { list, builds, packages } = wantedPackages(options, registry, earlier);
  const fetched = packages.filter((p) => !p.kept);
  const bytes = fetched.length ? await declaredBytes(fetched, fetchImpl, options.signal) : 0;
  const root = fetched.find((p) => p.path === list.runtime[0]?.path); // node-llama-cpp itself
  const others = fetched.filter((p) => p.path.startsWith('@node-llama-cpp/'));
  const what = [
    ...(root ? [`node-llama-cpp ${list.version} and the ${fetched.length - others.length - 1} packages it needs`] : []),
    ...others.map((p) => p.name),
  ].join(' + ');
  if (
    fetched.length &&
    !(await options.confirm({
      build: options.build,
      what,
      registry,
      packages: fetched.length,
      ...(bytes !== undefined && { bytes }),
    }))
  )
    throw new ProviderError('Not downloaded: no consent.', 'declined');
  const staging = `${options.folder}.partial-${process.pid}`;
  removeAbandoned(options.folder);
  try {
    const done = await fill(staging, options.folder, packages, fetchImpl, options, bytes);
    const manifest: LlamaManifest = {
      version: list.version,
      builds,
      packages: packages.map(({ path, name, version, integrity }) => ({ path, name, version, integrity })),
      registry,
      bytes: done,
      installedAt: new Date().toISOString(),
    };
    writeFileSync(join(staging, LLAMA_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    checkFolder(options.folder, LLAMA_MANIFEST); // again: the folder may have gained files meanwhile
    rmSync(options.folder, { recursive: true, force: true });
    mkdirSync(dirname(options.folder), { recursive: true });
    renameSync(staging, options.folder);
    return manifest;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
