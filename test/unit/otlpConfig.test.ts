// Where OTLP goes: --otlp and friends over the standard OTEL_EXPORTER_OTLP_* variables, as the
// OpenTelemetry exporter specification orders them; the one-line failure text; who is speaking.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportFailureText, parseEnvHeaders, resolveOtlp } from '../../src/core/telemetry/otlpConfig';
import { hostId, processResource } from '../../src/core/telemetry/resource';

describe('OTLP target', { timeout: 10_000 }, () => {
  it('is off without --otlp or an endpoint variable', () => {
    assert.equal(resolveOtlp({}, {}), undefined);
    assert.equal(
      resolveOtlp({}, { OTEL_EXPORTER_OTLP_HEADERS: 'a=b', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }),
      undefined,
    );
  });

  it('defaults to http/protobuf with a 10 s timeout, and takes the URL of --otlp as it is', () => {
    assert.deepEqual(resolveOtlp({ url: 'http://h:4318/custom' }, {}), {
      url: 'http://h:4318/custom',
      headers: {},
      protocol: 'http/protobuf',
      timeoutMs: 10_000,
    });
  });

  it('appends v1/metrics to OTEL_EXPORTER_OTLP_ENDPOINT, not to the metrics-specific one, which wins', () => {
    assert.equal(resolveOtlp({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })?.url, 'http://c:4318/v1/metrics');
    assert.equal(resolveOtlp({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c/otlp/' })?.url, 'https://c/otlp/v1/metrics');
    const both = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m/ingest',
    };
    assert.equal(resolveOtlp({}, both)?.url, 'http://m/ingest');
    assert.equal(resolveOtlp({ url: 'http://flag/v1/metrics' }, both)?.url, 'http://flag/v1/metrics', 'the flag wins');
  });

  it('orders protocol, timeout and headers: option, then metrics-specific variable, then general one', () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TIMEOUT: '3000',
      OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '2000',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=general,tenant=a%20b',
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'api-key=metrics',
    };
    const t = resolveOtlp({ headers: { 'x-flag': '1' } }, env)!;
    assert.equal(t.protocol, 'http/json');
    assert.equal(t.timeoutMs, 2000);
    assert.deepEqual(t.headers, { 'api-key': 'metrics', tenant: 'a b', 'x-flag': '1' });
    assert.equal(resolveOtlp({ protocol: 'http/protobuf' }, env)!.protocol, 'http/protobuf');
    assert.equal(resolveOtlp({ headers: { 'api-key': 'flag' } }, env)!.headers['api-key'], 'flag');
  });

  it('refuses grpc, unknown protocols, bad timeouts, bad URLs and bad headers, naming the culprit', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' };
    assert.throws(() => resolveOtlp({ protocol: 'grpc' }, env), /--otlp-protocol .* not 'grpc': .*HTTP only/);
    assert.throws(() => resolveOtlp({}, { ...env, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/xml' }), /PROTOCOL .*'http\/xml'/);
    assert.throws(() => resolveOtlp({}, { ...env, OTEL_EXPORTER_OTLP_TIMEOUT: '5s' }), /TIMEOUT .*'5s'/);
    assert.throws(() => resolveOtlp({ url: 'ftp://x' }, {}), /--otlp takes an http\(s\) URL/);
    assert.throws(
      () => resolveOtlp({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'nope' }),
      /OTEL_EXPORTER_OTLP_ENDPOINT takes a URL/,
    );
    assert.throws(
      () => parseEnvHeaders('novalue', 'OTEL_EXPORTER_OTLP_HEADERS'),
      /OTEL_EXPORTER_OTLP_HEADERS .*'novalue'/,
    );
  });

  it('says a failed push in one line: the status and the receiver’s reason, or the network error', () => {
    const http = Object.assign(new Error('Bad Request'), { code: 400, data: 'json encoding\nisn’t supported' });
    assert.equal(
      exportFailureText(http, 'http://v/opentelemetry/v1/metrics', 'http/json'),
      'OTLP push (http/json) to http://v/opentelemetry/v1/metrics failed: HTTP 400 Bad Request: json encoding isn’t supported',
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const line = exportFailureText(refused, 'http://127.0.0.1:9/v1/metrics', 'http/protobuf');
    assert.equal(
      line,
      'OTLP push (http/protobuf) to http://127.0.0.1:9/v1/metrics failed: connect ECONNREFUSED 127.0.0.1:9 (ECONNREFUSED)',
    );
    assert.doesNotMatch(line, /\n/);
  });
});

describe('telemetry resource', { timeout: 10_000 }, () => {
  it('names the host, its id where readable, the version, the command, and a new instance id per process', () => {
    const a = processResource('monitor');
    const b = processResource('monitor');
    assert.notEqual(a['service.instance.id'], b['service.instance.id']);
    assert.match(a['service.instance.id']!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(a['carbonlens.command'], 'monitor');
    assert.equal(a['service.name'], 'carbonlens');
    assert.ok(a['host.name'] && a['service.version']);
    assert.equal(processResource('editor', 'carbonlens-vscode')['service.name'], 'carbonlens-vscode');
  });

  it('reads host.id from /etc/machine-id, else D-Bus’s, and goes without where neither is readable', () => {
    const files: Record<string, string> = { '/var/lib/dbus/machine-id': '0123456789abcdef0123456789abcdef\n' };
    const read = (p: string) => {
      if (!(p in files)) throw new Error('ENOENT');
      return files[p]!;
    };
    assert.equal(hostId(read), '0123456789abcdef0123456789abcdef');
    files['/etc/machine-id'] = 'FEDCBA9876543210FEDCBA9876543210';
    assert.equal(hostId(read), 'FEDCBA9876543210FEDCBA9876543210');
    assert.equal(
      hostId(() => 'uninitialized\n'),
      undefined,
    );
    assert.equal(
      hostId(() => {
        throw new Error('EACCES');
      }),
      undefined,
    );
  });
});
