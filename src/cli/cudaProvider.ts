// `carbonlens cuda-provider`: which CUDA runtime this machine can load, which onnxruntime CUDA
// provider matches it, whether it is installed, and, with consent, the install.
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type CudaMajor, detectCuda } from '../core/models/cudaDetect';
import {
  CUDA_PACKAGE,
  checkFolder,
  installCudaProvider,
  installedProvider,
  MANIFEST,
  NUGET_INDEX,
  ORT_VERSION,
  type ProviderManifest,
  runtimeFolder,
} from '../core/models/cudaProvider';
import { CUDA13_BUILD, installCuda13Provider, NPM_REGISTRY } from '../core/models/cudaProviderNpm';
import { cacheDir } from './cacheDir';
import { confirmDownload, downloadProgress, mb } from './hubOptions';
import { statusOrInstall, UsageError } from './usage';

export const CUDA_PROVIDER_HELP = `Usage: carbonlens cuda-provider status|install [options]

onnxruntime-node ships without its CUDA provider. 'status' says which CUDA runtime this machine
can load (the libraries of CUDA 13 or 12, and cuDNN 9) and which provider matches it; 'install'
fetches that provider after asking, checks it, and builds a copy of onnxruntime-node with it in
the folder below. Benchmarks on --device auto then try CUDA first, and fall back, saying why.
  CUDA 13: onnxruntime ${CUDA13_BUILD.ortVersion}'s provider from the npm registry
           (${CUDA13_BUILD.provider.name} ${CUDA13_BUILD.provider.version}) with onnxruntime-node ${CUDA13_BUILD.runtime.version},
           both checked against pinned integrity hashes
  CUDA 12: ${CUDA_PACKAGE} ${ORT_VERSION} from NuGet, the package onnxruntime-node's
           own installer uses, for the onnxruntime-node CarbonLens ships

  --cuda 12|13    the build to install (default: the one this machine's libraries match)
  --dir DIR       where it goes (default ${join('$CARBONLENS_CACHE', 'onnxruntime-cuda')}): a new or
                  empty folder, or an earlier install (nothing but ${MANIFEST} and
                  node_modules), which is replaced; the bench command uses it from there, or
                  from $CARBONLENS_ORT_DIR
  --feed URL      a NuGet v3 service index, for CUDA 12 (default ${NUGET_INDEX})
  --registry URL  an npm registry, for CUDA 13 (default ${NPM_REGISTRY})
  --yes           download without asking
  --json          status as JSON
`;

const describeInstalled = (m: ProviderManifest, folder: string) =>
  `CUDA ${m.cuda ?? 12} provider (onnxruntime ${m.ortVersion ?? m.version}, ${m.package} ${m.version}) installed in ${folder} ` +
  `(${m.installedAt}; sha256 ${m.sha256.slice(0, 16)}..., ${m.pinned ? 'matched the pinned value' : 'not pinned for this version: the feed was trusted'}).`;

export async function runCudaProvider(args: string[], out: (t: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      cuda: { type: 'string' },
      dir: { type: 'string' },
      feed: { type: 'string' },
      registry: { type: 'string' },
      yes: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      events: { type: 'boolean', default: false },
    },
  });
  const action = statusOrInstall(positionals);
  if (values.cuda !== undefined && values.cuda !== '12' && values.cuda !== '13')
    throw new UsageError(`--cuda must be 12 or 13, not '${values.cuda}'.`);
  if (values.dir !== undefined && !values.dir.trim())
    throw new UsageError('--dir is empty: give a folder, or leave --dir out for the default.');
  const folder = values.dir === undefined ? runtimeFolder(cacheDir()) : resolve(values.dir);
  const err = (t: string) => void process.stderr.write(`${t}\n`);
  const report = detectCuda();
  const cuda = (values.cuda ? Number(values.cuda) : report.usable) as CudaMajor | undefined;
  const installed = installedProvider(folder);
  if (action === 'status') {
    if (values.json) {
      out(JSON.stringify({ folder, installed: installed ?? null, cuda: report, matches: cuda ?? null }, null, 2));
      return 0;
    }
    out(installed ? describeInstalled(installed, folder) : `No CUDA provider installed in ${folder}.`);
    out(report.summary);
    for (const major of [13, 12] as const) {
      out(`  CUDA ${major}:`);
      for (const l of report.libraries[major])
        out(`    ${l.dir ? `found   ${l.name} in ${l.dir}` : `missing ${l.name}`}`);
    }
    if (installed && report.usable && (installed.cuda ?? 12) !== report.usable)
      out(
        `The installed provider is built for CUDA ${installed.cuda ?? 12}, this machine has CUDA ${report.usable}: install again (carbonlens cuda-provider install).`,
      );
    else if (!installed && cuda) out(`To install the matching one: carbonlens cuda-provider install (CUDA ${cuda}).`);
    return 0;
  }
  try {
    checkFolder(folder); // before asking or downloading anything
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!cuda)
    throw new UsageError(`${report.summary} Install CUDA 12 or 13 and cuDNN 9, or choose a build with --cuda 12|13.`);
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
  const progress = downloadProgress(values.events, err);
  const common = {
    folder,
    ortPackage: dirname(dirname(require.resolve('onnxruntime-node'))),
    signal: controller.signal,
    confirm: ({
      url,
      bytes,
      package: id,
      version,
    }: {
      url: string;
      bytes?: number;
      package: string;
      version: string;
    }) =>
      confirmDownload(
        `onnxruntime ${version}'s CUDA ${cuda} provider (${id})${bytes ? `, ${mb(bytes)}` : ''}, from ${new URL(url).host} into ${folder}`,
        { event: 'consent', repo: `${id} ${version}`, kind: 'provider', files: 1, bytes: bytes ?? 0, folder },
        { yes: values.yes, events: values.events, err },
      ),
    onProgress: (done: number, total?: number) => progress(`CUDA ${cuda} provider`, done, total),
  };
  const manifest =
    cuda === 13
      ? await installCuda13Provider({ ...common, registry: values.registry })
      : await installCudaProvider({ ...common, feed: values.feed });
  out(describeInstalled(manifest, folder));
  if (report.usable !== cuda)
    out(
      `${report.summary} Until CUDA ${cuda}'s libraries are there, benchmarks fall back to the next device and say why.`,
    );
  return 0;
}
