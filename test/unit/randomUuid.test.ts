import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomUuid } from '../../src/core/randomUuid';

describe('randomUuid', { timeout: 30_000 }, () => {
  it('gives version 4 UUIDs of the RFC 4122 variant, a new one each time', () => {
    const ids = Array.from({ length: 200 }, randomUuid);
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(new Set(ids).size, ids.length);
  });
});
