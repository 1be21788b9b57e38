// Live power per component, the last ten minutes, with uPlot (a 45 KB canvas chart).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Component, Provenance } from '../src/core/energy/provenance';
import type { LivePoint, LiveSnapshot, SessionTotals } from '../src/protocol';
import { el, fmtG, themeColour } from './dom';

const COMPONENTS: Component[] = ['gpu', 'cpu', 'ram'];
/** Readings further apart than this (the meter samples every second or faster) leave a gap. */
const GAP_MS = 5000;
const COLOURS: Record<Component, [string, string]> = {
  gpu: ['--vscode-charts-green', '#388a34'],
  cpu: ['--vscode-charts-blue', '#1a85ff'],
  ram: ['--vscode-charts-orange', '#d18616'],
};

export class LiveChart {
  readonly element = el('section', { id: 'live' });
  private readonly chartBox = el('div', { id: 'live-chart', role: 'img', 'aria-label': 'Live power per component' });
  private readonly totals = el('p', { id: 'session', class: 'muted' });
  private readonly legend = el('p', { class: 'legend' });
  private points: LivePoint[] = [];
  private kinds: Partial<Record<Component, Provenance>> = {};
  private plot: uPlot | undefined;
  /** The components the plot was built for: a snapshot with the same ones only replaces its data. */
  private plotted = '';
  private readonly resize = new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: 200 }));

  constructor() {
    this.element.append(el('h2', {}, 'Live power'), this.legend, this.chartBox, this.totals);
    this.resize.observe(this.element);
  }

  private width() {
    return Math.max(280, this.element.clientWidth - 8);
  }

  private data(): uPlot.AlignedData {
    // The newest point's time, for a reader (and a test) to see the chart advance.
    const last = this.points[this.points.length - 1];
    if (last) this.chartBox.dataset.last = String(last.t);
    const present = COMPONENTS.filter((c) => this.kinds[c]);
    // A stretch with no readings (the panel hidden, the machine asleep) is drawn as a gap, not a line across it.
    const rows: (LivePoint | { t: number; w: Record<string, never> })[] = [];
    for (const p of this.points) {
      const prev = rows[rows.length - 1];
      if (prev && p.t - prev.t > GAP_MS) rows.push({ t: (prev.t + p.t) / 2, w: {} });
      rows.push(p);
    }
    return [rows.map((p) => p.t / 1000), ...present.map((c) => rows.map((p) => (p.w as LivePoint['w'])[c] ?? null))];
  }

  setSnapshot(snapshot: LiveSnapshot): void {
    this.points = snapshot.points;
    this.kinds = snapshot.kinds;
    this.setSession(snapshot.session);
    this.legend.replaceChildren(
      ...COMPONENTS.filter((c) => this.kinds[c]).map((c) =>
        el(
          'span',
          { class: `key ${c}` },
          `${c.toUpperCase()} `,
          el('span', { class: `badge ${this.kinds[c]}` }, this.kinds[c]!),
        ),
      ),
    );
    const present = COMPONENTS.filter((c) => this.kinds[c]).join(',');
    if (this.plot && present === this.plotted) {
      this.plot.setData(this.data());
      return;
    }
    this.plot?.destroy();
    this.plot = undefined;
    this.plotted = present;
    if (!present) {
      this.chartBox.replaceChildren(el('p', { class: 'muted' }, 'Starting the meter…'));
      return;
    }
    this.chartBox.replaceChildren();
    const axis = {
      stroke: themeColour('--vscode-foreground', '#ccc'),
      grid: { stroke: themeColour('--vscode-widget-border', '#444'), width: 1 },
      ticks: { show: false },
    };
    this.plot = new uPlot(
      {
        width: this.width(),
        height: 200,
        legend: { show: false },
        // Room on the right for the last time label, which uPlot centres on its tick.
        padding: [8, 36, 0, 0],
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
        axes: [
          {
            ...axis,
            // Labels such as "12:34:56 PM" are about 80 px wide: at least 120 px apart, so they never
            // touch on a wide panel, and seconds only while the ticks are under a minute apart.
            space: 120,
            values: (_u, ticks, _axis, _space, increment) =>
              ticks.map((t) =>
                new Date(t * 1000).toLocaleTimeString([], {
                  hour: '2-digit',
                  minute: '2-digit',
                  ...(increment < 60 && { second: '2-digit' }),
                }),
              ),
          },
          { ...axis, label: 'W', size: 48 },
        ],
        series: [
          {},
          ...COMPONENTS.filter((c) => this.kinds[c]).map((c) => ({
            label: c.toUpperCase(),
            stroke: themeColour(...COLOURS[c]),
            width: 2,
            points: { show: false },
          })),
        ],
      },
      this.data(),
      this.chartBox,
    );
  }

  addPoint(point: LivePoint, session?: SessionTotals): void {
    this.points.push(point);
    while (this.points.length && this.points[0].t < point.t - 10 * 60 * 1000) this.points.shift();
    this.plot?.setData(this.data());
    this.setSession(session);
  }

  private setSession(s?: SessionTotals): void {
    const latest = this.points[this.points.length - 1];
    const now = latest
      ? COMPONENTS.filter((c) => latest.w[c] !== undefined).map(
          (c) => `${c.toUpperCase()} ${latest.w[c]!.toFixed(1)} W`,
        )
      : [];
    const energy = s
      ? `Session: ${s.energyJ >= 3600 ? `${(s.energyJ / 3600).toFixed(2)} Wh` : `${s.energyJ.toFixed(0)} J`} in ${s.durationS < 120 ? `${s.durationS.toFixed(0)} s` : `${(s.durationS / 60).toFixed(0)} min`} (${s.kind})${s.grams !== undefined ? `, ${fmtG(s.grams)} CO2e` : ', CO2 needs a location'}`
      : '';
    this.totals.textContent = [now.join(' · '), energy].filter(Boolean).join(' — ');
  }
}
