import { sourceName } from '../src/core/citations';
import { intensityText } from '../src/core/units';
import type { HostMessage } from '../src/protocol';
import { gpuLabel } from '../src/core/system/inventory';
import { formatBytes, STATE_LABEL, type SystemReport } from '../src/core/system/report';
import { button, el, vscode } from './dom';
import { History } from './history';
import { forecastView } from './forecastView';
import { LiveChart } from './liveChart';
import { TrackedRuns } from './trackedRuns';

const app = document.getElementById('app') as HTMLElement;

function header(): HTMLElement {
  const actions = el(
    'div',
    { class: 'actions' },
    button('Run Benchmark', { id: 'run-benchmark' }, () => vscode.postMessage({ type: 'runBenchmark' })),
    button('Export Markdown', { id: 'export-markdown', class: 'secondary' }, () =>
      vscode.postMessage({ type: 'exportReport', format: 'markdown' }),
    ),
    button('CSV', { id: 'export-csv', class: 'secondary' }, () =>
      vscode.postMessage({ type: 'exportReport', format: 'csv' }),
    ),
    button('JSON', { id: 'export-json', class: 'secondary' }, () =>
      vscode.postMessage({ type: 'exportReport', format: 'json' }),
    ),
    button('Refresh', { id: 'refresh', class: 'secondary' }, () => vscode.postMessage({ type: 'refreshSystem' })),
  );
  return el('header', {}, el('h1', {}, 'CarbonLens'), actions);
}

function renderSystem(report: SystemReport): HTMLElement {
  const { inventory: inv, sources } = report;
  const rows: [string, string][] = [
    ['OS', `${inv.os.distro} ${inv.os.release} (${inv.os.platform}, ${inv.os.arch})`],
    ['CPU', `${inv.cpu.brand}: ${inv.cpu.physicalCores} cores, ${inv.cpu.logicalCores} threads`],
    ['Memory', formatBytes(inv.memory.totalBytes)],
    ...inv.gpus.map((g, i): [string, string] => [
      `GPU ${i}`,
      `${gpuLabel(g)}${g.vramMiB ? `, ${formatBytes(g.vramMiB * 1024 ** 2)}` : ''}`,
    ]),
  ];
  if (inv.gpus.length === 0) rows.push(['GPU', 'none found']);
  const machine = el(
    'table',
    { class: 'facts' },
    ...rows.map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, v))),
  );
  const sourceRows = sources.map((s) =>
    el(
      'tr',
      { class: `state-${s.state}` },
      el('td', {}, `${s.component.toUpperCase()} · ${s.name}`),
      el('td', {}, el('span', { class: `badge ${s.kind}` }, s.kind)),
      el('td', {}, STATE_LABEL[s.state]),
      el('td', {}, s.detail, ...(s.fix ? [el('div', { class: 'fix' }, `Fix: ${s.fix}`)] : [])),
    ),
  );
  const table = el(
    'table',
    { class: 'sources', id: 'sources' },
    el(
      'thead',
      {},
      el('tr', {}, el('th', {}, 'Source'), el('th', {}, 'Gives'), el('th', {}, 'State'), el('th', {}, 'Detail')),
    ),
    el('tbody', {}, ...sourceRows),
  );
  const meter = report.meter
    ? [
        el('h2', {}, 'What the meter reads'),
        el(
          'ul',
          { class: 'meter', id: 'meter-sources' },
          ...report.meter.sources.map((s) =>
            el(
              'li',
              {},
              el('span', { class: `badge ${s.kind}` }, s.kind),
              ` ${s.component.toUpperCase()} · ${s.name}: ${s.detail}`,
            ),
          ),
          ...report.meter.notes.map((n) => el('li', { class: 'fix' }, n)),
        ),
      ]
    : [];
  return el(
    'section',
    { id: 'system' },
    el('h2', {}, 'This machine'),
    machine,
    el('h2', {}, 'Power sources'),
    table,
    ...meter,
  );
}

function renderIntensity(message: Extract<HostMessage, { type: 'intensity' }>): HTMLElement {
  const { figure, problem, location } = message;
  const setLocation = button(
    location ? 'Change location' : 'Set location',
    { id: 'set-location', class: 'secondary' },
    () => vscode.postMessage({ type: 'setLocation' }),
  );
  const body: (Node | string)[] = [];
  if (figure) {
    const where = figure.region ? `${figure.provider} ${figure.region} (${figure.location})` : figure.location;
    body.push(
      el('p', { class: 'intensity' }, el('strong', {}, intensityText(figure.gco2PerKwh)), ` · ${where}`),
      // The source's short name; its repository, commit and path in the tooltip.
      el(
        'p',
        { class: 'muted', title: figure.source },
        `${figure.dataset === 'live' ? 'Live' : `Dataset ${figure.dataset}`}: ${sourceName(figure.source, figure.year)}`,
      ),
    );
    if (figure.fallback) body.push(el('p', { class: 'note' }, `Fallback: ${figure.fallback}.`));
  } else {
    body.push(
      el(
        'p',
        { class: location ? 'error' : 'muted', role: location ? 'alert' : 'status' },
        location
          ? (problem ?? 'No figure.')
          : 'Location unknown: set a region, country or place to turn energy into CO2.',
      ),
    );
  }
  if (message.forecast || message.forecastNote) body.push(forecastView(message.forecast, message.forecastNote));
  return el('section', { id: 'intensity' }, el('h2', {}, 'Grid intensity'), ...body, setLocation);
}

const live = new LiveChart();
const history = new History();
const tracked = new TrackedRuns();
tracked.set([]);
const parts = {
  benchmark: el('p', { id: 'benchmark-state', role: 'status' }),
  intensity: el('section', { id: 'intensity' }) as HTMLElement,
  system: el('p', { class: 'muted' }, 'Starting…') as HTMLElement,
};
app.replaceChildren(
  header(),
  parts.benchmark,
  live.element,
  parts.intensity,
  history.element,
  tracked.element,
  parts.system,
);
const replace = (key: 'intensity' | 'system', node: HTMLElement) => {
  parts[key].replaceWith(node);
  parts[key] = node;
};

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message?.type) {
    case 'systemLoading':
      replace('system', el('p', { class: 'muted' }, 'Reading the system inventory…'));
      break;
    case 'system':
      replace('system', renderSystem(message.report));
      break;
    case 'systemError':
      replace('system', el('p', { class: 'error', role: 'alert' }, message.message));
      break;
    case 'intensity':
      replace('intensity', renderIntensity(message));
      break;
    case 'live':
      live.setSnapshot(message.snapshot);
      break;
    case 'livePoint':
      live.addPoint(message.point, message.session);
      break;
    case 'runs':
      history.setRuns(message.runs, message.skipped);
      break;
    case 'tracked':
      tracked.set(message.runs);
      break;
    case 'regions':
      history.setRegions(message);
      break;
    case 'gallery':
      history.setGallery(message);
      break;
    case 'benchmark':
      parts.benchmark.className = `benchmark ${message.state}`;
      parts.benchmark.textContent = message.text;
      break;
  }
});

vscode.postMessage({ type: 'ready' });
