// The extension's state and what owns it: the log, the status item, the meter, the grid
// intensity, the panel, run tracking, the advisor and the benchmark history. activate() builds
// one (extension.ts), registers its commands (commands.ts) and disposes it with the extension.
import * as vscode from 'vscode';
import { gramsText, intensityText, joulesText } from '../core/units';
import { summariseRun, type RunSummary } from '../core/bench/history';
import type { TypicalDay } from '../core/carbon/forecast';
import type { SystemReport } from '../core/system/report';
import { AdvisorController } from './advisor';
import { BenchRuns } from './benchRuns';
import { BenchStore } from './benchStore';
import { type CarbonLensConfig, readConfig, watchConfig } from './config';
import { Disposable } from './dispose';
import { GridIntensity, type IntensityState } from './intensity';
import { meteringText } from '../core/energy/gpuText';
import { LiveMeter } from './liveMeter';
import { OtlpTelemetry } from './otlp';
import { createLog } from './log';
import { PANEL_VIEW_TYPE } from './panel';
import { PanelController } from './panelController';
import { runSummaryText } from '../core/tracking/runFigures';
import { RunTrackingController } from './runTracking';
import { CarbonLensStatusItem } from './statusBar';
import { loadSystemReport } from './systemReport';

const LIVE_INTENSITY_REFRESH_MS = 15 * 60 * 1000;
const SET_LOCATION = 'Set Location';

export class CarbonLens extends Disposable {
  readonly log = this.register(createLog());
  readonly status = this.register(new CarbonLensStatusItem());
  config: CarbonLensConfig = readConfig();
  readonly cliPath: string;
  readonly store: BenchStore;
  readonly live: LiveMeter;
  readonly panel: PanelController;
  readonly tracking: RunTrackingController;
  readonly otlp: OtlpTelemetry;
  /** The benchmarks running, and what their pickers keep: killed and dropped with the extension. */
  readonly benchRuns = this.register(new BenchRuns());
  /** The benchmark history, as the advisor uses it for evidence. */
  history: RunSummary[] = [];
  private advisor: AdvisorController | undefined;
  private readonly grid: GridIntensity;
  private intensity: IntensityState;
  private intensityRequest: Promise<IntensityState> | undefined;
  private systemReport: Promise<SystemReport> | undefined;
  private readonly fixesLogged = new Set<string>();
  /** The place's typical day, for advice on cron schedules (live intensity on only). */
  private typicalDay: TypicalDay | undefined;

  constructor(readonly context: vscode.ExtensionContext) {
    super();
    this.status.setVisible(this.config.statusBarEnabled);
    this.cliPath = context.asAbsolutePath('dist/cli.js');
    this.store = new BenchStore(context.globalStorageUri.fsPath);
    this.live = this.register(new LiveMeter(this.config.meterIntervalMs, this.config.ramModel, this.config.gpus));
    this.grid = new GridIntensity(context.secrets);
    this.otlp = this.register(new OtlpTelemetry(context.secrets, this.log, () => this.live.running()));
    this.intensity = { location: this.config.location };
    this.panel = new PanelController(
      { extensionUri: context.extensionUri, imagesRoot: vscode.Uri.file(this.store.imagesDir) },
      {
        config: () => this.config,
        intensity: () => this.intensityRequest ?? this.refreshIntensity(),
        system: (refresh) => this.readSystem(refresh),
        live: this.live,
        session: () => this.session(),
        store: this.store,
        log: this.log,
      },
    );
    this.tracking = this.register(
      new RunTrackingController({
        live: this.live,
        store: this.store,
        config: () => this.config,
        intensity: () => this.intensity.figure,
        log: this.log,
        onRecorded: (record) => {
          this.otlp.recordRun(record);
          void this.panel.postRuns();
          if (record.durationS >= this.config.runs.flashSeconds && this.config.statusBarEnabled)
            this.status.flash(`$(check) ${record.label}: ${runSummaryText(record)}`);
        },
      }),
    );
    const liveRefresh = setInterval(
      () => this.config.liveIntensity && void this.refreshIntensity(),
      LIVE_INTENSITY_REFRESH_MS,
    );
    this.register(
      { dispose: () => clearInterval(liveRefresh) },
      { dispose: () => this.advisor?.dispose() },
      this.live.onUpdate(({ reading, point }) => {
        const totals = this.session();
        this.updateStatus(reading, totals);
        this.panel.postLive({ type: 'livePoint', point, session: totals });
      }),
      watchConfig((changed) => this.configChanged(changed)),
      vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => {
          this.startMeter();
          this.panel.restore(panel);
        },
      }),
    );
  }

  /** After activation: the meter (it loads koffi for NVML), the intensity, the advisor, the history. */
  startAfterActivation(): void {
    void this.refreshIntensity();
    // Commands the palette shows only where they can work.
    void vscode.commands.executeCommand(
      'setContext',
      'carbonlens.cudaPlatform',
      process.platform === 'linux' && process.arch === 'x64',
    );
    void this.openWalkthroughOnce();
    void this.offerLocationOnce();
    void this.configureOtlp();
    // Tracked runs take their idle baseline from the samples before them: the meter runs from the start.
    if (this.config.statusBarEnabled || this.tracksRuns()) this.startMeter();
    this.advisor = new AdvisorController(
      vscode.Uri.joinPath(this.context.extensionUri, 'docs', 'advisor.md').with({
        fragment: 'what-it-reads-and-suggests',
      }),
      () => this.config,
      () => this.history,
      this.log,
      () => this.typicalDay,
    );
    void this.loadHistory();
  }

  /** After the first install (not in development or tests), as VS Code's own setting allows. */
  private async openWalkthroughOnce(): Promise<void> {
    const key = 'carbonlens.walkthroughOpened';
    if (this.context.extensionMode !== vscode.ExtensionMode.Production || this.context.globalState.get(key)) return;
    await this.context.globalState.update(key, true);
    if (vscode.workspace.getConfiguration('workbench.welcomePage').get('walkthroughs.openOnInstall', true))
      await vscode.commands.executeCommand('carbonlens.getStarted');
  }

  /**
   * Once ever (remembered in globalState): with no location set, one notification says why it
   * matters and offers to set it, with a button. The status item stays neutral meanwhile.
   */
  private async offerLocationOnce(): Promise<void> {
    const key = 'carbonlens.locationOffered';
    // The Mocha suites (test mode) drive the API: the offer is for a person, as the UI checks see it.
    if (this.context.extensionMode === vscode.ExtensionMode.Test) return;
    if (this.config.location || this.context.globalState.get(key)) return;
    await this.context.globalState.update(key, true);
    const choice = await vscode.window.showInformationMessage(
      "CarbonLens measures this machine's power. Set where its electricity comes from to turn energy into CO2.",
      SET_LOCATION,
    );
    if (choice === SET_LOCATION) await vscode.commands.executeCommand('carbonlens.setLocation');
  }

  /** The grid intensity in use, refreshed when settings or the token change (and every 15 min when live). */
  refreshIntensity(): Promise<IntensityState> {
    const request = this.grid.current(this.config).then((state) => {
      if (request === this.intensityRequest) {
        this.intensity = state;
        this.updateStatus();
        if (state.figure?.fallback) this.log.warn(`Grid intensity: ${state.figure.fallback}.`);
        void this.panel.postIntensity();
        void this.grid.typicalDay(this.config, state.figure).then((day) => {
          if (day === this.typicalDay) return;
          this.typicalDay = day;
          this.advisor?.rescanAll();
        });
      }
      return state;
    });
    this.intensityRequest = request;
    return request;
  }

  /** The machine's inventory and power sources, read once in a child process (again on `refresh`). */
  readSystem(refresh: boolean): Promise<SystemReport> {
    if (this.systemReport && !refresh) return this.systemReport;
    const pending = this.status.busy(loadSystemReport(this.cliPath)).then((report) => {
      for (const s of report.sources) {
        if (!s.fix || this.fixesLogged.has(s.name)) continue; // say it once a session
        this.fixesLogged.add(s.name);
        this.log.warn(`${s.name}: ${s.detail} Fix: ${s.fix}`);
      }
      return report;
    });
    this.systemReport = pending;
    pending.catch(() => {
      if (this.systemReport === pending) this.systemReport = undefined; // try again next time
    });
    return pending;
  }

  startMeter(): void {
    this.live.start().then(
      () => {
        for (const note of this.live.notes) this.log.info(`Meter: ${note}`);
        if (this.live.gpus) this.log.info(`Meter: ${meteringText(this.live.gpus)}`);
        if (this.live.gpuSettingError)
          void vscode.window.showWarningMessage(`CarbonLens: ${this.live.gpuSettingError}`);
        this.updateStatus();
      },
      (e: Error) => this.log.error(`The live meter could not start: ${e.message}`),
    );
  }

  loadHistory(): Promise<void> {
    return this.store.records().then(
      ({ records }) => {
        this.history = records.map(summariseRun);
        this.advisor?.rescanAll();
      },
      (e: Error) => this.log.warn(`The benchmark history could not be read: ${e.message}`),
    );
  }

  private session() {
    return this.live.session(this.intensity.figure?.gco2PerKwh, this.config.pue);
  }

  private updateStatus(reading?: Parameters<CarbonLensStatusItem['update']>[0]['reading'], totals = this.session()) {
    this.status.update({
      reading,
      session: totals,
      sources: this.live.sources,
      intensity: this.intensity.figure,
      estimatesOnly: this.live.estimatesOnly,
      notes: this.live.notes,
      ...(this.intensity.problem && { intensityProblem: this.intensity.problem }),
      ...(this.live.gpus && { gpus: this.live.gpus }),
      ...(this.intensity.forecast && { forecast: this.intensity.forecast }),
    });
  }

  private tracksRuns(): boolean {
    const r = this.config.runs;
    return r.terminal || r.tasks || r.debug || r.notebooks;
  }

  private configChanged(changed: CarbonLensConfig): void {
    const before = this.config;
    const locationChanged =
      changed.location !== before.location ||
      changed.dataset !== before.dataset ||
      changed.liveIntensity !== before.liveIntensity;
    this.config = changed;
    this.status.setVisible(changed.statusBarEnabled);
    if (changed.statusBarEnabled || this.tracksRuns()) this.startMeter();
    if (locationChanged) {
      const before = this.session();
      void this.refreshIntensity().then((state) => this.sayRepriced(before, state));
    }
    void this.configureOtlp();
  }

  /** The session's CO2 is its energy at the place in use: a new place reprices it all, and says so. */
  private sayRepriced(before: ReturnType<CarbonLens['session']>, state: IntensityState): void {
    const after = this.session();
    if (!before || !after || before.energyJ <= 0 || after.grams === undefined || !state.figure) return;
    const f = state.figure;
    const where = f.region ? `${f.provider} ${f.region}` : f.location;
    void vscode.window.showInformationMessage(
      `CarbonLens: this session's ${joulesText(after.energyJ)} are now counted at ${where}'s ${intensityText(f.gco2PerKwh)}: ${gramsText(after.grams)} CO2e${before.grams !== undefined ? ` (${gramsText(before.grams)} at the previous place)` : ''}. Runs and benchmarks already recorded keep their place.`,
    );
  }

  /** The OTLP push follows the endpoint setting, the stored headers and the place in use. */
  async configureOtlp(): Promise<void> {
    const { otlpEndpoint, otlpProtocol, pue } = this.config;
    if (!otlpEndpoint) return this.otlp.configure('', otlpProtocol, { pue });
    const { figure } = await (this.intensityRequest ?? this.refreshIntensity());
    await this.otlp.configure(otlpEndpoint, otlpProtocol, { ...(figure && { intensity: figure }), pue });
  }
}
