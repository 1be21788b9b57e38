// llama.cpp's builds on demand, from an npm registry on localhost: small fake packages for the
// failures (a tarball that differs from its pin, no registry, no consent, a cancel) and the
// layout (node-llama-cpp finds its dependencies and its build inside the install); then the real
// node-llama-cpp and CPU build, packed from this checkout's node_modules, load a tiny GGUF from
// an install in a temporary folder, where nothing outside it can be resolved.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LLAMA_PACKAGES } from '../../src/generated/llamaPackages';
import type { ProviderError } from '../../src/core/models/cudaProvider';
import { tarballUrl } from '../../src/core/models/cudaProviderNpm';
import { installLlama } from '../../src/core/models/llamaInstall';
import { cpuFallbackReason } from '../../src/core/models/llamaRuntime';
import { buildPackages, chooseBuild, type LlamaPackages } from '../../src/core/models/llamaPackages';
import { installedLlama, llamaEntry, LLAMA_MANIFEST } from '../../src/core/models/llamaStore';
import { writeTinyGguf } from '../support/ggufWriter';
import { serve, type TestServer } from '../support/server';
import { tgz, tgzOfFolder } from '../support/tgz';
import { tempDir } from '../support/tempDir';

const root = resolve(__dirname, '../../..');
const cli = join(root, 'dist', 'cli.js');
const integrity = (b: Buffer) => `sha512-${createHash('sha512').update(b).digest('base64')}`;
const work = tempDir('cl-llama-install-');
const linux = { platform: 'linux' as const, arch: 'x64' };
const V = '9.9.9';

// A node-llama-cpp that imports a dependency nested under it, one hoisted beside it, and its build.
const fake = {
  'node-llama-cpp': tgz({
    'package/package.json': JSON.stringify({
      name: 'node-llama-cpp',
      version: V,
      type: 'module',
      exports: { '.': { import: './dist/index.js' } },
    }),
    'package/dist/index.js': [
      "import { nested } from 'nested-dep';",
      "import { hoisted } from 'hoisted-dep';",
      'export const build = async (name) => (await import(name)).getBinsDir();',
      'export const deps = [nested, hoisted];',
    ].join('\n'),
  }),
  'nested-dep': tgz({
    'package/package.json': JSON.stringify({ name: 'nested-dep', version: V, type: 'module', main: 'index.js' }),
    'package/index.js': "export const nested = 'nested';",
  }),
  'hoisted-dep': tgz({
    'package/package.json': JSON.stringify({ name: 'hoisted-dep', version: V, type: 'module', main: 'index.js' }),
    'package/index.js': "export const hoisted = 'hoisted';",
  }),
  ...Object.fromEntries(
    ['linux-x64', 'linux-x64-cuda', 'linux-x64-cuda-ext', 'linux-x64-vulkan'].map((b) => [
      `@node-llama-cpp/${b}`,
      tgz({
        'package/package.json': JSON.stringify({
          name: `@node-llama-cpp/${b}`,
          version: V,
          type: 'module',
          main: 'dist/index.js',
        }),
        'package/dist/index.js': `export const getBinsDir = () => ({ binsDir: import.meta.url, packageVersion: '${b}' });`,
        [`package/bins/${b}/llama-addon.node`]: `not really ${b}`,
      }),
    ]),
  ),
};
const pinsOf = (tarballs: Record<string, Buffer>, overrides: Record<string, string> = {}): LlamaPackages => {
  const entry = (name: string) => ({ name, version: V, integrity: overrides[name] ?? integrity(tarballs[name]!) });
  return {
    version: V,
    runtime: [
      { path: 'node-llama-cpp', ...entry('node-llama-cpp') },
      { path: 'node-llama-cpp/node_modules/nested-dep', ...entry('nested-dep') },
      { path: 'hoisted-dep', ...entry('hoisted-dep') },
    ],
    builds: Object.keys(tarballs)
      .filter((n) => n.startsWith('@node-llama-cpp/'))
      .map(entry),
  };
};

/** Serves `tarballs` as an npm registry does; `stall` sends half of that one and never the rest. */
async function registryOf(tarballs: Record<string, Buffer>, stall?: string): Promise<TestServer> {
  const byPath = new Map(
    Object.entries(tarballs).map(([n, b]) => [
      new URL(tarballUrl('http://x', { name: n, version: V })).pathname,
      [n, b] as const,
    ]),
  );
  return serve((req: IncomingMessage, res: ServerResponse) => {
    const found = byPath.get(req.url ?? '');
    if (!found) return void res.writeHead(404).end();
    const [name, body] = found;
    res.writeHead(200, { 'content-length': body.length });
    if (req.method === 'HEAD') return void res.end();
    if (name === stall) return void res.write(body.subarray(0, body.length >> 1));
    res.end(body);
  });
}

const left = (dir: string) => readdirSync(dir);

describe('llama.cpp builds on demand', { timeout: 240_000 }, () => {
  let registry: TestServer;
  before(async () => {
    registry = await registryOf(fake);
  });
  after(() => registry.close());
  /** The fake packages' CPU build into `folder`, from the fake registry, consenting: each test changes what it tries. */
  const install = (folder: string, options: Partial<Parameters<typeof installLlama>[0]> = {}) =>
    installLlama({
      folder,
      build: 'cpu',
      registry: registry.url,
      platform: linux,
      packages: pinsOf(fake),
      confirm: async () => true,
      ...options,
    });

  it('chooses the build this machine can run, and says why', () => {
    const libs = (names: string[]) => {
      const dir = mkdtempSync(join(work, 'libs-'));
      for (const n of names) writeFileSync(join(dir, n), '');
      return [dir];
    };
    const cuda = (m: number) => [`libcudart.so.${m}`, `libcublas.so.${m}`, `libcublasLt.so.${m}`];
    const gpu = () => true;
    const c13 = chooseBuild(linux, libs(['libcuda.so.1', ...cuda(13), ...cuda(12), 'libvulkan.so.1']), gpu);
    assert.deepEqual([c13.build, c13.cuda], ['cuda', 13]);
    assert.match(c13.why, /NVIDIA driver and CUDA 13's runtime/);
    const c12 = chooseBuild(linux, libs(['libcuda.so.1', ...cuda(12)]), gpu);
    assert.deepEqual([c12.build, c12.cuda], ['cuda', 12]);
    const noRuntime = chooseBuild(linux, libs(['libcuda.so.1', 'libvulkan.so.1']), gpu);
    assert.equal(noRuntime.build, 'vulkan');
    assert.match(noRuntime.why, /driver is here but no CUDA 13 or 12 runtime.*Vulkan's loader/);
    const mesaOnly = chooseBuild(linux, libs(['libvulkan.so.1']), () => false);
    assert.equal(mesaOnly.build, 'cpu');
    assert.match(mesaOnly.why, /no GPU/);
    assert.match(chooseBuild(linux, libs([]), gpu).why, /no NVIDIA driver .*no Vulkan loader/);
    assert.equal(chooseBuild({ platform: 'darwin', arch: 'arm64' }, []).build, 'metal');
    assert.equal(chooseBuild({ platform: 'linux', arch: 'arm64' }, []).build, 'cpu');
    const win = chooseBuild(
      { platform: 'win32', arch: 'x64' },
      libs(['nvcuda.dll', ...['cudart64_12.dll', 'cublas64_12.dll', 'cublasLt64_12.dll']]),
    );
    assert.deepEqual([win.build, win.cuda], ['cuda', 12]);
  });

  it('says why --device auto ran on the CPU build: none fits, the one that fits is not installed, or it did not load', () => {
    const cuda = { build: 'cuda' as const, cuda: 13 as const, why: 'the NVIDIA driver and CUDA 13 found' };
    assert.match(
      cpuFallbackReason({ build: 'cpu', why: 'no NVIDIA driver' }, ['cpu']),
      /no GPU build .* runs here: no NVIDIA driver/,
    );
    assert.match(
      cpuFallbackReason(cuda, ['cpu']),
      /cuda build would run here \(the NVIDIA driver .*\) but is not installed: Download llama\.cpp/,
    );
    assert.match(cpuFallbackReason(cuda, ['cpu', 'cuda']), /cuda build is here .* could not load it/);
  });

  it("names each build's packages, all pinned from package-lock.json", () => {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;
    assert.equal(LLAMA_PACKAGES.version, lock['node_modules/node-llama-cpp'].version);
    assert.equal(LLAMA_PACKAGES.runtime[0]?.path, 'node-llama-cpp');
    for (const p of LLAMA_PACKAGES.runtime) assert.equal(p.integrity, lock[`node_modules/${p.path}`].integrity, p.path);
    const pinned = new Map(LLAMA_PACKAGES.builds.map((b) => [b.name, b.integrity]));
    for (const b of LLAMA_PACKAGES.builds) assert.equal(b.integrity, lock[`node_modules/${b.name}`].integrity, b.name);
    assert.deepEqual(buildPackages('cuda', 12, linux), [
      '@node-llama-cpp/linux-x64-cuda',
      '@node-llama-cpp/linux-x64-cuda-ext',
    ]);
    assert.deepEqual(buildPackages('cuda', 13, linux), ['@node-llama-cpp/linux-x64-cuda']);
    assert.equal(buildPackages('metal', undefined, linux), undefined);
    assert.equal(buildPackages('cuda', 13, { platform: 'linux', arch: 'arm64' }), undefined);
    const everywhere = [
      ...(['cpu', 'cuda', 'vulkan'] as const).flatMap((b) => [
        ...(buildPackages(b, 12, linux) ?? []),
        ...(buildPackages(b, 12, { platform: 'win32', arch: 'x64' }) ?? []),
      ]),
      ...(buildPackages('metal', undefined, { platform: 'darwin', arch: 'arm64' }) ?? []),
      ...(buildPackages('cpu', undefined, { platform: 'darwin', arch: 'x64' }) ?? []),
      ...(buildPackages('cpu', undefined, { platform: 'linux', arch: 'arm64' }) ?? []),
    ];
    for (const n of everywhere) assert.match(pinned.get(n) ?? '', /^sha512-/, n);
  });

  it('refuses a tarball whose integrity differs from its pin, leaving nothing behind', async () => {
    const parent = mkdtempSync(join(work, 'mismatch-'));
    const folder = join(parent, 'llama-cpp');
    await assert.rejects(
      install(folder, { packages: pinsOf(fake, { 'hoisted-dep': integrity(Buffer.from('another package')) }) }),
      (e: ProviderError) => e.kind === 'package' && /hoisted-dep 9\.9\.9 .* is not the package we know/.test(e.message),
    );
    assert.deepEqual(left(parent), []);
  });

  it('says so when the registry cannot be reached, asking and leaving nothing', async () => {
    const closed = await serve(() => undefined);
    await closed.close();
    const parent = mkdtempSync(join(work, 'offline-'));
    let asked = false;
    await assert.rejects(
      install(join(parent, 'llama-cpp'), { registry: closed.url, confirm: async () => (asked = true) }),
      (e: ProviderError) =>
        e.kind === 'network' && /Cannot reach http:\/\/127\.0\.0\.1:\d+ .*npm registry that mirrors/.test(e.message),
    );
    assert.equal(asked, false);
    assert.deepEqual(left(parent), []);
  });

  it("refuses a folder that holds files of the user's, asking nothing and changing nothing", async () => {
    const folder = mkdtempSync(join(work, 'foreign-'));
    writeFileSync(join(folder, 'thesis.tex'), 'mine');
    const before = registry.requests.length;
    await assert.rejects(
      install(folder),
      (e: ProviderError) =>
        e.kind === 'package' && /holds files CarbonLens did not put there \(thesis\.tex\)/.test(e.message),
    );
    assert.equal(registry.requests.length, before);
    assert.deepEqual(readdirSync(folder), ['thesis.tex']);
  });

  it('fetches nothing without consent', async () => {
    const parent = mkdtempSync(join(work, 'declined-'));
    const before = registry.requests.length;
    await assert.rejects(
      install(join(parent, 'llama-cpp'), { confirm: async () => false }),
      (e: ProviderError) => e.kind === 'declined',
    );
    assert.ok(registry.requests.slice(before).every((r) => r.method === 'HEAD'));
    assert.deepEqual(left(parent), []);
  });

  it('stops on cancel mid-download, leaving the earlier install as it was', async () => {
    const stalling = await registryOf(fake, '@node-llama-cpp/linux-x64-vulkan');
    try {
      const folder = join(mkdtempSync(join(work, 'cancel-')), 'llama-cpp');
      const packages = pinsOf(fake);
      const first = await install(folder, { registry: stalling.url, packages });
      const stop = new AbortController();
      await assert.rejects(
        install(folder, {
          build: 'vulkan',
          registry: stalling.url,
          packages,
          signal: stop.signal,
          onProgress: (done) => done > 0 && stop.abort(),
        }),
        (e: ProviderError) => e.kind === 'cancelled',
      );
      assert.deepEqual(installedLlama(folder), first);
      assert.deepEqual(left(dirname(folder)), ['llama-cpp']);
    } finally {
      await stalling.close();
    }
  });

  it('lays out a tree where node-llama-cpp finds its dependencies and its build, and adds a build keeping the others', async () => {
    const folder = join(mkdtempSync(join(work, 'layout-')), 'llama-cpp');
    // What a killed install left (no process has that id): removed by the next install.
    mkdirSync(`${folder}.partial-999999999`);
    const packages = pinsOf(fake);
    let plan: { packages: number; bytes?: number; what: string } | undefined;
    const m = await installLlama({
      folder,
      build: 'cpu',
      registry: registry.url,
      platform: linux,
      packages,
      confirm: async (p) => ((plan = p), true),
    });
    const sizes = ['node-llama-cpp', 'nested-dep', 'hoisted-dep', '@node-llama-cpp/linux-x64'].map(
      (n) => fake[n as keyof typeof fake].length,
    );
    assert.deepEqual(plan, {
      build: 'cpu',
      what: 'node-llama-cpp 9.9.9 and the 2 packages it needs + @node-llama-cpp/linux-x64',
      registry: registry.url,
      packages: 4,
      bytes: sizes.reduce((a, b) => a + b),
    });
    assert.deepEqual(installedLlama(folder), m);
    assert.deepEqual(readdirSync(folder).sort(), [LLAMA_MANIFEST, 'node_modules']);
    assert.deepEqual(readdirSync(dirname(folder)), ['llama-cpp']);
    const nlc = await import(llamaEntry(folder));
    assert.deepEqual(nlc.deps, ['nested', 'hoisted']);
    const bins = await nlc.build('@node-llama-cpp/linux-x64');
    assert.equal(bins.packageVersion, 'linux-x64');
    assert.ok(bins.binsDir.startsWith(`file://${folder}/node_modules/@node-llama-cpp/linux-x64/`), bins.binsDir);

    // CUDA 12 here: the CUDA build and its CUDA 12 fallback are fetched, nothing else.
    const before = registry.requests.length;
    const m2 = await installLlama({
      folder,
      build: 'cuda',
      cuda: 12,
      registry: registry.url,
      platform: linux,
      packages,
      confirm: async () => true,
    });
    const got = registry.requests
      .slice(before)
      .filter((r) => r.method === 'GET')
      .map((r) => r.path)
      .sort();
    assert.deepEqual(got, [
      '/@node-llama-cpp/linux-x64-cuda-ext/-/linux-x64-cuda-ext-9.9.9.tgz',
      '/@node-llama-cpp/linux-x64-cuda/-/linux-x64-cuda-9.9.9.tgz',
    ]);
    assert.deepEqual(
      m2.builds.map((b) => [b.build, b.cuda]),
      [
        ['cpu', undefined],
        ['cuda', 12],
      ],
    );
    assert.ok(existsSync(join(folder, 'node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/llama-addon.node')));
    assert.equal(
      readFileSync(
        join(folder, 'node_modules/@node-llama-cpp/linux-x64-cuda/bins/linux-x64-cuda/llama-addon.node'),
        'utf8',
      ),
      'not really linux-x64-cuda',
    );

    const status = spawnSync(process.execPath, [cli, 'llama', 'status', '--json', '--dir', folder], {
      encoding: 'utf8',
    });
    assert.equal(status.status, 0, status.stderr);
    const s = JSON.parse(status.stdout);
    assert.deepEqual(
      s.installed.builds.map((b: { build: string }) => b.build),
      ['cpu', 'cuda'],
    );
    assert.equal(typeof s.choice.why, 'string');
  });

  it('the command line: a bad build, no consent without a terminal, and a registry whose tarballs differ from the pins', async () => {
    // Asynchronous: the registry answers from this process.
    const run = (args: string[]) =>
      new Promise<{ status: number | null; stderr: string }>((done) => {
        const child = spawn(process.execPath, [cli, 'llama', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (status) => done({ status, stderr }));
      });
    const bad = await run(['install', '--build', 'opencl']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--build must be one of cpu, cuda, vulkan, metal, not 'opencl'/);
    const action = await run(['upgrade']);
    assert.equal(action.status, 2);
    assert.match(action.stderr, /expected 'status' or 'install', not 'upgrade'/);
    // A registry that has every package, none of them the pinned one.
    const other = await serve((req, res) => {
      res.writeHead(200, { 'content-length': 5 });
      res.end(req.method === 'HEAD' ? undefined : 'other');
    });
    try {
      const parent = mkdtempSync(join(work, 'cli-'));
      const folder = join(parent, 'llama-cpp');
      const asked = await run(['install', '--build', 'cpu', '--dir', folder, '--registry', other.url]);
      assert.equal(asked.status, 1);
      assert.match(
        asked.stderr,
        /Needs node-llama-cpp \S+ and the \d+ packages it needs \+ @node-llama-cpp\/linux-x64 \(\d+ tarballs, [\d.]+ MB\) from 127\.0\.0\.1:\d+ into .*Pass --yes/,
      );
      assert.ok(other.requests.every((r) => r.method === 'HEAD'));
      const real = await run(['install', '--build', 'cpu', '--dir', folder, '--registry', other.url, '--yes']);
      assert.equal(real.status, 1, real.stderr);
      assert.match(real.stderr, /is not the package we know .*nothing was installed/);
      assert.deepEqual(left(parent), []);
    } finally {
      await other.close();
    }
  });
});

// The real thing, with no network: node-llama-cpp, its run-time tree and the CPU build as npm
// would serve them, packed from node_modules, installed into a temporary folder from which
// nothing of this checkout resolves; a child process loads node-llama-cpp from there and
// generates from a tiny GGUF on the CPU build.
describe('node-llama-cpp and its CPU build from an install', {
  timeout: 300_000,
  skip: process.platform !== 'linux' || process.arch !== 'x64' ? 'the CPU build packed here is Linux x64' : false,
}, () => {
  it('loads and generates', async () => {
    const wanted = [
      ...LLAMA_PACKAGES.runtime,
      {
        ...LLAMA_PACKAGES.builds.find((b) => b.name === '@node-llama-cpp/linux-x64')!,
        path: '@node-llama-cpp/linux-x64',
      },
    ];
    const tarballs = new Map<string, Buffer>();
    for (const p of wanted) tarballs.set(tarballUrl('', p), tgzOfFolder(join(root, 'node_modules', p.path)));
    const registry = await serve((req, res) => {
      const body = tarballs.get(req.url ?? '');
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    try {
      const folder = join(tempDir('cl-llama-real-'), 'llama-cpp');
      after(() => rmSync(dirname(folder), { recursive: true, force: true }));
      const packages: LlamaPackages = {
        version: LLAMA_PACKAGES.version,
        runtime: LLAMA_PACKAGES.runtime.map((p) => ({ ...p, integrity: integrity(tarballs.get(tarballUrl('', p))!) })),
        builds: LLAMA_PACKAGES.builds.map((b) => {
          const body = tarballs.get(tarballUrl('', b));
          return body ? { ...b, integrity: integrity(body) } : b;
        }),
      };
      await installLlama({ folder, build: 'cpu', registry: registry.url, packages, confirm: async () => true });
      const model = writeTinyGguf(join(dirname(folder), 'tiny.gguf'));
      const script = `
        const { getLlama, LlamaLogLevel } = await import(${JSON.stringify(llamaEntry(folder))});
        const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, logLevel: LlamaLogLevel.error, progressLogs: false });
        const model = await llama.loadModel({ modelPath: ${JSON.stringify(model)}, gpuLayers: 0 });
        const context = await model.createContext({ contextSize: 128, threads: 1 });
        const seq = context.getSequence();
        let n = 0;
        for await (const t of seq.evaluate(model.tokenize('hello'), { temperature: 0 })) if (++n >= 2) break;
        console.log(JSON.stringify({ gpu: llama.gpu, tokens: n }));
        await context.dispose(); await model.dispose(); await llama.dispose();`;
      // A file, not -e: node-llama-cpp tests its binding in a fork that takes this process's options.
      const file = join(dirname(folder), 'load.mjs');
      writeFileSync(file, script);
      const r = spawnSync(process.execPath, [file], {
        cwd: dirname(folder),
        encoding: 'utf8',
        env: { ...process.env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true', NODE_PATH: '' },
        timeout: 240_000,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), { gpu: false, tokens: 2 });
    } finally {
      await registry.close();
    }
  });
});
