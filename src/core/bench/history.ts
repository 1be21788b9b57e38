// The history: carbonlens-runs.jsonl read back (a bad line is skipped, never fatal),
// and each record boiled down to the row the panel, the report and the advisor use.
import type { TrackedRecord } from '../tracking/trackedRecord';
import { type Basis, basisGrams, benchHeadline } from '../carbon/basis';
import type { BenchRecord } from './record';
import type { Comparison } from './verdict';
import { gpuDetailText, gpuShortText } from '../energy/gpuText';

export interface RunSummary {
  runId: string;
  timestamp: string;
  task: string;
  model: string;
  /** The model's weights are random (a demo): its quality figure means nothing. */
  randomWeights?: boolean;
  device: string;
  dtype: string;
  batch: number;
  items: number;
  dataset: string;
  itemsPerS: number;
  /** The machine's total per item (the figure runs are ranked and compared on). */
  jPerItem: number;
  netJPerItem?: number;
  /** The record's headline (the CSV's figure) per item, and its basis: own share or machine total (absent: jPerItem, machine total). */
  basis?: Basis;
  headlineJPerItem?: number;
  headlineGPerItem?: number;
  kind: string;
  quality: { metric: string; value: number; low: number; high: number; higherIsBetter: boolean };
  gPerItem?: number;
  gco2PerKwh?: number;
  location?: string;
  /** From `compare`: the other model of the pair and the verdict (energy beyond noise or not). */
  comparison?: {
    role: 'A' | 'B';
    otherRunId: string;
    otherModel: string;
    /** "12% less energy per item than A" or "no measurable difference from A". */
    energy: string;
    sentence: string;
  };
  /**
   * Split pipelines: itemsPerS and jPerItem above are end to end (pipelined, in records since
   * 0.2: `pipelined`); this is the model measured apart, after every input was prepared.
   */
  modelApart?: { itemsPerS: number; jPerItem: number; pipelined: boolean };
  /** Text generation: decode energy and speed per output token, time to first token. */
  tokens?: { jPerOutputToken?: number; decodeTokensPerS?: number; ttftS: number; jPerInputToken: number };
  /** The GPUs metered, short ("GPU 2 of 4") and in full (each board, metered or not, and why). */
  gpus?: { short: string; detail: string };
}

/**
 * Whether a parsed value is a benchmark record whole enough to summarise (history, the panel):
 * a hand-edited line, or another program's output, is refused rather than a crash later.
 */
export function isBenchRecord(raw: unknown): raw is BenchRecord {
  const r = raw as Partial<BenchRecord> | null;
  return (
    r?.schema === 'carbonlens.bench/1' &&
    typeof r.runId === 'string' &&
    typeof r.model?.id === 'string' &&
    typeof r.result?.summary?.jPerItem === 'number' &&
    typeof r.result?.quality?.primary?.value === 'number'
  );
}

/** Benchmarks and tracked runs share the file; each kind is read back on its own. */
export function parseRuns(text: string): { records: BenchRecord[]; tracked: TrackedRecord[]; skipped: number } {
  const records: BenchRecord[] = [];
  const tracked: TrackedRecord[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as BenchRecord | TrackedRecord;
      // Only records whole enough to summarise: a hand-edited line is skipped, not a crash later.
      if (isBenchRecord(r)) records.push(r);
      else if (r?.schema === 'carbonlens.run/1' && typeof r.runId === 'string' && typeof r.energy?.totalJ === 'number')
        tracked.push(r);
      else skipped++;
    } catch {
      skipped++; // a line cut short by a crash, or edited by hand
    }
  }
  return { records, tracked, skipped };
}

export function summariseRun(r: BenchRecord): RunSummary {
  const s = r.result.summary;
  const h = benchHeadline(r.result, r.attribution);
  const items = r.result.items || 1;
  const q = r.result.quality.primary;
  const e = r.emissions;
  const g = r.result.generation;
  return {
    runId: r.runId,
    timestamp: r.timestamp,
    task: r.task,
    model: r.model.id,
    ...(r.model.randomWeights && { randomWeights: true }),
    // A GGUF model's device is llama.cpp's build: the panel, reports and advice say both.
    device: r.result.runtime?.engine ? `llama.cpp ${r.result.runtime.engine.build}` : r.result.device,
    dtype: r.result.dtype,
    batch: r.result.batch,
    items: r.result.items,
    dataset: r.dataset.name,
    itemsPerS: s.itemsPerS,
    jPerItem: s.jPerItem,
    netJPerItem: s.netJPerItem,
    basis: h.basis,
    headlineJPerItem: h.energyJ / items,
    kind: s.kind,
    quality: { metric: q.metric, value: q.value, low: q.low, high: q.high, higherIsBetter: q.higherIsBetter },
    ...(e && {
      headlineGPerItem:
        (e.basis === h.basis && e.grams !== undefined
          ? e.grams
          : basisGrams(h.energyJ, e.intensity.gco2PerKwh, e.pue)) / items,
      gPerItem: e.gPerItem,
      gco2PerKwh: e.intensity.gco2PerKwh,
      location: e.intensity.region ? `${e.intensity.provider} ${e.intensity.region}` : e.intensity.location,
    }),
    ...(r.comparison && { comparison: comparisonSummary(r.comparison) }),
    ...(r.gpus && { gpus: { short: gpuShortText(r.gpus), detail: gpuDetailText(r.gpus) } }),
    ...(r.result.phases && {
      modelApart: {
        itemsPerS: r.result.phases.model.itemsPerS,
        jPerItem: r.result.phases.model.jPerItem,
        pipelined: !!r.result.runtime?.pipeline,
      },
    }),
    ...(g && {
      tokens: {
        jPerOutputToken: g.jPerOutputToken,
        decodeTokensPerS: g.decodeTokensPerS,
        ttftS: g.ttft.meanS,
        jPerInputToken: g.jPerInputToken,
      },
    }),
  };
}

/** A kept verdict in a few words, from this run's side of the pair. */
function comparisonSummary(c: Comparison): NonNullable<RunSummary['comparison']> {
  const other = c.role === 'A' ? 'B' : 'A';
  const e = c.energy;
  // The record holds A - B; from A's side a saving of B's is A using more.
  const percent = c.role === 'B' ? e?.savingPercent : -e?.savingPercent / (1 - e?.savingPercent / 100);
  const energy =
    e && typeof e.measurable === 'boolean' && Number.isFinite(percent)
      ? e.measurable
        ? `${Math.abs(percent).toFixed(0)}% ${percent > 0 ? 'less' : 'more'} energy per item than ${other} (${c.otherModel})`
        : `no measurable difference in energy per item from ${other} (${c.otherModel})`
      : `compared with ${c.otherModel}`;
  return {
    role: c.role,
    otherRunId: String(c.otherRunId),
    otherModel: String(c.otherModel),
    energy,
    sentence: String(c.sentence),
  };
}

/**
 * The runs no other run beats on both energy per item (lower) and quality (better), per task
 * and metric: the study's claim as a set of points. Returns their ids. A random-weights model's
 * quality means nothing: it is neither on the front nor beats a run off it.
 */
export function paretoFront(runs: readonly RunSummary[]): Set<string> {
  const front = new Set<string>();
  const better = (a: RunSummary, b: RunSummary) =>
    a.quality.higherIsBetter ? a.quality.value - b.quality.value : b.quality.value - a.quality.value;
  const meaningful = runs.filter((r) => !r.randomWeights);
  for (const r of meaningful) {
    const peers = meaningful.filter((o) => o.task === r.task && o.quality.metric === r.quality.metric);
    const dominated = peers.some(
      (o) => o !== r && o.jPerItem <= r.jPerItem && better(o, r) >= 0 && (o.jPerItem < r.jPerItem || better(o, r) > 0),
    );
    if (!dominated) front.add(r.runId);
  }
  return front;
}
