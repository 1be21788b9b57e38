// A run the editor saw, as a record: what ran, for how long, its energy per component with
// provenance, above idle, and its emissions here and in the greenest region of the provider.
// Saved beside the benchmarks: a row of emissions.csv and a line of carbonlens-runs.jsonl.
import { basename } from 'node:path';
import { type Basis, basisGrams, headline } from '../carbon/basis';
import { compareRegions, JOULES_PER_KWH, windowEmissions } from '../carbon/emissions';
import type { DatasetName } from '../carbon/datasets';
import type { IntensityFigure } from '../carbon/intensity';
import type { GpuMetering } from '../energy/gpuSelection';
import type { Provenance } from '../energy/provenance';
import type { WindowUsage } from '../energy/usage';
import type { Attribution } from './attribution';
import type { FinishedRun, RunOrigin } from './runTracker';
import type { TelemetryNote } from '../telemetry/otlpConfig';

export interface MachineFacts {
  os: string;
  cpu: string;
  cpuCount: number;
  gpus: string[];
  ramGB: number;
}

export interface TrackedRecord {
  schema: 'carbonlens.run/1';
  runId: string;
  /** When the run started (ISO 8601). */
  timestamp: string;
  origin: RunOrigin;
  label: string;
  /** Only when the user allows command lines to be stored. */
  commandLine?: string;
  exitCode?: number;
  durationS: number;
  energy: {
    totalJ: number;
    /** Above the idle baseline, when there was a quiet stretch before the run to take one from. */
    netJ?: number;
    idleSeconds?: number;
    kind: Provenance;
    components: { component: string; energyJ: number; netEnergyJ?: number; meanPowerW: number; kind: Provenance }[];
    sources: {
      name: string;
      component: string;
      kind: Provenance;
      method: string;
      energyJ: number;
      coverage: number;
      idleW?: number;
    }[];
  };
  /** How busy the machine was during the run. */
  usage?: WindowUsage;
  /** The run's own share of the energy, from its processes (`attributed`, over the machine figure's kind). */
  attribution?: Attribution;
  /** Other tracked runs going at the same time: their energy is in this run's too. */
  overlaps: { runId: string; label: string }[];
  /** With --otlp: whether the metrics reached the receiver before the record was written. */
  telemetry?: TelemetryNote;
  emissions?: {
    /** What `grams` counts: the run's own share where attributed, else the machine's total (basis.ts). */
    basis?: Basis;
    /** On `basis`: the CSV row's `emissions` (in g). Records before 0.3 have no basis: the machine total. */
    grams: number;
    /** The machine's total over the run (the same as `grams` on that basis). */
    totalGrams?: number;
    /** The machine's energy above idle. */
    netGrams?: number;
    intensity: IntensityFigure;
    pue: number;
    /** The same energy (on `basis`) in the cleanest region of the provider in use (or of all, when none is known). */
    greenest?: {
      provider: string;
      region: string;
      location: string;
      gco2PerKwh: number;
      grams: number;
      savingPercent?: number;
    };
  };
  emissionsNote?: string;
  machine: MachineFacts;
  /** The GPU boards metered and those left out, and why (absent where no NVIDIA GPU was listed, and in older records). */
  gpus?: GpuMetering;
}

/** `FOO=1 /usr/bin/python3 -u train.py --token x` is `python3`: arguments can hold secrets. */
export function executableName(commandLine: string): string {
  const tokens = commandLine.trim().match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
  const wrappers = new Set(['sudo', 'env', 'time', 'nohup', 'nice', 'exec', 'command']);
  for (const raw of tokens) {
    const t = raw.replace(/^["']|["']$/g, '');
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(t) || wrappers.has(t) || t.startsWith('-')) continue;
    return basename(t.replace(/\\/g, '/')) || t;
  }
  return '(empty)';
}

export interface RecordContext {
  intensity?: IntensityFigure;
  pue: number;
  dataset: DatasetName;
  /** The provider whose regions are compared when the location is not a cloud region. */
  provider?: 'gcp' | 'aws' | 'azure';
  machine: MachineFacts;
  gpus?: GpuMetering;
}

export function trackedRecord(run: FinishedRun, context: RecordContext): TrackedRecord {
  const w = run.window;
  const { intensity, pue } = context;
  let emissions: TrackedRecord['emissions'];
  if (intensity) {
    const e = windowEmissions(w, intensity.gco2PerKwh, pue);
    const provider = intensity.provider ?? context.provider;
    // On the headline's basis, so the greenest region's grams compare with `grams`.
    const h = headline(w, run.attribution?.components);
    const best = compareRegions(Math.max(0, h.energyJ) / JOULES_PER_KWH, {
      dataset: context.dataset,
      from: intensity,
      pue,
      ...(provider && { providers: [provider] }),
    })[0];
    emissions = {
      basis: h.basis,
      grams: basisGrams(h.energyJ, intensity.gco2PerKwh, pue),
      totalGrams: e.grams,
      ...(e.netGrams !== undefined && { netGrams: e.netGrams }),
      intensity,
      pue,
      ...(best && {
        greenest: {
          provider: best.figure.provider!,
          region: best.figure.region!,
          location: best.figure.location,
          gco2PerKwh: best.figure.gco2PerKwh,
          grams: best.grams,
          savingPercent: best.savingPercent,
        },
      }),
    };
  }
  return {
    schema: 'carbonlens.run/1',
    runId: run.runId,
    timestamp: new Date(run.startedAt).toISOString(),
    origin: run.info.origin,
    label: run.info.label,
    ...(run.info.commandLine !== undefined && { commandLine: run.info.commandLine }),
    ...(run.exitCode !== undefined && { exitCode: run.exitCode }),
    durationS: (run.endedAt - run.startedAt) / 1000,
    energy: {
      totalJ: w.totalJ,
      ...(w.netJ !== undefined && { netJ: w.netJ, idleSeconds: run.idleSeconds }),
      kind: w.kind,
      components: w.components.map((c) => ({
        component: c.component,
        energyJ: c.energyJ,
        ...(c.netEnergyJ !== undefined && { netEnergyJ: c.netEnergyJ }),
        meanPowerW: c.meanPowerW,
        kind: c.kind,
      })),
      sources: w.sources.map((s) => ({
        name: s.name,
        component: s.component,
        kind: s.kind,
        method: s.method,
        energyJ: s.energyJ,
        coverage: s.coverage,
        ...(s.idleW !== undefined && { idleW: s.idleW }),
      })),
    },
    ...(w.usage && { usage: w.usage }),
    ...(run.attribution && { attribution: run.attribution }),
    overlaps: run.overlaps,
    ...(emissions ? { emissions } : { emissionsNote: 'Location unknown: set carbonlens.location for gCO2e.' }),
    machine: context.machine,
    ...(context.gpus && { gpus: context.gpus }),
  };
}
