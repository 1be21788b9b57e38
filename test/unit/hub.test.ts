import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { HubClient, type HubError, type DownloadPlan } from '../../src/core/models/hub';
import { resolveModel } from '../../src/core/models/modelSource';
import { startMockHub, type MockHub } from './mockHub';
import { tempDir } from '../support/tempDir';

const big = Buffer.alloc(64 * 1024, 7).map((_, i) => (i * 31) % 251);
const files = () =>
  new Map<string, Buffer>([
    ['config.json', Buffer.from('{"model_type":"vit","id2label":{"0":"a"}}')],
    ['preprocessor_config.json', Buffer.from('{}')],
    ['onnx/model.onnx', Buffer.from(big)],
    ['onnx/model_quantized.onnx', Buffer.from(big.subarray(0, 2048))],
    ['README.md', Buffer.from('not needed')],
  ]);
const select = () => ({
  required: ['config.json', 'onnx/model.onnx'],
  optional: ['preprocessor_config.json', 'absent.json'],
});

let hub: MockHub;
let cache: string;
const client = (extra: Partial<ConstructorParameters<typeof HubClient>[0]> = {}) =>
  new HubClient({ endpoint: hub.url, cacheDir: cache, ...extra });
const repo = { id: 'org/tiny', type: 'model' as const };

describe('hub client', () => {
  before(async () => {
    hub = await startMockHub();
  });
  after(() => hub.close());
  beforeEach(() => {
    cache = tempDir('cl-hub-');
    hub.repos.clear();
    hub.repos.set('model:org/tiny', { files: files(), sha: 'a'.repeat(40) });
    hub.requests.length = 0;
  });

  it('asks before downloading, with the size, then fetches only the selected files', async () => {
    let asked: DownloadPlan | undefined;
    const snap = await client().snapshot(repo, select, { confirm: async (plan) => ((asked = plan), true) });
    assert.equal(snap.from, 'network');
    assert.equal(asked!.missingBytes, big.length + 41 + 2);
    assert.deepEqual(readFileSync(join(snap.folder, 'onnx/model.onnx')), big);
    assert.equal(existsSync(join(snap.folder, 'README.md')), false);
    assert.equal(existsSync(join(snap.folder, 'absent.json')), false);
  });

  it('serves a complete cache without downloading again, and without a question', async () => {
    await client().snapshot(repo, select);
    hub.requests.length = 0;
    const snap = await client().snapshot(repo, select, { confirm: async () => assert.fail('asked again') });
    assert.equal(snap.from, 'cache');
    assert.deepEqual(
      hub.requests.map((r) => r.method),
      ['GET'],
      'one listing request',
    );
  });

  it('downloads nothing when the user declines', async () => {
    await assert.rejects(
      client().snapshot(repo, select, { confirm: async () => false }),
      (e: HubError) => e.kind === 'declined',
    );
    assert.equal(hub.requests.filter((r) => r.method === 'GET' && r.path.includes('/cdn/')).length, 0);
  });

  it('resumes a dropped download with a Range request', async () => {
    hub.dropAfter = { path: 'onnx/model.onnx', bytes: 20000 };
    await assert.rejects(
      client().snapshot(repo, select),
      (e: HubError) => e.kind === 'network' && /resume/.test(e.message),
    );
    const parts = readdirSync(join(cache, 'models/org/tiny/onnx')).filter((f) => f.endsWith('.part'));
    assert.equal(parts.length, 1);
    let plan: DownloadPlan | undefined;
    await client().snapshot(repo, select, { confirm: async (p) => ((plan = p), true) });
    assert.ok(plan!.missingBytes <= big.length - 20000 + 43, `only the rest is missing: ${plan!.missingBytes}`);
    const ranged = hub.requests.find((r) => r.method === 'GET' && r.range);
    assert.match(ranged!.range!, /^bytes=\d+-$/);
    assert.deepEqual(readFileSync(join(cache, 'models/org/tiny/onnx/model.onnx')), big);
  });

  it('rejects bytes that do not match the etag, keeping nothing corrupt', async () => {
    const bad = Buffer.from(big);
    bad[100] ^= 1;
    hub.corrupt = { path: 'onnx/model.onnx', bytes: bad };
    try {
      await assert.rejects(
        client().snapshot(repo, select),
        (e: HubError) => e.kind === 'integrity' && /sha256/.test(e.message),
      );
    } finally {
      hub.corrupt = undefined;
    }
    const onnx = join(cache, 'models/org/tiny/onnx');
    assert.deepEqual(existsSync(onnx) ? readdirSync(onnx) : [], []);
  });

  it('checks small files against their git blob sha1', async () => {
    hub.corrupt = { path: 'config.json', bytes: Buffer.from('{"model_type":"vit","id2label":{"0":"b"}}') };
    try {
      await assert.rejects(
        client().snapshot(repo, select),
        (e: HubError) => e.kind === 'integrity' && /sha1/.test(e.message),
      );
    } finally {
      hub.corrupt = undefined;
    }
  });

  it('works offline from the cache, and says what to do when it is not there', async () => {
    await assert.rejects(
      client({ offline: true }).snapshot(repo, select),
      (e: HubError) => e.kind === 'offline' && /network access/.test(e.message),
    );
    await client().snapshot(repo, select);
    hub.requests.length = 0;
    const snap = await client({ offline: true }).snapshot(repo, select);
    assert.equal(snap.from, 'cache-offline');
    assert.equal(hub.requests.length, 0);
  });

  it('falls back to a complete cache when the hub cannot be reached', async () => {
    await client().snapshot(repo, select);
    const unreachable = new HubClient({ endpoint: 'http://127.0.0.1:9', cacheDir: cache });
    assert.equal((await unreachable.snapshot(repo, select)).from, 'cache-offline');
    await assert.rejects(
      unreachable.snapshot({ id: 'org/other', type: 'model' }, select),
      (e: HubError) =>
        e.kind === 'network' && /Cannot reach .* to fetch org\/other .*local model folder/.test(e.message),
    );
    // A dataset it could not fetch is named as one, with the offline alternative for datasets.
    await assert.rejects(unreachable.snapshot({ id: 'uoft-cs/cifar10', type: 'dataset' }, select), (e: HubError) =>
      /to fetch dataset uoft-cs\/cifar10 .*--dataset: a folder with labels\.csv/.test(e.message),
    );
  });

  it('sends HF_TOKEN, explains 401, 403 and 404', async () => {
    hub.repos.get('model:org/tiny')!.token = 'secret';
    await assert.rejects(
      client().snapshot(repo, select),
      (e: HubError) => e.kind === 'not-found' && /HF_TOKEN/.test(e.message),
    );
    await assert.rejects(
      client({ token: 'wrong' }).snapshot(repo, select),
      (e: HubError) => e.kind === 'unauthorized' && /rejected the Hugging Face token.*HF_TOKEN/.test(e.message),
    );
    hub.requests.length = 0;
    assert.equal((await client({ token: 'secret' }).snapshot(repo, select)).from, 'network');
    assert.ok(hub.requests.every((r) => r.auth === 'Bearer secret'));
    hub.repos.get('model:org/tiny')!.gated = true;
    await assert.rejects(
      client({ token: 'secret' }).snapshot({ ...repo, revision: 'v2' }, select),
      (e: HubError) => e.kind === 'gated' && /is gated: its conditions must be accepted at/.test(e.message),
    );
    await assert.rejects(
      client().snapshot({ id: 'org/none', type: 'model' }, select),
      (e: HubError) => e.kind === 'not-found' && /check the id/.test(e.message),
    );
  });

  it('stops on cancel and keeps the partial file for the next try', async () => {
    const controller = new AbortController();
    await assert.rejects(
      client().snapshot(repo, select, { signal: controller.signal, onProgress: () => controller.abort() }),
      (e: HubError) => e.kind === 'cancelled',
    );
    await client().snapshot(repo, select);
  });

  it('picks the files of a dtype, and names the dtypes a model has when one is missing', async () => {
    const model = await resolveModel('org/tiny', 'image-classification', 'q8', client());
    assert.ok(existsSync(join(model.folder, 'onnx/model_quantized.onnx')));
    assert.equal(existsSync(join(model.folder, 'onnx/model.onnx')), false);
    await assert.rejects(
      resolveModel('org/tiny', 'image-classification', 'q4', client()),
      /no q4 weights.*it has fp32, q8/,
    );
    await assert.rejects(
      resolveModel('not a valid id!', 'image-classification', 'fp32', client()),
      /neither a folder nor a hub model id/,
    );
  });
});
