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

function show(...content: HTMLElement[]): void {
  app.replaceChildren(header(), ...content);
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message?.type) {
    case 'systemLoading':
      show(el('p', { class: 'muted' }, 'Reading the system inventory…'));
      break;
    case 'system':
      show(renderSystem(message.report));
      break;
    case 'systemError':
      show(el('p', { class: 'error', role: 'alert' }, message.message));
      break;
  }
});

show(el('p', { class: 'muted' }, 'Starting…'));
vscode.postMessage({ type: 'ready' });
