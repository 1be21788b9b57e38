// onnxruntime's CUDA 13 provider, for machines with CUDA 13 only (current PyTorch wheels, new
// drivers), where the CUDA 12 build from NuGet cannot load. The npm registry carries onnxruntime
// 1.29.0's CUDA 13 provider (Microsoft's binaries in a Unity package, MIT) and onnxruntime-node
// 1.29.0; both are pinned by the registry's own integrity hashes. The runtime copy pairs the two:
// the providers beside 1.29.0's libonnxruntime, its onnxruntime-common the bundle's own.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkFolder,
  checkScheme,
  copyRuntime,
  download,
  finishInstall,
  type InstallOptions,
  LIMITS,
  PROVIDER_FILES,
  ProviderError,
  type ProviderManifest,
  request,
  stage,
} from './cudaProvider';
import { extractTgz } from './tgz';
import { METADATA_LIMITS, timeLimit } from '../boundedJson';

export const NPM_REGISTRY = 'https://registry.npmjs.org';

interface NpmArtifact {
  name: string;
  version: string;
  /** The registry's `dist.integrity` for the tarball. */
  integrity: string;
}

export const CUDA13_BUILD = {
  ortVersion: '1.29.0',
  provider: {
    name: 'com.github.asus4.onnxruntime.linux-x64-gpu',
    version: '0.4.9',
    integrity: 'sha512-FopIhNE/Ng+v2X65wVc9clPCBCvhvA53Hxo2U0Kf5fGdVsC7iCA+mZ0KLWggcQAj7TIZ6pNidR4AC10g74Xo6w==',
  },
  providerDir: 'package/Plugins/Linux/x64/',
  runtime: {
    name: 'onnxruntime-node',
    version: '1.29.0',
    integrity: 'sha512-WjiVVB72riILz8HbYvxvmjKyE/WmkYoSfKY++axo5jAR609HQg8MwiG/HhShpTcJfmmAdzxxmB+MMST3A+SiPA==',
  },
};

export const tarballUrl = (registry: string, a: Pick<NpmArtifact, 'name' | 'version'>) =>
  `${registry.replace(/\/+$/, '')}/${a.name}/-/${a.name.split('/').pop()}-${a.version}.tgz`;

export interface Cuda13Options extends Omit<InstallOptions, 'feed' | 'version' | 'sha256'> {
  /** The npm registry (default the public one). */
  registry?: string;
  /** Integrity values to expect instead of the pinned ones (tests). */
  integrity?: { provider?: string; runtime?: string };
}

/** The two packages' sizes as the registry declares them (HEAD), each under the limit; undefined where one is not said. */
async function declaredBytes(
  artifacts: { name: string; version: string; url: string }[],
  signal: AbortSignal | undefined,
  fetchImpl: typeof fetch,
): Promise<number | undefined> {
  const sizes = await Promise.all(
    artifacts.map(async (a) => {
      const head = await request(a.url, { method: 'HEAD', signal: timeLimit(METADATA_LIMITS.ms, signal) }, fetchImpl);
      const size = Number(head.headers.get('content-length')) || undefined;
      if (size !== undefined && size > LIMITS.packageBytes)
        throw new ProviderError(
          `The registry declares ${a.name} ${a.version} at ${size} bytes: refused, nothing downloaded.`,
          'package',
        );
      return size;
    }),
  );
  return sizes.every((s) => s !== undefined) ? sizes.reduce((t, s) => t! + s!, 0) : undefined;
}

/** The provider's libraries into `bin`, the runtime's files into `source`; a package that lacks them is refused. */
async function extractBuild(staging: string, source: string, bin: string): Promise<void> {
  const providers = await extract(join(staging, '0.tgz'), (n) =>
    n.startsWith(CUDA13_BUILD.providerDir) && PROVIDER_FILES.includes(n.slice(CUDA13_BUILD.providerDir.length))
      ? join(bin, n.slice(CUDA13_BUILD.providerDir.length))
      : undefined,
  );
  if (providers.length !== PROVIDER_FILES.length)
    throw new ProviderError(
      `${CUDA13_BUILD.provider.name} ${CUDA13_BUILD.provider.version} lacks the CUDA provider libraries.`,
      'package',
    );
  const runtime = await extract(join(staging, '1.tgz'), (n) =>
    n === 'package/package.json' ||
    /^package\/dist\/[\w.-]+\.js$/.test(n) ||
    /^package\/bin\/napi-v6\/linux\/x64\/[\w.-]+$/.test(n)
      ? join(source, n.slice('package/'.length))
      : undefined,
  );
  if (!runtime.some((n) => n.endsWith('onnxruntime_binding.node')))
    throw new ProviderError(`onnxruntime-node ${CUDA13_BUILD.runtime.version} lacks its Linux x64 binding.`, 'package');
}

export async function installCuda13Provider(options: Cuda13Options): Promise<ProviderManifest> {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new ProviderError(
      `The CUDA 13 provider is built for Linux x64 only, not ${process.platform}-${process.arch}.`,
      'unsupported',
    );
  checkFolder(options.folder);
  const fetchImpl = options.fetchImpl ?? fetch;
  const registry = options.registry ?? NPM_REGISTRY;
  checkScheme(registry, 'The registry');
  const artifacts = [
    { ...CUDA13_BUILD.provider, integrity: options.integrity?.provider ?? CUDA13_BUILD.provider.integrity },
    { ...CUDA13_BUILD.runtime, integrity: options.integrity?.runtime ?? CUDA13_BUILD.runtime.integrity },
  ].map((a) => ({ ...a, url: tarballUrl(registry, a) }));
  const bytes = await declaredBytes(artifacts, options.signal, fetchImpl);
  const what = `${CUDA13_BUILD.provider.name} ${CUDA13_BUILD.provider.version} + onnxruntime-node ${CUDA13_BUILD.runtime.version}`;
  if (!(await options.confirm({ url: artifacts[0]!.url, bytes, package: what, version: CUDA13_BUILD.ortVersion })))
    throw new ProviderError('Not downloaded: no consent.', 'declined');

  const { staging, ort, bin } = stage(options.folder);
  try {
    const source = join(staging, 'runtime-source');
    for (const d of [join(source, 'dist'), join(source, 'bin', 'napi-v6', 'linux', 'x64')])
      mkdirSync(d, { recursive: true });
    let done = 0;
    const fetched: { sha256: string; bytes: number }[] = [];
    for (const [i, a] of artifacts.entries()) {
      const file = join(staging, `${i}.tgz`);
      const got = await download(a.url, file, fetchImpl, {
        signal: options.signal,
        onProgress: (n) => options.onProgress?.(done + n, bytes),
      });
      done += got.bytes;
      if (`sha512-${got.sha512}` !== a.integrity)
        throw new ProviderError(
          `${a.name} ${a.version} from ${new URL(a.url).origin} is not the package we know (integrity differs from the pinned ${a.integrity.slice(0, 20)}...): nothing was installed.`,
          'package',
        );
      fetched.push(got);
    }
    await extractBuild(staging, source, bin);
    copyRuntime(source, ort, bin, options.ortPackage);
    for (const f of ['0.tgz', '1.tgz', 'runtime-source']) rmSync(join(staging, f), { recursive: true, force: true });
    return finishInstall(staging, options.folder, {
      package: CUDA13_BUILD.provider.name,
      version: CUDA13_BUILD.provider.version,
      cuda: 13,
      ortVersion: CUDA13_BUILD.ortVersion,
      url: artifacts[0]!.url,
      sha256: fetched[0]!.sha256,
      pinned: true,
      bytes: done,
      files: PROVIDER_FILES,
      installedAt: new Date().toISOString(),
    });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function extract(file: string, target: (name: string) => string | undefined): Promise<string[]> {
  let written: string[];
  try {
    written = await extractTgz(file, target, LIMITS.entryBytes);
  } catch (e) {
    throw new ProviderError(`The package is damaged: ${(e as Error).message}`, 'package');
  }
  return written;
}
