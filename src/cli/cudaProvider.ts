// `carbonlens cuda-provider`: whether onnxruntime's CUDA provider is installed for this build,
// what CUDA libraries the machine has, and, with consent, the install.
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  cudaLibraries,
  CUDA_PACKAGE,
  installCudaProvider,
  installedProvider,
  NUGET_INDEX,
  ORT_VERSION,
  runtimeFolder,
} from '../core/models/cudaProvider';
import { cacheDir } from './carbonOptions';
import { emitEvent } from './events';
import { confirmDownload, mb } from './hubOptions';
import { UsageError } from './usage';

export const CUDA_PROVIDER_HELP = `Usage: carbonlens cuda-provider status|install [options]

onnxruntime-node ships without its CUDA provider. On Linux x64 with CUDA 12 and cuDNN 9,
'install' fetches it (${CUDA_PACKAGE} ${ORT_VERSION}, the NuGet package onnxruntime-node's own
installer uses) after asking, and builds a copy of onnxruntime-node with it in the folder below;
benchmarks on --device auto then try CUDA first, and fall back, saying why, when it cannot load.

  --dir DIR      where it goes (default ${join('$CARBONLENS_CACHE', 'onnxruntime-cuda', ORT_VERSION)}); the
                 bench command uses it from there, or from $CARBONLENS_ORT_DIR
  --feed URL     a NuGet v3 service index (default ${NUGET_INDEX})
  --yes          download without asking
  --json         status as JSON
`;

export async function runCudaProvider(args: string[], out: (t: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      feed: { type: 'string' },
      yes: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      events: { type: 'boolean', default: false },
    },
  });
  const action = positionals[0] ?? 'status';
  if (positionals.length > 1 || !['status', 'install'].includes(action))
    throw new UsageError(`expected 'status' or 'install', not '${positionals.join(' ')}'.`);
  const folder = values.dir ?? runtimeFolder(cacheDir());
  const err = (t: string) => void process.stderr.write(`${t}\n`);
  if (action === 'status') {
    const installed = installedProvider(folder);
    const libraries = cudaLibraries();
    if (values.json) {
      out(JSON.stringify({ folder, version: ORT_VERSION, installed: installed ?? null, libraries }, null, 2));
      return 0;
    }
    out(
      installed
        ? `CUDA provider ${installed.version}: installed in ${folder} (${installed.installedAt}; sha256 ${installed.sha256.slice(0, 16)}..., ${installed.pinned ? 'matched the pinned value' : 'not pinned for this version: the feed was trusted'}).`
        : `CUDA provider ${ORT_VERSION}: not installed (carbonlens cuda-provider install).`,
    );
    for (const l of libraries) out(`  ${l.found ? 'found  ' : 'missing'} ${l.name}`);
    return 0;
  }
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  let lastPrint = 0;
  const manifest = await installCudaProvider({
    folder,
    feed: values.feed,
    ortPackage: dirname(dirname(require.resolve('onnxruntime-node'))),
    signal: controller.signal,
    confirm: ({ url, bytes, package: id, version }) =>
      confirmDownload(
        `${id} ${version}${bytes ? `, ${mb(bytes)}` : ''}, from ${new URL(url).host} into ${folder}`,
        { event: 'consent', repo: `${id} ${version}`, kind: 'provider', files: 1, bytes: bytes ?? 0, folder },
        { yes: values.yes, events: values.events, err },
      ),
    onProgress: (done, total) => {
      const now = Date.now();
      if (now - lastPrint < 1000 && done !== total) return;
      lastPrint = now;
      if (values.events)
        emitEvent({ event: 'download', file: `${CUDA_PACKAGE}.nupkg`, doneBytes: done, missingBytes: total ?? done });
      else err(`  ${mb(done)}${total ? ` of ${mb(total)}` : ''}`);
    },
  });
  out(
    `CUDA provider ${manifest.version} installed in ${folder} (${mb(manifest.bytes)} package, sha256 ${manifest.sha256}).`,
  );
  const missing = cudaLibraries().filter((l) => !l.found);
  if (missing.length)
    out(
      `Not found on this machine: ${missing.map((l) => l.name).join(', ')}. CUDA runs need CUDA 12 and cuDNN 9; until then benchmarks fall back to the next device.`,
    );
  return 0;
}
