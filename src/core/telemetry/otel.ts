// The meter's figures and every run and benchmark record as OpenTelemetry metrics, through the
// official JS SDK: a Prometheus /metrics endpoint, OTLP/HTTP push, or both. Names and units
// follow the semantic conventions for hardware metrics (hw.power in W, a gauge; hw.energy in J,
// a counter; hw.type gpu|cpu|memory, hw.id, hw.name), with our own attributes for provenance and
// the grid. Built as a bundle of its own (dist/telemetry.js), loaded only when asked for.
import { basisLabel } from '../carbon/basis';
import { diag, DiagLogLevel, type Attributes } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
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
import type { Meter, WindowResult } from '../energy/meter';
import type { Component } from '../energy/provenance';
import type { TrackedRecord } from '../tracking/trackedRecord';

export interface TelemetryConfig {
  /** Serve /metrics here (Prometheus text format). */
  prometheus?: { host: string; port: number };
  /** Push OTLP/HTTP (JSON) to this URL (…/v1/metrics), with these headers (an API key). */
  otlp?: { url: string; headers?: Record<string, string>; intervalMs?: number };
  /** service.name and the like, on every metric's resource. */
  resource?: Attributes;
  /** Where export failures are said (once per kind of failure); default stderr. */
  log?: (line: string) => void;
}

export interface TelemetryContext {
  intensity?: IntensityFigure;
  pue: number;
}

export interface Telemetry {
  /** The /metrics address actually bound (the port when 0 was asked for). */
  prometheusUrl?: string;
  recordRun(record: TrackedRecord): void;
  recordBench(record: BenchRecord): void;
  /** From now on the energy counters hold this window's figures (the command or run has ended). */
  freeze(window: WindowResult): void;
  /** Pushes what is left, then stops the endpoint; never throws, never waits past `timeoutMs`. */
  shutdown(timeoutMs?: number): Promise<void>;
}

const HW_TYPE: Record<Component, string> = { gpu: 'gpu', cpu: 'cpu', ram: 'memory' };
/** Buckets for time to first token and per output token, s: 1 ms to 10 s. */
const TOKEN_TIME_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** The buckets the conventions give gen_ai.client.token.usage. */
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

export async function startTelemetry(
  config: TelemetryConfig,
  meter: Meter,
  context: TelemetryContext,
): Promise<Telemetry> {
  const log = config.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // Exporter failures (collector down, 500, timeout) come through diag: said once per message, never thrown.
  const said = new Set<string>();
  let pushFailed = false;
  const say = (line: string) => {
    const key = line.slice(0, 80);
    if (said.has(key)) return;
    said.add(key);
    log(`carbonlens: telemetry: ${line} (metrics dropped; the run goes on and its record is saved)`);
  };
  diag.setLogger(
    {
      error: (m: string, ...args: unknown[]) => {
        const line = oneLine(m, args);
        // The exporter below says why a push failed, with the status: the reader's echo adds nothing.
        if (pushFailed && /metrics export failed/.test(line)) return;
        say(line);
      },
      warn: () => undefined,
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { logLevel: DiagLogLevel.ERROR, suppressOverrideMessage: true },
  );
  const readers: MetricReader[] = [];
  let prometheus: PrometheusExporter | undefined;
  let prometheusUrl: string | undefined;
  if (config.prometheus) {
    const { host, port } = config.prometheus;
    prometheus = await new Promise<PrometheusExporter>((resolve, reject) => {
      const exporter: PrometheusExporter = new PrometheusExporter({ host, port, withoutScopeInfo: true }, (error) =>
        error ? reject(new Error(`Cannot serve /metrics on ${host}:${port}: ${error.message}`)) : resolve(exporter),
      );
    });
    const bound = (prometheus as unknown as { _server?: { address(): { port: number } | null } })._server?.address();
    prometheusUrl = `http://${host.includes(':') ? `[${host}]` : host}:${bound?.port ?? port}/metrics`;
    readers.push(prometheus);
  }
  if (config.otlp) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: sayingFailures(
          new OTLPMetricExporter({
            url: config.otlp.url,
            headers: config.otlp.headers ?? {},
            timeoutMillis: 5000,
          }),
          (why) => {
            pushFailed = true;
            say(`OTLP push to ${new URL(config.otlp!.url).host} failed: ${why}`);
          },
        ),
        exportIntervalMillis: config.otlp.intervalMs ?? 10_000,
        exportTimeoutMillis: 5000,
      }),
    );
  }
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'carbonlens', ...config.resource }),
    readers,
  });
  const m = provider.getMeter('carbonlens', CARBONLENS_VERSION);
  const sourceAttributes = (id: string): Attributes => {
    const s = meter.sources.find((x) => x.id === id)!;
    return { 'hw.id': s.id, 'hw.name': s.name, 'hw.type': HW_TYPE[s.component] };
  };
  let frozen: WindowResult | undefined;

  m.createObservableGauge('hw.power', { unit: 'W', description: 'Power drawn, per device' }).addCallback((r) => {
    if (frozen) return;
    for (const reading of meter.latest?.readings ?? []) {
      if (reading.powerW === undefined) continue;
      r.observe(reading.powerW, { ...sourceAttributes(reading.sourceId), 'carbonlens.provenance': reading.kind });
    }
  });
  m.createObservableCounter('hw.energy', {
    unit: 'J',
    description: 'Energy consumed since the meter started, per device',
  }).addCallback((r) => {
    const totals = frozen ?? meter.sessionTotals();
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
      unit: 'g/kWh',
      description: 'Grid carbon intensity in use',
    }).addCallback((r) => r.observe(grid.gco2PerKwh, gridAttributes));
    m.createObservableCounter('carbonlens.emissions', {
      unit: 'g',
      description: 'gCO2e since the meter started',
    }).addCallback((r) => {
      const totals = frozen ?? meter.sessionTotals();
      if (totals)
        r.observe((Math.max(0, totals.totalJ) / JOULES_PER_KWH) * grid.gco2PerKwh * context.pue, gridAttributes);
    });
  }

  const runEnergy = m.createCounter('carbonlens.run.energy', {
    unit: 'J',
    description: 'Energy of metered runs, per component',
  });
  const runEmissions = m.createCounter('carbonlens.run.emissions', { unit: 'g', description: 'gCO2e of metered runs' });
  const runDuration = m.createCounter('carbonlens.run.duration', {
    unit: 's',
    description: 'Duration of metered runs',
  });
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
    TOKEN_TIME_BUCKETS,
  );
  const perOutputToken = histogram(
    'gen_ai.server.time_per_output_token',
    's',
    'Time per output token generated after the first token for successful responses',
    TOKEN_TIME_BUCKETS,
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

  return {
    ...(prometheusUrl && { prometheusUrl }),
    recordRun(r) {
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
    },
    recordBench(r) {
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
    },
    freeze(window) {
      frozen = window;
    },
    async shutdown(timeoutMs = 6000) {
      await Promise.race([
        provider.shutdown().catch(() => undefined),
        new Promise((r) => setTimeout(r, timeoutMs).unref()),
      ]);
      diag.disable();
    },
  };
}

/**
 * One line for a failure the SDK reports: its message without the stack (the SDK's error
 * handler passes exceptions serialised as JSON, stack included), without "Error: ".
 */
export function oneLine(message: unknown, args: unknown[] = []): string {
  let text = typeof message === 'string' ? message : message instanceof Error ? message.message : String(message);
  try {
    const parsed = JSON.parse(text) as { message?: unknown; stack?: unknown } | null;
    if (parsed && typeof parsed === 'object')
      text = typeof parsed.message === 'string' ? parsed.message : String(parsed.stack ?? text);
  } catch {
    // not JSON: the text itself
  }
  const error = args.find((a): a is Error => a instanceof Error);
  if (error && !text.includes(error.message)) text += `: ${error.message}`;
  return (text.split('\n')[0] ?? '').replace(/^(\w*Error: )+/, '').slice(0, 300);
}

/** Why an OTLP push failed, in words: the HTTP status and its reason, or the network's. */
function pushFailure(error: unknown): string {
  const e = error as { code?: unknown; message?: string; cause?: { code?: string } };
  const reason = oneLine(e?.message ?? String(error));
  if (typeof e?.code === 'number') return `HTTP ${e.code}${reason ? ` (${reason})` : ''}`;
  return e?.cause?.code ?? (typeof e?.code === 'string' ? e.code : reason);
}

/** The exporter, reporting each failed push through `fail` with its status. */
function sayingFailures(inner: PushMetricExporter, fail: (why: string) => void): PushMetricExporter {
  return {
    export: (metrics, done) =>
      inner.export(metrics, (result) => {
        if (result.error) fail(pushFailure(result.error));
        done(result);
      }),
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
    ...(inner.selectAggregationTemporality && {
      selectAggregationTemporality: (t) => inner.selectAggregationTemporality!(t),
    }),
    ...(inner.selectAggregation && { selectAggregation: (t) => inner.selectAggregation!(t) }),
  };
}
