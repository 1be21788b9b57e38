// Where and how OTLP is pushed: the command's options over the standard OTEL_EXPORTER_OTLP_*
// environment variables (the OpenTelemetry exporter specification: a metrics-specific variable over
// the general one; OTEL_EXPORTER_OTLP_ENDPOINT is a base URL that gets `v1/metrics` appended, the
// metrics-specific endpoint is used as it is). Plain code, no SDK: the CLI checks options with it
// before loading dist/telemetry.js. Also the one-line text of a failed push.

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

export interface OtlpTarget {
  url: string;
  headers: Record<string, string>;
  protocol: OtlpProtocol;
  timeoutMs: number;
}

/** In a record pushed over OTLP: whether the push reached the receiver (the first failure's reason). */
export interface TelemetryNote {
  otlp: string;
  delivered: boolean;
  error?: string;
}

export interface OtlpRequest {
  /** --otlp URL: the metrics endpoint, used as it is. */
  url?: string;
  /** --otlp-header K=V, over the environment's headers of the same name. */
  headers?: Record<string, string>;
  /** --otlp-protocol. */
  protocol?: string;
}

type Env = Record<string, string | undefined>;

const pick = (env: Env, name: string) => {
  const v = env[`OTEL_EXPORTER_OTLP_METRICS_${name}`]?.trim() || env[`OTEL_EXPORTER_OTLP_${name}`]?.trim();
  return v || undefined;
};

/** `k=v,k2=v2` with percent-encoded values (the specification's W3C-baggage-like format). */
export function parseEnvHeaders(text: string | undefined, source: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const part of (text ?? '').split(',')) {
    if (!part.trim()) continue;
    const i = part.indexOf('=');
    if (i < 1) throw new Error(`${source} takes key=value pairs separated by commas, not '${part.trim()}'.`);
    try {
      headers[decodeURIComponent(part.slice(0, i).trim())] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      throw new Error(`${source} has a badly percent-encoded part: '${part.trim()}'.`);
    }
  }
  return headers;
}

function httpUrl(text: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${source} takes a URL (like http://localhost:4318/v1/metrics), not '${text}'.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${source} takes an http(s) URL.`);
  return url;
}

/**
 * The push target, or undefined when neither --otlp nor an OTEL_EXPORTER_OTLP_(METRICS_)ENDPOINT
 * asks for one. Throws an Error naming the option or variable at fault.
 */
export function resolveOtlp(request: OtlpRequest, env: Env = process.env): OtlpTarget | undefined {
  let url: string | undefined;
  if (request.url !== undefined) url = httpUrl(request.url, '--otlp').toString();
  else if (env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT?.trim())
    url = httpUrl(env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT.trim(), 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT').toString();
  else if (env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim()) {
    const base = httpUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT.trim(), 'OTEL_EXPORTER_OTLP_ENDPOINT');
    base.pathname = `${base.pathname.replace(/\/+$/, '')}/v1/metrics`;
    url = base.toString();
  }
  if (url === undefined) return undefined;

  const protocolSource = request.protocol !== undefined ? '--otlp-protocol' : 'OTEL_EXPORTER_OTLP_(METRICS_)PROTOCOL';
  const protocol = request.protocol ?? pick(env, 'PROTOCOL') ?? 'http/protobuf';
  if (!(OTLP_PROTOCOLS as readonly string[]).includes(protocol))
    throw new Error(
      `${protocolSource} takes http/protobuf (the default) or http/json, not '${protocol}'${protocol === 'grpc' ? ': CarbonLens pushes OTLP over HTTP only' : ''}.`,
    );

  const timeoutText = pick(env, 'TIMEOUT');
  const timeoutMs = timeoutText === undefined ? 10_000 : Number(timeoutText);
  if (!(Number.isInteger(timeoutMs) && timeoutMs > 0))
    throw new Error(
      `OTEL_EXPORTER_OTLP_(METRICS_)TIMEOUT is a whole number of milliseconds > 0, not '${timeoutText}'.`,
    );

  const headers = {
    ...parseEnvHeaders(env.OTEL_EXPORTER_OTLP_HEADERS, 'OTEL_EXPORTER_OTLP_HEADERS'),
    ...parseEnvHeaders(env.OTEL_EXPORTER_OTLP_METRICS_HEADERS, 'OTEL_EXPORTER_OTLP_METRICS_HEADERS'),
    ...request.headers,
  };
  return { url, headers, protocol: protocol as OtlpProtocol, timeoutMs };
}

/** One line: the receiver's status and reason (its body's first line), or the network error. */
export function exportFailureText(error: unknown, url: string, protocol: string): string {
  const e = (error ?? {}) as { message?: string; code?: unknown; data?: unknown };
  const body = typeof e.data === 'string' ? e.data.replace(/\s+/g, ' ').trim().slice(0, 300) : '';
  const what =
    typeof e.code === 'number'
      ? `HTTP ${e.code}${e.message ? ` ${e.message}` : ''}${body ? `: ${body}` : ''}`
      : `${e.message ?? String(error)}${typeof e.code === 'string' ? ` (${e.code})` : ''}`;
  return `OTLP push (${protocol}) to ${url} failed: ${what.split('\n')[0]}`;
}
