import type { HostMessage, WebviewMessage } from '../src/protocol';
import { gpuLabel } from '../src/core/system/inventory';
import { formatBytes, STATE_LABEL, type SystemReport } from '../src/core/system/report';

declare function acquireVsCodeApi(): { postMessage(message: WebviewMessage): void };

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') as HTMLElement;

/** Builds an element; text goes through textContent, never innerHTML. */
function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

function header(): HTMLElement {
  const refresh = el('button', { type: 'button', id: 'refresh' }, 'Refresh');
  refresh.addEventListener('click', () => vscode.postMessage({ type: 'refreshSystem' }));
  return el('header', {}, el('h1', {}, 'CarbonLens'), refresh);
}

function renderSystem(report: SystemReport): HTMLElement {
  const { inventory: inv, sources } = report;
  const rows: [string, string][] = [
    ['OS', `${inv.os.distro} ${inv.os.release} (${inv.os.platform}, ${inv.os.arch})`],
    ['CPU', `${inv.cpu.brand}: ${inv.cpu.physicalCores} cores, ${inv.cpu.logicalCores} threads`],
    ['Memory', formatBytes(inv.memory.totalBytes)],
    ...inv.gpus.map((g, i): [string, string] => [`GPU ${i}`, `${gpuLabel(g)}${g.vramMiB ? `, ${formatBytes(g.vramMiB * 1024 ** 2)}` : ''}`]),
  ];
  if (inv.gpus.length === 0) rows.push(['GPU', 'none found']);
  const machine = el('table', { class: 'facts' }, ...rows.map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, v))));

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
    el('thead', {}, el('tr', {}, el('th', {}, 'Source'), el('th', {}, 'Gives'), el('th', {}, 'State'), el('th', {}, 'Detail'))),
    el('tbody', {}, ...sourceRows),
  );
  const meter = report.meter
    ? [
        el('h2', {}, 'What the meter reads'),
        el(
          'ul',
          { class: 'meter', id: 'meter-sources' },
          ...report.meter.sources.map((s) => el('li', {}, el('span', { class: `badge ${s.kind}` }, s.kind), ` ${s.component.toUpperCase()} · ${s.name}: ${s.detail}`)),
          ...report.meter.notes.map((n) => el('li', { class: 'fix' }, n)),
        ),
      ]
    : [];
  return el('section', { id: 'system' }, el('h2', {}, 'This machine'), machine, el('h2', {}, 'Power sources'), table, ...meter);
}

function renderIntensity(message: Extract<HostMessage, { type: 'intensity' }>): HTMLElement {
  const { figure, problem, location } = message;
  const setLocation = el('button', { type: 'button', id: 'set-location', class: 'secondary' }, location ? 'Change location' : 'Set location');
  setLocation.addEventListener('click', () => vscode.postMessage({ type: 'setLocation' }));
  const body: (Node | string)[] = [];
  if (figure) {
    const where = figure.region ? `${figure.provider} ${figure.region} (${figure.location})` : figure.location;
    body.push(
      el('p', { class: 'intensity' }, el('strong', {}, `${figure.gco2PerKwh} gCO2e/kWh`), ` · ${where}`),
      el('p', { class: 'muted' }, `${figure.dataset === 'live' ? 'Live' : `Dataset ${figure.dataset}`}: ${figure.source}${figure.year ? `, ${figure.year}` : ''}`),
    );
    if (figure.fallback) body.push(el('p', { class: 'fix' }, `Fallback: ${figure.fallback}.`));
  } else {
    body.push(el('p', { class: location ? 'error' : 'muted', role: location ? 'alert' : 'status' }, location ? problem ?? 'No figure.' : 'Location unknown: set a region, country or place to turn energy into CO2.'));
  }
  return el('section', { id: 'intensity' }, el('h2', {}, 'Grid intensity'), ...body, setLocation);
}

/** The page's two parts, each replaced by its own stream's messages. */
const parts = { system: el('p', { class: 'muted' }, 'Starting…') as HTMLElement, intensity: el('section', { id: 'intensity' }) as HTMLElement };
function render(): void {
  app.replaceChildren(header(), parts.intensity, parts.system);
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message?.type) {
    case 'systemLoading':
      parts.system = el('p', { class: 'muted' }, 'Reading the system inventory…');
      break;
    case 'system':
      parts.system = renderSystem(message.report);
      break;
    case 'systemError':
      parts.system = el('p', { class: 'error', role: 'alert' }, message.message);
      break;
    case 'intensity':
      parts.intensity = renderIntensity(message);
      break;
    default:
      return;
  }
  render();
});

render();
vscode.postMessage({ type: 'ready' });
