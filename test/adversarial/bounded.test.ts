// Metadata answers (a hub's file listing, a live intensity) are bounded in size and time: a peer
// that streams without end, never answers, or drips its answer gets a clean error naming the
// host and the limit, never a hang, gigabytes of memory, or "not JSON".
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { METADATA_LIMITS } from '../../src/core/boundedJson';
import { getJson, type LiveError } from '../../src/core/carbon/live';
import { HubClient, type HubError } from '../../src/core/models/hub';
import { serve, type TestServer } from '../support/server';
import { UserError } from '../../src/core/userError';
import { tempDir } from '../support/tempDir';

const saved = { ...METADATA_LIMITS };
let servers: TestServer[] = [];
const open: ServerResponse[] = [];
beforeEach(() => Object.assign(METADATA_LIMITS, { bytes: 64 * 1024, ms: 1000 }));
afterEach(async () => {
  Object.assign(METADATA_LIMITS, saved);
  for (const res of open.splice(0)) res.destroy();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

type Behaviour = 'huge' | 'silent' | 'drip';
/** A peer that answers every GET as `behaviour` says. */
async function peer(behaviour: Behaviour): Promise<TestServer> {
  const s = await serve((_req, res) => {
    open.push(res);
    if (behaviour === 'silent') return; // headers never come
    res.writeHead(200, { 'content-type': 'application/json' });
    if (behaviour === 'drip')
      res.write('{"sha":"'); // and nothing more, ever
    // Four times the cap, then an end that is not JSON: an unbounded reader says "not JSON".
    else res.end(`[${'"x",'.repeat(METADATA_LIMITS.bytes)}`);
  });
  servers.push(s);
  return s;
}

const listing = (url: string) =>
  new HubClient({ endpoint: url, cacheDir: tempDir('cl-adv-bound-') }).listFiles({
    id: 'org/m',
    type: 'model',
  });

describe('bounded metadata requests', { timeout: 60_000 }, () => {
  const expected: Record<Behaviour, RegExp> = {
    huge: /127\.0\.0\.1:\d+ sent an answer larger than 64 KB, the limit for metadata/,
    // The hub's listing says it in the catalogue's words ("Cannot reach HOST ... (no answer within 1 s)").
    silent: /127\.0\.0\.1:\d+ (did not answer|.*\(no answer) within 1 s/,
    // A drip is a timeout: on a busy machine the headers themselves may come after the limit.
    drip: /127\.0\.0\.1:\d+ (did not (finish its answer|answer)|.*\(no answer) within 1 s/,
  };
  // The size case has time to spare: only its size may stop it, however busy the machine.
  const limitMs = (behaviour: Behaviour) => (behaviour === 'huge' ? 15_000 : 1000);
  for (const behaviour of ['huge', 'silent', 'drip'] as const) {
    it(`hub file listing: ${behaviour}`, { timeout: 20_000 }, async () => {
      METADATA_LIMITS.ms = limitMs(behaviour);
      const s = await peer(behaviour);
      await assert.rejects(listing(s.url), (e: HubError) => {
        assert.equal(e.kind, 'network', e.message);
        assert.ok(e instanceof UserError, 'one error shape: kind, message');
        assert.match(e.message, expected[behaviour]);
        return true;
      });
    });

    it(`live intensity answer: ${behaviour}`, { timeout: 20_000 }, async () => {
      const s = await peer(behaviour);
      const timeoutMs = limitMs(behaviour);
      await assert.rejects(getJson(`${s.url}/intensity`, {}, { timeoutMs }, 'the UK API'), (e: LiveError) => {
        assert.match(
          e.message,
          behaviour === 'huge'
            ? expected.huge
            : /the UK API(: 127\.0\.0\.1:\d+)? did not (finish its answer|answer) within 1 s/,
        );
        assert.doesNotMatch(e.message, /not JSON/);
        return true;
      });
    });
  }
});
