// The benchmark history: a sortable table, an energy-vs-quality scatter per task with the
// Pareto front, and the selected run's emissions per region with a projection.
import { paretoFront, type RunSummary } from '../src/core/bench/history';
import { basisLabel } from '../src/core/carbon/basis';
import { scatterSvg } from '../src/core/report/scatterSvg';
import type { HostMessage } from '../src/protocol';
import { el, fmtG, fmtJ, pageState, saveState, svgNode, themeColour, vscode } from './dom';

type Column = {
  key: string;
  label: string;
  value: (r: RunSummary) => string | number;
  text: (r: RunSummary) => string;
  /** More on hover: the whole sentence, the other bases. */
  title?: (r: RunSummary) => string | undefined;
  /** The first click sorts highest first (newest, fastest, best); energy and CO2 sort lowest first. */
  firstDescending?: boolean;
};

const quality = (r: RunSummary) =>
  `${r.quality.metric} ${r.quality.value.toFixed(3)}${Number.isFinite(r.quality.low) ? ` (${r.quality.low.toFixed(3)}-${r.quality.high.toFixed(3)})` : ''}${r.randomWeights ? '; random weights: means nothing' : ''}`;
/** Where a run also measured its model apart, which of its two figures is which. */
const endToEnd = (r: RunSummary) => (r.modelApart?.pipelined ? ' end to end (pipelined)' : ' end to end');
const COLUMNS: Column[] = [
  {
    key: 'timestamp',
    label: 'When',
    firstDescending: true,
    value: (r) => r.timestamp,
    text: (r) => r.timestamp.slice(0, 16).replace('T', ' '),
  },
  { key: 'model', label: 'Model', value: (r) => r.model, text: (r) => r.model },
  { key: 'task', label: 'Task', value: (r) => r.task, text: (r) => r.task },
  {
    key: 'device',
    label: 'Device',
    value: (r) => r.device,
    text: (r) => `${r.device}, ${r.dtype}, b${r.batch}${r.gpus ? `; ${r.gpus.short}` : ''}`,
    title: (r) => r.gpus?.detail,
  },
  { key: 'items', label: 'Items', value: (r) => r.items, text: (r) => String(r.items), firstDescending: true },
  {
    key: 'itemsPerS',
    label: 'Items/s',
    value: (r) => r.itemsPerS,
    text: (r) =>
      `${r.itemsPerS.toPrecision(3)}${r.modelApart ? `${endToEnd(r)}; model apart ${r.modelApart.itemsPerS.toPrecision(3)}` : ''}`,
    firstDescending: true,
  },
  {
    // The headline on its basis (the CSV's): own share with --attribution process, else the machine's total.
    key: 'jPerItem',
    label: 'Energy/item',
    value: (r) => r.headlineJPerItem ?? r.jPerItem,
    text: (r) =>
      `${fmtJ(r.headlineJPerItem ?? r.jPerItem)} ${basisLabel(r.basis)}${r.modelApart ? `${endToEnd(r)}; model apart ${fmtJ(r.modelApart.jPerItem)}` : ''}`,
    title: (r) =>
      [
        `Machine total: ${fmtJ(r.jPerItem)} per item`,
        ...(r.netJPerItem !== undefined ? [`Above idle: ${fmtJ(r.netJPerItem)} per item`] : []),
        `Shown: ${basisLabel(r.basis)}, the CSV's basis.`,
      ].join('\n'),
  },
  {
    key: 'tokens',
    label: 'Per token',
    value: (r) => r.tokens?.jPerOutputToken ?? -1,
    text: (r) =>
      r.tokens
        ? `${r.tokens.jPerOutputToken === undefined ? 'no decode' : `${fmtJ(r.tokens.jPerOutputToken)}/output token, ${r.tokens.decodeTokensPerS!.toPrecision(3)} tokens/s`}; first token in ${(r.tokens.ttftS * 1000).toPrecision(3)} ms`
        : '',
  },
  { key: 'kind', label: 'From', value: (r) => r.kind, text: (r) => r.kind },
  { key: 'quality', label: 'Quality (95% CI)', value: (r) => r.quality.value, text: quality, firstDescending: true },
  {
    key: 'gPerItem',
    label: 'CO2e/item',
    value: (r) => r.headlineGPerItem ?? r.gPerItem ?? -1,
    text: (r) =>
      r.gPerItem === undefined
        ? 'location unknown'
        : `${fmtG(r.headlineGPerItem ?? r.gPerItem)} ${basisLabel(r.basis)} at ${r.location}`,
    title: (r) => (r.gPerItem === undefined ? undefined : `Machine total: ${fmtG(r.gPerItem)} per item`),
  },
  {
    key: 'comparison',
    label: 'Compared',
    value: (r) => r.comparison?.energy ?? '',
    text: (r) => (r.comparison ? `${r.comparison.role}: ${r.comparison.energy}` : ''),
    title: (r) => r.comparison?.sentence,
  },
];

export class History {
  readonly element = el('section', { id: 'history' });
  private runs: RunSummary[] = [];
  private skipped = 0;
  private regions: Extract<HostMessage, { type: 'regions' }> | undefined;
  private gallery: Extract<HostMessage, { type: 'gallery' }> | undefined;
  private regionTimer: ReturnType<typeof setTimeout> | undefined;

  setRuns(runs: RunSummary[], skipped: number): void {
    this.runs = runs;
    this.skipped = skipped;
    if (!runs.some((r) => r.runId === pageState.selectedRunId))
      pageState.selectedRunId = [...runs].sort((a, b) => b.timestamp.localeCompare(a.timestamp))[0]?.runId;
    this.render();
    this.requestRegions();
  }

  setRegions(message: Extract<HostMessage, { type: 'regions' }>): void {
    this.regions = message;
    this.render();
  }

  setGallery(message: Extract<HostMessage, { type: 'gallery' }>): void {
    this.gallery = message;
    this.render();
  }

  private requestRegions(): void {
    clearTimeout(this.regionTimer);
    const runId = pageState.selectedRunId;
    if (!runId) return;
    this.regionTimer = setTimeout(
      () => vscode.postMessage({ type: 'showRegions', runId, requestsPerDay: pageState.requestsPerDay }),
      150,
    );
  }

  private render(): void {
    if (this.runs.length === 0) {
      this.element.replaceChildren(
        el('h2', {}, 'Benchmarks'),
        el(
          'p',
          { class: 'muted' },
          'No benchmark yet. Run one: it measures quality and energy per item on this machine.',
        ),
      );
      return;
    }
    this.element.replaceChildren(
      el('h2', {}, 'Benchmarks'),
      this.table(),
      ...(this.skipped
        ? [el('p', { class: 'fix' }, `${this.skipped} unreadable line(s) of the history were skipped.`)]
        : []),
      this.scatters(),
      ...this.galleryView(),
      this.regionView(),
    );
  }

  private table(): HTMLElement {
    const { key, descending } = pageState.sort;
    // The token column only once a language model has run.
    const columns = COLUMNS.filter(
      (c) =>
        (c.key !== 'tokens' || this.runs.some((r) => r.tokens)) &&
        (c.key !== 'comparison' || this.runs.some((r) => r.comparison)),
    );
    const column = columns.find((c) => c.key === key) ?? columns[0]!;
    const rows = [...this.runs].sort((a, b) => {
      const [x, y] = [column.value(a), column.value(b)];
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return descending ? -order : order;
    });
    const head = el(
      'tr',
      {},
      ...columns.map((c) => {
        const th = el('th', {
          scope: 'col',
          'aria-sort': c.key === key ? (descending ? 'descending' : 'ascending') : 'none',
        });
        const b = el(
          'button',
          { type: 'button', class: 'sort' },
          c.label + (c.key === key ? (descending ? ' ▾' : ' ▴') : ''),
        );
        b.addEventListener('click', () => {
          pageState.sort = {
            key: c.key,
            descending: c.key === key ? !descending : (c.firstDescending ?? false),
          };
          saveState();
          this.render();
        });
        th.append(b);
        return th;
      }),
    );
    const body = rows.map((r) => {
      const tr = el(
        'tr',
        { class: r.runId === pageState.selectedRunId ? 'selected' : '', tabindex: '0', 'data-run': r.runId },
        ...columns.map((c) => {
          const title = c.title?.(r);
          return el('td', title ? { title } : {}, c.text(r));
        }),
      );
      const select = () => {
        pageState.selectedRunId = r.runId;
        saveState();
        this.render();
        this.requestRegions();
      };
      tr.addEventListener('click', select);
      tr.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && select());
      return tr;
    });
    return el('table', { class: 'runs', id: 'runs' }, el('thead', {}, head), el('tbody', {}, ...body));
  }

  private scatters(): HTMLElement {
    const front = paretoFront(this.runs);
    const colours = {
      text: themeColour('--vscode-foreground', '#ccc'),
      grid: themeColour('--vscode-widget-border', '#444'),
      point: themeColour('--vscode-descriptionForeground', '#888'),
      front: themeColour('--vscode-charts-green', '#388a34'),
    };
    const tasks = [...new Set(this.runs.map((r) => r.task))];
    return el(
      'div',
      { class: 'scatters', id: 'scatters' },
      ...tasks.map((t) =>
        el(
          'figure',
          {},
          svgNode(
            scatterSvg(
              this.runs.filter((r) => r.task === t),
              front,
              colours,
            ),
          ),
          el(
            'figcaption',
            { class: 'muted' },
            'Green: the Pareto front (nothing uses less energy per item at quality at least as good).',
          ),
        ),
      ),
    );
  }

  /** The selected text-to-image run's images, each with its prompt and CLIP score. */
  private galleryView(): HTMLElement[] {
    const g = this.gallery?.runId === pageState.selectedRunId ? this.gallery : undefined;
    if (!g) return [];
    const energy = `${fmtJ(g.jPerImage)} per image (${g.kind})${g.gPerImage !== undefined ? `, ${fmtG(g.gPerImage)} CO2e` : ''}`;
    const figures = g.images.map((i) =>
      el(
        'figure',
        {},
        el('img', { src: i.src, alt: i.prompt, loading: 'lazy' }),
        el('figcaption', {}, el('span', { class: 'score' }, `CLIP ${i.score.toFixed(1)}`), ` ${i.prompt}`),
      ),
    );
    return [
      el(
        'section',
        { id: 'gallery' },
        el('h2', {}, `Images: ${g.model}`),
        el(
          'p',
          { class: 'muted' },
          `${energy}. CLIP score: 100 x cosine of the image's and the prompt's CLIP embeddings.`,
        ),
        figures.length
          ? el('div', { class: 'gallery' }, ...figures)
          : el('p', { class: 'muted' }, 'The images of this run are no longer on disk.'),
      ),
    ];
  }

  private regionView(): HTMLElement {
    const input = el('input', {
      type: 'number',
      min: '0',
      step: '1000',
      id: 'requests-per-day',
      value: String(pageState.requestsPerDay),
      'aria-label': 'Requests per day',
    });
    input.addEventListener('change', () => {
      const v = Number(input.value);
      if (!Number.isFinite(v) || v < 0) return;
      pageState.requestsPerDay = v;
      saveState();
      this.requestRegions();
    });
    const r = this.regions?.runId === pageState.selectedRunId ? this.regions : undefined;
    const rows = (r?.rows ?? [])
      .slice(0, 20)
      .map((x) =>
        el(
          'tr',
          {},
          el('td', {}, `${x.provider ?? ''} ${x.region ?? ''}`.trim()),
          el('td', {}, x.location),
          el('td', {}, String(x.gco2PerKwh)),
          el('td', {}, fmtG(x.gPerItem)),
          el('td', {}, `${x.kgPerYear.toPrecision(3)} kg`),
          el(
            'td',
            {},
            x.savingPercent === undefined
              ? '-'
              : `${x.savingPercent > 0 ? '-' : '+'}${Math.abs(x.savingPercent).toFixed(0)}%`,
          ),
          el('td', {}, x.year ? String(x.year) : '-'),
        ),
      );
    return el(
      'section',
      { id: 'regions' },
      el('h2', {}, `Where it would run cleaner${r ? `: ${r.model}` : ''}`),
      el(
        'p',
        {},
        el('label', { for: 'requests-per-day' }, 'Requests per day '),
        input,
        r?.from
          ? el('span', { class: 'muted' }, ` · savings against ${r.from}`)
          : el('span', { class: 'muted' }, ' · set a location to see savings'),
      ),
      el(
        'table',
        { class: 'regions' },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ...['Region', 'Location', 'gCO2e/kWh', 'CO2e/item', 'Per year', 'vs. yours', 'Data year'].map((h) =>
              el('th', { scope: 'col' }, h),
            ),
          ),
        ),
        el('tbody', {}, ...rows),
      ),
    );
  }
}
