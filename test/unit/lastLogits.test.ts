// Generation reads only the last position's logits: CarbonLens hands generate() that row as a
// view, so transformers.js does not walk every position's logits after a prompt's pass.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lastPositionOnly } from '../../src/core/models/lastLogits';
import { watchForward } from '../../src/core/models/runtime';
import { makeTextGenerator } from '../fixtures/tiny-models/make.mjs';
import { tempDir } from '../support/tempDir';

class FakeTensor {
  constructor(
    public type: string,
    public data: Float32Array,
    public dims: number[],
    public location = 'cpu',
  ) {}
  slice(...slices: unknown[]): FakeTensor {
    return new FakeTensor(this.type, this.data, [slices.length], this.location);
  }
}

describe('last-position logits', { timeout: 120_000 }, () => {
  it("cuts a prompt's logits to its last row, as a view of the same memory", () => {
    const data = Float32Array.from({ length: 3 * 4 }, (_, i) => i);
    const out = lastPositionOnly({ logits: new FakeTensor('float32', data, [1, 3, 4]), other: 1 });
    assert.ok(out.logits instanceof FakeTensor);
    assert.deepEqual(out.logits.dims, [1, 1, 4]);
    assert.deepEqual([...out.logits.data], [8, 9, 10, 11]);
    assert.equal(out.logits.data.buffer, data.buffer, 'no copy');
    assert.equal(out.other, 1);
  });

  it("answers generate()'s slice(null, -1, null) with a view, and any other slice as the class does", () => {
    const data = Float32Array.from({ length: 4 }, (_, i) => i);
    const one = lastPositionOnly({ logits: new FakeTensor('float32', data, [1, 1, 4]) }).logits;
    const row = one.slice(null, -1, null);
    assert.deepEqual(row.dims, [1, 4]);
    assert.equal(row.data.buffer, data.buffer);
    assert.deepEqual([...row.data], [0, 1, 2, 3]);
    assert.deepEqual(one.slice(null, [0, 1], null).dims, [3], "the class's own slice");
    assert.deepEqual(one.slice(0).dims, [1]);
  });

  it('leaves batches, device-resident logits and other outputs alone', () => {
    const batch = { logits: new FakeTensor('float32', new Float32Array(2 * 3 * 4), [2, 3, 4]) };
    assert.equal(lastPositionOnly(batch).logits, batch.logits);
    const gpu = { logits: new FakeTensor('float16', new Float32Array(12), [1, 3, 4], 'gpu-buffer') };
    assert.equal(lastPositionOnly(gpu).logits, gpu.logits);
    assert.equal(lastPositionOnly(undefined), undefined);
    assert.deepEqual(lastPositionOnly({ last_hidden_state: 1 }), { last_hidden_state: 1 });
  });

  it('generates the same answers as transformers.js on its own, from one row of logits (tiny decoder, CPU)', async () => {
    const folder = join(tempDir('cl-lastlogits-'), 'tiny-llama');
    makeTextGenerator(folder);
    const { pipeline, env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = join(folder, '..');
    const plain = await pipeline('text-generation', 'tiny-llama', { device: 'cpu', dtype: 'fp32' });
    const raw = await pipeline('text-generation', 'tiny-llama', { device: 'cpu', dtype: 'fp32' });
    type Forward = (inputs: unknown) => Promise<{ logits: { dims: number[] } }>;
    const model = raw.model as unknown as { forward: Forward };
    // What each pass returns (inner spy), and what generate() is handed after CarbonLens's cut (outer).
    const returned: number[][] = [];
    const handed: number[][] = [];
    const original = model.forward.bind(model);
    model.forward = async (inputs) => {
      const out = await original(inputs);
      returned.push([...out.logits.dims]);
      return out;
    };
    const ours = watchForward(raw as unknown as Parameters<typeof watchForward>[0]);
    const cut = model.forward;
    model.forward = async (inputs) => {
      const out = await cut(inputs);
      handed.push([...out.logits.dims]);
      return out;
    };
    try {
      const options = { max_new_tokens: 6, do_sample: false, return_full_text: false };
      for (const prompt of ['Question: the cat sat\nAnswer:', 'Question: a b c d e f g h\nAnswer:']) {
        returned.length = 0;
        handed.length = 0;
        const expected = (await plain(prompt, options)) as { generated_text: string }[];
        // A list of one prompt answers with a list of one answer list.
        const got = (await ours([prompt], options)) as { generated_text: string }[][];
        assert.equal(got[0]![0]!.generated_text, expected[0]!.generated_text);
        assert.ok(returned[0]![1]! > 1, "the prompt's pass returns every position");
        assert.deepEqual(handed[0], [1, 1, returned[0]![2]], 'generate() gets the last one');
      }
    } finally {
      await plain.dispose();
      await ours.dispose();
    }
  });
});
