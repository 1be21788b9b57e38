// Prompts past a language model's context, and model folders that lie: refused or cut with a
// warning naming the context, before the model loads; a damaged file is named, never blamed on
// the device. On the tiny decoder (model_max_length 512), CPU.
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EvalSet } from '../../src/core/bench/datasets/evalSet';
import { runBenchmark } from '../../src/core/bench/harness';
import { Meter } from '../../src/core/energy/meter';
import { UserError } from '../../src/core/userError';
import { makeTextGenerator } from '../fixtures/tiny-models/make.mjs';
import { tempDir } from '../support/tempDir';

const set = (prompts: string[]): EvalSet => ({
  name: 'long',
  source: 'test',
  items: prompts.map((input, i) => ({ id: String(i), input, reference: 'x' })),
  population: prompts.length,
  seed: 1,
});

describe('prompts past the context, damaged model folders', { timeout: 180_000 }, () => {
  let folder: string;
  let meter: Meter;
  before(() => {
    folder = join(tempDir('cl-adv-llm-'), 'tiny-llama');
    makeTextGenerator(folder);
    meter = new Meter([{ id: 'cpu', component: 'cpu', name: 'CPU', kind: 'estimated', detail: '', power: () => 10 }]);
  });
  after(() => meter.close());
  const bench = (prompts: string[], extra: object = {}, at = folder) =>
    runBenchmark({
      task: 'text-generation',
      folder: at,
      device: 'cpu',
      dtype: 'fp32',
      set: set(prompts),
      meter,
      idleMs: 0,
      maxNewTokens: 3,
      ...extra,
    });
  /** A copy of the model to damage. */
  const copy = () => {
    const c = join(tempDir('cl-adv-llm-'), 'tiny-llama');
    cpSync(folder, c, { recursive: true });
    return c;
  };
  const notTheDevice = /did not run on|No device could run|Maximum call stack|heap/;

  it('--max-new-tokens past the context: refused before the model loads', async () => {
    await assert.rejects(bench(['hello'], { maxNewTokens: 5000 }), (e: Error) => {
      assert.match(
        e.message,
        /Max new tokens \(5,000\) does not fit the model's context of 512 tokens \(model_max_length in tokenizer_config\.json\)/,
      );
      assert.doesNotMatch(e.message, notTheDevice);
      return true;
    });
  });

  it("20,000 words are cut to the context with a warning, the template's assistant cue kept", async () => {
    const r = await bench(['word '.repeat(20_000)]);
    assert.ok(
      r.warnings.some((w) => /1 prompt\(s\) were cut to fit the model's context of 512 tokens/.test(w)),
      r.warnings.join('\n'),
    );
    // Within 512 - 3 tokens the tokenizer cut nothing from the end: the assistant's cue is there.
    assert.ok(r.generation!.inputTokens <= 512 - 3, `input tokens ${r.generation!.inputTokens}`);
  });

  it('a 10 MB prompt is bounded before tokenising: no heap or stack failure', async () => {
    const r = await bench(['x'.repeat(10 * 1024 * 1024)]);
    assert.ok(r.warnings.some((w) => /were cut to fit/.test(w)));
  });

  it('onnx/model.onnx linked to /dev/zero: refused, not read', { skip: process.platform === 'win32' }, async () => {
    const c = copy();
    rmSync(join(c, 'onnx', 'model.onnx'));
    symlinkSync('/dev/zero', join(c, 'onnx', 'model.onnx'));
    await assert.rejects(bench(['hello'], {}, c), /onnx\/model\.onnx in .* is not a regular file/);
  });

  it('a bad config.json is named with its file', async () => {
    const c = copy();
    writeFileSync(join(c, 'config.json'), '{"model_type": "llama",');
    await assert.rejects(bench(['hello'], {}, c), (e: Error) => {
      assert.match(e.message, /tiny-llama\/config\.json is not valid JSON/);
      assert.ok(e instanceof UserError && e.kind === 'model-file', 'one error shape: kind, message');
      return true;
    });
  });

  it('a bad tokenizer.json is said to be the tokenizer, not the device', async () => {
    const c = copy();
    writeFileSync(join(c, 'tokenizer.json'), '{"model": {"type": "BPE", "vocab": 7}}');
    await assert.rejects(bench(['hello'], {}, c), (e: Error) => {
      assert.match(e.message, /The tokenizer of .*tiny-llama .* cannot be read/);
      assert.doesNotMatch(e.message, notTheDevice);
      return true;
    });
  });

  it('a chat template that loops without end is stopped, and named', async () => {
    const c = copy();
    const config = JSON.parse(readFileSync(join(c, 'tokenizer_config.json'), 'utf8'));
    config.chat_template = '{% for i in range(1000000000) %}{{ i }}{% endfor %}';
    writeFileSync(join(c, 'tokenizer_config.json'), JSON.stringify(config));
    await assert.rejects(bench(['hello'], {}, c), (e: Error) => {
      assert.match(
        e.message,
        /The chat template in .*tokenizer_config\.json (did not finish within 2 s|makes \d+ characters)/,
      );
      assert.doesNotMatch(e.message, notTheDevice);
      return true;
    });
  });

  it('a model that states no context: a 10 MB prompt is still bounded before tokenising', async () => {
    const c = copy();
    for (const [file, key] of [
      ['config.json', 'max_position_embeddings'],
      ['tokenizer_config.json', 'model_max_length'],
    ] as const) {
      const json = JSON.parse(readFileSync(join(c, file), 'utf8'));
      delete json[key];
      writeFileSync(join(c, file), JSON.stringify(json));
    }
    let warnings: string[] = [];
    try {
      warnings = (await bench(['x'.repeat(10 * 1024 * 1024)], {}, c)).warnings;
    } catch (e) {
      // The cut prompt may still be past the tiny model's positions: the model then refuses it.
      // What matters is that the process survives, and that no heap or stack failure is the reason.
      assert.doesNotMatch((e as Error).message, /heap|Maximum call stack/);
      return;
    }
    assert.ok(
      warnings.some((w) => /cut to 32,768 characters: the model states no context/.test(w)),
      warnings.join('\n'),
    );
  });
});
