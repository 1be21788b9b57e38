// The workers' resize (vipsBilinear.ts) gives sharp's affine bilinear map's bytes exactly, which
// is how transformers.js's image processors resize in Node: upscales, downscales, odd sizes, one
// pixel, non-square targets, seeded random pixels; and so does the same resize as a graph ahead
// of the model (byteInput.ts), which a CUDA device runs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../../src/core/bench/datasets/evalSet';
import sharp from 'sharp';
import { BYTE_INPUT, RESIZE_INPUTS, withByteInput } from '../../src/core/models/byteInput';
import { identityTaps, vipsBilinearRgb, vipsBilinearTaps } from '../../src/core/models/vipsBilinear';
import { DataType, model, node, valueInfo } from '../fixtures/tiny-models/onnx.mjs';

const random = seededRandom(12345);

async function viaSharp(src: Uint8Array, w: number, h: number, ow: number, oh: number): Promise<Buffer> {
  const { data, info } = await sharp(Buffer.from(src), { raw: { width: w, height: h, channels: 3 } })
    .affine([ow / w, 0, 0, oh / h], { interpolator: 'bilinear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [ow, oh, 3]);
  return data;
}

describe('vipsBilinearRgb', { timeout: 120_000 }, () => {
  const fixed: [number, number, number, number][] = [
    [32, 32, 224, 224],
    [640, 480, 224, 224],
    [480, 640, 384, 384],
    [224, 224, 224, 224],
    [1, 1, 224, 224],
    [2, 3, 5, 7],
    [1000, 999, 224, 224],
    [7, 300, 224, 100],
  ];
  const drawn = Array.from({ length: 60 }, (): [number, number, number, number] => [
    1 + Math.floor(random() * random() * 900),
    1 + Math.floor(random() * random() * 900),
    8 + Math.floor(random() * 500),
    8 + Math.floor(random() * 500),
  ]);
  for (const [w, h, ow, oh] of [...fixed, ...drawn])
    it(`${w}x${h} to ${ow}x${oh} equals sharp's bytes`, async () => {
      const src = Uint8Array.from({ length: w * h * 3 }, () => Math.floor(random() * 256));
      const expected = await viaSharp(src, w, h, ow, oh);
      const got = vipsBilinearRgb(src, w, h, ow, oh);
      const first = got.findIndex((v, i) => v !== expected[i]);
      assert.equal(first, -1, `first difference at byte ${first}: ${got[first]} against ${expected[first]}`);
    });
});

describe('the resize as a graph (byteInput.ts)', { timeout: 120_000 }, () => {
  // The pixels passed straight through: a model whose pixel_values is its output, normalised by
  // 1 with no mean, so the session's output is the resized pixels as floats.
  const identity = model({
    nodes: [node('Identity', ['pixel_values'], ['out'])],
    initializers: [],
    inputs: [valueInfo('pixel_values', DataType.FLOAT, ['batch', 3, 'h', 'w'])],
    outputs: [valueInfo('out', DataType.FLOAT, ['batch', 3, 'h', 'w'])],
  });
  const unit = { rescale: 1, mean: [0, 0, 0], std: [1, 1, 1] } as const;
  const sizes: [number, number, number, number][] = [
    [32, 32, 224, 224],
    [640, 480, 224, 224],
    [1, 1, 224, 224],
    [2, 3, 5, 7],
    [1000, 999, 224, 224],
    [7, 300, 224, 100],
    ...Array.from({ length: 12 }, (): [number, number, number, number] => [
      1 + Math.floor(random() * 700),
      1 + Math.floor(random() * 700),
      8 + Math.floor(random() * 300),
      8 + Math.floor(random() * 300),
    ]),
  ];

  it("gives the workers' bytes at every size, two images a batch, and keeps an image of the model's size as it is", async () => {
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(withByteInput(identity, unit, 1, 1, true));
    try {
      const run = async (src: Uint8Array, n: number, w: number, h: number, ow: number, oh: number, same: boolean) => {
        const t = same ? identityTaps(ow, oh) : vipsBilinearTaps(w, h, ow, oh);
        const out = await session.run({
          [BYTE_INPUT]: new ort.Tensor('uint8', src, [n, h, w, 3]),
          [RESIZE_INPUTS.rows]: new ort.Tensor('int64', t.rows, [oh]),
          [RESIZE_INPUTS.y]: new ort.Tensor('float32', t.y, [oh, 1, 1]),
          [RESIZE_INPUTS.cols]: new ort.Tensor('int64', t.cols, [ow]),
          [RESIZE_INPUTS.x]: new ort.Tensor('float32', t.x, [1, ow, 1]),
        });
        return out.out!.data as Float32Array;
      };
      for (const [w, h, ow, oh] of sizes) {
        const src = Uint8Array.from({ length: 2 * w * h * 3 }, () => Math.floor(random() * 256));
        const got = await run(src, 2, w, h, ow, oh, false);
        for (let b = 0; b < 2; b++) {
          const expected = vipsBilinearRgb(src.subarray(b * w * h * 3, (b + 1) * w * h * 3), w, h, ow, oh);
          const plane = ow * oh;
          for (let p = 0; p < plane * 3; p++) {
            const v = got[b * 3 * plane + (p % 3) * plane + Math.floor(p / 3)];
            if (v !== expected[p])
              assert.fail(`${w}x${h} to ${ow}x${oh}, image ${b}, byte ${p}: ${v} against ${expected[p]}`);
          }
        }
      }
      const kept = Uint8Array.from({ length: 9 * 5 * 3 }, () => Math.floor(random() * 256));
      const same = await run(kept, 1, 9, 5, 9, 5, true);
      assert.deepEqual(
        Array.from({ length: kept.length }, (_, p) => same[(p % 3) * 45 + Math.floor(p / 3)]),
        Array.from(kept),
      );
    } finally {
      await session.release();
    }
  });

  it('needs opset 11 (Pad with its pads as an input)', () => {
    const old = model({
      nodes: [node('Identity', ['pixel_values'], ['out'])],
      initializers: [],
      inputs: [valueInfo('pixel_values', DataType.FLOAT, ['batch', 3, 'h', 'w'])],
      outputs: [valueInfo('out', DataType.FLOAT, ['batch', 3, 'h', 'w'])],
      opset: 10,
    });
    assert.throws(() => withByteInput(old, unit, 1, 1, true), /Opset 10/);
    assert.ok(withByteInput(old, unit, 1, 1, false).length > 0, 'the normalisation alone needs no more');
  });
});
