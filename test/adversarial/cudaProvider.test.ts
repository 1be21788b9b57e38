// A NuGet feed is untrusted: it must not make us delete a user's folder, fill the disk with a
// bomb, or install a package other than the one we know.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { zipSync } from 'fflate';
import { installCudaProvider, LIMITS, MANIFEST, type ProviderError } from '../../src/core/models/cudaProvider';
import { serve } from '../support/server';
import { runMain } from '../unit/runMain';
import { nugetFeed } from '../support/nugetFeed';
import { tempDir } from '../support/tempDir';

const ortPackage = join(resolve(__dirname, '../../..'), 'node_modules', 'onnxruntime-node');
const nupkg = zipSync({
  'runtimes/linux-x64/native/libonnxruntime_providers_cuda.so': new Uint8Array(5000),
  'runtimes/linux-x64/native/libonnxruntime_providers_shared.so': new TextEncoder().encode('shared'),
});
const fresh = () => join(tempDir('cl-adv-cuda-'), 'runtime');
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
    await assert.rejects(install(folder), kind('package', /holds files CarbonLens did not put there \(thesis\.tex\)/));
    assert.deepEqual(readdirSync(folder), ['thesis.tex']);
    assert.ok(!good.hits.some((h) => h.includes('flatcontainer')), 'refused before any request');
  });

  it('--dir: never replaces a folder that holds a manifest beside other files', async () => {
    const folder = fresh();
    mkdirSync(join(folder, 'node_modules'), { recursive: true });
    writeFileSync(join(folder, MANIFEST), '{}');
    writeFileSync(join(folder, 'thesis.tex'), 'years of work');
    await assert.rejects(install(folder), kind('package', /holds files CarbonLens did not put there \(thesis\.tex\)/));
    assert.deepEqual(readdirSync(folder).sort(), [MANIFEST, 'node_modules', 'thesis.tex'].sort());
    assert.ok(!good.hits.some((h) => h.includes('flatcontainer')), 'refused before any request');
  });

  it('--dir "": refused before any request, nothing deleted', async () => {
    const cwd = readdirSync('.');
    const hits = good.hits.length;
    await assert.rejects(install(''), kind('package', /install folder is empty/));
    const r = await runMain('cuda-provider', 'install', '--dir', '', '--cuda', '12', '--yes', '--feed', good.index());
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /--dir is empty/);
    assert.equal(good.hits.length, hits, 'no request');
    assert.deepEqual(readdirSync('.'), cwd);
  });

  for (const [what, index, text] of [
    ['without @type', { resources: [{ '@id': 'http://127.0.0.1:1/' }] }, /no PackageBaseAddress/],
    ['with null resources', { resources: null }, /has no list of resources/],
    ['with a null resource', { resources: [null] }, /no PackageBaseAddress/],
    ['that is null', null, /has no list of resources/],
    ['in HTML', '<html><body>Sign in</body></html>', /not JSON \(an HTML page/],
  ] as const) {
    it(`a feed index ${what} gets a message about the feed, not JavaScript's`, async () => {
      const s = await serve((_req, res) => res.end(typeof index === 'string' ? index : JSON.stringify(index)));
      try {
        await assert.rejects(
          installCudaProvider({
            folder: fresh(),
            feed: `${s.url}/v3/index.json`,
            ortPackage,
            confirm: async () => true,
          }),
          (e: ProviderError) => {
            assert.match(e.message, text);
            assert.doesNotMatch(e.message, /Cannot read|TypeError|Unexpected token|is not a function/);
            return e instanceof Error && Boolean(e.kind);
          },
        );
      } finally {
        await s.close();
      }
    });
  }

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
