import { cpus as osCpus, totalmem } from 'node:os';
import { cpuEstimateSource } from './cpuEstimate';
import { type GpuRequest, GpuSelectionError, gpuRequest } from './gpuSelection';
import { openNvidiaSmiSources } from './nvidiaSmi';
import { openNvmlSources, type NvmlBinding } from './nvml';
import { currentProbeEnvironment, probeNvidiaSmi, probeRapl, type ProbeEnvironment } from './probe';
import { ramEstimateSource, type RamModel } from './ramEstimate';
import { openRaplSources } from './rapl';
import type { OpenedSources } from './source';

export interface OpenSourcesOptions {
  probe?: ProbeEnvironment;
  /** The sampling interval a streaming source (nvidia-smi) starts at. */
  intervalMs?: number;
  cpuBrand?: string;
  logicalCpus?: number;
  totalMemoryBytes?: number;
  /** How RAM power is estimated without a DRAM counter (default `dimm`). */
  ramModel?: RamModel;
  loadNvml?: (path: string) => Promise<NvmlBinding>;
  /** Which GPUs to meter (default: those the environment's CUDA_VISIBLE_DEVICES lets a run use). */
  gpus?: GpuRequest;
}

/**
 * The best source for each component, hardware counters first:
 * GPU: NVML, else nvidia-smi; CPU: RAPL packages, else the TDP model; RAM: RAPL DRAM, else the
 * per-GB model. Every fallback taken is in `notes`, with the fix where there is one. GPUs are
 * the boards `gpus` selects; a list naming no board of this machine throws a GpuSelectionError.
 */
export async function openEnergySources(options: OpenSourcesOptions = {}): Promise<OpenedSources> {
  const probe = options.probe ?? currentProbeEnvironment();
  const notes: string[] = [];
  const request = options.gpus ?? gpuRequest(undefined, '', probe.env);
  const [nvml, rapl] = await Promise.all([openNvmlSources(probe, options.loadNvml, request), openRaplSources(probe)]);
  const sources = [...nvml.sources];
  let gpus = nvml.gpus;
  notes.push(...nvml.notes);
  // NVML that listed boards but was asked for none is an answer, not a reason to try nvidia-smi.
  if (!gpus) {
    const smi = await probeNvidiaSmi(probe);
    if (smi.path) {
      const opened = await openNvidiaSmiSources(smi.path, options.intervalMs ?? 1000, request);
      sources.push(...opened.sources);
      notes.push(...opened.notes);
      gpus = opened.gpus;
    }
  }
  if (!gpus && request.from === 'list')
    throw new GpuSelectionError(
      `${request.setting} ${request.ids.join(',')}: no NVIDIA GPU can be read here (${notes.join(' ') || 'no NVML library and no nvidia-smi'}).`,
    );
  notes.push(...rapl.notes);
  const cpus = osCpus();
  if (!rapl.sources.some((s) => s.component === 'cpu')) {
    const status = await probeRapl(probe);
    if (status.state === 'denied') notes.push(`${status.detail} ${status.fix}`);
    sources.push(cpuEstimateSource(options.cpuBrand ?? cpus[0]?.model ?? '', options.logicalCpus ?? cpus.length));
  }
  sources.push(...rapl.sources);
  if (!rapl.sources.some((s) => s.component === 'ram'))
    sources.push(ramEstimateSource(options.totalMemoryBytes ?? totalmem(), options.ramModel));
  return { sources, notes, ...(gpus && { gpus }) };
}
