// Opt-in OTLP push from the editor (carbonlens.telemetry.otlpEndpoint, empty by default: nothing
// is sent before the user sets it; a workspace cannot set it unless trusted). Headers, such as an
// API key, live in SecretStorage. The OpenTelemetry SDK is dist/telemetry.js, loaded only then.
import { join } from 'node:path';
import type * as vscode from 'vscode';
import type { BenchRecord } from '../core/bench/record';
import type { IntensityFigure } from '../core/carbon/intensity';
import type { Meter } from '../core/energy/meter';
import type { Telemetry } from '../core/telemetry/otel';
import type { OtlpProtocol } from '../core/telemetry/otlpConfig';
import { processResource } from '../core/telemetry/resource';
import type { TrackedRecord } from '../core/tracking/trackedRecord';

export const OTLP_HEADERS_SECRET = 'carbonlens.otlpHeaders';

/** "key=value; key2=value2" (what the user types) as headers; bad parts are skipped. */
export function parseHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const part of (text ?? '').split(/[;\n]/)) {
    const i = part.indexOf('=');
    if (i > 0) headers[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return headers;
}

export class OtlpTelemetry implements vscode.Disposable {
  private current: Promise<Telemetry | undefined> = Promise.resolve(undefined);
  private key = '';

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
    private readonly meter: () => Promise<Meter>,
  ) {}

  /** (Re)starts the push for these settings; stops it when the endpoint is empty. Never throws. */
  async configure(
    endpoint: string,
    protocol: OtlpProtocol,
    context: { intensity?: IntensityFigure; pue: number },
  ): Promise<void> {
    const headers = parseHeaders(await this.secrets.get(OTLP_HEADERS_SECRET));
    const key = JSON.stringify([endpoint, protocol, headers, context.intensity?.gco2PerKwh, context.pue]);
    if (key === this.key) return;
    this.key = key;
    const previous = this.current;
    this.current = (async () => {
      await (await previous)?.shutdown(2000);
      if (!endpoint) return undefined;
      try {
        const otel = require(join(__dirname, 'telemetry.js')) as typeof import('../core/telemetry/otel');
        const telemetry = await otel.startTelemetry(
          {
            otlp: { url: endpoint, headers, protocol, intervalMs: 10_000 },
            resource: processResource('editor', 'carbonlens-vscode'),
            log: (line) => this.log.warn(line),
          },
          await this.meter(),
          context,
        );
        this.log.info(`Pushing metrics over OTLP (${protocol}) to ${endpoint} every 10 s.`);
        return telemetry;
      } catch (e) {
        this.log.error(`OTLP telemetry could not start: ${(e as Error).message}`);
        return undefined;
      }
    })();
    await this.current;
  }

  recordRun(record: TrackedRecord): void {
    void this.current.then((t) => t?.recordRun(record));
  }

  recordBench(record: BenchRecord): void {
    void this.current.then((t) => t?.recordBench(record));
  }

  dispose(): void {
    void this.current.then((t) => t?.shutdown(2000));
  }
}
