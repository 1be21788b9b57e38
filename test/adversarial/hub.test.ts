// A hub (or a mirror set by HF_ENDPOINT) is untrusted: names that leave the cache, redirects
// that would carry the token elsewhere, bodies larger than declared, bodies that never end.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { displayUrl, HubClient, type HubError, isInside, isSafeRepoPath, sameOrigin } from '../../src/core/models/hub';
import { serve, type TestServer } from '../support/server';
import { tempDir } from '../support/tempDir';

const repo = { id: 'org/m', type: 'model' as const };
const body = Buffer.from('{"model_type":"vit"}');
const sha1 = createHash('sha1').update(`blob ${body.length}\0`).update(body).digest('hex');
let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

/** A hub that lists `names` and serves `config.json` through `onGet`. */
async function hub(names: string[], onGet: Parameters<typeof serve>[0], head: Record<string, string | number> = {}) {
  const s = await serve((req, res) => {
    if (req.url?.startsWith('/api/')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sha: 'a'.repeat(40), siblings: names.map((rfilename) => ({ rfilename })) }));
    } else if (req.method === 'HEAD') {
      res.writeHead(200, { etag: `"${sha1}"`, 'content-length': body.length, ...head });
      res.end();
    } else onGet(req, res);
  });
  servers.push(s);
  return s;
}

const fetchConfig = (endpoint: string, cacheDir: string, extra: object = {}) =>
  new HubClient({ endpoint, cacheDir, ...extra }).snapshot(repo, () => ({ required: ['config.json'], optional: [] }));

describe('a hostile hub', { timeout: 60_000 }, () => {
  it('paths: only plain relative names inside the folder', () => {
    for (const bad of [
      '../x',
      'onnx/model.onnx_data/../../../../tmp/x',
      '/etc/passwd',
      'a\\b',
      'a\0b',
      'a//b',
      './a',
      '',
      7,
      null,
    ])
      assert.equal(isSafeRepoPath(bad), false, String(bad));
    for (const good of ['config.json', 'onnx/model.onnx_data_1', 'unet/model.onnx', '..foo'])
      assert.ok(isSafeRepoPath(good), good);
    assert.ok(isInside('/c/models/a', '/c/models/a/onnx/x'));
    assert.ok(!isInside('/c/models/a', '/c/models/a/../b'));
    assert.ok(!isInside('/c/models/a', '/c/models/a'));
  });

  it('refuses a listing with a name that leaves the cache, and writes nothing', async () => {
    const cache = tempDir('cl-adv-');
    const escaped = join(cache, 'escaped');
    const s = await hub(
      ['config.json', 'onnx/model.onnx', `onnx/model.onnx_data/../../../../../${escaped.slice(1)}`],
      (_req, res) => res.end(body),
    );
    await assert.rejects(fetchConfig(s.url, join(cache, 'hub')), (e: HubError) => {
      assert.match(e.message, /not a plain path inside the repository.*nothing was downloaded/);
      return true;
    });
    assert.equal(existsSync(escaped), false);
    assert.equal(existsSync(join(cache, 'hub')), false, 'no folder was even made');
  });

  it('a listing of the wrong shape is a message about the hub, not a TypeError', async () => {
    const s = await serve((_req, res) => res.end(JSON.stringify({ siblings: 'nope' })));
    servers.push(s);
    await assert.rejects(
      fetchConfig(s.url, tempDir('cl-adv-')),
      /answered the file listing of org\/m in a form it does not use/,
    );
  });

  it('compares origins, not string prefixes, before sending the token', () => {
    assert.ok(sameOrigin('https://huggingface.co', 'https://huggingface.co/api/x'));
    assert.ok(!sameOrigin('https://huggingface.co', 'https://huggingface.co.evil.example/x'));
    assert.ok(!sameOrigin('https://huggingface.co', 'http://huggingface.co/x'));
    assert.ok(!sameOrigin('https://huggingface.co', 'https://huggingface.co:8443/x'));
  });

  it('never sends the token across a redirect to another origin', async () => {
    const elsewhere = await serve((_req, res) => res.end(body));
    servers.push(elsewhere);
    const s = await hub(['config.json'], (_req, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/cdn/config.json` });
      res.end();
    });
    await fetchConfig(s.url, tempDir('cl-adv-'), { token: 'hf_secret' });
    assert.ok(
      s.requests.some((r) => r.headers.authorization === 'Bearer hf_secret'),
      'the hub itself gets the token',
    );
    assert.equal(elsewhere.requests.length, 1, 'the redirect was followed');
    assert.equal(elsewhere.requests[0]!.headers.authorization, undefined, 'the other origin got no token');
  });

  it('stops a body larger than declared at once, and removes it', async () => {
    let sent = 0;
    const s = await hub(['config.json'], (_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 32);
      const pump = () => {
        while (sent < 50 * 2 ** 20 && res.write(chunk)) sent += chunk.length;
        if (sent < 50 * 2 ** 20) res.once('drain', pump);
        else res.end();
      };
      res.on('error', () => {});
      pump();
    });
    const cache = tempDir('cl-adv-');
    await assert.rejects(fetchConfig(s.url, cache), /larger than the 20 bytes .* declared: stopped and removed/);
    assert.ok(sent < 10 * 2 ** 20, `the client kept reading: ${sent} bytes sent`);
    const folder = join(cache, 'models', 'org', 'm');
    assert.deepEqual(
      readdirSync(folder).filter((f) => f.endsWith('.part')),
      [],
    );
  });

  it('gives up on a body that drips, with a message, keeping what arrived for a resume', async () => {
    const s = await hub(['config.json'], (_req, res) => {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 3)); // then nothing
    });
    const cache = tempDir('cl-adv-');
    await assert.rejects(
      fetchConfig(s.url, cache, { idleTimeoutMs: 300 }),
      /sent nothing for 0\.3 s\. What arrived is kept: run again to resume/,
    );
    const folder = join(cache, 'models', 'org', 'm');
    const part = readdirSync(folder).find((f) => f.endsWith('.part'))!;
    assert.equal(statSync(join(folder, part)).size, 3);
  });

  it('never shows the credentials of an HF_ENDPOINT, and sends them as Basic authentication to it alone', async () => {
    assert.equal(displayUrl('https://user:pa55@mirror.example/hub'), 'https://mirror.example/hub');
    const s = await hub(['config.json'], (_req, res) => res.end(body));
    const r = await fetchConfig(s.url.replace('//', '//user:pa55@'), tempDir('cl-adv-'));
    assert.equal(r.from, 'network');
    assert.ok(
      s.requests.every((q) => q.headers.authorization === `Basic ${Buffer.from('user:pa55').toString('base64')}`),
    );
    const closed = fetchConfig('http://user:pa55@127.0.0.1:9/', tempDir('cl-adv-'));
    await assert.rejects(
      closed,
      (e: Error) => !e.message.includes('pa55') && /Cannot reach http:\/\/127\.0\.0\.1:9/.test(e.message),
    );
  });
});
