// The workers' PNG decoder (plainPng.ts) gives sharp's bytes for plain PNGs (grey, RGB, RGBA,
// every filter sharp's encoder picks) and leaves every other PNG to sharp.
import assert from 'node:assert/strict';
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { seededRandom } from '../../src/core/bench/datasets/evalSet';
import sharp, { type PngOptions } from 'sharp';
import { decodePlainPng } from '../../src/core/models/plainPng';

const random = seededRandom(99);
// Smooth gradients with noise, so the encoder's adaptive filtering uses every filter type.
const pixels = (w: number, h: number, c: number) =>
  Buffer.from(
    Uint8Array.from({ length: w * h * c }, (_, i) => {
      const p = Math.floor(i / c);
      return ((p % w) * 3 + Math.floor(p / w) * 5 + (i % c) * 40 + Math.floor(random() * 12)) & 255;
    }),
  );
const png = (w: number, h: number, c: 1 | 3 | 4, options: PngOptions = {}) =>
  sharp(pixels(w, h, c), { raw: { width: w, height: h, channels: c } })
    .png(options)
    .toBuffer();
const inflate = (d: Uint8Array) => inflateSync(d);

describe('decodePlainPng', { timeout: 60_000 }, () => {
  const cases: [number, number, 1 | 3 | 4, number][] = [
    [32, 32, 3, 6],
    [32, 32, 4, 9],
    [19, 11, 1, 6],
    [1, 1, 3, 0],
    [640, 480, 3, 6],
    [301, 7, 4, 1],
    [7, 301, 1, 9],
  ];
  for (const [w, h, c, level] of cases)
    it(`${w}x${h}, ${c} channel(s), compression ${level}: sharp's bytes`, async () => {
      const file = await png(w, h, c, { compressionLevel: level, adaptiveFiltering: true });
      const ours = decodePlainPng(file, inflate);
      assert.ok(ours, 'decoded');
      const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([ours.width, ours.height, ours.channels], [info.width, info.height, info.channels]);
      assert.equal(Buffer.compare(Buffer.from(ours.data), data), 0, 'the same bytes');
    });

  it('undoes every filter type: rows filtered 0, 1, 2, 3, 4 in turn by a hand-made encoder', async () => {
    const [w, h, c] = [23, 17, 3];
    const img = pixels(w, h, c);
    const stride = w * c;
    const at = (y: number, i: number) => (y >= 0 && i >= 0 ? img[y * stride + i]! : 0);
    const rows: number[] = [];
    for (let y = 0; y < h; y++) {
      const f = y % 5;
      rows.push(f);
      for (let i = 0; i < stride; i++) {
        const [x, a, b, d] = [at(y, i), at(y, i - c), at(y - 1, i), at(y - 1, i - c)];
        const p = a + b - d;
        const paeth =
          Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - d)
            ? a
            : Math.abs(p - b) <= Math.abs(p - d)
              ? b
              : d;
        rows.push((x - [0, a, b, (a + b) >> 1, paeth][f]!) & 255);
      }
    }
    const chunk = (type: string, body: Buffer) => {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(body.length);
      head.write(type, 4, 'latin1');
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])));
      return Buffer.concat([head, body, crc]);
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(w);
    ihdr.writeUInt32BE(h, 4);
    ihdr.set([8, 2, 0, 0, 0], 8);
    const file = Buffer.concat([
      Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(Buffer.from(rows))),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    const ours = decodePlainPng(file, inflate);
    assert.ok(ours, 'decoded');
    assert.equal(Buffer.compare(Buffer.from(ours.data), img), 0, 'the image encoded');
    const { data } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    assert.equal(Buffer.compare(Buffer.from(ours.data), data), 0, "sharp's bytes");
  });

  it('leaves to sharp what is not plain: a palette, 16 bits, interlacing, a damaged or cut file, not a PNG', async () => {
    assert.equal(decodePlainPng(await png(16, 16, 3, { palette: true }), inflate), undefined);
    assert.equal(decodePlainPng(await png(16, 16, 3, { progressive: true }), inflate), undefined);
    const deep = await sharp(pixels(16, 16, 3), { raw: { width: 16, height: 16, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    assert.equal(decodePlainPng(deep, inflate), undefined);
    const plain = await png(16, 16, 3);
    assert.ok(decodePlainPng(plain, inflate));
    assert.equal(decodePlainPng(plain.subarray(0, plain.length - 20), inflate), undefined);
    const damaged = Buffer.from(plain);
    damaged.fill(7, 45, 60);
    assert.equal(decodePlainPng(damaged, inflate), undefined);
    assert.equal(
      decodePlainPng(
        await sharp(pixels(8, 8, 3), { raw: { width: 8, height: 8, channels: 3 } })
          .jpeg()
          .toBuffer(),
        inflate,
      ),
      undefined,
    );
    // A chunk that may change the pixels (gamma), inserted after IHDR: left to sharp.
    const gama = Buffer.from([0, 0, 0, 4, 0x67, 0x41, 0x4d, 0x41, 0, 0, 0xb1, 0x8f, 0, 0, 0, 0]);
    assert.equal(decodePlainPng(Buffer.concat([plain.subarray(0, 33), gama, plain.subarray(33)]), inflate), undefined);
  });
});
