import type { GpuMetering } from './gpuSelection';
import type { Component, Provenance } from './provenance';

/**
 * One thing the meter reads: a GPU, a RAPL domain, or a model of the CPU or RAM.
 * `kind` says what a window's energy from this source is: `measured` when it comes from a
 * hardware energy counter, `sampled` when from power readings x time, `estimated` from a model.
 */
export interface EnergySource {
  /** Stable and unique within a meter: `nvml:0`, `nvidia-smi:1`, `rapl:package-0`, `cpu-estimate`. */
  readonly id: string;
  readonly component: Component;
  /** What a person reads: "NVIDIA H200 #0", "CPU package 0". */
  readonly name: string;
  readonly kind: Provenance;
  /** How the figure is obtained, in one sentence (the model, the field, the file). */
  readonly detail: string;
  /**
   * Power now, in W; undefined when there is no fresh reading (the meter then leaves a gap).
   * Sources with only an energy counter (RAPL) leave this out: the meter derives power from it.
   */
  power?(): number | undefined | Promise<number | undefined>;
  /** Cumulative energy in J since an arbitrary origin, from a hardware counter; monotonic. */
  energy?(): Promise<number>;
  /** Figures beside power, for the live view (GPUs: utilisation, memory, power limit). */
  stats?(): SourceStats;
  /** Per-process GPU utilisation now (NVML), for attributing a run's share; undefined where there is none. */
  processUtilization?(): { pid: number; smUtil: number }[] | undefined;
  /** The meter's sampling interval changed (a streaming source may restart at the new rate). */
  setInterval?(ms: number): void;
  close?(): void;
}

/** What opening the sources found: the sources, and what a person should be told once. */
export interface OpenedSources {
  sources: EnergySource[];
  /** One line each: a fallback taken and why, a permission fix, a missing library. */
  notes: string[];
  /** The GPU boards metered and those left out, where NVML or nvidia-smi listed any. */
  gpus?: GpuMetering;
}

export interface SourceStats {
  utilizationPercent?: number;
  memoryUsedBytes?: number;
  memoryTotalBytes?: number;
  powerLimitW?: number;
}

/** A source as a person or a JSON file sees it. */
export type SourceSummary = Pick<EnergySource, 'id' | 'component' | 'name' | 'kind' | 'detail'>;

export const summariseSource = ({ id, component, name, kind, detail }: EnergySource): SourceSummary => ({
  id,
  component,
  name,
  kind,
  detail,
});
