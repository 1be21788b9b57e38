// onnxruntime's CUDA provider on Linux x64, added after install. onnxruntime-node ships without
// it (its install script fetches it from NuGet, which fails offline and which we skip). With the
// user's consent, `installCudaProvider` fetches the same NuGet package onnxruntime-node's
// script uses, and builds a private copy of onnxruntime-node in the given folder (the
// extension's storage) with the provider libraries beside libonnxruntime.so, where onnxruntime
// looks for them. `useRuntime` points `require('onnxruntime-node')` at that copy.
import { withRemedy } from '../messages';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  copyFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../userError';
import { BoundedReadError, METADATA_LIMITS, readJson, timedOut, timeLimit } from '../boundedJson';
import type { CudaMajor } from './cudaDetect';

/** The onnxruntime-node version the bundles were built against: the provider must match it. */
export const ORT_VERSION = CARBONLENS_ORT_VERSION;
export const NUGET_INDEX = 'https://api.nuget.org/v3/index.json';
export const CUDA_PACKAGE = 'Microsoft.ML.OnnxRuntime.Gpu.Linux';
export const PROVIDER_FILES = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'];
export const MANIFEST = 'carbonlens-provider.json';

/**
 * Bounds on what a feed may send: the real package is about 300 MB, its CUDA library about
 * 230 MB unpacked. Anything far beyond is refused, before consent when the size is declared.
 */
export const LIMITS = { packageBytes: 1_500_000_000, entryBytes: 800_000_000, totalEntryBytes: 1_200_000_000 };

/**
 * sha256 of the package per onnxruntime version, compared after the download. A version without
 * a pin installs with the feed's word alone, and the manifest and status say so (no machine of
 * ours could reach NuGet to compute one).
 */
export const PINNED_SHA256: Readonly<Record<string, string>> = {};

/** https, or plain http to this machine only (a local mirror, tests). */
export function checkScheme(url: string, what: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ProviderError(`${what} is not a URL: ${url}`, 'http');
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback))
    throw new ProviderError(`${what} must be https (plain http only to this machine): ${u.origin}`, 'http');
}

export class ProviderError extends UserError {
  declare readonly kind: 'unsupported' | 'declined' | 'network' | 'http' | 'package' | 'cancelled';
  constructor(message: string, kind: ProviderError['kind']) {
    super(message, kind);
  }
}

export interface ProviderManifest {
  package: string;
  version: string;
  /** The CUDA major the provider was built for (older manifests: 12). */
  cuda?: CudaMajor;
  /** The onnxruntime version of the runtime copy (older manifests: the package version). */
  ortVersion?: string;
  url: string;
  sha256: string;
  /** Whether sha256 was compared with a pinned value (else the feed's word alone). */
  pinned: boolean;
  bytes: number;
  files: string[];
  installedAt: string;
}

/** The folder of the runtime copy for this version, inside `storage`. */
export const runtimeFolder = (storage: string) => join(storage, 'onnxruntime-cuda');

/** The manifest of a complete install in `folder`, or undefined. */
export function installedProvider(folder: string): ProviderManifest | undefined {
  // Asked at every CLI start: no exception to build where, as mostly, nothing is installed.
  if (!existsSync(join(folder, MANIFEST))) return undefined;
  try {
    const m = JSON.parse(readFileSync(join(folder, MANIFEST), 'utf8')) as ProviderManifest;
    const bin = join(folder, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64');
    return m.files.every((f) => existsSync(join(bin, f))) ? m : undefined;
  } catch {
    return undefined;
  }
}

let activeProvider: ProviderManifest | undefined;

/** The provider whose runtime copy `useRuntime` put in place, if any. */
export const providerInUse = (): ProviderManifest | undefined => activeProvider;

/**
 * Makes `require('onnxruntime-node')` load the copy in `folder` (its onnxruntime-common stays the
 * one the bundle uses, so tensors are one class). Call before anything loads onnxruntime-node.
 */
export function useRuntime(folder: string): boolean {
  const manifest = installedProvider(folder);
  if (!manifest) return false;
  activeProvider = manifest;
  const target = join(folder, 'node_modules', 'onnxruntime-node');
  const Module = require('node:module') as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request: string, ...rest: unknown[]) {
    return resolve.call(this, request === 'onnxruntime-node' ? target : request, ...rest);
  };
  return true;
}

export interface InstallOptions {
  /** Where the runtime copy goes (see runtimeFolder). */
  folder: string;
  /** The NuGet v3 service index. */
  feed?: string;
  version?: string;
  /** The installed onnxruntime-node package folder: copied with the providers added (CUDA 12), and where onnxruntime-common is found. */
  ortPackage: string;
  /** Asked with the download's size before any byte is fetched. */
  confirm: (plan: { url: string; bytes?: number; package: string; version: string }) => Promise<boolean>;
  onProgress?: (doneBytes: number, totalBytes?: number) => void;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
  /** The package's expected sha256 (default: PINNED_SHA256 for the version). */
  sha256?: string;
}

/** What to do when the feed cannot be reached (another sentence for another source). */
export const FEED_HINT = 'Check the network, or set carbonlens.cudaProvider.feed to a NuGet mirror.';

export async function request(
  url: string,
  init: RequestInit,
  fetchImpl: typeof fetch,
  hint = FEED_HINT,
): Promise<Response> {
  let res: Response;
  try {
    res = await fetchImpl(url, { redirect: 'follow', ...init });
  } catch (e) {
    if (timedOut(init.signal))
      throw new ProviderError(`${new URL(url).host} did not answer within ${METADATA_LIMITS.ms / 1000} s.`, 'network');
    if ((e as Error).name === 'AbortError') throw new ProviderError('Cancelled.', 'cancelled');
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new ProviderError(`Cannot reach ${new URL(url).origin} (${cause}). ${hint}`, 'network');
  }
  if (!res.ok) throw new ProviderError(`${url} answered ${res.status} ${res.statusText}.`, 'http');
  return res;
}

/** The .nupkg address from the feed's PackageBaseAddress resource. */
export async function packageUrl(
  feed: string,
  version: string,
  fetchImpl: typeof fetch = fetch,
  signal?: AbortSignal,
): Promise<string> {
  const index = await readMetadata(feed, signal, fetchImpl);
  const notFeed = (why: string) =>
    withRemedy(new ProviderError('', 'package'), { id: 'cudaFeedBad', params: { feed, why } });
  const resources = (index as { resources?: unknown } | null)?.resources;
  if (!Array.isArray(resources)) throw notFeed('its index has no list of resources');
  const base = resources.find((r): r is { '@id': string; '@type': string } => {
    const { '@id': id, '@type': type } = (r ?? {}) as Record<string, unknown>;
    return typeof id === 'string' && typeof type === 'string' && type.startsWith('PackageBaseAddress/3.0.0');
  })?.['@id'];
  if (!base) throw notFeed('no PackageBaseAddress');
  const id = CUDA_PACKAGE.toLowerCase();
  return `${base.replace(/\/?$/, '/')}${id}/${version}/${id}.${version}.nupkg`;
}

/** A feed's JSON, bounded in size and time (see boundedJson). */
async function readMetadata(url: string, signal: AbortSignal | undefined, fetchImpl: typeof fetch): Promise<unknown> {
  const limit = timeLimit(METADATA_LIMITS.ms, signal);
  const res = await request(url, { signal: limit }, fetchImpl);
  try {
    return await readJson(res, url, limit);
  } catch (e) {
    if (signal?.aborted) throw new ProviderError('Cancelled.', 'cancelled');
    throw new ProviderError(
      (e as Error).message,
      e instanceof BoundedReadError && e.kind === 'not-json' ? 'package' : 'network',
    );
  }
}

export async function installCudaProvider(options: InstallOptions): Promise<ProviderManifest> {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new ProviderError(
      `onnxruntime publishes its CUDA provider for Node on Linux x64 only, not ${process.platform}-${process.arch}.`,
      'unsupported',
    );
  checkFolder(options.folder);
  const fetchImpl = options.fetchImpl ?? fetch;
  const version = options.version ?? ORT_VERSION;
  const feed = options.feed ?? NUGET_INDEX;
  checkScheme(feed, 'The feed');
  const url = await packageUrl(feed, version, fetchImpl, options.signal);
  checkScheme(url, 'The package address');
  const head = await request(url, { method: 'HEAD', signal: timeLimit(METADATA_LIMITS.ms, options.signal) }, fetchImpl);
  const size = Number(head.headers.get('content-length')) || undefined;
  if (size !== undefined && size > LIMITS.packageBytes)
    throw new ProviderError(
      `The feed declares ${CUDA_PACKAGE} ${version} at ${size} bytes, far above the real package's size: refused, nothing downloaded.`,
      'package',
    );
  const expected = options.sha256 ?? PINNED_SHA256[version];
  if (!(await options.confirm({ url, bytes: size, package: CUDA_PACKAGE, version })))
    throw new ProviderError('Not downloaded: no consent.', 'declined');

  const { staging, ort, bin } = stage(options.folder);
  try {
    const nupkg = join(staging, 'package.nupkg');
    const { sha256, bytes } = await download(url, nupkg, fetchImpl, options);
    if (expected && sha256 !== expected)
      throw new ProviderError(
        `${CUDA_PACKAGE} ${version} from ${new URL(url).origin} is not the package we know (sha256 ${sha256.slice(0, 16)}..., expected ${expected.slice(0, 16)}...): nothing was installed.`,
        'package',
      );
    const found = await extract(
      nupkg,
      bin,
      PROVIDER_FILES.map((f) => `runtimes/linux-x64/native/${f}`),
    );
    const missing = PROVIDER_FILES.filter((f) => !found.includes(f));
    if (missing.length)
      throw new ProviderError(
        `${CUDA_PACKAGE} ${version} has no ${missing.join(', ')}: not the package onnxruntime-node expects.`,
        'package',
      );
    rmSync(nupkg);
    copyRuntime(options.ortPackage, ort, bin);
    const manifest: ProviderManifest = {
      package: CUDA_PACKAGE,
      version,
      url,
      cuda: 12,
      ortVersion: version,
      sha256,
      pinned: Boolean(expected),
      bytes,
      files: PROVIDER_FILES,
      installedAt: new Date().toISOString(),
    };
    return finishInstall(staging, options.folder, manifest);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** A fresh staging folder beside `folder`, with the runtime copy's binary folder made. */
export function stage(folder: string): { staging: string; ort: string; bin: string } {
  const staging = `${folder}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const ort = join(staging, 'node_modules', 'onnxruntime-node');
  const bin = join(ort, 'bin', 'napi-v6', 'linux', 'x64');
  mkdirSync(bin, { recursive: true });
  return { staging, ort, bin };
}

/** Writes the manifest into the staged copy and puts the copy in place of `folder`. */
export function finishInstall(staging: string, folder: string, manifest: ProviderManifest): ProviderManifest {
  writeFileSync(join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  checkFolder(folder); // again: the folder may have gained files during the download
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(dirname(folder), { recursive: true });
  renameSync(staging, folder);
  return manifest;
}

/**
 * Refuses a folder that holds anything but an earlier install (its `manifest` and node_modules),
 * since installing replaces the folder; and an empty name, which would mean the current folder.
 * The CUDA provider's and llama.cpp's installs (llamaInstall.ts) share it.
 */
export function checkFolder(folder: string, manifest = MANIFEST): void {
  if (!folder.trim())
    throw new ProviderError('The install folder is empty: give a folder (--dir DIR), or leave --dir out.', 'package');
  let entries: string[];
  try {
    entries = readdirSync(folder);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    throw new ProviderError(
      code === 'ENOTDIR'
        ? `${folder} is a file, not a folder: choose a new or empty folder.`
        : `${folder} cannot be used (${code ?? (e as Error).message}): choose a new or empty folder.`,
      'package',
    );
  }
  const foreign = entries.filter((e) => e !== manifest && e !== 'node_modules');
  if (foreign.length > 0)
    throw new ProviderError(
      `${folder} holds files CarbonLens did not put there (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}): installing would replace the folder, so nothing was changed. Choose a new or empty folder.`,
      'package',
    );
  if (entries.length > 0 && !entries.includes(manifest))
    throw new ProviderError(
      `${folder} is not empty and was not made by CarbonLens (no ${manifest}): installing would replace it. Choose a new or empty folder.`,
      'package',
    );
}

export async function download(
  url: string,
  file: string,
  fetchImpl: typeof fetch,
  options: Pick<InstallOptions, 'signal' | 'onProgress'> & { hint?: string },
): Promise<{ sha256: string; sha512: string; bytes: number }> {
  const res = await request(url, { signal: options.signal }, fetchImpl, options.hint);
  const total = Number(res.headers.get('content-length')) || undefined;
  // node:crypto and fflate load here, not with the CLI: most commands never install a provider.
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const hash = createHash('sha256');
  const hash512 = createHash('sha512');
  const out = createWriteStream(file);
  let done = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      hash512.update(chunk);
      done += chunk.length;
      if (done > (total ?? LIMITS.packageBytes) || done > LIMITS.packageBytes)
        throw new ProviderError(`The feed sent more than ${total ?? LIMITS.packageBytes} bytes: stopped.`, 'package');
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      options.onProgress?.(done, total);
    }
  } catch (e) {
    if (e instanceof ProviderError) throw e;
    throw (e as Error).name === 'AbortError'
      ? new ProviderError('Cancelled.', 'cancelled')
      : new ProviderError(`The download broke off: ${(e as Error).message}`, 'network');
  } finally {
    await new Promise<void>((r) => out.end(() => r()));
  }
  if (total !== undefined && done !== total)
    throw new ProviderError(`The download stopped at ${done} of ${total} bytes.`, 'network');
  return { sha256: hash.digest('hex'), sha512: hash512.digest('base64'), bytes: done };
}

/** Streams the zip and writes the wanted entries (by path) into `into`; returns their file names. */
function extract(zip: string, into: string, wanted: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const written: Promise<string>[] = [];
    let total = 0;
    const { Unzip, UnzipInflate } = require('fflate') as typeof import('fflate');
    const unzip = new Unzip((entry) => {
      if (!wanted.includes(entry.name)) return;
      const name = entry.name.split('/').pop()!;
      const out = createWriteStream(join(into, name));
      let size = 0;
      written.push(
        new Promise((ok, fail) => {
          out.on('error', fail);
          out.on('finish', () => ok(name));
          entry.ondata = (err, data, final) => {
            if (err) return fail(new ProviderError(`The package is damaged: ${err.message}`, 'package'));
            size += data.length;
            total += data.length;
            // A zip bomb: an entry that inflates far beyond any real library.
            if (size > LIMITS.entryBytes || total > LIMITS.totalEntryBytes) {
              entry.terminate();
              out.destroy();
              input.destroy();
              const bomb = new ProviderError(
                `${entry.name} inflates beyond ${LIMITS.entryBytes} bytes: not a real provider package.`,
                'package',
              );
              reject(bomb);
              return fail(bomb);
            }
            out.write(data);
            if (final) out.end();
          };
          entry.start();
        }),
      );
      written.at(-1)!.catch(() => {}); // reported through Promise.all below, or at once as above
    });
    unzip.register(UnzipInflate);
    const input = createReadStream(zip);
    input.on('data', (chunk) => {
      try {
        unzip.push(chunk as Buffer);
      } catch (e) {
        input.destroy();
        reject(new ProviderError(`The package is not a readable zip: ${(e as Error).message}`, 'package'));
      }
    });
    input.on('error', reject);
    input.on('end', () => {
      try {
        unzip.push(new Uint8Array(0), true);
      } catch (e) {
        return reject(new ProviderError(`The package is not a readable zip: ${(e as Error).message}`, 'package'));
      }
      Promise.all(written).then(resolve, reject);
    });
  });
}

/** onnxruntime-node's JS and native binding beside the providers; onnxruntime-common linked, not copied. */
export function copyRuntime(from: string, to: string, bin: string, commonFrom = from): void {
  copyFileSync(join(from, 'package.json'), join(to, 'package.json'));
  const dist = join(from, 'dist');
  mkdirSync(join(to, 'dist'), { recursive: true });
  for (const f of readdirSync(dist)) if (f.endsWith('.js')) copyFileSync(join(dist, f), join(to, 'dist', f));
  const nativeDir = join(from, 'bin', 'napi-v6', 'linux', 'x64');
  for (const f of readdirSync(nativeDir)) copyFileSync(join(nativeDir, f), join(bin, f));
  // Its exports hide package.json: walk up from the entry point.
  let common = dirname(realpathSync(require.resolve('onnxruntime-common', { paths: [commonFrom] })));
  while (
    !existsSync(join(common, 'package.json')) ||
    JSON.parse(readFileSync(join(common, 'package.json'), 'utf8')).name !== 'onnxruntime-common'
  )
    common = dirname(common);
  symlinkSync(common, join(dirname(to), 'onnxruntime-common'), 'dir');
}
