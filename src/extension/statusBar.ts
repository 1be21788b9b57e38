import { gramsText, intensityText, joulesText } from '../core/units';
import * as vscode from 'vscode';
import type { IntensityFigure } from '../core/carbon/intensity';
import type { MeterReading } from '../core/energy/meter';
import type { GpuMetering } from '../core/energy/gpuSelection';
import type { EnergySource } from '../core/energy/source';
import type { Forecast } from '../core/carbon/forecast';
import { cleanerSoon } from '../core/carbon/window';
import type { SessionTotals } from '../protocol';
import { statusAttention } from './statusAttention';

export const STATUS_ITEM_ID = 'carbonlens.status';

const COMMANDS = [
  'carbonlens.showPanel',
  'carbonlens.setLocation',
  'carbonlens.runBenchmark',
  'carbonlens.showSystemInfo',
  'carbonlens.openLog',
];

export const formatWatts = (w: number) => `${w >= 100 ? w.toFixed(0) : w.toFixed(1)} W`;

export interface StatusState {
  reading?: MeterReading;
  session?: SessionTotals;
  sources: readonly EnergySource[];
  intensity?: IntensityFigure;
  estimatesOnly: boolean;
  /** What opening the sources found (a permission fix, a missing library), one line each. */
  notes?: readonly string[];
  /** The grid ahead (live intensity on), for "cleaner at 03:00". */
  forecast?: Forecast;
  /** The GPU boards metered and those left out. */
  gpus?: GpuMetering;
  /** Why the location set gives no figure. */
  intensityProblem?: string;
}

/**
 * The single status bar item: live power and the session's CO2, a tooltip with the breakdown
 * and where each figure comes from; the warning colour only when something needs action
 * (statusAttention): estimated power on a machine without counters is normal.
 */
export class CarbonLensStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(STATUS_ITEM_ID, vscode.StatusBarAlignment.Right, 100);
  private running = 0;
  private label = '$(pulse) CarbonLens';
  private updates = 0;
  private flashText: string | undefined;
  private flashTimer: NodeJS.Timeout | undefined;

  constructor() {
    this.item.name = 'CarbonLens';
    this.item.command = 'carbonlens.showPanel';
    this.item.accessibilityInformation = { label: 'CarbonLens: open the emissions panel', role: 'button' };
    this.render();
    this.item.tooltip = tooltip({ sources: [], estimatesOnly: false });
  }

  setVisible(visible: boolean): void {
    if (visible) this.item.show();
    else this.item.hide();
  }

  /** About once a second: the text and the tooltip, from the same reading. */
  update(state: StatusState): void {
    const { reading, session } = state;
    if (reading) this.updates++;
    if (reading?.readings.some((r) => r.powerW !== undefined)) {
      this.label = `$(pulse) ${formatWatts(reading.totalW)}${session?.grams !== undefined ? ` · ${gramsText(session.grams)}` : ''}`;
    }
    const attention = statusAttention(state);
    this.item.backgroundColor = attention ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.accessibilityInformation = {
      label: `CarbonLens: ${this.label.replace('$(pulse) ', '')}${attention ? `; ${attention.text}` : ''}; open the emissions panel`,
      role: 'button',
    };
    this.render();
    this.item.tooltip = tooltip(state);
  }

  get state(): { text: string; updates: number } {
    return { text: this.item.text, updates: this.updates };
  }

  /** Spins the icon while `work` runs (and until the last of overlapping works ends). */
  async busy<T>(work: Promise<T>): Promise<T> {
    this.running++;
    this.render();
    try {
      return await work;
    } finally {
      this.running--;
      this.render();
    }
  }

  /** Shows `text` in place of the live figures for a few seconds (a long run just ended). */
  flash(text: string, ms = 8000): void {
    this.flashText = text;
    clearTimeout(this.flashTimer);
    this.flashTimer = setTimeout(() => {
      this.flashText = undefined;
      this.render();
    }, ms);
    this.render();
  }

  private render(): void {
    const label = this.flashText ?? this.label;
    this.item.text = this.running > 0 ? label.replace(/^\$\([\w-]+\)/, '$(loading~spin)') : label;
  }

  dispose(): void {
    clearTimeout(this.flashTimer);
    this.item.dispose();
  }
}

export function tooltip(state: StatusState): vscode.MarkdownString {
  const md = new vscode.MarkdownString('', true);
  md.isTrusted = { enabledCommands: COMMANDS };
  md.supportHtml = false;
  md.appendMarkdown('**CarbonLens**: power and CO2 on this machine\n\n');
  if (state.sources.length > 0) {
    md.appendMarkdown('| | power | how |\n|---|---:|---|\n');
    for (const s of state.sources) {
      const w = state.reading?.readings.find((r) => r.sourceId === s.id)?.powerW;
      const how =
        s.kind === 'estimated'
          ? 'estimated (a model)'
          : s.kind === 'measured'
            ? 'sampled now; energy from its counter (measured)'
            : 'sampled';
      md.appendMarkdown(`| ${escapeMarkdown(s.name)} | ${w === undefined ? '-' : formatWatts(w)} | ${how} |\n`);
    }
    md.appendMarkdown('\n');
    for (const b of state.gpus?.metered.filter((g) => g.mig) ?? [])
      md.appendMarkdown(
        `${escapeMarkdown(b.name)} #${b.index} is in MIG mode: its power is the whole board's, every MIG instance on it.\n\n`,
      );
    const left = state.gpus?.leftOut ?? [];
    if (left.length)
      md.appendMarkdown(
        `Not metered: ${left.map((b) => `${escapeMarkdown(b.name)} #${b.index}`).join(', ')} (why: ${escapeMarkdown(state.gpus!.basis)})\n\n`,
      );
  } else {
    md.appendMarkdown('Starting the meter…\n\n');
  }
  if (state.estimatesOnly) {
    md.appendMarkdown(
      statusAttention(state)?.kind === 'counter-unreadable'
        ? '$(warning) Every figure is an estimate: a power counter is here but this user cannot read it. [System info](command:carbonlens.showSystemInfo) says how to allow it.\n\n'
        : '$(info) Power is estimated from the processor and its load: this machine exposes no power counter (no RAPL, no NVIDIA GPU), as most virtual machines and many laptops. Nothing to fix.\n\n',
    );
  }
  const s = state.session;
  if (s)
    md.appendMarkdown(
      `Session: ${joulesText(s.energyJ)} over ${s.durationS < 120 ? `${s.durationS.toFixed(0)} s` : `${(s.durationS / 60).toFixed(0)} min`} (${s.kind})${s.grams !== undefined ? `, ${gramsText(s.grams)} CO2e` : ''}\n\n`,
    );
  const soon = cleanerSoon(state.forecast);
  if (soon) md.appendMarkdown(`$(clock) ${escapeMarkdown(soon)}\n\n`);
  const f = state.intensity;
  if (f) {
    const where = f.region ? `${f.provider} ${f.region} (${f.location})` : f.location;
    md.appendMarkdown(
      `Grid: ${intensityText(f.gco2PerKwh)}, ${escapeMarkdown(where)}; ${f.dataset === 'live' ? 'live' : escapeMarkdown(f.dataset)}, ${escapeMarkdown(f.source)}${f.year ? ` ${f.year}` : ''}${f.fallback ? ' (fallback)' : ''}\n\n`,
    );
  } else if (state.intensityProblem) {
    md.appendMarkdown(
      `$(warning) Grid: ${escapeMarkdown(state.intensityProblem)} [Change the location](command:carbonlens.setLocation)\n\n`,
    );
  } else {
    md.appendMarkdown('Grid: location unknown, so no CO2 yet. [Set the location](command:carbonlens.setLocation)\n\n');
  }
  md.appendMarkdown(
    '[$(graph) Panel](command:carbonlens.showPanel) · [$(location) Location](command:carbonlens.setLocation) · ' +
      '[$(beaker) Benchmark](command:carbonlens.runBenchmark) · [$(server-environment) System](command:carbonlens.showSystemInfo) · [$(output) Log](command:carbonlens.openLog)',
  );
  return md;
}

const escapeMarkdown = (s: string) => s.replace(/[\\`*_{}[\]()#+!|<>]/g, (c) => `\\${c}`);
