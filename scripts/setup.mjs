// `npm run setup`: installs, once, what running the extension in a real VS Code and the tests
// need beyond node_modules. Tests never install anything themselves; they name this step.
//   node scripts/setup.mjs              everything the tests need
//   node scripts/setup.mjs code-server  only code-server (what `npm start` needs)
// As root on Debian/Ubuntu it installs the system packages with apt-get; elsewhere it prints
// the command to run. Everything else goes into .vscode-test/ (a cache, ignored by git).
import { join } from 'node:path';
import { installCodeServer } from '../test/integration/codeServer.mjs';
import { installSystemPackages } from '../test/integration/systemPackages.mjs';
import { installPrometheus } from '../test/prometheusServer.mjs';
import { installVictoriaMetrics } from '../test/victoriaMetricsServer.mjs';
import { installLavapipe } from '../test/webgpuSoftware.mjs';

const only = process.argv[2];
const log = (line) => console.log(`setup: ${line}`);
try {
  if (only && only !== 'code-server') throw new Error(`unknown part '${only}': use no argument, or 'code-server'.`);
  installCodeServer(log);
  if (!only) {
    installSystemPackages(['chromium'], 'Driving the VS Code workbench in tests', log);
    const lavapipe = installLavapipe(join(import.meta.dirname, '..', '.vscode-test', 'lavapipe'), log);
    log(
      lavapipe.skip
        ? `software WebGPU not set up (${lavapipe.skip}); the WebGPU tests will be skipped.`
        : 'software WebGPU (lavapipe) ready.',
    );
    const prometheus = installPrometheus(join(import.meta.dirname, '..', '.vscode-test', 'prometheus'), log);
    if (prometheus) throw new Error(`Prometheus for the metrics tests: ${prometheus}`);
    log('Prometheus and its node exporter ready.');
    // The real OTLP receiver (Debian trixie's, from the system's own mirror; nothing installed system-wide).
    const victoria = installVictoriaMetrics(join(import.meta.dirname, '..', '.vscode-test', 'victoria-metrics'), log);
    if (victoria) throw new Error(`VictoriaMetrics for the OTLP tests: ${victoria}`);
    log('VictoriaMetrics (OTLP receiver) ready.');
  }
  log('done.');
} catch (e) {
  console.error(`setup: ${e.message ?? e}`);
  process.exitCode = 1;
}
