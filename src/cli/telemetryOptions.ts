// --prometheus HOST:PORT and --otlp URL (with the OTEL_EXPORTER_OTLP_* variables), shared by monitor,
// run and bench. The OpenTelemetry SDK
// is a bundle of its own (dist/telemetry.js): a command without these options never loads it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Meter } from '../core/energy/meter';
import type { Telemetry, TelemetryConfig, TelemetryContext } from '../core/telemetry/otel';
import { resolveOtlp, type OtlpTarget, type TelemetryNote } from '../core/telemetry/otlpConfig';
import { processResource } from '../core/telemetry/resource';
import { UsageError } from './usage';

export const TELEMETRY_HELP = `  --prometheus H:P     serve the meter's metrics at http://H:P/metrics while it runs (OpenTelemetry
                       names: hw_power W, hw_energy_total J, per device, with provenance); port 0
                       binds a free one (the address is printed)
  --otlp URL           push the same metrics, and the record, over OTLP/HTTP to URL (used as it is,
                       e.g. http://localhost:4318/v1/metrics); without it, OTEL_EXPORTER_OTLP_ENDPOINT
                       (+ /v1/metrics) or OTEL_EXPORTER_OTLP_METRICS_ENDPOINT turn the push on. A
                       receiver that refuses, is down or slow costs one line, never the run
  --otlp-protocol P    http/protobuf (default) or http/json; else OTEL_EXPORTER_OTLP_(METRICS_)PROTOCOL
  --otlp-header K=V    a header for the push (an API key), over OTEL_EXPORTER_OTLP_(METRICS_)HEADERS;
                       may be repeated. OTEL_EXPORTER_OTLP_(METRICS_)TIMEOUT: ms per push (10000)`;

/** parseArgs' options for TELEMETRY_HELP's flags (monitor, run). */
export const TELEMETRY_OPTIONS = {
  prometheus: { type: 'string' },
  otlp: { type: 'string' },
  'otlp-header': { type: 'string', multiple: true },
  'otlp-protocol': { type: 'string' },
} as const;

export function telemetryOptions(
  values: {
    prometheus?: string;
    otlp?: string;
    'otlp-protocol'?: string;
    'otlp-header'?: string[];
  },
  command: 'monitor' | 'run' | 'bench' | 'compare',
  env: Record<string, string | undefined> = process.env,
): TelemetryConfig | undefined {
  const config: TelemetryConfig = {};
  if (values.prometheus !== undefined) {
    const m = /^(\[[0-9a-f:]+\]|[\w.-]+):(\d{1,5})$/i.exec(values.prometheus);
    if (!m || Number(m[2]) > 65535)
      throw new UsageError(`--prometheus takes HOST:PORT (like 127.0.0.1:9464), not '${values.prometheus}'.`);
    config.prometheus = { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  }
  const headers: Record<string, string> = {};
  for (const h of values['otlp-header'] ?? []) {
    const i = h.indexOf('=');
    if (i < 1) throw new UsageError(`--otlp-header takes KEY=VALUE, not '${JSON.stringify(h).slice(1, -1)}'.`);
    const name = h.slice(0, i).trim();
    const value = h.slice(i + 1);
    // HTTP's rules (RFC 9110): a name is a token; a value has no line break or other control character.
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      throw new UsageError(
        `--otlp-header: '${JSON.stringify(name).slice(1, -1)}' is not a header name (letters, digits and !#$%&'*+.^_\`|~- only, no spaces).`,
      );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value))
      throw new UsageError(`--otlp-header ${name}: the value holds a line break or control character.`);
    headers[name] = value;
  }
  let target: OtlpTarget | undefined;
  try {
    target = resolveOtlp(
      {
        ...(values.otlp !== undefined && { url: values.otlp }),
        ...(values['otlp-protocol'] !== undefined && { protocol: values['otlp-protocol'] }),
        headers,
      },
      env,
    );
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (target) config.otlp = target;
  else if (values['otlp-header']?.length || values['otlp-protocol'] !== undefined)
    throw new UsageError('--otlp-header and --otlp-protocol need --otlp URL (or OTEL_EXPORTER_OTLP_ENDPOINT).');
  if (!config.prometheus && !config.otlp) return undefined;
  config.resource = processResource(command);
  return config;
}

/** Loads dist/telemetry.js (beside the CLI's bundle) and starts it. */
export async function startTelemetry(
  config: TelemetryConfig,
  meter: Meter,
  context: TelemetryContext,
): Promise<Telemetry> {
  const bundle = join(__dirname, 'telemetry.js');
  if (!existsSync(bundle))
    throw new Error(`--prometheus and --otlp need ${bundle}: run the built CLI (npm run build).`);
  const otel = require(bundle) as typeof import('../core/telemetry/otel');
  return otel.startTelemetry(config, meter, context);
}

/** What a record says of the push, once flushed: undefined without OTLP. */
export async function telemetryNote(
  telemetry: Telemetry | undefined,
  config: TelemetryConfig | undefined,
): Promise<TelemetryNote | undefined> {
  if (!telemetry || !config?.otlp) return undefined;
  await telemetry.flush();
  const d = telemetry.delivery();
  return d && { otlp: config.otlp.url, delivered: d.delivered, ...(d.error && { error: d.error }) };
}
