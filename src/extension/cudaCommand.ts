// CarbonLens: Add the CUDA Provider. onnxruntime-node ships without it; on Linux x64 with CUDA 12
// or 13 this explains what it is, asks with the size, and has the CLI fetch the build that
// matches the machine into the extension's storage (`carbonlens cuda-provider install`).
// Benchmarks on `auto` then try CUDA first.
import { showRemedy } from './remedies';
import * as vscode from 'vscode';
import { forgetDevices } from './benchPickers';
import { runCli } from './benchRunner';
import type { BenchRuns } from './benchRuns';
import type { BenchStore } from './benchStore';
import type { CarbonLensConfig } from './config';

export interface CudaCommandDeps {
  cliPath: string;
  store: BenchStore;
  config: () => CarbonLensConfig;
  log: vscode.LogOutputChannel;
  runs: BenchRuns;
}

interface ProviderStatus {
  installed: { version: string; cuda?: number; installedAt: string } | null;
  cuda: { summary: string; usable?: number };
  matches: number | null;
}

export async function installCudaProviderCommand(deps: CudaCommandDeps): Promise<boolean> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    void vscode.window.showInformationMessage(
      `CarbonLens: onnxruntime publishes its CUDA provider for Linux x64 only. Here benchmarks use ${process.platform === 'win32' ? 'DirectML, ' : process.platform === 'darwin' ? 'CoreML, ' : ''}WebGPU or the CPU.`,
    );
    return false;
  }
  const folder = deps.store.ortRuntime;
  const status = await runCli(deps.cliPath, ['cuda-provider', 'status', '--json', '--dir', folder], {
    env: {},
    children: deps.runs.children,
    askConsent: async () => false,
  });
  let parsed: ProviderStatus | undefined;
  try {
    parsed = JSON.parse(status.stdout) as ProviderStatus;
  } catch {
    deps.log.error(`cuda-provider status failed: ${status.messages.join(' ')}`);
  }
  if (parsed?.installed && (!parsed.cuda.usable || (parsed.installed.cuda ?? 12) === parsed.cuda.usable)) {
    void vscode.window.showInformationMessage(
      `CarbonLens: the CUDA provider ${parsed.installed.version} is installed; benchmarks on "auto" try CUDA first.`,
    );
    return true;
  }
  if (parsed && !parsed.matches) {
    void vscode.window.showInformationMessage(
      `CarbonLens: ${parsed.cuda.summary} Install CUDA 12 or 13 and cuDNN 9 first; until then benchmarks use WebGPU or the CPU.`,
    );
    return false;
  }
  const feed = deps.config().cudaProviderFeed;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'CarbonLens: CUDA provider', cancellable: true },
    (progress, token) =>
      runCli(deps.cliPath, ['cuda-provider', 'install', '--dir', folder, '--feed', feed], {
        env: {},
        token,
        children: deps.runs.children,
        onEvent: (e) =>
          e.event === 'download' &&
          progress.report({ message: `${(e.doneBytes / 1e6).toFixed(0)} of ${(e.missingBytes / 1e6).toFixed(0)} MB` }),
        askConsent: async (e) => {
          const detail = [
            `onnxruntime's CUDA execution provider (${e.repo}, ${(e.bytes / 1e6).toFixed(0)} MB) runs models on NVIDIA GPUs far faster than WebGPU. It goes to ${e.folder}.`,
            parsed?.cuda.summary ?? '',
            parsed?.matches === 13
              ? 'The CUDA 13 build comes from the npm registry and is checked against pinned integrity hashes.'
              : `The CUDA 12 build comes from ${new URL(feed).host}, the NuGet package onnxruntime-node's own installer uses.`,
          ].join('\n\n');
          const pick = await vscode.window.showInformationMessage(
            'Download the CUDA provider for onnxruntime?',
            { modal: true, detail },
            'Download',
          );
          deps.log.info(`CUDA provider download: ${pick ? 'accepted' : 'declined'}.`);
          return pick === 'Download';
        },
      }),
  );
  for (const m of result.messages) deps.log.info(`  ${m}`);
  if (result.cancelled) return false;
  if (result.code !== 0) {
    const f = result.failure;
    const why = f ? `${f.message}${f.hint ? ` ${f.hint}` : ''}` : `exit code ${result.code}`;
    if (f?.remedy) void showRemedy(f.remedy, {}, ['Open Log']).then((p) => p === 'Open Log' && deps.log.show());
    // Declined in the dialog above: nothing to say.
    else if (f?.kind !== 'cancelled')
      void vscode.window
        .showErrorMessage(`CarbonLens: the CUDA provider was not installed: ${why}`, 'Open Log')
        .then((p) => p && deps.log.show());
    return false;
  }
  deps.log.info(result.stdout.trim());
  forgetDevices(deps.runs); // the device picker probes again
  void vscode.window.showInformationMessage(
    'CarbonLens: CUDA provider installed. Benchmarks on "auto" now try CUDA first, and fall back (saying why) if it cannot load.',
  );
  return true;
}
