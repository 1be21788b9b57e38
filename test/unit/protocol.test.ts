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
    for (const raw of [null, undefined, 'ready', 42, [], [{ type: 'ready' }], {}, { type: 7 }, { type: 'system' }, { type: '__proto__' }]) {
      assert.equal(parseWebviewMessage(raw), undefined, JSON.stringify(raw));
    }
  });
});
