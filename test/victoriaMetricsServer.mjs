// A real OTLP receiver for the tests that push `monitor/run/bench --otlp`: Debian trixie's
// VictoriaMetrics (a static Go binary; every Debian Prometheus has its OTLP receiver patched out),
// unpacked by `npm run setup` into .vscode-test/victoria-metrics. It receives OTLP over
// http/protobuf at /opentelemetry/v1/metrics and answers PromQL at /api/v1/query. Callers pass
// the folder (ROOT): this file is bundled into the tests, where import.meta is empty.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { canFetchDebs, fetchDebs } from './debPackages.mjs';

const binary = (ROOT) => join(ROOT, 'root', 'usr', 'bin', 'victoria-metrics');

/** The binary's path, or an Error that names the set-up step. */
export function victoriaMetricsBinary(ROOT) {
  const b = binary(ROOT);
  if (!existsSync(b)) throw new Error(`VictoriaMetrics is not set up in ${ROOT}: run 'npm run setup' (Debian on x64).`);
  return b;
}

/** For `npm run setup`: undefined when ready, else why not. */
export function installVictoriaMetrics(ROOT, log = () => {}) {
  if (existsSync(binary(ROOT))) return undefined;
  if (!canFetchDebs()) return 'VictoriaMetrics comes from Debian trixie on x64';
  return fetchDebs(ROOT, ['victoria-metrics'], log, ['trixie']);
}
