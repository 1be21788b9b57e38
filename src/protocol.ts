/**
 * Messages between the extension and the panel's webview: one discriminated union per
 * direction, and a validator for what the webview sends (its content is never trusted). And the
 * events a CLI child reports to the extension (`carbonlens bench --events`).
 */
import type { MessageRef } from './core/messages';
import type { RunSummary } from './core/bench/history';
import type { Forecast } from './core/carbon/forecast';
import type { IntensityFigure } from './core/carbon/intensity';
import type { Component, Provenance } from './core/energy/provenance';
import type { SystemReport } from './core/system/report';
import type { TrackedRecord } from './core/tracking/trackedRecord';

/** One JSON line on the CLI's stderr under --events; `consent` waits for "yes" or "no" on stdin. */
export type BenchEvent =
  | { event: 'phase'; model: string; phase: string; detail?: string }
  | { event: 'items'; model: string; done: number; total: number }
  | { event: 'download'; file: string; doneBytes: number; missingBytes: number }
  | {
      event: 'consent';
      repo: string;
      kind: 'model' | 'dataset' | 'provider';
      files: number;
      bytes: number;
      folder: string;
    }
  /** The run failed with a catalogued message: the editor renders its own voice and controls. */
  | { event: 'error'; remedy: MessageRef };

/** One second of live power: W per component (absent when the component has no fresh figure). */
export interface LivePoint {
  /** ms since the epoch. */
  t: number;
  w: Partial<Record<Component, number>>;
}

export interface SessionTotals {
  durationS: number;
  energyJ: number;
  /** Weakest provenance among the components. */
  kind: Provenance;
  /** gCO2e at the intensity in use; absent while the location is unknown. */
  grams?: number;
}

export interface LiveSnapshot {
  points: LivePoint[];
  /** Provenance of each component's live figure. */
  kinds: Partial<Record<Component, Provenance>>;
  session?: SessionTotals;
}

export interface RegionRow {
  provider?: string;
  region?: string;
  location: string;
  gco2PerKwh: number;
  gPerItem: number;
  kgPerYear: number;
  savingPercent?: number;
  year: number | null;
}

/** Extension -> webview. */
export type HostMessage =
  | { type: 'system'; report: SystemReport }
  | { type: 'systemLoading' }
  | { type: 'systemError'; message: string }
  /** The grid intensity in use, or why there is none (`location: ''` when none is set). */
  | {
      type: 'intensity';
      location: string;
      figure?: IntensityFigure;
      problem?: string;
      /** With live intensity on: the grid ahead, or why there is no forecast. */
      forecast?: Forecast;
      forecastNote?: string;
    }
  /** The live chart's whole state: sent on show; while visible, `livePoint` adds to it. */
  | { type: 'live'; snapshot: LiveSnapshot }
  | { type: 'livePoint'; point: LivePoint; session?: SessionTotals }
  | { type: 'runs'; runs: RunSummary[]; skipped: number }
  /** Runs the editor metered (terminal, task, debug, notebook), newest first. */
  | { type: 'tracked'; runs: TrackedRecord[] }
  | { type: 'regions'; runId: string; model: string; requestsPerDay: number; rows: RegionRow[]; from?: string }
  /** A text-to-image run's images, each with its prompt and CLIP score, and the energy per image. */
  | {
      type: 'gallery';
      runId: string;
      model: string;
      jPerImage: number;
      kind: Provenance;
      gPerImage?: number;
      images: { src: string; prompt: string; score: number }[];
    }
  | { type: 'benchmark'; state: 'running' | 'done' | 'failed' | 'cancelled'; text: string };

type Stream = 'system' | 'intensity' | 'live' | 'runs' | 'tracked' | 'regions' | 'gallery' | 'benchmark';

/** Which stream a message belongs to: a hidden panel keeps the latest message of each. */
export function streamOf(message: HostMessage): Stream | undefined {
  switch (message.type) {
    case 'system':
    case 'systemLoading':
    case 'systemError':
      return 'system';
    case 'livePoint':
      return undefined; // an increment: only worth sending to a visible panel
    default:
      return message.type;
  }
}

/** A benchmark phase as a person reads it: "Measuring idle power (3 s, before the run)". */
export function phaseText(phase: string, detail?: string): string {
  const words: Record<string, string> = {
    idle: 'Measuring idle power',
    load: 'Loading the model',
    'warm-up': 'Warming up on',
    measure: 'Measuring',
    score: 'Scoring the answers',
    'cool-down': 'Cooling down',
  };
  const text = words[phase] ?? phase;
  if (!detail) return text;
  return phase === 'warm-up' ? `${text} ${detail}` : `${text} (${detail})`;
}

export const EXPORT_FORMATS = ['csv', 'json', 'markdown'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Webview -> extension. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'refreshSystem' }
  | { type: 'setLocation' }
  | { type: 'runBenchmark' }
  | { type: 'exportReport'; format: ExportFormat }
  | { type: 'showRegions'; runId: string; requestsPerDay: number };

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Returns the message when it is one the webview may send, rebuilt field by field; else undefined. */
export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'refreshSystem':
    case 'setLocation':
    case 'runBenchmark':
      return { type: m.type };
    case 'exportReport':
      return typeof m.format === 'string' && (EXPORT_FORMATS as readonly string[]).includes(m.format)
        ? { type: 'exportReport', format: m.format as ExportFormat }
        : undefined;
    case 'showRegions': {
      const { runId, requestsPerDay } = m;
      if (typeof runId !== 'string' || !RUN_ID.test(runId)) return undefined;
      if (
        typeof requestsPerDay !== 'number' ||
        !Number.isFinite(requestsPerDay) ||
        requestsPerDay < 0 ||
        requestsPerDay > 1e12
      )
        return undefined;
      return { type: 'showRegions', runId, requestsPerDay };
    }
    default:
      return undefined;
  }
}
