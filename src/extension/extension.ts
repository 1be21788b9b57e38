import * as vscode from 'vscode';
import { formatSystemReport, type SystemReport } from '../core/system/report';
import { ELECTRICITY_MAPS_SECRET, readConfig, watchConfig } from './config';
import { GridIntensity, type IntensityState } from './intensity';
import { createLog } from './log';
import { CarbonLensPanel } from './panel';
import { CarbonLensStatusItem } from './statusBar';
import { loadSystemReport } from './systemReport';

/** What `activate` returns: other extensions and our integration tests read it. */
export interface CarbonLensApi {
  readonly activation: { readonly durationMs: number; readonly modulesLoaded: readonly string[] };
  /** The grid intensity for `carbonlens.location`, as the panel shows it. */
  gridIntensity(): Promise<IntensityState>;
}

// Nothing heavy is imported above: transformers.js, onnxruntime-node and sharp load on first use.
export function activate(context: vscode.ExtensionContext): CarbonLensApi {
  const started = performance.now();
  const modulesBefore = new Set(Object.keys(require.cache));

  const log = createLog();
  const status = new CarbonLensStatusItem();
  let config = readConfig();
  status.setVisible(config.statusBarEnabled);
  const cliPath = context.asAbsolutePath('dist/cli.js');

  const fixesLogged = new Set<string>();
  const readSystem = async (): Promise<SystemReport> => {
    const report = await status.busy(loadSystemReport(cliPath));
    for (const s of report.sources) {
      if (!s.fix || fixesLogged.has(s.name)) continue; // say it once a session
      fixesLogged.add(s.name);
      log.warn(`${s.name}: ${s.detail} Fix: ${s.fix}`);
    }
    return report;
  };

  const grid = new GridIntensity(context.secrets);
  const postIntensity = async (panel: CarbonLensPanel) => {
    const state = await grid.current(config);
    if (state.figure?.fallback) log.warn(`Grid intensity: ${state.figure.fallback}.`);
    panel.post({ type: 'intensity', ...state });
  };

  // The inventory rarely changes: panels reuse the last report until asked to refresh.
  let panelReport: Promise<SystemReport> | undefined;
  const showPanel = (): void => {
    CarbonLensPanel.show(context.extensionUri, (message, panel) => {
      if (message.type === 'setLocation') {
        void vscode.commands.executeCommand('workbench.action.openSettings', 'carbonlens.location');
        return;
      }
      if (message.type === 'ready' && panel.hasState) return; // it replays its latest state itself
      void postIntensity(panel);
      if (message.type === 'refreshSystem' || !panelReport) panelReport = readSystem();
      const pending = panelReport;
      panel.post({ type: 'systemLoading' });
      pending.then(
        (report) => panel.post({ type: 'system', report }),
        (e: Error) => {
          if (panelReport === pending) panelReport = undefined; // try again next time
          panel.post({ type: 'systemError', message: e.message });
        },
      );
    });
  };

  context.subscriptions.push(
    log,
    status,
    watchConfig((changed) => {
      config = changed;
      status.setVisible(config.statusBarEnabled);
      if (CarbonLensPanel.open) void postIntensity(CarbonLensPanel.open);
    }),
    vscode.commands.registerCommand('carbonlens.showSystemInfo', async (): Promise<SystemReport | undefined> => {
      try {
        const report = await readSystem();
        log.info(['System info', ...formatSystemReport(report)].join('\n'));
        log.show(true);
        return report;
      } catch (e) {
        log.error((e as Error).message);
        void vscode.window.showErrorMessage((e as Error).message, 'Open Log').then((pick) => pick && log.show());
        return undefined;
      }
    }),
    vscode.commands.registerCommand('carbonlens.showPanel', showPanel),
    vscode.commands.registerCommand('carbonlens.openLog', () => log.show()),
    vscode.commands.registerCommand('carbonlens.setElectricityMapsToken', async () => {
      const token = await vscode.window.showInputBox({
        title: 'Electricity Maps API token',
        prompt: "Kept in VS Code's secret storage, never in settings. Leave empty to remove the stored token.",
        password: true,
        ignoreFocusOut: true,
      });
      if (token === undefined) return; // cancelled: nothing changes
      if (token.trim()) await context.secrets.store(ELECTRICITY_MAPS_SECRET, token.trim());
      else await context.secrets.delete(ELECTRICITY_MAPS_SECRET);
      log.info(token.trim() ? 'Electricity Maps token stored.' : 'Electricity Maps token removed.');
      if (CarbonLensPanel.open) void postIntensity(CarbonLensPanel.open);
      void vscode.window.showInformationMessage(token.trim() ? 'CarbonLens: Electricity Maps token stored. Turn on carbonlens.intensity.live to use it.' : 'CarbonLens: Electricity Maps token removed.');
    }),
  );

  const activation = {
    durationMs: performance.now() - started,
    modulesLoaded: Object.keys(require.cache).filter((m) => !modulesBefore.has(m)),
  };
  log.info(`CarbonLens ${CARBONLENS_VERSION} activated in ${activation.durationMs.toFixed(1)} ms (VS Code ${vscode.version}).`);
  return { activation, gridIntensity: () => grid.current(config) };
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
