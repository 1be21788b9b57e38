// Energy per item (x, log scale) against quality (y) for one task's runs, with the Pareto front
// drawn as a line: as an SVG string, for the panel and for the Markdown report.
import type { RunSummary } from '../bench/history';
import { joulesText } from '../units';

export interface ScatterColours {
  text: string;
  grid: string;
  point: string;
  front: string;
}

export const PRINT_COLOURS: ScatterColours = { text: '#24292f', grid: '#d0d7de', point: '#8c959f', front: '#1a7f37' };

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Evenly spaced ticks on a 1-2-2.5-5 step covering [lo, hi], about `count` of them, and their decimals. */
export function linearTicks(lo: number, hi: number, count = 5): { ticks: number[]; decimals: number } {
  const raw = (hi - lo) / Math.max(1, count - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.floor(lo / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let t = first; ticks.length < 2 || ticks[ticks.length - 1]! < hi - step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (step / mag === 2.5 ? 1 : 0));
  return { ticks, decimals };
}

/** Ticks of a log axis: the decades in [lo, hi] (log10), with 2 and 5 between them when fewer than two decades show. */
export function logTicks(lo: number, hi: number): number[] {
  const decades: number[] = [];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) decades.push(e);
  const within = (v: number) => Math.log10(v) >= lo - 1e-9 && Math.log10(v) <= hi + 1e-9;
  const only = decades.map((e) => 10 ** e).filter(within);
  if (only.length >= 2) return only;
  return decades.flatMap((e) => [1, 2, 5].map((m) => Number((m * 10 ** e).toPrecision(6)))).filter(within);
}

export function scatterSvg(
  runs: readonly RunSummary[],
  front: ReadonlySet<string>,
  colours: ScatterColours = PRINT_COLOURS,
  width = 560,
  height = 320,
): string {
  const pad = { left: 56, right: 16, top: 24, bottom: 44 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const points = runs.filter((r) => r.jPerItem > 0 && Number.isFinite(r.quality.value));
  const metric = points[0]?.quality.metric ?? 'quality';
  const title = `${escapeXml(points[0]?.task ?? '')}: energy per item vs ${escapeXml(metric)}`;
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}" font-family="sans-serif" font-size="11">`;
  if (points.length === 0)
    return `${head}<text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="${colours.text}">No runs yet</text></svg>`;
  const lx = points.map((p) => Math.log10(p.jPerItem));
  let [x0, x1] = [Math.min(...lx), Math.max(...lx)];
  if (x1 - x0 < 0.5) [x0, x1] = [(x0 + x1) / 2 - 0.25, (x0 + x1) / 2 + 0.25];
  const qs = points.map((p) => p.quality.value);
  let [y0, y1] = [Math.min(...qs), Math.max(...qs)];
  if (y1 - y0 < 0.05) [y0, y1] = [Math.max(0, y0 - 0.05), y1 + 0.05];
  const yAxis = linearTicks(y0, y1);
  [y0, y1] = [yAxis.ticks[0]!, yAxis.ticks[yAxis.ticks.length - 1]!];
  const sx = (j: number) => pad.left + ((Math.log10(j) - x0) / (x1 - x0)) * w;
  const sy = (q: number) => pad.top + h - ((q - y0) / (y1 - y0)) * h;
  const parts = [head, `<text x="${pad.left}" y="14" fill="${colours.text}" font-weight="bold">${title}</text>`];
  for (const v of logTicks(x0, x1)) {
    const x = sx(v).toFixed(1);
    parts.push(
      `<line x1="${x}" y1="${pad.top}" x2="${x}" y2="${pad.top + h}" stroke="${colours.grid}"/><text x="${x}" y="${pad.top + h + 14}" text-anchor="middle" fill="${colours.text}">${joulesText(v)}</text>`,
    );
  }
  for (const q of yAxis.ticks) {
    const y = sy(q).toFixed(1);
    parts.push(
      `<line x1="${pad.left}" y1="${y}" x2="${pad.left + w}" y2="${y}" stroke="${colours.grid}"/><text x="${pad.left - 6}" y="${Number(y) + 4}" text-anchor="end" fill="${colours.text}">${q.toFixed(yAxis.decimals)}</text>`,
    );
  }
  parts.push(
    `<text x="${pad.left + w / 2}" y="${height - 6}" text-anchor="middle" fill="${colours.text}">energy per item (log scale); lower is better</text>`,
  );
  const onFront = points.filter((p) => front.has(p.runId)).sort((a, b) => a.jPerItem - b.jPerItem);
  if (onFront.length > 1)
    parts.push(
      `<polyline fill="none" stroke="${colours.front}" stroke-width="2" points="${onFront.map((p) => `${sx(p.jPerItem).toFixed(1)},${sy(p.quality.value).toFixed(1)}`).join(' ')}"/>`,
    );
  for (const p of points) {
    const good = front.has(p.runId);
    const label = `${p.model} (${p.device}, ${p.dtype}): ${joulesText(p.jPerItem)}/item, ${metric} ${p.quality.value.toFixed(3)}`;
    parts.push(
      `<circle cx="${sx(p.jPerItem).toFixed(1)}" cy="${sy(p.quality.value).toFixed(1)}" r="${good ? 5 : 4}" fill="${good ? colours.front : colours.point}"><title>${escapeXml(label)}</title></circle>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}
