// --prometheus HOST:PORT and --otlp URL, shared by monitor, run and bench. The OpenTelemetry SDK
// is a bundle of its own (dist/telemetry.js): a command without these options never loads it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Meter } from '../core/energy/meter';
import type { Telemetry, TelemetryConfig, TelemetryContext } from '../core/telemetry/otel';
import { UsageError } from './usage';

export const TELEMETRY_HELP = `  --prometheus H:P     serve the meter's metrics at http://H:P/metrics while it runs (OpenTelemetry
                       names: hw_power W, hw_energy_total J, per device, with provenance); port 0
                       picks a free one
  --otlp URL           push the same metrics, and the record, over OTLP/HTTP (JSON) to URL
                       (e.g. http://localhost:4318/v1/metrics); a collector that is down or slow
                       costs a log line, never the run
  --otlp-header K=V    a header for --otlp (an API key); may be repeated`;

export function telemetryOptions(values: {
  prometheus?: string;
  otlp?: string;
  'otlp-header'?: string[];
}): TelemetryConfig | undefined {
  const config: TelemetryConfig = {};
  if (values.prometheus !== undefined) {
    const m = /^(\[[0-9a-f:]+\]|[\w.-]+):(\d{1,5})$/i.exec(values.prometheus);
    if (!m || Number(m[2]) > 65535)
      throw new UsageError(`--prometheus takes HOST:PORT (like 127.0.0.1:9464), not '${values.prometheus}'.`);
    config.prometheus = { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  }
  if (values.otlp !== undefined) {
    let url: URL;
    try {
      url = new URL(values.otlp);
    } catch {
      throw new UsageError(`--otlp takes a URL (like http://localhost:4318/v1/metrics), not '${values.otlp}'.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--otlp takes an http(s) URL.');
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
    config.otlp = { url: url.toString(), headers };
  } else if (values['otlp-header']?.length) throw new UsageError('--otlp-header needs --otlp.');
  return config.prometheus || config.otlp ? config : undefined;
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
