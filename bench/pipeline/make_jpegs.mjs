// A folder of labelled, camera-sized photos for `carbonlens bench --dataset`: COUNT JPEGs of
// 640x480 (quality 90), each a seeded field of smooth colour, noise and a few filled shapes, so
// decoding costs what a real photo's does; CIFAR-10 labels in rotation, and labels.csv. The same
// seed gives the same bytes with the same sharp (libjpeg-turbo).
//   node bench/pipeline/make_jpegs.mjs OUT_DIR [COUNT=1024] [ROWS=COUNT]
// ROWS > COUNT writes labels.csv with that many rows over the same files (a 10,000-item run
// without 10,000 files).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

const [out, countArg, rowsArg] = process.argv.slice(2);
if (!out) throw new Error('usage: node bench/pipeline/make_jpegs.mjs OUT_DIR [COUNT] [ROWS]');
const count = Number(countArg ?? 1024);
const rows = Number(rowsArg ?? count);
const W = 640;
const H = 480;
const LABELS = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

// mulberry32, as src/core/bench/datasets/evalSet.ts
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Sensor-like noise, drawn once: each photo reads it from its own seeded offset.
const noiseRnd = seeded(0);
const NOISE = Float32Array.from({ length: 1 << 20 }, () => (noiseRnd() - 0.5) * 24);

function photo(seed) {
  const rnd = seeded(seed);
  const rgb = new Uint8Array(W * H * 3);
  const base = [0, 1, 2].map(() => 40 + rnd() * 170);
  const slope = [0, 1, 2].map(() => (rnd() - 0.5) * 0.3);
  const start = Math.floor(rnd() * NOISE.length);
  for (let y = 0, i = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < 3; c++, i++)
        rgb[i] = base[c] + slope[c] * (x - y) + NOISE[(start + i * 7) & (NOISE.length - 1)];
  for (let s = 0; s < 6; s++) {
    const [cx, cy, r] = [rnd() * W, rnd() * H, 20 + rnd() * 120];
    const colour = [0, 1, 2].map(() => rnd() * 255);
    const round = rnd() < 0.5;
    for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(H, cy + r); y++)
      for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(W, cx + r); x++) {
        if (round && (x - cx) ** 2 + (y - cy) ** 2 > r * r) continue;
        for (let c = 0; c < 3; c++) rgb[(y * W + x) * 3 + c] = colour[c] + (rnd() - 0.5) * 16;
      }
  }
  return rgb;
}

mkdirSync(out, { recursive: true });
const encoding = new Set();
for (let i = 0; i < count; i++) {
  const done = sharp(photo(i + 1), { raw: { width: W, height: H, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer()
    .then((jpeg) => {
      writeFileSync(join(out, `${String(i).padStart(5, '0')}.jpg`), jpeg);
      encoding.delete(done);
    });
  encoding.add(done);
  if (encoding.size >= 16) await Promise.race(encoding); // encoders busy while the next photo is drawn
}
await Promise.all(encoding);
const lines = Array.from({ length: rows }, (_, i) => `${String(i % count).padStart(5, '0')}.jpg,${LABELS[i % 10]}`);
writeFileSync(join(out, 'labels.csv'), `file,label\n${lines.join('\n')}\n`);
console.log(`wrote ${count} JPEGs of ${W}x${H} to ${out} (labels.csv: ${rows} rows)`);
