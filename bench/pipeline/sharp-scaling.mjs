// What this machine lets JPEG preparation scale to without the pool: 1 and then 2 independent
// processes, each decoding and resizing every JPEG of DIR twice with sharp (one libvips thread,
// no cache, as the pool's workers set it), in turns (1, 2, 1, 2, ...), images/s of each turn and
// the ratio of the medians. Beside bench/pipeline/scaling-here.sh, whose pool it bounds.
//   node bench/pipeline/sharp-scaling.mjs DIR [TURNS=5]
import { spawn } from 'node:child_process';

const [dir, turnsArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: node bench/pipeline/sharp-scaling.mjs DIR [TURNS=5]');
const turns = Number(turnsArg ?? 5);
const worker = `
const sharp = require(${JSON.stringify(new URL('../../node_modules/sharp', import.meta.url).pathname)});
sharp.concurrency(1); sharp.cache(false);
const fs = require('fs'); const dir = process.argv[1];
const files = fs.readdirSync(dir).filter((f) => /\\.jpe?g$/i.test(f)).map((f) => dir + '/' + f);
(async () => {
  let n = 0;
  for (let r = 0; r < 2; r++) for (const f of files) {
    await sharp(fs.readFileSync(f)).removeAlpha().resize(224, 224, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
    n++;
  }
  process.stdout.write(String(n));
})();`;

/** Images/s of `k` processes started together, until the last ends. */
function run(k) {
  const t0 = performance.now();
  return Promise.all(
    Array.from(
      { length: k },
      () =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, ['-e', worker, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (d) => {
            out += d;
          });
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`worker exited ${code}`))));
        }),
    ),
  ).then((ns) => ns.reduce((a, b) => a + b, 0) / ((performance.now() - t0) / 1000));
}

const rates = { 1: [], 2: [] };
for (let t = 0; t < turns; t++) for (const k of [1, 2]) rates[k].push(await run(k));
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(
  JSON.stringify({
    measure: 'sharp alone, independent processes',
    one: rates[1].map(Math.round),
    two: rates[2].map(Math.round),
    ratio: Number((median(rates[2]) / median(rates[1])).toFixed(2)),
  }),
);
