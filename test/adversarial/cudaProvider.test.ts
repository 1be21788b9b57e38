// A NuGet feed is untrusted: it must not make us delete a user's folder, fill the disk with a
// bomb, or install a package other than the one we know.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { zipSync } from 'fflate';
import { installCudaProvider, LIMITS, type ProviderError } from '../../src/core/models/cudaProvider';
import { nugetFeed } from '../support/nugetFeed';

const ortPackage = join(resolve(__dirname, '../../..'), 'node_modules', 'onnxruntime-node');
const nupkg = zipSync({
  'runtimes/linux-x64/native/libonnxruntime_providers_cuda.so': new Uint8Array(5000),
  'runtimes/linux-x64/native/libonnxruntime_providers_shared.so': new TextEncoder().encode('shared'),
});
const fresh = () => join(mkdtempSync(join(tmpdir(), 'cl-adv-cuda-')), 'runtime');
const kind = (k: ProviderError['kind'], text: RegExp) => (e: ProviderError) => e.kind === k && text.test(e.message);

describe('a hostile NuGet feed', {
  timeout: 60_000,
  skip: process.platform !== 'linux' || process.arch !== 'x64' ? 'Linux x64 only' : false,
}, () => {
  const good = nugetFeed(nupkg);
  before(() => new Promise<void>((r) => good.server.listen(0, '127.0.0.1', () => r())));
  after(() => good.server.close());
  const install = (folder: string, extra: object = {}) =>
    installCudaProvider({ folder, feed: good.index(), ortPackage, confirm: async () => true, ...extra });

  it('--dir: never replaces a folder that holds files it did not make', async () => {
    const folder = fresh();
    mkdirSync(folder);
    writeFileSync(join(folder, 'thesis.tex'), 'years of work');
    await assert.rejects(install(folder), kind('package', /is not empty and was not made by CarbonLens/));
    assert.deepEqual(readdirSync(folder), ['thesis.tex']);
    assert.ok(!good.hits.some((h) => h.includes('flatcontainer')), 'refused before any request');
  });

  it('replaces its own earlier install', async () => {
    const folder = fresh();
    await install(folder);
    const again = await install(folder);
    assert.equal(again.pinned, false, 'no pin for this version: the manifest says so');
  });

  it('installs nothing whose sha256 differs from the pinned one', async () => {
    const folder = fresh();
    await assert.rejects(install(folder, { sha256: '0'.repeat(64) }), kind('package', /is not the package we know/));
    assert.deepEqual(readdirSync(dirname(folder)), []);
  });

  it('stops an entry that inflates beyond the bound (a zip bomb)', async () => {
    const saved = { ...LIMITS };
    LIMITS.entryBytes = 1000;
    try {
      const folder = fresh();
      await assert.rejects(install(folder), kind('package', /inflates beyond 1000 bytes/));
      assert.deepEqual(readdirSync(dirname(folder)), []);
    } finally {
      Object.assign(LIMITS, saved);
    }
  });

  it('refuses a package declared far larger than the real one, before asking', async () => {
    const saved = { ...LIMITS };
    LIMITS.packageBytes = 100;
    let asked = false;
    try {
      await assert.rejects(
        install(fresh(), { confirm: async () => (asked = true) }),
        kind('package', /far above the real package's size: refused, nothing downloaded/),
      );
      assert.equal(asked, false);
    } finally {
      Object.assign(LIMITS, saved);
    }
  });

  it('plain http only to this machine', async () => {
    const folder = fresh();
    await assert.rejects(
      installCudaProvider({
        folder,
        feed: 'http://nuget.example/v3/index.json',
        ortPackage,
        confirm: async () => true,
      }),
      kind('http', /must be https/),
    );
    assert.ok(!existsSync(folder));
  });
});
