import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { zipSync } from 'fflate';
import {
  installCudaProvider,
  installedProvider,
  type ProviderError,
  runtimeFolder,
} from '../../src/core/models/cudaProvider';
import { benchAutoWithRuntime } from '../support/benchAuto';
import { nugetFeed as feed } from '../support/nugetFeed';
import { tempDir } from '../support/tempDir';

const root = resolve(__dirname, '../../..');
const ortPackage = join(root, 'node_modules', 'onnxruntime-node');
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

const fakeLib = (name: string) => new TextEncoder().encode(`not really ${name}`);
const nupkg = zipSync({
  '[Content_Types].xml': new TextEncoder().encode('<Types/>'),
  'runtimes/linux-x64/native/libonnxruntime_providers_cuda.so': fakeLib('cuda'),
  'runtimes/linux-x64/native/libonnxruntime_providers_shared.so': fakeLib('shared'),
  'runtimes/linux-x64/native/libonnxruntime_providers_tensorrt.so': fakeLib('tensorrt'),
});

describe('the CUDA provider, fetched with consent from a NuGet feed', {
  skip: linuxX64 ? false : 'onnxruntime publishes the provider for Linux x64 only',
}, () => {
  const good = feed(nupkg);
  before(() => new Promise<void>((r) => good.server.listen(0, '127.0.0.1', () => r())));
  after(() => good.server.close());

  it('asks with the size first; a no downloads nothing and leaves nothing', async () => {
    const folder = join(tempDir('cl-cuda-'), 'runtime');
    let asked: { bytes?: number; url: string } | undefined;
    await assert.rejects(
      installCudaProvider({ folder, feed: good.index(), ortPackage, confirm: async (plan) => ((asked = plan), false) }),
      (e: ProviderError) => e.kind === 'declined',
    );
    assert.equal(asked?.bytes, nupkg.length);
    assert.match(asked!.url, /microsoft\.ml\.onnxruntime\.gpu\.linux\.\d/);
    assert.ok(!good.hits.some((h) => h.startsWith('GET /v3-flatcontainer')), 'no byte of the package was fetched');
    assert.deepEqual(readdirSync(dirname(folder)), []);
  });

  it('builds a copy of onnxruntime-node with the providers beside libonnxruntime, and the bench tries CUDA first, then falls back saying why', async () => {
    const storage = tempDir('cl-cuda-');
    const folder = runtimeFolder(storage);
    const manifest = await installCudaProvider({ folder, feed: good.index(), ortPackage, confirm: async () => true });
    assert.equal(manifest.bytes, nupkg.length);
    assert.match(manifest.sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(installedProvider(folder), manifest);
    const bin = join(folder, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64');
    assert.deepEqual(readdirSync(bin).sort(), [
      'libonnxruntime.so.1',
      'libonnxruntime_providers_cuda.so',
      'libonnxruntime_providers_shared.so',
      'onnxruntime_binding.node',
    ]);
    assert.equal(readFileSync(join(bin, 'libonnxruntime_providers_cuda.so'), 'utf8'), 'not really cuda');
    assert.ok(
      lstatSync(join(folder, 'node_modules/onnxruntime-common')).isSymbolicLink(),
      'one onnxruntime-common for the bundle and the copy',
    );
    assert.ok(!readdirSync(storage, { recursive: true }).some((f) => String(f).includes('.partial')));

    // The CLI picks the copy up from CARBONLENS_ORT_DIR: auto tries CUDA, which cannot load here (the libraries are fakes), and runs on the next device.
    const run = benchAutoWithRuntime(folder);
    assert.equal(run.status, 0, run.stderr);
    const record = JSON.parse(run.stdout) as {
      result: { device: string; attempts: { device: string; ok: boolean; reason?: string }[] };
    };
    assert.equal(record.result.attempts[0].device, 'cuda');
    assert.equal(record.result.attempts[0].ok, false);
    assert.ok(record.result.attempts[0].reason, 'the fallback says why');
    assert.notEqual(record.result.device, 'cuda');
  });

  it('a damaged package or an unreachable feed fails with a clear error and leaves no files', async () => {
    const bad = feed(new TextEncoder().encode('this is not a zip file at all'));
    await new Promise<void>((r) => bad.server.listen(0, '127.0.0.1', () => r()));
    try {
      const folder = join(tempDir('cl-cuda-'), 'runtime');
      await assert.rejects(
        installCudaProvider({ folder, feed: bad.index(), ortPackage, confirm: async () => true }),
        (e: ProviderError) => e.kind === 'package',
      );
      assert.deepEqual(readdirSync(dirname(folder)), []);
    } finally {
      bad.server.close();
    }
    const folder = join(tempDir('cl-cuda-'), 'runtime');
    await assert.rejects(
      installCudaProvider({ folder, feed: 'http://127.0.0.1:9/v3/index.json', ortPackage, confirm: async () => true }),
      (e: ProviderError) => e.kind === 'network' && /Cannot reach http:\/\/127\.0\.0\.1:9/.test(e.message),
    );
    assert.ok(!existsSync(folder));
  });
});
