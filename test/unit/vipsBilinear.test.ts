// The workers' resize (vipsBilinear.ts) gives sharp's affine bilinear map's bytes exactly, which
// is how transformers.js's image processors resize in Node: upscales, downscales, odd sizes, one
// pixel, non-square targets, seeded random pixels.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../../src/core/bench/datasets/evalSet';
import sharp from 'sharp';
import { vipsBilinearRgb } from '../../src/core/models/vipsBilinear';

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
