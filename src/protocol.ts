/**
 * Messages between the extension and the panel's webview: one discriminated union per
 * direction, and a validator for what the webview sends (its content is never trusted). And the
 * events a CLI child reports to the extension (`carbonlens bench --events`).
 */
import { isMessageRef, type MessageRef } from './core/messages';
import type { BenchRecord } from './core/bench/record';
import { isBenchRecord } from './core/bench/history';
import type { Verdict } from './core/bench/verdict';
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
  /** The run failed: the last event of a failed run (see BenchFailure). */
  | BenchFailure;

/** What failed: the model (missing, unreadable, wrong weights), the evaluation set, the device, the run itself. */
export const FAILURE_KINDS = ['model', 'dataset', 'device', 'runtime', 'cancelled', 'internal'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/**
 * Why a run failed, for a program that drives the CLI: shown as is. `message` says what happened,
 * `hint` what to do (the CLI's voice). A failure from the message catalogue carries its reference
 * too, so that the editor renders it in its own voice with its controls (src/core/messages.ts).
 */
export interface BenchFailure {
  event: 'failed';
  kind: FailureKind;
  message: string;
  hint?: string;
  remedy?: MessageRef;
}

/** `carbonlens bench --json`: the run's record. */
export type BenchAnswer = BenchRecord;
/** `carbonlens compare --json`: both records, then the verdict. */
export interface CompareAnswer {
  schema: 'carbonlens.compare/1';
  a: BenchRecord;
  b: BenchRecord;
  verdict: Verdict;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A record with the fields the editor reads (its summary line, the panel, OTLP) of the right types. */
function isShownRecord(raw: unknown): raw is BenchRecord {
  if (!isBenchRecord(raw)) return false;
  const { result } = raw;
  return (
    typeof raw.task === 'string' &&
    typeof result.device === 'string' &&
    typeof result.dtype === 'string' &&
    typeof result.summary.itemsPerS === 'number' &&
    typeof result.summary.kind === 'string' &&
    typeof result.quality.primary.metric === 'string'
  );
}

/**
 * The CLI's `--json` answer, checked (the CLI is another process: what it prints is not trusted):
 * a bench record, or a comparison's two and its verdict; undefined for anything else, a warning
 * or a half-written answer included.
 */
export function parseCliAnswer(stdout: string): { records: BenchRecord[]; verdict?: Verdict } | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  if (!isObject(raw)) return undefined;
  if (raw.schema === 'carbonlens.bench/1') return isShownRecord(raw) ? { records: [raw] } : undefined;
  if (raw.schema !== 'carbonlens.compare/1' || !isShownRecord(raw.a) || !isShownRecord(raw.b)) return undefined;
  const v = raw.verdict;
  if (
    !isObject(v) ||
    typeof v.sentence !== 'string' ||
    !['as-good', 'worse', 'inconclusive'].includes(String(v.outcome))
  )
    return undefined;
  return { records: [raw.a, raw.b], verdict: v as unknown as Verdict };
}

/** One stderr line of the CLI under --events, checked; undefined for a line that is not an event. */
export function parseBenchEvent(line: string): BenchEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(raw)) return undefined;
  const str = (k: string) => typeof raw[k] === 'string';
  const num = (k: string) => typeof raw[k] === 'number' && Number.isFinite(raw[k]);
  const e = raw as BenchEvent;
  switch (raw.event) {
    case 'phase':
      return str('model') && str('phase') && (raw.detail === undefined || str('detail')) ? e : undefined;
    case 'items':
      return str('model') && num('done') && num('total') ? e : undefined;
    case 'download':
      return str('file') && num('doneBytes') && num('missingBytes') ? e : undefined;
    case 'consent':
      return str('repo') &&
        ['model', 'dataset', 'provider'].includes(String(raw.kind)) &&
        num('files') &&
        num('bytes') &&
        str('folder')
        ? e
        : undefined;
    case 'failed':
      return parseFailure(raw);
    default:
      return undefined;
  }
}

/** A failure event rebuilt field by field: a remedy that is not of the catalogue is dropped. */
function parseFailure(raw: Record<string, unknown>): BenchFailure | undefined {
  const { kind, message, hint, remedy } = raw;
  if (!(FAILURE_KINDS as readonly unknown[]).includes(kind) || typeof message !== 'string') return undefined;
  return {
    event: 'failed',
    kind: kind as FailureKind,
    message,
    ...(typeof hint === 'string' && { hint }),
    ...(isMessageRef(remedy) && { remedy }),
  };
}

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
