import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWebviewMessage, streamOf } from '../../src/protocol';

describe('parseWebviewMessage', () => {
  it('accepts the messages the webview may send, and strips anything extra', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'refreshSystem', evil: '<script>' }), { type: 'refreshSystem' });
    assert.deepEqual(parseWebviewMessage({ type: 'setLocation', location: 'us-west1' }), { type: 'setLocation' });
  });

  it('puts each host message in its stream, so a hidden panel keeps the latest of each', () => {
    assert.equal(streamOf({ type: 'systemLoading' }), 'system');
    assert.equal(streamOf({ type: 'systemError', message: 'x' }), 'system');
    assert.equal(streamOf({ type: 'intensity', location: '' }), 'intensity');
  });

  it('rejects everything else', () => {
    for (const raw of [
      null,
      undefined,
      'ready',
      42,
      [],
      [{ type: 'ready' }],
      {},
      { type: 7 },
      { type: 'system' },
      { type: '__proto__' },
    ]) {
      assert.equal(parseWebviewMessage(raw), undefined, JSON.stringify(raw));
    }
  });
});

describe('parseWebviewMessage payloads', () => {
  const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
  it('keeps valid payloads and only them', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'exportReport', format: 'markdown', path: '/etc/passwd' }), {
      type: 'exportReport',
      format: 'markdown',
    });
    assert.deepEqual(parseWebviewMessage({ type: 'showRegions', runId: id, requestsPerDay: 1000 }), {
      type: 'showRegions',
      runId: id,
      requestsPerDay: 1000,
    });
    assert.deepEqual(parseWebviewMessage({ type: 'runBenchmark', model: 'x' }), { type: 'runBenchmark' });
  });

  it('rejects bad payloads', () => {
    for (const raw of [
      { type: 'exportReport', format: 'exe' },
      { type: 'exportReport' },
      { type: 'showRegions', runId: '../x', requestsPerDay: 1 },
      { type: 'showRegions', runId: id, requestsPerDay: -1 },
      { type: 'showRegions', runId: id, requestsPerDay: Infinity },
      { type: 'showRegions', runId: id, requestsPerDay: '10' },
    ]) {
      assert.equal(parseWebviewMessage(raw), undefined, JSON.stringify(raw));
    }
  });

  it('sends live increments only to a visible panel', () => {
    assert.equal(streamOf({ type: 'livePoint', point: { t: 0, w: {} } }), undefined);
    assert.equal(streamOf({ type: 'live', snapshot: { points: [], kinds: {} } }), 'live');
  });
});
