// The meter's figures and every run and benchmark record as OpenTelemetry metrics, through the
// official JS SDK: a Prometheus /metrics endpoint, OTLP/HTTP push (protobuf by default, JSON on
// request), or both. Names and units follow the semantic conventions for hardware metrics (hw.power
// in W, a gauge; hw.energy in J, a counter; hw.type gpu|cpu|memory, hw.id, hw.name) and for
// generative AI (open-telemetry/semantic-conventions-genai), with our own attributes for provenance
// and the grid. Built as a bundle of its own (dist/telemetry.js), loaded only when asked for.
import { createServer, type Server } from 'node:http';
import { basisLabel } from '../carbon/basis';
import { diag, DiagLogLevel, type Attributes } from '@opentelemetry/api';
import { OTLPMetricExporter as OTLPJsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OTLPProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import type { BenchRecord } from '../bench/record';
import { JOULES_PER_KWH } from '../carbon/emissions';
import type { IntensityFigure } from '../carbon/intensity';
import type { Meter, MeterReading, WindowResult } from '../energy/meter';
import type { Component } from '../energy/provenance';
import type { TrackedRecord } from '../tracking/trackedRecord';
import { exportFailureText, type OtlpProtocol } from './otlpConfig';

export interface TelemetryConfig {
  /** Serve /metrics here (Prometheus text format); port 0 binds a free one. */
  prometheus?: { host: string; port: number };
  /** Push OTLP/HTTP to this URL (…/v1/metrics), with these headers (an API key). */
  otlp?: {
    url: string;
    headers?: Record<string, string>;
    /** http/protobuf (the default, what the exporter specification makes the default) or http/json. */
    protocol?: OtlpProtocol;
    /** Per push, ms (default 10 000, the specification's). */
    timeoutMs?: number;
    intervalMs?: number;
  };
  /** service.name, host.*, service.instance.id and the like, on every metric's resource. */
  resource?: Attributes;
  /** Where export failures are said (once per kind of failure); default stderr. */
  log?: (line: string) => void;
}

export interface TelemetryContext {
  intensity?: IntensityFigure;
  pue: number;
}

/** Whether every OTLP push so far reached the receiver; the first failure's one-line reason if not. */
export interface Delivery {
  delivered: boolean;
  error?: string;
}

export interface Telemetry {
  /** The /metrics address actually bound (the port when 0 was asked for). */
  prometheusUrl?: string;
  recordRun(record: TrackedRecord): void;
  recordBench(record: BenchRecord): void;
  /** From now on the energy counters hold this window's figures (the command or run has ended). */
  freeze(window: WindowResult): void;
  /** Pushes what is recorded now (OTLP), within the push timeout; never throws. */
  flush(): Promise<void>;
  /** Undefined without OTLP; else whether the pushes so far were delivered. */
  delivery(): Delivery | undefined;
  /** Pushes what is left, then stops the endpoint; never throws, never waits past `timeoutMs`. */
  shutdown(timeoutMs?: number): Promise<void>;
}

const HW_TYPE: Record<Component, string> = { gpu: 'gpu', cpu: 'cpu', ram: 'memory' };
/** The conventions' buckets for gen_ai.server.time_to_first_token, s. */
const FIRST_TOKEN_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** The conventions' buckets for gen_ai.server.time_per_output_token, s. */
export const PER_OUTPUT_TOKEN_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5];
/** The buckets the conventions give gen_ai.client.token.usage. */
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

/** ExportResultCode.SUCCESS (in @opentelemetry/core, not a dependency of ours). */
const SUCCESS = 0;

/** An OTLP exporter whose failures are said once, in one line, and kept for the record. */
function watchedExporter(inner: PushMetricExporter, onFailure: (error: unknown) => void): PushMetricExporter {
  return {
    export(metrics, done) {
      inner.export(metrics, (result) => {
        if (result.code === SUCCESS) return done(result);
        onFailure(result.error);
        // Said here; the SDK's own handler would print a serialised stack.
        done({ code: SUCCESS });
      });
    },
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
    ...(inner.selectAggregationTemporality && {
      selectAggregationTemporality: inner.selectAggregationTemporality.bind(inner),
    }),
    ...(inner.selectAggregation && { selectAggregation: inner.selectAggregation.bind(inner) }),
  };
}

/** Serves the exporter's /metrics on host:port (0: a free port); a taken port is a clean Error. */
function serveMetrics(exporter: PrometheusExporter, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://x').pathname === '/metrics') exporter.getMetricsRequestHandler(req, res);
    else res.writeHead(404).end('Not found: CarbonLens serves /metrics\n');
  }).unref();
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `Cannot serve /metrics on ${host}:${port}: ${e.code === 'EADDRINUSE' ? 'the port is taken (use another, or port 0 for a free one)' : e.code === 'EADDRNOTAVAIL' ? 'no such address on this machine' : e.message}.`,
        ),
      ),
    );
    server.listen({ host, port }, () => resolve(server));
  });
}

type OtelMeter = ReturnType<MeterProvider['getMeter']>;

/** What the instruments read as the run goes: the window once it ended, its last reading, whether pushes arrive. */
interface TelemetryState {
  frozen?: WindowResult;
  lastReading?: MeterReading;
  delivery?: Delivery;
}

/** The SDK's errors (strings or Errors) through diag: said once per message, never thrown. */
function sayOnceLogger(log: (line: string) => void): (text: string) => void {
  const said = new Set<string>();
  const sayOnce = (text: string) => {
    const key = text.slice(0, 80);
    if (said.has(key)) return;
    said.add(key);
    log(`carbonlens: telemetry: ${text}`);
  };
  diag.setLogger(
    {
      error: (m: unknown, ...args: unknown[]) =>
        sayOnce(
          [m, ...args]
            .map((x) => (x instanceof Error ? x.message : String(x)))
            .join(' ')
            .split('\n')[0]!,
        ),
      warn: () => undefined,
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { logLevel: DiagLogLevel.ERROR, suppressOverrideMessage: true },
  );
  return sayOnce;
}

/** The OTLP push: a periodic reader whose failures are said once and kept in `state.delivery`. */
function otlpReaderOf(
  otlp: NonNullable<TelemetryConfig['otlp']>,
  state: TelemetryState,
  sayOnce: (text: string) => void,
): PeriodicExportingMetricReader {
  const { url, headers = {}, protocol = 'http/protobuf', timeoutMs = 10_000 } = otlp;
  state.delivery = { delivered: true };
  const options = { url, headers, timeoutMillis: timeoutMs };
  const inner = protocol === 'http/json' ? new OTLPJsonExporter(options) : new OTLPProtoExporter(options);
  return new PeriodicExportingMetricReader({
    exporter: watchedExporter(inner, (error) => {
      const text = exportFailureText(error, url, protocol);
      if (state.delivery?.delivered) state.delivery = { delivered: false, error: text };
      sayOnce(`${text} (metrics not delivered; the run goes on and its record is saved)`);
    }),
    exportIntervalMillis: Math.max(otlp.intervalMs ?? 10_000, timeoutMs),
    exportTimeoutMillis: timeoutMs,
  });
}

/** The meter's live series: power and energy per device, and the grid's intensity and emissions where a place is known. */
function observeMeter(m: OtelMeter, meter: Meter, context: TelemetryContext, state: TelemetryState): void {
  const sourceAttributes = (id: string): Attributes => {
    const s = meter.sources.find((x) => x.id === id)!;
    return { 'hw.id': s.id, 'hw.name': s.name, 'hw.type': HW_TYPE[s.component] };
  };
  m.createObservableGauge('hw.power', { unit: 'W', description: 'Power drawn, per device' }).addCallback((r) => {
    for (const reading of (state.frozen ? state.lastReading : meter.latest)?.readings ?? []) {
      if (reading.powerW === undefined) continue;
      r.observe(reading.powerW, { ...sourceAttributes(reading.sourceId), 'carbonlens.provenance': reading.kind });
    }
  });
  m.createObservableCounter('hw.energy', {
    unit: 'J',
    description: 'Energy consumed since the meter started, per device',
  }).addCallback((r) => {
    const totals = state.frozen ?? meter.sessionTotals();
    for (const s of totals?.sources ?? [])
      r.observe(Math.max(0, s.energyJ), { ...sourceAttributes(s.sourceId), 'carbonlens.provenance': s.kind });
  });
  const grid = context.intensity;
  if (grid) {
    const gridAttributes: Attributes = {
      'carbonlens.location': grid.region ? `${grid.provider} ${grid.region}` : grid.location,
      'carbonlens.dataset': String(grid.dataset),
      ...(grid.year && { 'carbonlens.year': grid.year }),
    };
    m.createObservableGauge('carbonlens.grid.intensity', {
      unit: 'g/(kW.h)',
      description: 'Grid carbon intensity in use',
    }).addCallback((r) => r.observe(grid.gco2PerKwh, gridAttributes));
    m.createObservableCounter('carbonlens.emissions', {
      unit: 'g',
      description: 'gCO2e since the meter started',
    }).addCallback((r) => {
      const totals = state.frozen ?? meter.sessionTotals();
      if (totals)
        r.observe((Math.max(0, totals.totalJ) / JOULES_PER_KWH) * grid.gco2PerKwh * context.pue, gridAttributes);
    });
  }
}

/** The counter of metered runs, and what adds a run's record to it. */
function runRecorder(m: OtelMeter): (r: TrackedRecord) => void {
  const runEnergy = m.createCounter('carbonlens.run.energy', {
    unit: 'J',
    description: 'Energy of metered runs, per component',
  });
  const runEmissions = m.createCounter('carbonlens.run.emissions', { unit: 'g', description: 'gCO2e of metered runs' });
  const runDuration = m.createCounter('carbonlens.run.duration', {
    unit: 's',
    description: 'Duration of metered runs',
  });
  return (r) => {
    const base: Attributes = { 'carbonlens.origin': r.origin, 'carbonlens.label': r.label };
    for (const c of r.energy.components)
      runEnergy.add(Math.max(0, c.energyJ), {
        ...base,
        'hw.type': HW_TYPE[c.component as Component] ?? c.component,
        'carbonlens.provenance': c.kind,
      });
    runDuration.add(r.durationS, base);
    // On the record's basis (own share or machine total), named like the CSV's tracking_mode.
    if (r.emissions)
      runEmissions.add(r.emissions.grams, {
        ...base,
        'carbonlens.provenance': r.energy.kind,
        'carbonlens.basis': basisLabel(r.emissions.basis),
      });
  };
}

/** The benchmark histograms (OpenTelemetry's generative-AI ones for language models), and what records a benchmark in them. */
function benchRecorder(m: OtelMeter): (r: BenchRecord) => void {
  const histogram = (name: string, unit: string, description: string, buckets?: number[]) =>
    m.createHistogram(name, { unit, description, ...(buckets && { advice: { explicitBucketBoundaries: buckets } }) });
  const benchEnergy = histogram('carbonlens.benchmark.energy_per_item', 'J', 'Energy per item of benchmark runs');
  const benchEmissions = histogram('carbonlens.benchmark.emissions_per_item', 'g', 'gCO2e per item of benchmark runs');
  // Language models: OpenTelemetry's generative-AI metrics per prompt, and energy per token.
  const tokenUsage = histogram(
    'gen_ai.client.token.usage',
    '{token}',
    'Number of input and output tokens used',
    TOKEN_BUCKETS,
  );
  const firstToken = histogram(
    'gen_ai.server.time_to_first_token',
    's',
    'Time to generate first token for successful responses',
    FIRST_TOKEN_BUCKETS,
  );
  const perOutputToken = histogram(
    'gen_ai.server.time_per_output_token',
    's',
    'Time per output token generated after the first token for successful responses',
    PER_OUTPUT_TOKEN_BUCKETS,
  );
  const energyPerOutputToken = histogram(
    'carbonlens.benchmark.energy_per_output_token',
    'J',
    'Decode energy per output token of language-model benchmark runs',
  );
  const energyPerInputToken = histogram(
    'carbonlens.benchmark.energy_per_input_token',
    'J',
    'Prefill energy per input token of language-model benchmark runs',
  );
  return (r) => {
    const base: Attributes = {
      'carbonlens.task': r.task,
      'carbonlens.model': r.model.id,
      'carbonlens.device': r.result.device,
      'carbonlens.dtype': r.result.dtype,
      'carbonlens.provenance': r.result.summary.kind,
    };
    benchEnergy.record(r.result.summary.jPerItem, base);
    if (r.emissions) benchEmissions.record(r.emissions.gPerItem, base);
    const g = r.result.generation;
    if (!g) return;
    energyPerInputToken.record(g.jPerInputToken, base);
    if (g.jPerOutputToken !== undefined) energyPerOutputToken.record(g.jPerOutputToken, base);
    const ai: Attributes = {
      'gen_ai.operation.name': g.chat ? 'chat' : 'text_completion',
      'gen_ai.provider.name': 'transformers.js',
      'gen_ai.request.model': r.model.id,
      'carbonlens.device': r.result.device,
    };
    const p = g.perPrompt;
    for (let i = 0; i < (p?.ttftS.length ?? 0); i++) {
      tokenUsage.record(p!.inputTokens[i]!, { ...ai, 'gen_ai.token.type': 'input' });
      tokenUsage.record(p!.outputTokens[i]!, { ...ai, 'gen_ai.token.type': 'output' });
      firstToken.record(p!.ttftS[i]!, ai);
      if (p!.outputTokens[i]! > 1) perOutputToken.record(p!.decodeS[i]! / (p!.outputTokens[i]! - 1), ai);
    }
  };
}

export async function startTelemetry(
  config: TelemetryConfig,
  meter: Meter,
  context: TelemetryContext,
): Promise<Telemetry> {
  const sayOnce = sayOnceLogger(config.log ?? ((line: string) => process.stderr.write(`${line}\n`)));
  const state: TelemetryState = {};
  const readers: MetricReader[] = [];
  let server: Server | undefined;
  let prometheusUrl: string | undefined;
  if (config.prometheus) {
    const { host, port } = config.prometheus;
    const exporter = new PrometheusExporter({ withoutScopeInfo: true, preventServerStart: true });
    server = await serveMetrics(exporter, host, port);
    const bound = server.address();
    prometheusUrl = `http://${host.includes(':') ? `[${host}]` : host}:${typeof bound === 'object' && bound ? bound.port : port}/metrics`;
    readers.push(exporter);
  }
  const otlpReader = config.otlp && otlpReaderOf(config.otlp, state, sayOnce);
  if (otlpReader) readers.push(otlpReader);
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'carbonlens', ...config.resource }),
    readers,
  });
  const m = provider.getMeter('carbonlens', CARBONLENS_VERSION);
  observeMeter(m, meter, context, state);
  const recordRun = runRecorder(m);
  const recordBench = benchRecorder(m);

  // A first collection at the meter's first reading: the cumulative series start then (their start
  // time), not at the first push, which for a short command is its end.
  if (otlpReader) {
    const first = meter.onReading(() => {
      if (!meter.sessionTotals()) return; // the meter's own start reading: no session yet
      first.dispose();
      void otlpReader.collect().catch(() => undefined);
    });
  }

  return {
    ...(prometheusUrl && { prometheusUrl }),
    recordRun,
    recordBench,
    freeze(window) {
      state.lastReading = meter.latest;
      state.frozen = window;
    },
    async flush() {
      if (otlpReader)
        await within(
          otlpReader.forceFlush().catch(() => undefined),
          (config.otlp?.timeoutMs ?? 10_000) + 1000,
        );
    },
    delivery: () => state.delivery && { ...state.delivery },
    async shutdown(timeoutMs = (config.otlp?.timeoutMs ?? 10_000) + 1000) {
      // A receiver that already failed gets one more try, not another full timeout.
      await within(
        provider.shutdown().catch(() => undefined),
        state.delivery?.delivered === false ? 1000 : timeoutMs,
      );
      server?.close();
      diag.disable();
    },
  };
}

/** Waits for `p`, or `ms` at most. */
function within(p: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms).unref()))]).finally(() => clearTimeout(timer));
}
