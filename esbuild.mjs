// One script builds every bundle: the extension and the CLI (node, cjs), the panel's webview
// (browser), and the tests (node, cjs, into out/). `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const watch = process.argv.includes('--watch');
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const define = {
  CARBONLENS_VERSION: JSON.stringify(pkg.version),
  CARBONLENS_ORT_VERSION: JSON.stringify(pkg.dependencies['onnxruntime-node']),
};
// Native or heavy modules stay outside the bundles and load on first use, never at activation.
const external = ['vscode', 'onnxruntime-node', 'sharp', 'koffi'];

// 'module' first: jsonc-parser's 'main' is a UMD build with requires esbuild cannot follow.
const node = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  mainFields: ['module', 'main'],
  define,
  external,
  sourcemap: 'linked',
  logLevel: 'warning',
};
/** In dist/cliMain.js, main.ts' model commands are the ones that load dist/cliBench.js when they run. */
const deferModelCommands = {
  name: 'defer-model-commands',
  setup(build) {
    build.onResolve({ filter: /^\.\/modelCommands$/ }, ({ importer }) =>
      importer.endsWith(join('src', 'cli', 'main.ts'))
        ? { path: resolve('src/cli/modelCommandsDeferred.ts') }
        : undefined,
    );
  },
};
/** In the CLI's bundles, systeminformation (300 KB, for `info` and a benchmark's machine) is dist/systeminformation.js. */
/** In dist/cliRun.js, main.ts' commands other than `run` are notInRunBundle.ts (launch.ts sends it `run` only). */
const onlyRun = {
  name: 'only-run',
  setup(build) {
    build.onResolve(
      { filter: /^\.\/(info|monitor|estimate|regions|forecast|scan|cudaProvider|llama|devices)$/ },
      ({ importer }) =>
        importer.endsWith(join('src', 'cli', 'main.ts')) ? { path: resolve('src/cli/notInRunBundle.ts') } : undefined,
    );
  },
};
const systeminformationApart = {
  name: 'systeminformation-apart',
  setup(build) {
    build.onResolve({ filter: /^systeminformation$/ }, () => ({ path: './systeminformation.js', external: true }));
  },
};
const testFiles = (dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(dir, f));

const builds = [
  { ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', minify: true },
  {
    ...node,
    entryPoints: { meter: 'src/extension/meterBundle.ts', advisor: 'src/extension/advisorBundle.ts' },
    outdir: 'dist',
    minify: true,
  },
  // OpenTelemetry's SDK, only for --prometheus/--otlp and the editor's OTLP setting.
  { ...node, entryPoints: { telemetry: 'src/core/telemetry/otel.ts' }, outdir: 'dist', minify: true },
  // The CLI in four bundles, so that a command that runs no model compiles no model code:
  // dist/cli.js, the command, turns on V8's compile cache and loads dist/cliMain.js, every command
  // with bench and compare deferred (modelCommandsDeferred.ts in modelCommands.ts' place); those
  // two run from dist/cliBench.js, the whole CLI with transformers.js; dist/cliRun.js is
  // dist/cliMain.js with `run` alone, for the command scripts wrap around others. systeminformation, which
  // only `info` and benchmarks use, is dist/systeminformation.js.
  {
    ...node,
    entryPoints: { cli: 'src/cli/launch.ts' },
    outdir: 'dist',
    minify: true,
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    ...node,
    entryPoints: { cliMain: 'src/cli/bin.ts' },
    outdir: 'dist',
    minify: true,
    // Loaded through src/cli/codeCache.ts, whose scripts have no import() callback: every import()
    // becomes a require (its only one is dist/systeminformation.js, CommonJS).
    supported: { 'dynamic-import': false },
    plugins: [deferModelCommands, systeminformationApart],
  },
  // `carbonlens run`, the command a script wraps around others, in half the code.
  {
    ...node,
    entryPoints: { cliRun: 'src/cli/bin.ts' },
    outdir: 'dist',
    minify: true,
    supported: { 'dynamic-import': false }, // loaded through codeCache.ts too (see cliMain)
    plugins: [deferModelCommands, onlyRun, systeminformationApart],
  },
  {
    ...node,
    entryPoints: { cliBench: 'src/cli/modelCli.ts' },
    outdir: 'dist',
    minify: true,
    plugins: [systeminformationApart],
  },
  { ...node, entryPoints: { systeminformation: 'systeminformation' }, outdir: 'dist', minify: true },
  {
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    define,
    entryPoints: { panel: 'webview/panel.ts' },
    outdir: 'dist/webview',
    minify: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  },
  { ...node, entryPoints: testFiles('test/unit'), outdir: 'out/test/unit' },
  // Hostile peers and inputs (issue 23's cases), run with the unit tests.
  { ...node, entryPoints: testFiles('test/adversarial'), outdir: 'out/test/adversarial' },
  // Benchmarks that use the core's TypeScript (top-level await needs ESM).
  {
    ...node,
    format: 'esm',
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    entryPoints: [
      'bench/gpuWindows.ts',
      'bench/meterCpu.ts',
      'bench/advisorScan.ts',
      'bench/advisorCorpus.ts',
      'bench/ortVit.ts',
      'bench/sdUnet.ts',
      'bench/windowSearch.ts',
      'bench/attributionCost.ts',
      { in: 'bench/pipeline/profile.ts', out: 'pipelineProfile' },
    ],
    outdir: 'out/bench',
    outExtension: { '.js': '.mjs' },
  },
  // Benchmarks that load transformers.js as the CLI does (CommonJS: onnxruntime-node resolved
  // through useRuntime's hook, so the CUDA provider's copy is the one that loads).
  {
    ...node,
    entryPoints: ['bench/llmProfile.ts', 'bench/cacheCopies.ts', { in: 'bench/llm/ioBinding.ts', out: 'ioBinding' }],
    outdir: 'out/bench',
  },
  // Mocha stays external: the extension host loads it from node_modules like any test runner.
  {
    ...node,
    external: [...external, 'mocha'],
    entryPoints: ['test/integration/index.ts', ...testFiles('test/integration/suite')],
    outbase: 'test/integration',
    outdir: 'out/test/integration',
  },
  // The smoke suite for the installed VSIX.
  {
    ...node,
    external: [...external, 'mocha'],
    entryPoints: { index: 'test/smoke/index.ts' },
    outdir: 'out/test/smoke',
  },
];

for (const dir of ['dist', 'out']) rmSync(dir, { recursive: true, force: true });

// In watch mode, lines that .vscode/tasks.json's problem matcher reads.
const watchReporter = {
  name: 'watch-reporter',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd(({ errors }) => {
      for (const { text, location } of errors)
        console.error(`✘ [ERROR] ${text}\n    ${location?.file}:${location?.line}:${location?.column}:`);
      console.log('[watch] build finished');
    });
  },
};

if (watch) {
  await Promise.all(
    builds.map(async (options) =>
      (await esbuild.context({ ...options, plugins: [...(options.plugins ?? []), watchReporter] })).watch(),
    ),
  );
} else {
  const started = performance.now();
  const results = await Promise.all(builds.map((options) => esbuild.build(options)));
  // A warning (printed above) fails the build: `npm run build` prints none.
  const warnings = results.reduce((n, r) => n + r.warnings.length, 0);
  if (warnings) {
    console.error(`esbuild: ${warnings} warning(s): fix them, the build allows none.`);
    process.exit(1);
  }
  const kb = (file) => (statSync(file).size / 1024).toFixed(1);
  console.log(
    `esbuild: built in ${(performance.now() - started).toFixed(0)} ms: ` +
      `dist/extension.js ${kb('dist/extension.js')} KB, dist/cliMain.js ${kb('dist/cliMain.js')} KB, ` +
      `dist/cliBench.js ${kb('dist/cliBench.js')} KB, dist/webview/panel.js ${kb('dist/webview/panel.js')} KB`,
  );
}
