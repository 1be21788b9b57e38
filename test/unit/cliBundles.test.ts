// The commands that run no model load none of the model code: transformers.js, onnxruntime and
// sharp are in dist/cliBench.js, which only bench and compare load (issue 39). Each case runs the
// built CLI with a preload that writes the ids of every module in require.cache at exit;
// node-llama-cpp, an ES module that require.cache does not list, is checked in the bundles' text.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CACHED_COMMANDS } from '../../src/cli/codeCache';
import { COMMANDS } from '../../src/cli/main';
import { tempDir } from '../support/tempDir';

const cli = path.resolve(__dirname, '../../../dist/cli.js');
const work = tempDir('cl-bundles-');

const dump = path.join(work, 'dump.cjs');
writeFileSync(
  dump,
  `process.on('exit', () => require('node:fs').writeFileSync(process.env.CL_MODULES_FILE, JSON.stringify(Object.keys(require.cache))));\n`,
);

/** The modules `carbonlens ARGS` had loaded when it exited. */
function modulesLoaded(...args: string[]): string[] {
  const file = path.join(work, `modules-${args[0]}.json`);
  rmSync(file, { force: true });
  const r = spawnSync(process.execPath, ['--require', dump, cli, ...args], {
    cwd: work,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, CARBONLENS_CACHE: path.join(work, 'cache'), CL_MODULES_FILE: file },
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(readFileSync(file, 'utf8'));
}

const MODEL_CODE = /cliBench\.js|transformers|onnxruntime|[\\/]sharp[\\/]|@img[\\/]sharp/;

describe('the CLI loads model code only for the commands that run models', { timeout: 180_000 }, () => {
  it('run --idle-ms 0 -- COMMAND and --help load none of transformers.js, onnxruntime or sharp', () => {
    for (const [bundle, args] of [
      ['cliRun.js', ['run', '--idle-ms', '0', '--', process.execPath, '-e', '0']],
      ['cliMain.js', ['--help']],
    ] as const) {
      const loaded = modulesLoaded(...args);
      assert.ok(
        loaded.some((m) => m.endsWith(bundle)),
        `the preload saw the commands' bundle, ${bundle}: ${loaded}`,
      );
      assert.deepEqual(
        loaded.filter((m) => MODEL_CODE.test(m)),
        [],
        `carbonlens ${args[0]}`,
      );
    }
  });

  it('llama.cpp (node-llama-cpp, ESM) is imported by no bundle but the benchmarks', () => {
    const dist = path.resolve(__dirname, '../../../dist');
    // The package's name may appear in a message (the editor says GGUF models need it); never as
    // a module these bundles load.
    const loads =
      /(require|import)\(\s*["']node-llama-cpp["']|from ?["']node-llama-cpp["']|["']node-llama-cpp["']\s*\)/;
    for (const bundle of ['extension.js', 'cli.js', 'cliMain.js', 'cliRun.js', 'meter.js', 'advisor.js'])
      assert.doesNotMatch(readFileSync(path.join(dist, bundle), 'utf8'), loads, bundle);
    const bench = readFileSync(path.join(dist, 'cliBench.js'), 'utf8');
    // Only a computed import inside the GGUF runtime: no require() or static import of it.
    assert.doesNotMatch(bench, /require\(["']node-llama-cpp["']\)|from ?["']node-llama-cpp["']/);
    assert.match(bench, /"node-llama-cpp"/);
  });

  it('bench loads its own bundle, dist/cliBench.js', () => {
    const loaded = modulesLoaded('bench', '--help');
    assert.ok(
      loaded.some((m) => m.endsWith('cliBench.js')),
      `${loaded}`,
    );
  });

  it("keeps the bundle's compiled code per command, and V8 takes it on the next run", () => {
    const cache = path.join(work, 'code-cache-test');
    const help = () => {
      const r = spawnSync(process.execPath, [cli, 'regions', '--help'], {
        cwd: work,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, CARBONLENS_CACHE: cache },
      });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const first = help();
    const folder = path.join(cache, 'code-cache');
    const files = readdirSync(folder);
    assert.equal(files.length, 1, `${files}`);
    assert.match(files[0]!, /^cliMain-regions-.*\.bin$/);
    const written = statSync(path.join(folder, files[0]!)).mtimeMs;
    assert.equal(help(), first, 'the same help from the cached code');
    // Written again only when missing or refused by V8: unchanged, so it was taken.
    assert.deepEqual(readdirSync(folder), files);
    assert.equal(statSync(path.join(folder, files[0]!)).mtimeMs, written);
  });

  it('runs a command that loads a module on demand (info: systeminformation) from the cached code, without a warning', () => {
    const cache = path.join(work, 'code-cache-info');
    for (const run of ['first, compiling', 'second, from the cache']) {
      const r = spawnSync(process.execPath, [cli, 'info', '--json'], {
        cwd: work,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, CARBONLENS_CACHE: cache },
      });
      assert.equal(r.status, 0, `${run}: ${r.stderr}`);
      assert.equal(typeof JSON.parse(r.stdout).inventory, 'object', run);
      assert.doesNotMatch(r.stderr, /Warning/, run);
    }
    assert.equal(readdirSync(path.join(cache, 'code-cache')).length, 1);
  });

  it('has a code cache per command, for each command there is and no other', () => {
    assert.deepEqual([...CACHED_COMMANDS].sort(), Object.keys(COMMANDS).sort());
  });
});
