// Activation cost of dist/extension.js, each run in a fresh Node process with a minimal
// stand-in for the `vscode` module: the time to load the bundle and the time activate() takes,
// against a peer, the cost of loading transformers.js (what an eager import would add).
// The integration suite records activate() inside the real extension host as well.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bundle = resolve(root, 'dist/extension.js');
if (!existsSync(bundle)) throw new Error('dist/extension.js is missing: run npm run build first.');
const RUNS = Number(process.env.RUNS ?? 15);
const TARGET_MS = 50;

const activateOnce = `
const Module = require('node:module');
const noop = () => {};
const disposable = { dispose: noop };
let vscode = {
  version: 'bench',
  StatusBarAlignment: { Left: 1, Right: 2 },
  MarkdownString: class { constructor(value) { this.value = value; } appendMarkdown(t) { this.value += t; return this; } },
  ThemeColor: class { constructor(id) { this.id = id; } },
  DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
  EventEmitter: class { constructor() { this.event = () => disposable; } fire() {} dispose() {} },
  Disposable: class { constructor(f) { this.dispose = f; } static from() { return disposable; } },
  Uri: { file: (fsPath) => ({ fsPath, scheme: 'file', toString: () => 'file://' + fsPath }) },
  window: {
    createOutputChannel: () => ({ info: noop, warn: noop, error: noop, show: noop, dispose: noop }),
    createStatusBarItem: () => ({ show: noop, hide: noop, dispose: noop }),
    registerWebviewPanelSerializer: () => disposable,
  },
  workspace: { getConfiguration: () => ({ get: (_k, d) => d }), onDidChangeConfiguration: () => disposable },
  commands: { registerCommand: () => disposable },
  tasks: {},
  debug: {},
  languages: {},
  notebooks: {},
  ProgressLocation: {},
  ViewColumn: {},
  CodeActionKind: {},
  NotebookCellStatusBarAlignment: {},
  ConfigurationTarget: {},
};
// Members of the namespaces above that activation touches answer as no-ops, so the stub does not
// break each time activation uses one more API (a failure here once hid the figure). Top-level
// names must be listed: the bundle copies the module's own keys.
const anything = new Proxy(function () {}, {
  get: (_t, k) => (k === 'then' ? undefined : k === Symbol.toPrimitive ? () => '' : k === 'dispose' ? noop : anything),
  apply: () => anything,
  construct: () => anything,
});
const lenient = (o) => new Proxy(o, { get: (t, k) => (k in t ? (t[k] && typeof t[k] === 'object' ? lenient(t[k]) : t[k]) : anything) });
vscode = lenient(vscode);
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) { return request === 'vscode' ? 'vscode' : resolveFilename.call(this, request, ...rest); };
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscode };
const t0 = performance.now();
const ext = require(${JSON.stringify(bundle)});
const t1 = performance.now();
const api = ext.activate({ subscriptions: [], asAbsolutePath: (p) => p, extensionUri: {}, globalStorageUri: { fsPath: require('node:os').tmpdir() }, secrets: { get: async () => undefined } });
const t2 = performance.now();
const heavy = Object.keys(require.cache).filter((m) => /onnxruntime|sharp|transformers|koffi|systeminformation|meter.js/.test(m));
console.log(JSON.stringify({ loadMs: t1 - t0, activateMs: t2 - t1, reported: api.activation.durationMs, heavy }));
process.exit(0); // the meter would start on the next tick: activation is what is measured here
`;
const peerOnce = `
const t0 = performance.now();
require('@huggingface/transformers');
console.log(JSON.stringify({ loadMs: performance.now() - t0 }));
`;

function sample(code, runs) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    out.push(JSON.parse(r.stdout.trim().split('\n').pop()));
  }
  return out;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const ours = sample(activateOnce, RUNS);
const peer = sample(peerOnce, Math.max(3, Math.floor(RUNS / 3)));
const load = median(ours.map((r) => r.loadMs));
const activate = median(ours.map((r) => r.activateMs));
const total = median(ours.map((r) => r.loadMs + r.activateMs));
const peerLoad = median(peer.map((r) => r.loadMs));
const heavy = [...new Set(ours.flatMap((r) => r.heavy))];

console.log(`Activation of dist/extension.js, median of ${RUNS} fresh Node ${process.version} processes:`);
console.log(`  load bundle   ${load.toFixed(2)} ms`);
console.log(`  activate()    ${activate.toFixed(2)} ms`);
console.log(
  `  total         ${total.toFixed(2)} ms   (target <= ${TARGET_MS} ms: ${total <= TARGET_MS ? 'met' : 'NOT met'})`,
);
console.log(`  heavy modules loaded: ${heavy.length ? heavy.join(', ') : 'none'}`);
console.log(`Peer: require('@huggingface/transformers') ${peerLoad.toFixed(1)} ms (median of ${peer.length})`);
console.log(
  `Ratio: our load+activate is ${(total / peerLoad).toFixed(3)}x the cost of importing transformers.js eagerly`,
);
process.exitCode = heavy.length ? 1 : 0;
