import * as vscode from 'vscode';
import type { TrackedRecord } from '../core/tracking/trackedRecord';
import { CarbonLens } from './carbonLens';
import { registerCommands } from './commands';
import type { IntensityState } from './intensity';

/** What `activate` returns: other extensions and our integration tests read it. */
export interface CarbonLensApi {
  readonly activation: { readonly durationMs: number; readonly modulesLoaded: readonly string[] };
  /** The grid intensity for `carbonlens.location`, as the panel shows it. */
  gridIntensity(): Promise<IntensityState>;
  /** Where benchmarks are saved (emissions.csv, carbonlens-runs.jsonl). */
  readonly benchmarkFolder: string;
  /** Benchmark child processes still running. */
  runningBenchmarks(): number;
  /** The status bar item's text and how many times the meter has updated it. */
  status(): { text: string; updates: number };
  /** Runs started from the editor (terminal, task, debug, notebook) metered this session, oldest first. */
  trackedRuns(): readonly TrackedRecord[];
}

// Nothing heavy is imported above: transformers.js, onnxruntime-node, sharp and koffi load on
// first use, and the meter opens its sources after activation.
export function activate(context: vscode.ExtensionContext): CarbonLensApi {
  const started = performance.now();
  const modulesBefore = new Set(Object.keys(require.cache));
  const ext = new CarbonLens(context);
  context.subscriptions.push(ext, ...registerCommands(ext));
  const activation = {
    durationMs: performance.now() - started,
    modulesLoaded: Object.keys(require.cache).filter((m) => !modulesBefore.has(m)),
  };
  ext.log.info(
    `CarbonLens ${CARBONLENS_VERSION} activated in ${activation.durationMs.toFixed(1)} ms (VS Code ${vscode.version}).`,
  );
  setTimeout(() => ext.startAfterActivation(), 0);
  return {
    activation,
    gridIntensity: () => ext.refreshIntensity(),
    benchmarkFolder: ext.store.dir,
    runningBenchmarks: () => ext.benchRuns.children.size,
    status: () => ext.status.state,
    trackedRuns: () => ext.tracking.recorded,
  };
}

/** Nothing of its own: the state activate() built is disposed with the extension's subscriptions. */
export function deactivate(): void {}
