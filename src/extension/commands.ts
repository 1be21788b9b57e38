// The commands CarbonLens contributes, each a thin call into the extension's parts.
import { remedyOf } from '../core/messages';
import { showRemedy } from './remedies';
import * as vscode from 'vscode';
import type { BenchRecord } from '../core/bench/record';
import { formatSystemReport, type SystemReport } from '../core/system/report';
import type { ExportFormat } from '../protocol';
import { runBenchmarkCommand, type BenchDeps, type BenchmarkArgs } from './benchCommands';
import type { CarbonLens } from './carbonLens';
import { ELECTRICITY_MAPS_SECRET, HF_TOKEN_SECRET } from './config';
import { installCudaProviderCommand } from './cudaCommand';
import { installLlamaCommand } from './llamaCommand';
import { exportReportCommand } from './exportCommand';
import { setLocationCommand } from './locationCommand';
import { OTLP_HEADERS_SECRET } from './otlp';

const command = (id: string, run: (...args: never[]) => unknown) =>
  vscode.commands.registerCommand(`carbonlens.${id}`, run);

/** What Run Benchmark and Compare Models use of the extension. */
function benchDeps(ext: CarbonLens): BenchDeps {
  return {
    cliPath: ext.cliPath,
    store: ext.store,
    secrets: ext.context.secrets,
    memento: ext.context.globalState,
    config: () => ext.config,
    log: ext.log,
    onSaved: (records: BenchRecord[]) => {
      for (const r of records) ext.otlp.recordBench(r);
      void ext.panel.postRuns();
      void ext.loadHistory();
      ext.panel.show();
    },
    onState: (state, text) => ext.panel.postBenchmarkState(state, text),
    runs: ext.benchRuns,
  };
}

/** Asks for a secret and stores it (an empty answer removes it); undefined when the person cancels. */
async function storeSecret(
  secrets: vscode.SecretStorage,
  key: string,
  title: string,
  prompt: string,
): Promise<boolean | undefined> {
  const value = await vscode.window.showInputBox({ title, prompt, password: true, ignoreFocusOut: true });
  if (value === undefined) return undefined; // cancelled: nothing changes
  if (value.trim()) await secrets.store(key, value.trim());
  else await secrets.delete(key);
  return Boolean(value.trim());
}

/** The commands that store a token or headers in VS Code's secret storage. */
function secretCommands(ext: CarbonLens): vscode.Disposable[] {
  const { log, context } = ext;
  return [
    command('setOtlpHeaders', async () => {
      const stored = await storeSecret(
        context.secrets,
        OTLP_HEADERS_SECRET,
        'OTLP headers (key=value; key2=value2)',
        "Sent with every OTLP push, e.g. an API key. Kept in VS Code's secret storage. Leave empty to remove them.",
      );
      if (stored === undefined) return;
      log.info(stored ? 'OTLP headers stored.' : 'OTLP headers removed.');
      void ext.configureOtlp();
    }),
    command('setElectricityMapsToken', async () => {
      const stored = await storeSecret(
        context.secrets,
        ELECTRICITY_MAPS_SECRET,
        'Electricity Maps API token',
        "Kept in VS Code's secret storage, never in settings. Leave empty to remove the stored token.",
      );
      if (stored === undefined) return;
      log.info(stored ? 'Electricity Maps token stored.' : 'Electricity Maps token removed.');
      void ext.refreshIntensity();
      void vscode.window.showInformationMessage(
        stored
          ? 'CarbonLens: Electricity Maps token stored. Turn on carbonlens.intensity.live to use it.'
          : 'CarbonLens: Electricity Maps token removed.',
      );
    }),
    command('setHuggingFaceToken', async () => {
      const stored = await storeSecret(
        context.secrets,
        HF_TOKEN_SECRET,
        'Hugging Face access token',
        "For gated and private models. Kept in VS Code's secret storage and passed to benchmark runs only. Leave empty to remove it.",
      );
      if (stored === undefined) return;
      log.info(stored ? 'Hugging Face token stored.' : 'Hugging Face token removed.');
      void vscode.window.showInformationMessage(
        stored ? 'CarbonLens: Hugging Face token stored.' : 'CarbonLens: Hugging Face token removed.',
      );
    }),
  ];
}

/** Benchmarks: run, compare, cancel, and the CUDA provider they can use. */
function benchmarkCommands(ext: CarbonLens): vscode.Disposable[] {
  const deps = benchDeps(ext);
  return [
    command('runBenchmark', (args?: BenchmarkArgs) => runBenchmarkCommand(deps, typeof args === 'object' ? args : {})),
    command('compareModels', (args?: BenchmarkArgs) =>
      runBenchmarkCommand(deps, typeof args === 'object' ? args : {}, true),
    ),
    command('cancelBenchmark', () => {
      const n = ext.benchRuns.cancelAll();
      if (n === 0) void vscode.window.showInformationMessage('CarbonLens: no benchmark is running.');
      return n;
    }),
    command('installCudaProvider', () =>
      installCudaProviderCommand({
        cliPath: ext.cliPath,
        store: ext.store,
        config: () => ext.config,
        log: ext.log,
        runs: ext.benchRuns,
      }),
    ),
    command('installLlama', () =>
      installLlamaCommand({
        cliPath: ext.cliPath,
        store: ext.store,
        config: () => ext.config,
        log: ext.log,
        runs: ext.benchRuns,
      }),
    ),
  ];
}

/** The system report in the log, shown; an error said with a way to the log. */
async function showSystemInfo(ext: CarbonLens): Promise<SystemReport | undefined> {
  const { log } = ext;
  try {
    const report = await ext.readSystem(true);
    log.info(['System info', ...formatSystemReport(report)].join('\n'));
    log.show(true);
    return report;
  } catch (e) {
    log.error((e as Error).message);
    const remedy = remedyOf(e);
    if (remedy) void showRemedy(remedy, {}, ['Open Log']).then((pick) => pick === 'Open Log' && log.show());
    else void vscode.window.showErrorMessage((e as Error).message, 'Open Log').then((pick) => pick && log.show());
    return undefined;
  }
}

export function registerCommands(ext: CarbonLens): vscode.Disposable[] {
  const { log, store, context } = ext;
  return [
    command('showSystemInfo', () => showSystemInfo(ext)),
    command('showPanel', () => {
      ext.startMeter();
      ext.panel.show();
    }),
    command('openLog', () => log.show()),
    command('getStarted', () =>
      vscode.commands.executeCommand(
        'workbench.action.openWalkthrough',
        `${context.extension.id}#carbonlens.gettingStarted`,
        false,
      ),
    ),
    command('setLocation', async (value?: string) => {
      const location = await setLocationCommand(ext.config, typeof value === 'string' ? value : undefined);
      if (location !== undefined) log.info(`Location set to "${location}".`);
      return location;
    }),
    ...benchmarkCommands(ext),
    command('exportReport', (format?: ExportFormat, target?: vscode.Uri) =>
      exportReportCommand(store, typeof format === 'string' ? format : undefined, target),
    ),
    ...secretCommands(ext),
  ];
}
