import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { readClipTokenizer } from '../../src/core/diffusion/clipTokenizer';
import { encodePng } from '../../src/core/diffusion/png';
import { ddim, euler, gaussian } from '../../src/core/diffusion/scheduler';
import { modelFiles } from '../../src/core/models/tasks';
import { makeClip, makeTextToImage } from '../fixtures/tiny-models/diffusion.mjs';
import { tempDir } from '../support/tempDir';

const root = resolve(__dirname, '../../..');
const SD = {
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  steps_offset: 1,
};

/** A model that knows the noise: every scheduler must walk back to the clean sample. */
function denoise(kind: 'ddim' | 'euler', steps: number) {
  const clean = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
  const noise = gaussian(64, 7);
  const s = kind === 'ddim' ? ddim({ ...SD, set_alpha_to_one: true }, steps) : euler(SD, steps);
  let x: Float32Array;
  if (kind === 'ddim') {
    const a = (() => {
      let p = 1;
      for (let i = 0; i <= s.timesteps[0]!; i++)
        p *= 1 - (Math.sqrt(0.00085) + ((Math.sqrt(0.012) - Math.sqrt(0.00085)) * i) / 999) ** 2;
      return p;
    })();
    x = clean.map((c, i) => Math.sqrt(a) * c + Math.sqrt(1 - a) * noise[i]!);
  } else x = clean.map((c, i) => c + s.initNoiseSigma * noise[i]!);
  for (let i = 0; i < s.timesteps.length; i++) x = s.step(noise, i, x);
  return Math.max(...x.map((v, i) => Math.abs(v - clean[i]!)));
}

describe('text to image: schedulers, tokenizer, files', () => {
  it('DDIM and Euler recover the clean sample from a model that predicts the noise exactly', () => {
    assert.ok(denoise('ddim', 10) < 1e-3, `ddim ${denoise('ddim', 10)}`);
    assert.ok(denoise('euler', 10) < 1e-4, `euler ${denoise('euler', 10)}`);
  });

  it('spaces timesteps as diffusers does', () => {
    assert.deepEqual(ddim(SD, 50).timesteps.slice(0, 3), [981, 961, 941]);
    assert.equal(ddim(SD, 50).timesteps.at(-1), 1);
    const e = euler(SD, 20);
    assert.equal(e.timesteps[0], 999);
    assert.equal(e.timesteps.at(-1), 0);
    assert.ok(Math.abs(e.initNoiseSigma - 14.6146) < 1e-3, String(e.initNoiseSigma));
  });

  it('seeds latents: the same seed, the same noise; standard normal', () => {
    assert.deepEqual(gaussian(8, 3), gaussian(8, 3));
    const g = gaussian(20_000, 9);
    const mean = g.reduce((a, b) => a + b, 0) / g.length;
    const sd = Math.sqrt(g.reduce((a, b) => a + (b - mean) ** 2, 0) / g.length);
    assert.ok(Math.abs(mean) < 0.03 && Math.abs(sd - 1) < 0.03, `${mean} ${sd}`);
  });

  it("builds CLIP's tokenizer from vocab.json and merges.txt: lower case, byte-level BPE, start and end tokens", async () => {
    const dir = tempDir('cl-sd-');
    makeTextToImage(dir);
    const { CLIPTokenizer } = await import('@huggingface/transformers');
    const tok = readClipTokenizer(join(dir, 'tokenizer'));
    const tokenizer = new CLIPTokenizer(tok.json, tok.config);
    const vocab = JSON.parse(readFileSync(join(dir, 'tokenizer/vocab.json'), 'utf8')) as Record<string, number>;
    const { input_ids } = tokenizer('The  Cat!', { padding: 'max_length', max_length: 77, truncation: true }) as {
      input_ids: { data: BigInt64Array };
    };
    const ids = Array.from(input_ids.data, Number);
    assert.deepEqual(
      ids.slice(0, 7),
      ['<|startoftext|>', 'the</w>', 'c', 'a', 't</w>', '!</w>', '<|endoftext|>'].map((t) => vocab[t]),
    );
    assert.equal(ids.length, 77);
  });

  it('selects the component files of an ONNX export, with tokenizer.json or the slow tokenizer', () => {
    const withJson = modelFiles('text-to-image', 'fp32', ['tokenizer/tokenizer.json', 'unet/model.onnx_data']);
    assert.ok(withJson.required.includes('tokenizer/tokenizer.json') && withJson.required.includes('unet/model.onnx'));
    assert.ok(withJson.optional?.includes('unet/model.onnx_data'));
    assert.ok(
      modelFiles('text-to-image', 'fp32', ['tokenizer/vocab.json', 'tokenizer/merges.txt']).required.includes(
        'tokenizer/merges.txt',
      ),
    );
  });

  it('writes PNGs that an image library reads back', async () => {
    const rgb = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 17) % 256);
    const { default: sharp } = await import('sharp');
    const { data, info } = await sharp(encodePng(rgb, 5, 3))
      .raw()
      .toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.channels], [5, 3, 3]);
    assert.deepEqual(Uint8Array.from(data), rgb);
  });
});

describe('carbonlens bench --task text-to-image', () => {
  const models = tempDir('cl-sd-models-');
  makeTextToImage(join(models, 'tiny-sd'));
  makeClip(join(models, 'tiny-clip'));
  const bench = (out: string, extra: string[] = []) =>
    spawnSync(
      process.execPath,
      [
        join(root, 'dist/cli.js'),
        'bench',
        '--task',
        'text-to-image',
        '--model',
        join(models, 'tiny-sd'),
        '--clip',
        join(models, 'tiny-clip'),
        '--device',
        'cpu',
        '--steps',
        '3',
        '--size',
        '64x48',
        '--samples',
        '3',
        '--batch',
        '2',
        '--idle-ms',
        '0',
        '--out',
        join(out, 'emissions.csv'),
        '--json',
        ...extra,
      ],
      { encoding: 'utf8' },
    );

  it('generates seeded images through the harness, scores them with CLIP, and records them like any run', () => {
    const out = tempDir('cl-sd-out-');
    const run = bench(out, ['--images', join(out, 'a')]);
    assert.equal(run.status, 0, run.stderr);
    const record = JSON.parse(run.stdout);
    assert.equal(record.task, 'text-to-image');
    assert.equal(record.dataset.name, 'prompts');
    const q = record.result.quality.primary;
    assert.equal(q.metric, 'clip-score');
    assert.ok(q.value >= 0 && q.value <= 100 && q.n === 3);
    assert.equal(record.result.outputs.length, 3);
    for (const o of record.result.outputs) {
      assert.ok(existsSync(o.file) && o.file.startsWith(join(out, 'a')));
      assert.equal(readFileSync(o.file).subarray(1, 4).toString(), 'PNG');
      assert.ok(typeof o.input === 'string' && o.score >= 0);
    }
    assert.ok(record.result.summary.jPerItem > 0);
    assert.match(readFileSync(join(out, 'emissions.csv'), 'utf8'), /text-to-image:/);

    // The same seeds give the same images; another guidance scale gives others.
    const again = bench(out, ['--images', join(out, 'b')]);
    const other = bench(out, ['--images', join(out, 'c'), '--guidance', '1', '--scheduler', 'ddim']);
    const files = (r: typeof run) =>
      (JSON.parse(r.stdout).result.outputs as { file: string }[]).map((o) => readFileSync(o.file));
    assert.deepEqual(files(again), files(run));
    assert.notDeepEqual(files(other), files(run));
  });

  it('says what is wrong with bad options before loading anything', () => {
    const out = tempDir('cl-sd-out-');
    const bad = bench(out, ['--size', '60x60']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /multiples of 8/);
  });
});
