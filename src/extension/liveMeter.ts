// The meter as the editor uses it: sampling in the extension host (each read takes microseconds
// and never blocks), the last ten minutes kept for the chart, the session's totals for the
// status bar. Opened after activation, on first use, so activation stays light.
import { join } from 'node:path';
import type * as vscode from 'vscode';
import { windowEmissions } from '../core/carbon/emissions';
import type { Meter, MeterReading } from '../core/energy/meter';
import type { Component, Provenance } from '../core/energy/provenance';
import type { GpuMetering } from '../core/energy/gpuSelection';
import type { EnergySource } from '../core/energy/source';
import type { LivePoint, LiveSnapshot, SessionTotals } from '../protocol';

const KEEP_MS = 10 * 60 * 1000;

export interface LiveUpdate {
  reading: MeterReading;
  point: LivePoint;
}

export class LiveMeter implements vscode.Disposable {
  private meter: Meter | undefined;
  private opening: Promise<void> | undefined;
  private readonly points: LivePoint[] = [];
  private readonly listeners = new Set<(u: LiveUpdate) => void>();
  sources: readonly EnergySource[] = [];
  notes: readonly string[] = [];
  /** The GPU boards metered and those left out, once the meter has started. */
  gpus: GpuMetering | undefined;
  /** Why `carbonlens.meter.gpus` could not be used (the default was), for a warning. */
  gpuSettingError: string | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly ramModel: 'dimm' | 'per-gb' = 'dimm',
    /** `carbonlens.meter.gpus`: '' for the GPUs CUDA_VISIBLE_DEVICES allows. */
    private readonly gpuSetting = '',
  ) {}

  start(): Promise<void> {
    this.opening ??= (async () => {
      // dist/meter.js, the bundle beside this one (a computed path: esbuild leaves it alone).
      const { openEnergySources, Meter, gpuRequest, GpuSelectionError } = require(
        join(__dirname, 'meter.js'),
      ) as typeof import('./meterBundle');
      const open = (gpus: string) =>
        openEnergySources({
          intervalMs: this.intervalMs,
          ramModel: this.ramModel,
          gpus: gpuRequest(gpus, 'carbonlens.meter.gpus'),
        });
      let opened: Awaited<ReturnType<typeof open>>;
      try {
        opened = await open(this.gpuSetting);
      } catch (e) {
        // A setting naming no board of this machine: said once, and the default metered meanwhile.
        if (!(e instanceof GpuSelectionError)) throw e;
        this.gpuSettingError = `${e.message} Metering the GPUs this process may use (CUDA's visible devices) instead.`;
        opened = await open('');
      }
      this.sources = opened.sources;
      this.notes = [...(this.gpuSettingError ? [this.gpuSettingError] : []), ...opened.notes];
      this.gpus = opened.gpus;
      this.meter = new Meter(opened.sources, { intervalMs: this.intervalMs });
      this.meter.onReading((reading) => this.record(reading));
      await this.meter.start();
    })();
    return this.opening;
  }

  /** The running meter (started first if it is not). */
  async running(): Promise<Meter> {
    await this.start();
    return this.meter!;
  }

  /** A meter window from now (the meter starts first if it is not running). */
  async begin(): ReturnType<Meter['begin']> {
    await this.start();
    return this.meter!.begin();
  }

  /** A window rebuilt from the samples kept: see Meter.windowBetween. */
  async windowBetween(startMs: number, endMs: number): ReturnType<Meter['windowBetween']> {
    await this.start();
    return this.meter!.windowBetween(startMs, endMs);
  }

  onUpdate(listener: (u: LiveUpdate) => void): vscode.Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Live provenance per component: the weakest of its sources. */
  kinds(): Partial<Record<Component, Provenance>> {
    const order: Provenance[] = ['measured', 'sampled', 'estimated'];
    const kinds: Partial<Record<Component, Provenance>> = {};
    for (const s of this.sources) {
      // A counter source's live figure is a power sample; its window energy is measured.
      const live: Provenance = s.kind === 'estimated' ? 'estimated' : 'sampled';
      const prev = kinds[s.component];
      if (!prev || order.indexOf(live) > order.indexOf(prev)) kinds[s.component] = live;
    }
    return kinds;
  }

  /** True when no component has a hardware reading: every figure is a model's. */
  get estimatesOnly(): boolean {
    return this.sources.length > 0 && this.sources.every((s) => s.kind === 'estimated');
  }

  session(gco2PerKwh: number | undefined, pue: number): SessionTotals | undefined {
    const totals = this.meter?.sessionTotals();
    if (!totals) return undefined;
    return {
      durationS: totals.durationS,
      energyJ: totals.totalJ,
      kind: totals.kind,
      ...(gco2PerKwh !== undefined && { grams: windowEmissions(totals, gco2PerKwh, pue).grams }),
    };
  }

  snapshot(session?: SessionTotals): LiveSnapshot {
    return { points: [...this.points], kinds: this.kinds(), session };
  }

  private record(reading: MeterReading): void {
    const point: LivePoint = { t: reading.time, w: reading.components };
    this.points.push(point);
    while (this.points.length && this.points[0].t < reading.time - KEEP_MS) this.points.shift();
    for (const l of this.listeners) l({ reading, point });
  }

  dispose(): void {
    this.listeners.clear();
    this.meter?.close();
  }
}
