// A real Prometheus for the tests that scrape `carbonlens monitor --prometheus`, and Debian's
// node exporter as the peer the exporter's cost is measured against: Debian bookworm's
// packages, unpacked by `npm run setup` into .vscode-test/prometheus (static Go binaries).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { canFetchDebs, fetchDebs } from './debPackages.mjs';

const binaries = (ROOT) => ({
  prometheus: join(ROOT, 'root', 'usr', 'bin', 'prometheus'),
  nodeExporter: join(ROOT, 'root', 'usr', 'bin', 'prometheus-node-exporter'),
});

/** The binaries in ROOT (.vscode-test/prometheus), or an Error that names the set-up step. */
export function prometheusBinaries(ROOT) {
  const b = binaries(ROOT);
  if (!existsSync(b.prometheus) || !existsSync(b.nodeExporter))
    throw new Error(`Prometheus is not set up in ${ROOT}: run 'npm run setup' (Debian on x64).`);
  return b;
}

/** For `npm run setup`: fetches them into ROOT; undefined when ready, else why not. */
export function installPrometheus(ROOT, log = () => {}) {
  const b = binaries(ROOT);
  if (existsSync(b.prometheus) && existsSync(b.nodeExporter)) return undefined;
  if (!canFetchDebs()) return 'Prometheus comes from Debian bookworm on x64';
  return fetchDebs(ROOT, ['prometheus', 'prometheus-node-exporter'], log);
}
