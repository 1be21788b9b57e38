// CarbonLens: Download llama.cpp. The VSIX carries no node-llama-cpp: GGUF and Ollama models need
// it and llama.cpp's build for this machine. This asks, in a modal that says the size and the
// source, and has the CLI fetch them into the extension's storage (`carbonlens llama install`),
// each package checked against package-lock.json's integrity hash, with progress and a cancel.
// Run Benchmark calls it first when a GGUF model needs a build that is not there.
import * as vscode from 'vscode';
import { llamaDevice } from '../core/models/llamaRuntime';
import type { DeviceChoice } from '../core/models/runtime';
import { runCli } from './benchRunner';
import type { BenchRuns } from './benchRuns';
import type { BenchStore } from './benchStore';
import type { CarbonLensConfig } from './config';
import { showRemedy } from './remedies';

export interface LlamaCommandDeps {
  cliPath: string;
  store: BenchStore;
  config: () => CarbonLensConfig;
  log: vscode.LogOutputChannel;
  runs: BenchRuns;
}

interface LlamaStatusJson {
  installed: { builds: { build: string }[] } | null;
  bundled: { builds: string[] } | null;
  choice: { build: string; why: string };
}

async function status(deps: LlamaCommandDeps): Promise<LlamaStatusJson | undefined> {
  const r = await runCli(deps.cliPath, ['llama', 'status', '--json', '--dir', deps.store.llamaRuntime], {
    env: {},
    children: deps.runs.children,
    askConsent: async () => false,
  });
  try {
    return JSON.parse(r.stdout) as LlamaStatusJson;
  } catch {
    deps.log.error(`llama status failed: ${r.messages.join(' ')}`);
    return undefined;
  }
}

/** The builds a GGUF run can use here: the install's, else those bundled with this copy. */
const buildsHere = (s: LlamaStatusJson) =>
  s.installed ? s.installed.builds.map((b) => b.build) : (s.bundled?.builds ?? []);

/**
 * Before a GGUF run: true when it can run (the build it asks for is here, or `auto` has some
 * build), else the download is offered; declined, it says how to do it later.
 */
export async function ensureLlama(deps: LlamaCommandDeps, device: DeviceChoice): Promise<boolean> {
  const s = await status(deps);
  if (!s) return true; // the run itself then says what is wrong
  const have = buildsHere(s);
  let wanted: string;
  try {
    wanted = device === 'auto' ? s.choice.build : llamaDevice(device);
  } catch {
    return true; // a device llama.cpp has no build for: the run says so
  }
  if (have.includes(wanted) || (device === 'auto' && have.length > 0)) return true;
  return installLlamaCommand(deps, { build: wanted, why: device === 'auto' ? s.choice.why : undefined, forRun: true });
}

export async function installLlamaCommand(
  deps: LlamaCommandDeps,
  options: { build?: string; why?: string; forRun?: boolean } = {},
): Promise<boolean> {
  const s = options.build ? undefined : await status(deps);
  const build = options.build ?? s?.choice.build;
  const why = options.why ?? s?.choice.why;
  if (!options.build && s && buildsHere(s).includes(s.choice.build)) {
    void vscode.window.showInformationMessage(
      `CarbonLens: llama.cpp's ${s.choice.build} build is here (${s.choice.why}); GGUF models run on it.`,
    );
    return true;
  }
  const registry = deps.config().llamaRegistry;
  const folder = deps.store.llamaRuntime;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'CarbonLens: llama.cpp', cancellable: true },
    (progress, token) =>
      runCli(
        deps.cliPath,
        ['llama', 'install', '--dir', folder, '--registry', registry, ...(build ? ['--build', build] : [])],
        {
          env: {},
          token,
          children: deps.runs.children,
          onEvent: (e) =>
            e.event === 'download' &&
            progress.report({
              message: `${(e.doneBytes / 1e6).toFixed(0)} of ${(e.missingBytes / 1e6).toFixed(0)} MB`,
            }),
          askConsent: async (e) => {
            const detail = [
              `GGUF and Ollama models run through llama.cpp (node-llama-cpp), which the extension fetches on demand: ${e.repo}, ${e.files} packages, ${(e.bytes / 1e6).toFixed(0)} MB, from ${new URL(registry).host}. It goes to ${e.folder}.`,
              why ? `This machine can run the ${build} build: ${why}.` : '',
              'Every package is checked against the integrity hash CarbonLens pins before it is unpacked.',
            ]
              .filter(Boolean)
              .join('\n\n');
            const pick = await vscode.window.showInformationMessage(
              `Download llama.cpp's ${build ?? ''} build?`.replace('  ', ' '),
              { modal: true, detail },
              'Download',
            );
            deps.log.info(`llama.cpp download: ${pick ? 'accepted' : 'declined'}.`);
            if (!pick)
              void vscode.window.showInformationMessage(
                'CarbonLens: nothing was downloaded. GGUF models need llama.cpp: run "CarbonLens: Download llama.cpp" when you want it, or `carbonlens llama install` in a terminal.',
              );
            return pick === 'Download';
          },
        },
      ),
  );
  for (const m of result.messages) deps.log.info(`  ${m}`);
  if (result.cancelled) return false;
  if (result.code !== 0) {
    const f = result.failure;
    const reason = f ? `${f.message}${f.hint ? ` ${f.hint}` : ''}` : `exit code ${result.code}`;
    if (f?.remedy) void showRemedy(f.remedy, {}, ['Open Log']).then((p) => p === 'Open Log' && deps.log.show());
    else if (f?.kind !== 'cancelled')
      void vscode.window
        .showErrorMessage(`CarbonLens: llama.cpp was not installed: ${reason}`, 'Open Log')
        .then((p) => p && deps.log.show());
    return false;
  }
  deps.log.info(result.stdout.trim());
  if (!options.forRun)
    void vscode.window.showInformationMessage(
      `CarbonLens: llama.cpp's ${build} build installed; GGUF models run on it.`,
    );
  return true;
}
