import type { PowerSourceStatus, SourceState } from '../energy/probe';
import type { SourceSummary } from '../energy/source';
import { gpuLabel, type SystemInventory } from './inventory';
import type { GpuMetering } from '../energy/gpuSelection';
import { meteringText } from '../energy/gpuText';

/** The machine and its power sources, as read by `carbonlens info --json` and the extension. */
export interface SystemReport {
  inventory: SystemInventory;
  sources: PowerSourceStatus[];
  /** What the meter opened: the source it reads for each component, and the fallbacks it took. */
  meter?: { sources: SourceSummary[]; notes: string[]; gpus?: GpuMetering };
}

/** How each source state reads to a person, in the CLI, the log and the panel alike. */
export const STATE_LABEL: Record<SourceState, string> = {
  ready: 'readable',
  found: 'found',
  denied: 'permission denied',
  absent: 'not available',
  unsupported: 'not on this platform',
};

/** "CPU rapl", but "CPU (2 threads, model unknown)", never "CPU CPU (...)". */
const named = (component: string, name: string) =>
  name.toLowerCase().startsWith(component.toLowerCase()) ? name : `${component.toUpperCase()} ${name}`;

export function formatBytes(bytes: number): string {
  const gib = bytes / 1024 ** 3;
  return gib >= 1 ? `${gib.toFixed(1)} GiB` : `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
}

/** Plain-text lines for a terminal or a log channel. */
export function formatSystemReport(report: SystemReport): string[] {
  const { inventory: inv, sources } = report;
  const lines = [
    `OS:     ${inv.os.distro} ${inv.os.release} (${inv.os.platform}, ${inv.os.arch}), Node ${inv.node}`,
    `CPU:    ${inv.cpu.brand}, ${inv.cpu.physicalCores} cores / ${inv.cpu.logicalCores} threads` +
      (inv.cpu.speedGHz ? `, ${inv.cpu.speedGHz} GHz` : ''),
    `Memory: ${formatBytes(inv.memory.totalBytes)}`,
  ];
  if (inv.gpus.length === 0) lines.push('GPUs:   none found');
  inv.gpus.forEach((gpu, i) => {
    const vram = gpu.vramMiB ? `, ${formatBytes(gpu.vramMiB * 1024 ** 2)}` : '';
    const driver = gpu.driverVersion ? `, driver ${gpu.driverVersion}` : '';
    lines.push(`GPU ${i}:  ${gpuLabel(gpu)}${vram}${driver}`);
  });
  lines.push('Power sources:');
  for (const s of sources) {
    lines.push(`  ${named(s.component, s.name)} (${s.kind}): ${STATE_LABEL[s.state]}. ${s.detail}`);
    if (s.fix) lines.push(`    Fix: ${s.fix}`);
  }
  if (!sources.some((s) => s.state === 'ready' || s.state === 'found')) {
    lines.push(
      '  No hardware power source: CarbonLens will estimate energy (TDP and RAM models) and label it "estimated".',
    );
  }
  if (report.meter) {
    lines.push('The meter reads:');
    for (const s of report.meter.sources) lines.push(`  ${named(s.component, s.name)} (${s.kind}): ${s.detail}`);
    if (report.meter.gpus) lines.push(`  GPUs: ${meteringText(report.meter.gpus)}`);
    for (const n of report.meter.notes) lines.push(`  Note: ${n}`);
  }
  return lines;
}
