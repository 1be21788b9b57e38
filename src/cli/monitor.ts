import { gramsText, intensityText } from '../core/units';
import { parseArgs } from 'node:util';
import { meteringText } from '../core/energy/gpuText';
import { Meter, type MeterReading, type WindowResult } from '../core/energy/meter';
import { openEnergySources } from '../core/energy/openSources';
import { summariseSource, type EnergySource, type OpenedSources } from '../core/energy/source';
import type { TelemetryNote } from '../core/telemetry/otlpConfig';
import { windowEmissions } from '../core/carbon/emissions';
import { resolveIntensity } from '../core/carbon/intensity';
import { ramModelOption } from './benchOptions';
import { PLACE_OPTIONS, placeQuery } from './carbonOptions';
import { describeFigure } from './estimate';
import { GPU_HELP, gpuOption } from './gpuOptions';
import { startTelemetry, TELEMETRY_HELP, TELEMETRY_OPTIONS, telemetryNote, telemetryOptions } from './telemetryOptions';
import { numberOption, RANGES, UsageError } from './usage';
// What a record says of its OTLP push (issue 37).

export const MONITOR_HELP = `Usage: carbonlens monitor [--duration S] [--interval-ms N] [--gpu LIST]
                         [--region R | --location L | --country C | --intensity G] [--pue P] [--ram-model M] [--json]
                         [--prometheus HOST:PORT] [--otlp URL]

Prints the power sources found (GPU: NVML, else nvidia-smi; CPU: RAPL, else a TDP model; RAM:
RAPL DRAM, else a model of its modules), then one line of power readings per interval, then the energy
of the whole run per component. Each figure says how it was obtained: measured (a hardware
energy counter), sampled (power x time) or estimated (a model). Ctrl-C or SIGTERM ends
the run early, with its summary.

  --duration S       seconds to run (default: until Ctrl-C)
  --interval-ms N    sampling interval in ms (default 1000, minimum 10)
  --region R, --location L (or --place L), --country C, --intensity G
                     also the run's emissions at this place (see 'carbonlens estimate --help')
  --pue P            power usage effectiveness for the emissions, >= 1 (default 1.0)
  --ram-model M      RAM power without a DRAM counter: dimm (default) or per-gb
${GPU_HELP}
${TELEMETRY_HELP}
                     With --prometheus, the run's final figures stay on /metrics after
                     --duration until Ctrl-C or SIGTERM, so the last scrape sees them.
  --json             no live lines; one JSON object at the end:
                     { sources: [{ id, component, name, kind, detail }], notes, gpus?, duration_s,
                       interval_ms, energy_j: { gpu?, cpu?, ram?, total }, kinds, window,
                       emissions?: { grams, components, intensity_g_per_kwh, location, dataset,
                       source, year, pue },
                       telemetry?: { otlp, delivered, error? } (with --otlp: whether it arrived) }
`;

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export function describeSources(sources: readonly EnergySource[], notes: readonly string[]): string[] {
  const lines = sources.map((s) => `  ${s.component.padEnd(4)}${s.kind.padEnd(10)}${s.name}: ${s.detail}`);
  return ['Sources:', ...(lines.length ? lines : ['  none']), ...notes.map((n) => `Note: ${n}`)];
}

/** Each source's column is as wide as its id (at least 9): "cpu-estimate" is never cut. */
const width = (s: EnergySource) => Math.max(9, s.id.length + 2);
const watts = (w: number | undefined, pad = 9) => (w === undefined ? '-' : w.toFixed(1)).padStart(pad);

function formatReading(r: MeterReading, sources: readonly EnergySource[]): string {
  const time = new Date(r.time).toISOString().slice(11, 19);
  return (
    time +
    sources.map((s) => watts(r.readings.find((x) => x.sourceId === s.id)?.powerW, width(s))).join('') +
    watts(r.totalW)
  );
}

export function formatWindow(w: WindowResult): string {
  const parts = w.components.map((c) =>
    c.missing ? `${c.component} no figure (${c.missing})` : `${c.component} ${c.energyJ.toFixed(1)} J (${c.kind})`,
  );
  return `Energy over ${w.durationS.toFixed(1)} s: ${parts.join(', ')}; total ${w.totalJ.toFixed(1)} J (${w.kind === 'measured' ? 'all measured' : `weakest figure: ${w.kind}`}).`;
}

const MONITOR_OPTIONS = {
  duration: { type: 'string' },
  'interval-ms': { type: 'string' },
  ...PLACE_OPTIONS,
  pue: { type: 'string' },
  'ram-model': { type: 'string' },
  gpu: { type: 'string' },
  json: { type: 'boolean' },
  ...TELEMETRY_OPTIONS,
} as const;

/** `monitor`'s options, checked and the place resolved before measuring: a typo should not cost a whole run. */
function monitorSettings(args: string[]) {
  const { values } = parseArgs({ args, strict: true, options: MONITOR_OPTIONS });
  const duration = numberOption('--duration', values.duration, RANGES.durationS);
  if (duration === 0)
    throw new UsageError(`--duration must be a positive number of seconds, not '${values.duration}'.`);
  const query = placeQuery(values);
  return {
    values,
    duration,
    intervalMs: numberOption('--interval-ms', values['interval-ms'], RANGES.intervalMs) ?? 1000,
    pue: numberOption('--pue', values.pue, RANGES.pue) ?? 1,
    figure: query && resolveIntensity(query),
    ramModel: ramModelOption(values['ram-model']),
  };
}

type MonitorSettings = ReturnType<typeof monitorSettings>;

/** What `monitor --json` prints: the sources, the window's energy, and its emissions at the place. */
function monitorJson(
  s: MonitorSettings,
  opened: OpenedSources,
  meter: Meter,
  result: WindowResult,
  note: TelemetryNote | undefined,
): string {
  const { figure, pue } = s;
  const emissions = figure && windowEmissions(result, figure.gco2PerKwh, pue);
  const energy: Record<string, number> = {};
  for (const c of result.components) energy[c.component] = c.energyJ;
  energy.total = result.totalJ;
  return JSON.stringify(
    {
      sources: opened.sources.map(summariseSource),
      notes: opened.notes,
      ...(opened.gpus && { gpus: opened.gpus }),
      errors: meter.errors(),
      duration_s: result.durationS,
      interval_ms: s.intervalMs,
      energy_j: energy,
      kinds: Object.fromEntries(result.components.map((c) => [c.component, c.kind])),
      window: result,
      ...(note && { telemetry: note }),
      ...(emissions && {
        emissions: {
          grams: emissions.grams,
          components: emissions.components,
          intensity_g_per_kwh: figure.gco2PerKwh,
          location: figure.region ? `${figure.provider} ${figure.region}` : figure.location,
          dataset: figure.dataset,
          source: figure.source,
          year: figure.year,
          pue,
        },
      }),
    },
    null,
    2,
  );
}

/** The summary a person reads after the live lines: the energy, the emissions, errors, the push. */
function monitorSummary(
  s: MonitorSettings,
  meter: Meter,
  result: WindowResult,
  note: TelemetryNote | undefined,
): string[] {
  const { figure, pue } = s;
  const emissions = figure && windowEmissions(result, figure.gco2PerKwh, pue);
  return [
    '',
    formatWindow(result),
    ...(emissions
      ? [
          `Emissions: ${gramsText(emissions.grams)} CO2e at ${intensityText(figure.gco2PerKwh)} x PUE ${pue} (${describeFigure(figure)}).`,
        ]
      : []),
    ...meter.errors().map((e) => `Error: ${e}`),
    ...(note && !note.delivered ? [`Telemetry: not delivered: ${note.error}.`] : []),
  ];
}

/** The table's head: the sources, the GPUs metered, the columns. */
function monitorHeader(opened: OpenedSources): string[] {
  const { sources, notes, gpus } = opened;
  return [
    ...describeSources(sources, notes),
    ...(gpus ? [`GPUs: ${meteringText(gpus)}`] : []),
    '',
    `time    ${sources.map((src) => src.id.padStart(width(src))).join('')}${'total W'.padStart(9)}`,
  ];
}

export async function runMonitor(args: string[], out: (text: string) => void): Promise<number> {
  const s = monitorSettings(args);
  const { values, duration } = s;
  const opened = await openEnergySources({
    intervalMs: s.intervalMs,
    gpus: gpuOption(values.gpu),
    ...(s.ramModel && { ramModel: s.ramModel }),
  });
  const meter = new Meter(opened.sources, { intervalMs: s.intervalMs });
  // From here on, Ctrl-C and SIGTERM end the run with its summary: ours before anything is said.
  const stop = stopSignal();
  let telemetry: Awaited<ReturnType<typeof startTelemetry>> | undefined;
  try {
    const telemetryConfig = telemetryOptions(values, 'monitor');
    telemetry = telemetryConfig && (await startTelemetry(telemetryConfig, meter, { intensity: s.figure, pue: s.pue }));
    if (telemetry?.prometheusUrl) process.stderr.write(`carbonlens: serving ${telemetry.prometheusUrl}\n`);
    if (!values.json) for (const line of monitorHeader(opened)) out(line);
    await meter.start();
    const window = await meter.begin();
    const lines = values.json ? undefined : meter.onReading((r) => out(formatReading(r, opened.sources)));
    await stop.within(duration);
    const result = await window.end();
    // No live lines after the summary, even while /metrics stays up for the last scrape.
    lines?.dispose();
    telemetry?.freeze(result);
    const note = await telemetryNote(telemetry, telemetryConfig);
    if (values.json) out(monitorJson(s, opened, meter, result, note));
    else for (const line of monitorSummary(s, meter, result, note)) out(line);
    if (telemetry?.prometheusUrl && duration !== undefined && !stop.stopped) {
      process.stderr.write(
        `carbonlens: the final figures stay on ${telemetry.prometheusUrl} until Ctrl-C or SIGTERM.\n`,
      );
      await stop.within(undefined);
    }
    return 0;
  } finally {
    stop.dispose();
    await telemetry?.shutdown();
    meter.close();
  }
}

/**
 * Ctrl-C and SIGTERM (a service manager, `timeout`, CI cancelling a job), listened for from now
 * until `dispose()`: `within(s)` resolves after s seconds (never when undefined) or at the signal.
 */
function stopSignal() {
  let stopped = false;
  let wake: (() => void) | undefined;
  const onSignal = () => {
    stopped = true;
    wake?.();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return {
    get stopped() {
      return stopped;
    },
    within(seconds: number | undefined): Promise<void> {
      if (stopped) return Promise.resolve();
      return new Promise<void>((resolve) => {
        // The meter's timer does not hold the process; this does, until the duration or the signal.
        const timer = setTimeout(done, Math.min(2 ** 31 - 1, seconds === undefined ? Infinity : seconds * 1000));
        wake = done;
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
      });
    },
    dispose() {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    },
  };
}
