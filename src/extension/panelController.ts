// What the panel shows and does: it answers the page's messages and feeds it the streams
// (intensity, system, live power, benchmark history, region view, benchmark state).
import { existsSync } from 'node:fs';
import { relative, isAbsolute } from 'node:path';
import * as vscode from 'vscode';
import { summariseRun } from '../core/bench/history';
import { compareRegions, JOULES_PER_KWH, project } from '../core/carbon/emissions';
import type { SystemReport } from '../core/system/report';
import type { HostMessage, RegionRow, SessionTotals } from '../protocol';
import type { BenchStore } from './benchStore';
import type { CarbonLensConfig } from './config';
import type { IntensityState } from './intensity';
import type { LiveMeter } from './liveMeter';
import { CarbonLensPanel, type PanelListener, type PanelRoots } from './panel';

const isInside = (file: string, dir: string) => {
  const r = relative(dir, file);
  return !!r && !r.startsWith('..') && !isAbsolute(r);
};

/** The panel lists the latest runs the editor metered; the files keep them all. */
const TRACKED_SHOWN = 100;

export interface PanelSources {
  config: () => CarbonLensConfig;
  intensity: () => Promise<IntensityState>;
  system: (refresh: boolean) => Promise<SystemReport>;
  live: LiveMeter;
  session: () => SessionTotals | undefined;
  store: BenchStore;
  log: vscode.LogOutputChannel;
}

export class PanelController {
  private lastBenchmark: HostMessage | undefined;
  /** The open panel, if any: one at a time. */
  private current: CarbonLensPanel | undefined;

  constructor(
    private readonly roots: PanelRoots,
    private readonly sources: PanelSources,
  ) {}

  readonly listener: PanelListener = (message, panel) => {
    switch (message.type) {
      case 'ready':
        this.fill(panel, false);
        return;
      case 'shown':
        panel.post({ type: 'live', snapshot: this.sources.live.snapshot(this.sources.session()) });
        return;
      case 'refreshSystem':
        this.postSystem(panel, true);
        return;
      case 'setLocation':
        void vscode.commands.executeCommand('carbonlens.setLocation');
        return;
      case 'runBenchmark':
        void vscode.commands.executeCommand('carbonlens.runBenchmark');
        return;
      case 'exportReport':
        void vscode.commands.executeCommand('carbonlens.exportReport', message.format);
        return;
      case 'showRegions':
        void this.postRegions(panel, message.runId, message.requestsPerDay);
        return;
    }
  };

  show(): CarbonLensPanel {
    if (this.current) {
      this.current.reveal();
      return this.current;
    }
    const panel = CarbonLensPanel.create(this.roots, this.listener, () => this.forget(panel));
    this.current = panel;
    return panel;
  }

  restore(webviewPanel: vscode.WebviewPanel): void {
    this.current?.dispose();
    const panel = CarbonLensPanel.adopt(webviewPanel, this.roots, this.listener, () => this.forget(panel));
    this.current = panel;
  }

  private forget(panel: CarbonLensPanel): void {
    if (this.current === panel) this.current = undefined;
  }

  private get panel(): CarbonLensPanel | undefined {
    return this.current;
  }

  private fill(panel: CarbonLensPanel, refresh: boolean): void {
    void this.postIntensity(panel);
    this.postSystem(panel, refresh);
    panel.post({ type: 'live', snapshot: this.sources.live.snapshot(this.sources.session()) });
    void this.postRuns(panel);
    if (this.lastBenchmark) panel.post(this.lastBenchmark);
  }

  private postSystem(panel: CarbonLensPanel, refresh: boolean): void {
    panel.post({ type: 'systemLoading' });
    this.sources.system(refresh).then(
      (report) => panel.post({ type: 'system', report }),
      (e: Error) => panel.post({ type: 'systemError', message: e.message }),
    );
  }

  async postIntensity(panel = this.panel): Promise<void> {
    if (!panel) return;
    panel.post({ type: 'intensity', ...(await this.sources.intensity()) });
  }

  async postRuns(panel = this.panel): Promise<void> {
    if (!panel) return;
    try {
      const { records, tracked, skipped } = await this.sources.store.records();
      if (skipped) this.sources.log.warn(`${skipped} unreadable line(s) in the benchmark history were skipped.`);
      panel.post({ type: 'runs', runs: records.map(summariseRun), skipped });
      panel.post({ type: 'tracked', runs: tracked.slice(-TRACKED_SHOWN).reverse() });
    } catch (e) {
      this.sources.log.error(`Reading the benchmark history failed: ${(e as Error).message}`);
    }
  }

  postBenchmarkState(state: 'running' | 'done' | 'failed' | 'cancelled', text: string): void {
    this.lastBenchmark = { type: 'benchmark', state, text };
    this.panel?.post(this.lastBenchmark);
  }

  postLive(point: Extract<HostMessage, { type: 'livePoint' }>): void {
    const panel = this.panel;
    if (panel?.visible) panel.post(point);
  }

  private async postRegions(panel: CarbonLensPanel, runId: string, requestsPerDay: number): Promise<void> {
    const { records } = await this.sources.store.records();
    const record = records.find((r) => r.runId === runId);
    if (!record) return;
    const config = this.sources.config();
    const { figure } = await this.sources.intensity();
    const kwhPerItem = record.result.summary.jPerItem / JOULES_PER_KWH;
    const rows: RegionRow[] = compareRegions(kwhPerItem, {
      dataset: config.dataset,
      from: figure,
      pue: config.pue,
    }).map((r) => ({
      provider: r.figure.provider,
      region: r.figure.region,
      location: r.figure.location,
      gco2PerKwh: r.figure.gco2PerKwh,
      gPerItem: r.grams,
      kgPerYear: project(kwhPerItem, requestsPerDay, r.figure.gco2PerKwh, config.pue).kgPerYear,
      savingPercent: r.savingPercent,
      year: r.figure.year,
    }));
    const from = figure ? (figure.region ? `${figure.provider} ${figure.region}` : figure.location) : undefined;
    panel.post({ type: 'regions', runId, model: record.model.id, requestsPerDay, rows, from });
    const images = (record.result.outputs ?? []).filter(
      (o) => isInside(o.file, this.sources.store.imagesDir) && existsSync(o.file),
    );
    if (record.task === 'text-to-image') {
      panel.post({
        type: 'gallery',
        runId,
        model: record.model.id,
        jPerImage: record.result.summary.jPerItem,
        kind: record.result.summary.kind,
        ...(record.emissions && { gPerImage: record.emissions.gPerItem }),
        images: images.map((o) => ({
          src: panel.asWebviewUri(vscode.Uri.file(o.file)).toString(),
          prompt: o.input,
          score: o.score,
        })),
      });
    }
  }
}
