// GPU metering in words, for reports, the CSV and the panel (no Node APIs: the webview uses it too).
import type { GpuMetering, GpuSummary } from './gpuSelection';

const ids = (bs: readonly GpuSummary[]) => bs.map((b) => b.index).join(', ');

/** "1 x NVIDIA H100 80GB HBM3", or "2 x NVIDIA A100, 1 x Tesla T4": CodeCarbon's gpu_model, with a separator. */
export function gpuModelText(boards: readonly Pick<GpuSummary, 'name'>[]): string {
  const counts = new Map<string, number>();
  for (const b of boards) counts.set(b.name, (counts.get(b.name) ?? 0) + 1);
  return [...counts].map(([name, n]) => `${n} x ${name}`).join(', ');
}

/**
 * The CSV's gpu_model: CodeCarbon's "4 x NVIDIA H100" for the boards metered, then, where some
 * were left out, which: "1 x NVIDIA H100 (GPU 2; not metered: GPU 0, 1, 3)".
 */
export function gpuModelColumn(m: GpuMetering): string | undefined {
  if (m.metered.length === 0)
    return m.leftOut.length ? `no GPU metered (not metered: ${gpuModelText(m.leftOut)})` : undefined;
  const model = gpuModelText(m.metered);
  return m.leftOut.length ? `${model} (GPU ${ids(m.metered)}; not metered: GPU ${ids(m.leftOut)})` : model;
}

/** "GPU 2 of 4 metered, GPU 0, 1, 3 not: CUDA_VISIBLE_DEVICES=2 (...)", for reports. */
export function meteringText(m: GpuMetering): string {
  const total = m.metered.length + m.leftOut.length;
  const metered =
    m.metered.length === 0
      ? `no GPU of ${total} metered`
      : m.leftOut.length === 0 && total > 1
        ? `all ${total} GPUs metered`
        : `GPU${m.metered.length === 1 ? '' : 's'} ${ids(m.metered)} of ${total} metered`;
  return `${metered}${m.leftOut.length && m.metered.length ? `, GPU ${ids(m.leftOut)} not` : ''}: ${m.basis}`;
}

/** Short, for a table cell: "GPU 2 of 4", "GPUs 0, 1", "all 8 GPUs", "no GPU". */
export function gpuShortText(m: GpuMetering): string {
  const n = m.metered.length;
  if (n === 0) return 'no GPU';
  if (m.leftOut.length === 0) return n > 2 ? `all ${n} GPUs` : `GPU${n === 1 ? '' : 's'} ${ids(m.metered)}`;
  return `GPU${n === 1 ? '' : 's'} ${ids(m.metered)} of ${n + m.leftOut.length}`;
}

/** Each board by name, metered or not, why, and the notes (MIG): for a tooltip. */
export function gpuDetailText(m: GpuMetering): string {
  const names = (bs: readonly GpuSummary[]) =>
    bs.map((b) => `${b.name} #${b.index}${b.mig ? ' (MIG mode: the whole board)' : ''}`).join(', ');
  return [
    `GPUs metered: ${names(m.metered) || 'none'}.`,
    ...(m.leftOut.length ? [`Not metered: ${names(m.leftOut)}.`] : []),
    `Why: ${m.basis}.`,
    ...m.notes,
  ].join('\n');
}
