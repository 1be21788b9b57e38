// Runs the editor metered (terminal commands, tasks, debug sessions, notebook cells): a quiet
// list in the panel, newest first, each with its energy and CO2e on the record's basis (its own
// share where attributed, else the machine's total: the CSV's figures), the machine's total and
// above idle beside them, and the CO2e in the greenest region of the provider.
import type { TrackedRecord } from '../src/core/tracking/trackedRecord';
import { runRowFigures } from '../src/core/tracking/runFigures';
import { gpuDetailText, gpuShortText } from '../src/core/energy/gpuText';
import { el, fmtG, fmtJ } from './dom';

const ORIGIN: Record<TrackedRecord['origin'], string> = {
  terminal: 'Terminal',
  task: 'Task',
  debug: 'Debug',
  notebook: 'Notebook',
  cli: 'carbonlens run',
};

const duration = (s: number) =>
  s < 120 ? `${s.toFixed(1)} s` : s < 7200 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`;

function row(r: TrackedRecord): HTMLElement {
  const what = el(
    'td',
    { title: r.commandLine ?? r.label },
    r.label,
    ...(r.exitCode ? [el('span', { class: 'muted' }, ` (exit ${r.exitCode})`)] : []),
  );
  // The headline on its basis (the CSV's, the flash's), the other bases on hover and in their columns.
  const figures = runRowFigures(r);
  const a = r.attribution;
  const energy = el(
    'td',
    {
      title: [
        figures.others,
        ...(a?.components.length
          ? a.components.map(
              (c) =>
                `${c.component.toUpperCase()}: ${(c.share * 100).toFixed(0)}% of ${c.base === 'above idle' ? 'the energy above idle' : 'its energy'} (${c.kind})`,
            )
          : ['Machine figures only (carbonlens.runs.attribution, or no process known for this kind of run)']),
        ...(a?.notes ?? []),
        ...(r.gpus ? [gpuDetailText(r.gpus)] : []),
      ].join('\n'),
    },
    figures.energy,
    ' ',
    el('span', { class: `badge ${r.energy.kind}` }, r.energy.kind),
    ...(a?.components.length ? [' ', el('span', { class: 'badge attributed' }, 'attributed')] : []),
    // Which GPUs the figure holds, where some were left out (the tooltip names every board).
    ...(r.gpus?.leftOut.length ? [el('span', { class: 'muted' }, ` ${gpuShortText(r.gpus)}`)] : []),
  );
  const total = el('td', {}, fmtJ(r.energy.totalJ));
  const net = el(
    'td',
    {
      title: r.energy.idleSeconds
        ? `Idle baseline: mean power over the ${r.energy.idleSeconds.toFixed(0)} s before the run`
        : 'No quiet stretch before the run to take an idle baseline from',
    },
    r.energy.netJ === undefined ? '-' : fmtJ(r.energy.netJ),
  );
  const e = r.emissions;
  const co2 = el('td', { title: figures.others }, figures.co2);
  const g = e?.greenest;
  const greener = el('td', {}, g ? `${fmtG(g.grams)} in ${g.provider} ${g.region}` : '-');
  const overlap = el(
    'td',
    {},
    r.overlaps.length
      ? el(
          'span',
          {
            class: 'badge overlap',
            title: `Ran alongside ${r.overlaps.map((o) => o.label).join(', ')}: their energy is in this run's figure too`,
          },
          'overlapped',
        )
      : '',
  );
  return el(
    'tr',
    {},
    el('td', {}, r.timestamp.slice(0, 19).replace('T', ' ')),
    el('td', {}, ORIGIN[r.origin] ?? r.origin),
    what,
    el('td', {}, duration(r.durationS)),
    energy,
    total,
    net,
    co2,
    greener,
    overlap,
  );
}

export class TrackedRuns {
  readonly element = el('section', { id: 'tracked' });

  set(runs: TrackedRecord[]): void {
    const title = el('h2', {}, 'Runs from the editor');
    if (runs.length === 0) {
      this.element.replaceChildren(
        title,
        el(
          'p',
          { class: 'muted' },
          'Commands run in a terminal, tasks, debug sessions and notebook cells appear here with their energy once they end.',
        ),
      );
      return;
    }
    const head = el(
      'tr',
      {},
      ...['When', 'From', 'What', 'Took', 'Energy', 'Machine total', 'Above idle', 'CO2e', 'Greenest region', ''].map(
        (h) => el('th', { scope: 'col' }, h),
      ),
    );
    this.element.replaceChildren(
      title,
      el('table', { class: 'tracked', id: 'tracked-runs' }, el('thead', {}, head), el('tbody', {}, ...runs.map(row))),
    );
  }
}
