// `carbonlens llama`: which llama.cpp build this machine can run, whether node-llama-cpp and that
// build are here (bundled with this copy of CarbonLens, or fetched before), and, with consent,
// the install from an npm registry into CarbonLens's cache (see core/models/llamaInstall).
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkFolder } from '../core/models/cudaProvider';
import { installLlama, type LlamaPlan } from '../core/models/llamaInstall';
import {
  buildPackages,
  type BuildChoice,
  chooseBuild,
  cudaBuildMismatch,
  INSTALLABLE_BUILDS,
  type InstallableBuild,
} from '../core/models/llamaPackages';
import { cudaDriverFacts } from '../core/models/cudaDriver';
import {
  bundledLlama,
  cudaBuildLibrary,
  installedLlama,
  llamaFolder,
  type LlamaManifest,
  LLAMA_MANIFEST,
} from '../core/models/llamaStore';
import { NPM_REGISTRY } from '../core/models/cudaProviderNpm';
import { cacheDir } from './cacheDir';
import { confirmDownload, downloadProgress, mb } from './hubOptions';
import { statusOrInstall, UsageError } from './usage';

export const LLAMA_HELP = `Usage: carbonlens llama status|install [options]

GGUF and Ollama models run through llama.cpp (node-llama-cpp and its prebuilt builds).
The VSIX does not carry them. 'status' says which build this machine can run (CUDA where the
NVIDIA driver and a CUDA 13 or 12 runtime are found, else Vulkan where its loader is, else the
CPU; Metal on Apple silicon), and whether it is here; 'install' fetches node-llama-cpp, the
packages it needs and that build from an npm registry after asking, checks every tarball against
the integrity hash package-lock.json pins, and puts them in the folder below. Benchmarks of GGUF
models then load llama.cpp from there. Builds installed before are kept.

  --build B       cpu, cuda, vulkan or metal (default: the one this machine can run)
  --dir DIR       where it goes (default ${join('$CARBONLENS_CACHE', 'llama-cpp')}): a new or empty
                  folder, or an earlier install (nothing but ${LLAMA_MANIFEST} and node_modules),
                  which is replaced; benchmarks use it from there, or from $CARBONLENS_LLAMA_DIR
  --registry URL  an npm registry (default ${NPM_REGISTRY})
  --yes           download without asking
  --json          status as JSON
`;

const describeInstalled = (m: LlamaManifest, folder: string) =>
  `node-llama-cpp ${m.version} with llama.cpp's ${m.builds.map((b) => (b.cuda ? `${b.build} (CUDA ${b.cuda})` : b.build)).join(', ')} build${m.builds.length > 1 ? 's' : ''} installed in ${folder} (${m.installedAt}; ${m.packages.length} packages from ${m.registry}, each matched its pinned integrity hash).`;

interface LlamaStatus {
  folder: string;
  installed: LlamaManifest | null;
  bundled: { dir: string; version: string; builds: InstallableBuild[] } | null;
  choice: BuildChoice;
  /** Whether the chosen build must be fetched before a GGUF model can run on it. */
  needed: boolean;
  /** Why the CUDA build that is here cannot run on this GPU and driver, where it cannot. */
  cudaUnfit?: string;
}

export function llamaStatus(folder: string, choice = chooseBuild()): LlamaStatus {
  const installed = installedLlama(folder) ?? null;
  const bundled = bundledLlama() ?? null;
  const have = installed ? installed.builds.map((b) => b.build) : (bundled?.builds ?? []);
  const lib = choice.build === 'cuda' && have.includes('cuda') ? cudaBuildLibrary(choice.cuda) : undefined;
  const cudaUnfit = lib ? cudaBuildMismatch(lib, cudaDriverFacts()) : undefined;
  return { folder, installed, bundled, choice, needed: !have.includes(choice.build), ...(cudaUnfit && { cudaUnfit }) };
}

function printStatus(s: LlamaStatus, out: (t: string) => void): void {
  if (s.installed) out(describeInstalled(s.installed, s.folder));
  else if (s.bundled)
    out(
      `node-llama-cpp ${s.bundled.version} is here (${s.bundled.dir}), with builds: ${s.bundled.builds.join(', ') || 'none'}.`,
    );
  else out(`node-llama-cpp is not here, and nothing is installed in ${s.folder}.`);
  out(`This machine can run llama.cpp's ${s.choice.build} build: ${s.choice.why}.`);
  if (s.cudaUnfit) out(`${s.cudaUnfit}: --device auto takes Vulkan or the CPU here, and says why.`);
  if (s.needed)
    out(
      `To fetch it: carbonlens llama install${s.installed || s.folder === llamaFolder(cacheDir()) ? '' : ` --dir ${s.folder}`}`,
    );
}

export async function runLlama(args: string[], out: (t: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      build: { type: 'string' },
      dir: { type: 'string' },
      registry: { type: 'string' },
      yes: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      events: { type: 'boolean', default: false },
    },
  });
  const action = statusOrInstall(positionals);
  if (values.build !== undefined && !(INSTALLABLE_BUILDS as readonly string[]).includes(values.build))
    throw new UsageError(`--build must be one of ${INSTALLABLE_BUILDS.join(', ')}, not '${values.build}'.`);
  if (values.dir !== undefined && !values.dir.trim())
    throw new UsageError('--dir is empty: give a folder, or leave --dir out for the default.');
  const folder =
    values.dir === undefined ? process.env.CARBONLENS_LLAMA_DIR || llamaFolder(cacheDir()) : resolve(values.dir);
  const choice = chooseBuild();
  if (action === 'status') {
    const s = llamaStatus(folder, choice);
    if (values.json) out(JSON.stringify(s, null, 2));
    else printStatus(s, out);
    return 0;
  }
  try {
    checkFolder(folder, LLAMA_MANIFEST); // before asking or downloading anything
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const build = (values.build as InstallableBuild | undefined) ?? choice.build;
  const cuda = build === 'cuda' ? (choice.cuda ?? 13) : undefined;
  if (!buildPackages(build, cuda))
    throw new UsageError(`node-llama-cpp publishes no ${build} build for ${process.platform}-${process.arch}.`);
  const err = (t: string) => void process.stderr.write(`${t}\n`);
  if (!values.build) err(`llama.cpp's ${build} build: ${choice.why}.`);
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
  const progress = downloadProgress(values.events, err);
  const manifest = await installLlama({
    folder,
    build,
    ...(cuda && { cuda }),
    ...(values.registry && { registry: values.registry }),
    signal: controller.signal,
    confirm: (plan: LlamaPlan) =>
      confirmDownload(
        `${plan.what} (${plan.packages} tarballs${plan.bytes ? `, ${mb(plan.bytes)}` : ''}) from ${new URL(plan.registry).host} into ${folder}`,
        { event: 'consent', repo: plan.what, kind: 'provider', files: plan.packages, bytes: plan.bytes ?? 0, folder },
        { yes: values.yes, events: values.events, err },
      ),
    onProgress: (done, total) => progress(`llama.cpp ${build}`, done, total),
  });
  out(describeInstalled(manifest, folder));
  if (build !== choice.build)
    out(`This machine would run the ${choice.build} build (${choice.why}); a run on ${build} falls back and says why.`);
  return 0;
}
