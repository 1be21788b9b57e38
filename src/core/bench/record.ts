// Everything one benchmark run produced, as a JSON-ready record: the figures, their provenance,
// the model, the set, the machine, and the emissions at the configured place.
import { type Basis, basisGrams, benchHeadline } from '../carbon/basis';
import { compareRegions, emissionsGrams, JOULES_PER_KWH } from '../carbon/emissions';
import type { IntensityFigure } from '../carbon/intensity';
import type { GpuMetering } from '../energy/gpuSelection';
import type { SourceSummary } from '../energy/source';
import type { ResolvedModel } from '../models/modelSource';
import { randomWeights } from '../models/workspaceModels';
import type { Task } from '../models/tasks';
import type { SystemInventory } from '../system/inventory';
import type { EvalSet } from './datasets/evalSet';
import type { BenchResult } from './harness';
import type { Comparison } from './verdict';
import type { TelemetryNote } from '../telemetry/otlpConfig';
import { randomUuid } from '../randomUuid';

export interface RunEmissions {
  /** What `grams` counts: this process's own share (with --attribution process), else the machine's total (basis.ts). */
  basis?: Basis;
  /** The measured run's gCO2e on `basis`: the CSV row's `emissions` (in g). */
  grams?: number;
  /** The machine's total per item (the figure regions and models are compared on). */
  gPerItem: number;
  netGPerItem?: number;
  kgPerMillionItems: number;
  /** Text generation: the whole run's gCO2e (prefill and decode) per 1,000 tokens made. */
  gPerThousandOutputTokens?: number;
  intensity: IntensityFigure;
  pue: number;
  /** The cleanest regions for this energy per item, with the saving against the place in use. */
  cleanerRegions: {
    provider?: string;
    region?: string;
    location: string;
    gco2PerKwh: number;
    gPerItem: number;
    savingPercent?: number;
  }[];
}

export interface BenchRecord {
  schema: 'carbonlens.bench/1';
  runId: string;
  timestamp: string;
  task: Task;
  /**
   * `format: 'gguf'`: a GGUF model, run by llama.cpp; `digest`: an Ollama model's weights;
   * randomWeights: the folder's config.json says its weights are random (a demo): its quality means nothing.
   */
  model: {
    id: string;
    source: ResolvedModel['source'];
    commit?: string;
    format?: 'gguf';
    digest?: string;
    randomWeights?: true;
  };
  dataset: { name: string; source: string; items: number; population: number; seed: number };
  result: Omit<BenchResult, 'answers' | 'scores' | 'idle'> & { idleW?: Record<string, number> };
  emissions?: RunEmissions;
  /** Why there are no emissions, when there are none. */
  emissionsNote?: string;
  machine: { os: string; cpu: string; cpuCount: number; gpus: string[]; ramGB: number; node: string };
  sources: SourceSummary[];
  /** The GPU boards metered and those left out, and why (absent where no NVIDIA GPU was listed, and in older records). */
  gpus?: GpuMetering;
  /** process: the CSV row holds this process's own share (`result.summary.own`), as CodeCarbon's process mode. */
  attribution?: 'process';
  /** Written by `compare`: the pair's verdict, the other run, and this run's role in it. */
  comparison?: Comparison;
  /** With --otlp: whether the metrics reached the receiver before the record was written. */
  telemetry?: TelemetryNote;
}

export function runEmissions(
  result: BenchResult,
  intensity: IntensityFigure,
  pue: number,
  attribution?: 'process',
): RunEmissions {
  const g = (joules: number) => emissionsGrams(Math.max(0, joules) / JOULES_PER_KWH, intensity.gco2PerKwh, pue);
  const { jPerItem, netJPerItem } = result.summary;
  const regions = compareRegions(jPerItem / JOULES_PER_KWH, {
    dataset: intensity.dataset === 'codecarbon' || intensity.dataset === 'gcp-2021' ? intensity.dataset : 'latest',
    from: intensity,
    pue,
    ...(intensity.provider && { providers: [intensity.provider] }),
  });
  const h = benchHeadline(result, attribution);
  return {
    basis: h.basis,
    grams: basisGrams(h.energyJ, intensity.gco2PerKwh, pue),
    gPerItem: g(jPerItem),
    ...(netJPerItem !== undefined && { netGPerItem: g(netJPerItem) }),
    kgPerMillionItems: (g(jPerItem) * 1e6) / 1000,
    ...(result.generation &&
      result.generation.outputTokens > 0 && {
        gPerThousandOutputTokens: (g(jPerItem) * result.generation.prompts * 1000) / result.generation.outputTokens,
      }),
    intensity,
    pue,
    cleanerRegions: regions.slice(0, 5).map((r) => ({
      provider: r.figure.provider,
      region: r.figure.region,
      location: r.figure.location,
      gco2PerKwh: r.figure.gco2PerKwh,
      gPerItem: r.grams,
      savingPercent: r.savingPercent,
    })),
  };
}

export function benchRecord(args: {
  task: Task;
  model: ResolvedModel;
  set: EvalSet;
  result: BenchResult;
  inventory: SystemInventory;
  sources: SourceSummary[];
  gpus?: GpuMetering;
  intensity?: IntensityFigure;
  pue: number;
  now?: Date;
  /** process: the headline (CSV, emissions.grams) is this process's own share. */
  attribution?: 'process';
}): BenchRecord {
  const { task, model, set, result, inventory } = args;
  const { answers: _answers, scores: _scores, idle, ...figures } = result;
  return {
    schema: 'carbonlens.bench/1',
    runId: randomUuid(),
    timestamp: (args.now ?? new Date()).toISOString(),
    task,
    model: {
      id: model.id,
      source: model.source,
      ...(model.commit && { commit: model.commit }),
      ...(model.gguf && { format: 'gguf' as const }),
      ...(model.digest && { digest: model.digest }),
      ...(model.source === 'local' && randomWeights(model.folder) && { randomWeights: true as const }),
    },
    dataset: {
      name: set.name,
      source: set.source,
      items: set.items.length,
      population: set.population,
      seed: set.seed,
    },
    result: { ...figures, ...(idle && { idleW: idle.powerW }) },
    ...(args.intensity
      ? { emissions: runEmissions(result, args.intensity, args.pue, args.attribution) }
      : { emissionsNote: 'Location unknown, so no gCO2e.' }),
    machine: {
      os: `${inventory.os.distro} ${inventory.os.release} (${inventory.os.platform} ${inventory.os.arch})`,
      cpu: inventory.cpu.brand,
      cpuCount: inventory.cpu.logicalCores,
      gpus: inventory.gpus.map((g) => g.model),
      ramGB: inventory.memory.totalBytes / 1024 ** 3,
      node: inventory.node,
    },
    sources: args.sources,
    ...(args.attribution && { attribution: args.attribution }),
    ...(args.gpus && { gpus: args.gpus }),
  };
}
