import * as vscode from 'vscode';
import type { BenchRecord } from '../core/bench/record';
import type { TrackedRecord } from '../core/tracking/trackedRecord';
import { formatSystemReport, type SystemReport } from '../core/system/report';
import type { ExportFormat } from '../protocol';
import { summariseRun, type RunSummary } from '../core/bench/history';
import { AdvisorController } from './advisor';
import { cancelBenchmarks, runBenchmarkCommand, type BenchmarkArgs } from './benchCommands';
import { killAllBenchmarks, runningBenchmarks } from './benchRunner';
import { BenchStore } from './benchStore';
import { ELECTRICITY_MAPS_SECRET, HF_TOKEN_SECRET, readConfig, watchConfig } from './config';
import { installCudaProviderCommand } from './cudaCommand';
import { exportReportCommand } from './exportCommand';
import { GridIntensity, type IntensityState } from './intensity';
import { LiveMeter } from './liveMeter';
import { setLocationCommand } from './locationCommand';
import { createLog } from './log';
import { CarbonLensPanel, PANEL_VIEW_TYPE } from './panel';
import { PanelController } from './panelController';
import { RunTrackingController, runSummaryText } from './runTracking';
import { CarbonLensStatusItem } from './statusBar';
import { loadSystemReport } from './systemReport';

/** What `activate` returns: other extensions and our integration tests read it. */
export interface CarbonLensApi {
  readonly activation: { readonly durationMs: number; readonly modulesLoaded: readonly string[] };
  /** The grid intensity for `carbonlens.location`, as the panel shows it. */
  gridIntensity(): Promise<IntensityState>;
  /** Where benchmarks are saved (emissions.csv, carbonlens-runs.jsonl). */
  readonly benchmarkFolder: string;
  /** Benchmark child processes still running. */
  runningBenchmarks(): number;
  /** The status bar item's text and how many times the meter has updated it. */
  status(): { text: string; updates: number };
  /** Runs started from the editor (terminal, task, debug, notebook) metered this session, oldest first. */
  trackedRuns(): readonly TrackedRecord[];
}

// Nothing heavy is imported above: transformers.js, onnxruntime-node, sharp and koffi load on
// first use, and the meter opens its sources after activation.
export function activate(context: vscode.ExtensionContext): CarbonLensApi {
  const started = performance.now();
  const modulesBefore = new Set(Object.keys(require.cache));

  const log = createLog();
  const status = new CarbonLensStatusItem();
  let config = readConfig();
  status.setVisible(config.statusBarEnabled);
  const cliPath = context.asAbsolutePath('dist/cli.js');
  const store = new BenchStore(context.globalStorageUri.fsPath);
  CarbonLensPanel.imagesRoot = vscode.Uri.file(store.imagesDir);
  const live = new LiveMeter(config.meterIntervalMs);

  const fixesLogged = new Set<string>();
  let systemReport: Promise<SystemReport> | undefined;
  const readSystem = (refresh: boolean): Promise<SystemReport> => {
    if (systemReport && !refresh) return systemReport;
    const pending = status.busy(loadSystemReport(cliPath)).then((report) => {
      for (const s of report.sources) {
        if (!s.fix || fixesLogged.has(s.name)) continue; // say it once a session
        fixesLogged.add(s.name);
        log.warn(`${s.name}: ${s.detail} Fix: ${s.fix}`);
      }
      return report;
    });
    systemReport = pending;
    pending.catch(() => {
      if (systemReport === pending) systemReport = undefined; // try again next time
    });
    return pending;
  };

  // The grid intensity in use, refreshed when settings or the token change (and every 15 min when live).
  const grid = new GridIntensity(context.secrets);
  let intensity: IntensityState = { location: config.location };
  let intensityRequest: Promise<IntensityState> | undefined;
  const refreshIntensity = (): Promise<IntensityState> => {
    const request = grid.current(config).then((state) => {
      if (request === intensityRequest) {
        intensity = state;
        if (state.figure?.fallback) log.warn(`Grid intensity: ${state.figure.fallback}.`);
        void controller.postIntensity();
      }
      return state;
    });
    intensityRequest = request;
    return request;
  };
  const liveRefresh = setInterval(() => config.liveIntensity && void refreshIntensity(), 15 * 60 * 1000);

  const session = () => live.session(intensity.figure?.gco2PerKwh, config.pue);
  const controller = new PanelController(context.extensionUri, {
    config: () => config,
    intensity: () => intensityRequest ?? refreshIntensity(),
    system: readSystem,
    live,
    session,
    store,
    log,
  });
  const updateStatus = (reading?: Parameters<CarbonLensStatusItem['update']>[0]['reading'], totals = session()) =>
    status.update({
      reading,
      session: totals,
      sources: live.sources,
      intensity: intensity.figure,
      estimatesOnly: live.estimatesOnly,
    });

  const tracking = new RunTrackingController({
    live,
    store,
    config: () => config,
    intensity: () => intensity.figure,
    log,
    onRecorded: (record) => {
      void controller.postRuns();
      if (record.durationS >= config.runs.flashSeconds && config.statusBarEnabled)
        status.flash(`$(check) ${record.label}: ${runSummaryText(record)}`);
    },
  });
  const tracksRuns = () => config.runs.terminal || config.runs.tasks || config.runs.debug || config.runs.notebooks;

  const startMeter = () => {
    live.start().then(
      () => {
        for (const note of live.notes) log.info(`Meter: ${note}`);
        updateStatus();
      },
      (e: Error) => log.error(`The live meter could not start: ${e.message}`),
    );
  };

  // The advisor and the benchmark history it uses as evidence, both set up after activation.
  let history: RunSummary[] = [];
  let advisor: AdvisorController | undefined;
  const loadHistory = () =>
    store.records().then(
      ({ records }) => {
        history = records.map(summariseRun);
        advisor?.rescanAll();
      },
      (e: Error) => log.warn(`The benchmark history could not be read: ${e.message}`),
    );

  const benchDeps = {
    cliPath,
    store,
    secrets: context.secrets,
    config: () => config,
    log,
    onSaved: (_records: BenchRecord[]) => {
      void controller.postRuns();
      void loadHistory();
      controller.show();
    },
    onState: (state: 'running' | 'done' | 'failed' | 'cancelled', text: string) =>
      controller.postBenchmarkState(state, text),
  };

  const storeSecret = async (key: string, title: string, prompt: string): Promise<boolean | undefined> => {
    const value = await vscode.window.showInputBox({ title, prompt, password: true, ignoreFocusOut: true });
    if (value === undefined) return undefined; // cancelled: nothing changes
    if (value.trim()) await context.secrets.store(key, value.trim());
    else await context.secrets.delete(key);
    return Boolean(value.trim());
  };

  context.subscriptions.push(
    log,
    status,
    tracking,
    live,
    { dispose: () => clearInterval(liveRefresh) },
    { dispose: killAllBenchmarks },
    { dispose: () => advisor?.dispose() },
    live.onUpdate(({ reading, point }) => {
      const totals = session();
      updateStatus(reading, totals);
      controller.postLive({ type: 'livePoint', point, session: totals });
    }),
    watchConfig((changed) => {
      const locationChanged =
        changed.location !== config.location ||
        changed.dataset !== config.dataset ||
        changed.liveIntensity !== config.liveIntensity;
      config = changed;
      status.setVisible(config.statusBarEnabled);
      if (config.statusBarEnabled || tracksRuns()) startMeter();
      if (locationChanged) void refreshIntensity();
    }),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => {
        startMeter();
        controller.restore(panel);
      },
    }),
    vscode.commands.registerCommand('carbonlens.showSystemInfo', async (): Promise<SystemReport | undefined> => {
      try {
        const report = await readSystem(true);
        log.info(['System info', ...formatSystemReport(report)].join('\n'));
        log.show(true);
        return report;
      } catch (e) {
        log.error((e as Error).message);
        void vscode.window.showErrorMessage((e as Error).message, 'Open Log').then((pick) => pick && log.show());
        return undefined;
      }
    }),
    vscode.commands.registerCommand('carbonlens.showPanel', () => {
      startMeter();
      controller.show();
    }),
    vscode.commands.registerCommand('carbonlens.openLog', () => log.show()),
    vscode.commands.registerCommand('carbonlens.setLocation', async (value?: string) => {
      const location = await setLocationCommand(config, typeof value === 'string' ? value : undefined);
      if (location !== undefined) log.info(`Location set to "${location}".`);
      return location;
    }),
    vscode.commands.registerCommand('carbonlens.runBenchmark', (args?: BenchmarkArgs) =>
      runBenchmarkCommand(benchDeps, typeof args === 'object' ? args : {}),
    ),
    vscode.commands.registerCommand('carbonlens.compareModels', (args?: BenchmarkArgs) =>
      runBenchmarkCommand(benchDeps, typeof args === 'object' ? args : {}, true),
    ),
    vscode.commands.registerCommand('carbonlens.cancelBenchmark', () => {
      const n = cancelBenchmarks();
      if (n === 0) void vscode.window.showInformationMessage('CarbonLens: no benchmark is running.');
      return n;
    }),
    vscode.commands.registerCommand('carbonlens.installCudaProvider', () =>
      installCudaProviderCommand({ cliPath, store, config: () => config, log }),
    ),
    vscode.commands.registerCommand('carbonlens.exportReport', (format?: ExportFormat, target?: vscode.Uri) =>
      exportReportCommand(store, typeof format === 'string' ? format : undefined, target),
    ),
    vscode.commands.registerCommand('carbonlens.setElectricityMapsToken', async () => {
      const stored = await storeSecret(
        ELECTRICITY_MAPS_SECRET,
        'Electricity Maps API token',
        "Kept in VS Code's secret storage, never in settings. Leave empty to remove the stored token.",
      );
      if (stored === undefined) return;
      log.info(stored ? 'Electricity Maps token stored.' : 'Electricity Maps token removed.');
      void refreshIntensity();
      void vscode.window.showInformationMessage(
        stored
          ? 'CarbonLens: Electricity Maps token stored. Turn on carbonlens.intensity.live to use it.'
          : 'CarbonLens: Electricity Maps token removed.',
      );
    }),
    vscode.commands.registerCommand('carbonlens.setHuggingFaceToken', async () => {
      const stored = await storeSecret(
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
  );

  const activation = {
    durationMs: performance.now() - started,
    modulesLoaded: Object.keys(require.cache).filter((m) => !modulesBefore.has(m)),
  };
  log.info(
    `CarbonLens ${CARBONLENS_VERSION} activated in ${activation.durationMs.toFixed(1)} ms (VS Code ${vscode.version}).`,
  );
  // After activation: the meter (it loads koffi for NVML) and the intensity lookup.
  setTimeout(() => {
    void refreshIntensity();
    // Tracked runs take their idle baseline from the samples before them: the meter runs from the start.
    if (config.statusBarEnabled || tracksRuns()) startMeter();
    advisor = new AdvisorController(
      vscode.Uri.joinPath(context.extensionUri, 'README.md').with({ fragment: 'advice-in-configs-and-code' }),
      () => config,
      () => history,
      log,
    );
    void loadHistory();
  }, 0);
  return {
    activation,
    gridIntensity: () => refreshIntensity(),
    benchmarkFolder: store.dir,
    runningBenchmarks,
    status: () => status.state,
    trackedRuns: () => tracking.recorded,
  };
}

export function deactivate(): void {
  killAllBenchmarks();
}
