// The CUDA 13 build from an npm registry on localhost: the two tarballs, checked against their
// integrity, paired into a runtime copy that the CLI then tries first on --device auto.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CUDA_NEEDS, detectCuda } from '../../src/core/models/cudaDetect';
import { installedProvider, type ProviderError, runtimeFolder } from '../../src/core/models/cudaProvider';
import { CUDA13_BUILD, installCuda13Provider, tarballUrl } from '../../src/core/models/cudaProviderNpm';
import { benchAutoWithRuntime } from '../support/benchAuto';
import { serve, type TestServer } from '../support/server';
import { tgz } from '../support/tgz';
import { tempDir } from '../support/tempDir';

const root = resolve(__dirname, '../../..');
const ortPackage = join(root, 'node_modules', 'onnxruntime-node');
const integrity = (b: Buffer) => `sha512-${createHash('sha512').update(b).digest('base64')}`;

// The provider package as the registry has it, and a runtime tarball made of the onnxruntime-node we ship.
const providerTgz = tgz({
  'package/package.json': '{}',
  'package/Plugins/Linux/x64/libonnxruntime_providers_cuda.so': 'not really cuda 13',
  'package/Plugins/Linux/x64/libonnxruntime_providers_shared.so': 'not really shared',
  'package/Plugins/Linux/x64/libonnxruntime_providers_tensorrt.so': 'not wanted',
});
const bin = join(ortPackage, 'bin', 'napi-v6', 'linux', 'x64');
const runtimeTgz = tgz({
  'package/package.json': readFileSync(join(ortPackage, 'package.json')),
  ...Object.fromEntries(
    readdirSync(join(ortPackage, 'dist'))
      .filter((f) => f.endsWith('.js'))
      .map((f) => [`package/dist/${f}`, readFileSync(join(ortPackage, 'dist', f))]),
  ),
  ...Object.fromEntries(
    readdirSync(bin).map((f) => [`package/bin/napi-v6/linux/x64/${f}`, readFileSync(join(bin, f))]),
  ),
});
const pins = { provider: integrity(providerTgz), runtime: integrity(runtimeTgz) };

describe('the CUDA 13 provider, from an npm registry', {
  timeout: 120_000,
  skip: process.platform !== 'linux' || process.arch !== 'x64' ? 'Linux x64 only' : false,
}, () => {
  let registry: TestServer;
  before(async () => {
    const files = new Map([
      [new URL(tarballUrl('http://x', CUDA13_BUILD.provider)).pathname, providerTgz],
      [new URL(tarballUrl('http://x', CUDA13_BUILD.runtime)).pathname, runtimeTgz],
    ]);
    registry = await serve((req, res) => {
      const body = files.get(req.url ?? '');
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  after(() => registry.close());

  it('finds which CUDA a folder of libraries is', () => {
    const dir = tempDir('cl-cudalibs-');
    for (const n of CUDA_NEEDS[13]) writeFileSync(join(dir, n), '');
    const r = detectCuda([dir]);
    assert.equal(r.usable, 13);
    assert.match(r.summary, /CUDA 13 and cuDNN 9 found/);
    assert.equal(detectCuda([]).usable, undefined);
    assert.match(detectCuda([]).summary, /CUDA 13 lacks libcudart\.so\.13/);
  });

  it('refuses tarballs whose integrity differs from the pinned values, installing nothing', async () => {
    const folder = join(tempDir('cl-cuda13-'), 'runtime');
    await assert.rejects(
      installCuda13Provider({ folder, registry: registry.url, ortPackage, confirm: async () => true }),
      (e: ProviderError) => e.kind === 'package' && /is not the package we know/.test(e.message),
    );
    assert.deepEqual(readdirSync(dirname(folder)), []);
  });

  it('asks with both sizes, builds the copy, and the bench tries CUDA first with it', async () => {
    const folder = runtimeFolder(tempDir('cl-cuda13-'));
    let asked: number | undefined;
    const manifest = await installCuda13Provider({
      folder,
      registry: registry.url,
      ortPackage,
      integrity: pins,
      confirm: async (p) => ((asked = p.bytes), true),
    });
    assert.equal(asked, providerTgz.length + runtimeTgz.length);
    assert.deepEqual([manifest.cuda, manifest.ortVersion, manifest.pinned], [13, '1.29.0', true]);
    assert.deepEqual(installedProvider(folder), manifest);
    const copy = join(folder, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64');
    assert.deepEqual(readdirSync(copy).sort(), [
      'libonnxruntime.so.1',
      'libonnxruntime_providers_cuda.so',
      'libonnxruntime_providers_shared.so',
      'onnxruntime_binding.node',
    ]);
    assert.equal(readFileSync(join(copy, 'libonnxruntime_providers_cuda.so'), 'utf8'), 'not really cuda 13');

    // CUDA 13's libraries as empty files on the loader's path: the check passes, and onnxruntime
    // itself then fails to load the (fake) provider from the copy's folder, and the bench falls back.
    const libs = tempDir('cl-cudalibs-');
    for (const n of CUDA_NEEDS[13]) writeFileSync(join(libs, n), '');
    const run = benchAutoWithRuntime(folder, { LD_LIBRARY_PATH: libs });
    assert.equal(run.status, 0, run.stderr);
    const attempt = JSON.parse(run.stdout).result.attempts[0];
    assert.equal(attempt.device, 'cuda');
    assert.equal(attempt.ok, false);
    assert.doesNotMatch(attempt.reason, /not found here/, 'the check passed; onnxruntime itself tried the provider');
    const status = spawnSync(
      process.execPath,
      [join(root, 'dist/cli.js'), 'cuda-provider', 'status', '--dir', folder],
      { encoding: 'utf8', env: { ...process.env, LD_LIBRARY_PATH: libs } },
    );
    assert.match(status.stdout, /CUDA 13 provider \(onnxruntime 1\.29\.0/);
    assert.match(status.stdout, /CUDA 13 and cuDNN 9 found/);
  });
});
