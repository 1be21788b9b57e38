// A Markdown report of benchmark runs, for a pull request: a table per task with every figure's
// provenance and interval, the Pareto-front runs marked, one SVG chart per task beside it.
import { paretoFront, summariseRun, type RunSummary } from '../bench/history';
import { basisLabel } from '../carbon/basis';
import type { BenchRecord } from '../bench/record';
import { citationsMarkdown } from '../citations';
import { gramsText, intensityText, joulesText } from '../units';
import { scatterSvg } from './scatterSvg';

export interface MarkdownReport {
  markdown: string;
  /** File name (relative to the report) -> SVG text. */
  charts: Record<string, string>;
}

const sig = (x: number | undefined, digits = 3) =>
  x === undefined || !Number.isFinite(x) ? '-' : x.toPrecision(digits);
const quality = (q: RunSummary['quality']) => {
  const f = (x: number) => x.toFixed(3);
  return `${f(q.value)}${Number.isFinite(q.low) ? ` (${f(q.low)}-${f(q.high)})` : ''}`;
};
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownReport(
  records: readonly BenchRecord[],
  chartPrefix = 'carbonlens-chart',
  now = new Date(),
): MarkdownReport {
  const runs = records.map(summariseRun);
  const front = paretoFront(runs);
  const charts: Record<string, string> = {};
  const lines = [
    `# CarbonLens benchmark report`,
    '',
    `${runs.length} run(s), exported ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
  ];
  const machines = [
    ...new Set(
      records.map(
        (r) => `${r.machine.cpu}${r.machine.gpus.length ? `, ${r.machine.gpus.join(', ')}` : ''} (${r.machine.os})`,
      ),
    ),
  ];
  lines.push('', `Machine${machines.length > 1 ? 's' : ''}: ${machines.map(cell).join('; ')}.`);
  for (const task of [...new Set(runs.map((r) => r.task))]) {
    const rows = runs.filter((r) => r.task === task).sort((a, b) => a.jPerItem - b.jPerItem);
    const metric = rows[0].quality.metric;
    const file = `${chartPrefix}-${task}.svg`;
    charts[file] = scatterSvg(rows, front);
    lines.push('', `## ${task}`, '', `![${task}: energy per item vs ${metric}](${file})`, '');
    lines.push(
      `| model | device, dtype, batch | items | items/s | energy/item, basis (others) | energy from | ${metric} (95% CI) | CO2e/item, basis | where |`,
    );
    lines.push('|---|---|---|---|---|---|---|---|---|');
    const tokens = rows.filter((r) => r.tokens);
    const apart = rows.filter((r) => r.modelApart);
    for (const r of rows) {
      const name = `${front.has(r.runId) ? '**' : ''}${cell(r.model)}${front.has(r.runId) ? '**' : ''}`;
      lines.push(
        `| ${name} | ${r.device}, ${r.dtype}, ${r.batch} | ${r.items} (${cell(r.dataset)}) | ${sig(r.itemsPerS)} | ${joulesText(r.headlineJPerItem ?? r.jPerItem)} ${basisLabel(r.basis)} (${r.basis === 'own share' ? `machine total ${joulesText(r.jPerItem)}; ` : ''}above idle ${r.netJPerItem === undefined ? '-' : joulesText(r.netJPerItem)}) | ${r.kind} | ${quality(r.quality)}${r.randomWeights ? ` (random weights: means nothing)` : ''} | ${r.gPerItem === undefined ? '-' : `${gramsText(r.headlineGPerItem ?? r.gPerItem)} ${basisLabel(r.basis)}`} | ${r.location ? cell(`${r.location}, ${intensityText(r.gco2PerKwh!)}`) : 'unknown'} |`,
      );
    }
    const pairs = rows.filter((r) => r.comparison?.role === 'B');
    if (pairs.length) {
      lines.push('', 'Comparisons (`carbonlens compare`, B against A):', '');
      for (const r of pairs)
        lines.push(
          `- ${cell(r.model)} (B) against ${cell(r.comparison!.otherModel)} (A): ${cell(r.comparison!.sentence)}`,
        );
    }
    if (apart.length) {
      lines.push(
        '',
        'Inputs prepared apart from the model: the table above is end to end (pipelined: the next batches prepared while the model runs, as a deployment runs it); here, the model measured apart, after every input was prepared.',
        '',
        '| model | end to end items/s | end to end energy/item | model apart items/s | model apart energy/item |',
        '|---|---|---|---|---|',
      );
      for (const r of apart)
        lines.push(
          `| ${cell(r.model)} | ${sig(r.itemsPerS)}${r.modelApart!.pipelined ? '' : ' (phases added)'} | ${joulesText(r.jPerItem)} | ${sig(r.modelApart!.itemsPerS)} | ${joulesText(r.modelApart!.jPerItem)} |`,
        );
    }
    if (tokens.length) {
      lines.push('', '| model | first token (mean) | energy/input token | decode tokens/s | energy/output token |');
      lines.push('|---|---|---|---|---|');
      for (const r of tokens) {
        const t = r.tokens!;
        lines.push(
          `| ${cell(r.model)} | ${sig(t.ttftS * 1000)} ms | ${joulesText(t.jPerInputToken)} | ${t.decodeTokensPerS === undefined ? '-' : sig(t.decodeTokensPerS)} | ${t.jPerOutputToken === undefined ? '-' : joulesText(t.jPerOutputToken)} |`,
        );
      }
    }
  }
  lines.push(
    '',
    'Bold: on the Pareto front (no other run of the task uses less energy per item with quality at least as good).',
    '"Energy from" is the weakest provenance among the run\'s components: measured (hardware counter), sampled (power x time) or estimated (a model).',
  );
  const sources = [...new Set(records.flatMap((r) => (r.emissions ? [r.emissions.intensity.source] : [])))];
  if (sources.length) lines.push(`Grid intensities: ${citationsMarkdown(sources)}.`);
  lines.push('');
  return { markdown: lines.join('\n'), charts };
}
