// Run Benchmark asks the hub whether it answers, within a bound, once a session; offline, the
// first picker leads with what runs here (src/extension/offlineStart.ts, src/core/models/offline.ts).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MANIFEST } from '../../src/core/models/hub';
import { cachedDtypes, hubUnreachable } from '../../src/core/models/offline';
import { hubOffline, offlineStartItems, startSamples } from '../../src/extension/offlineStart';
import { tempDir } from '../support/tempDir';

/** A local server; `answer` false: it takes the connection and never answers. */
async function hub(answer: boolean): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((_req, res) => {
    requests++;
    if (answer) res.writeHead(401).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe("the hub's reachability, and what runs without it", { timeout: 30_000 }, () => {
  const dir = tempDir('carbonlens-reach-');

  it('a hub that answers, whatever the status, is reachable', async () => {
    const h = await hub(true);
    try {
      assert.equal(await hubUnreachable(h.url), undefined);
      assert.equal(h.requests(), 1);
    } finally {
      await h.close();
    }
  });

  it('a hub that takes the connection and does not answer within the bound is offline, and says so', async () => {
    const h = await hub(false);
    try {
      const why = await hubUnreachable(h.url, fetch, 200);
      assert.equal(why, `${new URL(h.url).host} did not answer within 0.2 s`);
      assert.equal(h.requests(), 1, 'it was asked');
    } finally {
      await h.close();
    }
  });

  it('a port where nothing listens is offline, with the reason', async () => {
    const h = await hub(true);
    await h.close(); // the port is free again: connections are refused
    assert.match((await hubUnreachable(h.url)) ?? '', /^127\.0\.0\.1:\d+ cannot be reached \(ECONNREFUSED\)$/);
  });

  it('is asked once a session for each endpoint; the offline setting asks nothing', async () => {
    const h = await hub(true);
    try {
      const checks = new Map<string, Promise<string | undefined>>();
      assert.equal(await hubOffline(checks, h.url, false), undefined);
      assert.equal(await hubOffline(checks, h.url, false), undefined);
      assert.equal(h.requests(), 1, 'kept for the session');
      assert.equal(await hubOffline(checks, h.url, true), 'the setting carbonlens.hub.offline is on');
      assert.equal(h.requests(), 1);
    } finally {
      await h.close();
    }
  });

  it('offline, leads with a model on this machine on a built-in set, then a task with a model to choose', () => {
    const cache = join(dir, 'hub');
    const lm = join(cache, 'models', 'org', 'tiny-lm');
    mkdirSync(lm, { recursive: true });
    writeFileSync(
      join(lm, MANIFEST),
      JSON.stringify({ files: { 'config.json': {}, 'onnx/model_q4.onnx': {}, 'onnx/model.onnx': {} } }),
    );
    const ocr = join(dir, 'my-ocr');
    mkdirSync(ocr);
    const last = { 'image-to-text': ocr, 'text-generation': join(dir, 'gone') } as Record<string, string>;
    const items = offlineStartItems(cache, (t) => last[t]);
    assert.deepEqual(
      items.map((i) => [i.start?.task, i.start?.model]),
      [
        ['image-to-text', ocr],
        ['text-generation', 'org/tiny-lm'],
        ['image-to-text', undefined],
        ['text-generation', undefined],
      ],
      'a folder no longer there is left out',
    );
    for (const i of items) assert.match(`${i.description}`, /works offline/);
    assert.match(items[0]!.label, /my-ocr on words drawn here/);
    assert.match(items[0]!.detail!, /300 items on auto/);
    assert.equal(startSamples('text-generation'), 100, 'the default, within the 100 questions');
    assert.deepEqual(cachedDtypes(cache, 'text-generation', 'org/tiny-lm')?.sort(), ['fp32', 'q4']);
    assert.deepEqual(offlineStartItems(join(dir, 'empty'), () => undefined).length, 2, 'nothing here: choose a model');
  });
});
