// Model folders in the workspace (src/core/models/workspaceModels.ts): offline, Run Benchmark
// offers them first (src/extension/offlineStart.ts), and a random-weights one says so.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { formatRecord } from '../../src/cli/bench';
import { paretoFront, summariseRun } from '../../src/core/bench/history';
import { markdownReport } from '../../src/core/report/markdownReport';
import { fitsTask, modelFoldersUnder, randomWeights } from '../../src/core/models/workspaceModels';
import { offlineStartItems } from '../../src/extension/offlineStart';
import { sampleRecord } from '../support/sampleRecord';
import { makeImageToText, makeSummarizer, makeTextGenerator } from '../fixtures/tiny-models/make.mjs';
import { tempDir } from '../support/tempDir';

describe('model folders in the workspace', { timeout: 60_000 }, () => {
  const root = tempDir('carbonlens-wsmodels-');
  after(() => rmSync(root, { recursive: true, force: true }));
  const ocr = join(root, 'demo-models', 'random-weights-ocr');
  const t5 = join(root, 'models', 'tiny-t5');
  const lm = join(root, 'tiny-llama');
  makeImageToText(ocr);
  makeSummarizer(t5);
  makeTextGenerator(lm);
  const own = join(root, 'my-ocr');
  mkdirSync(join(own, 'onnx'), { recursive: true });
  for (const f of [
    'config.json',
    'preprocessor_config.json',
    'onnx/encoder_model.onnx',
    'onnx/decoder_model_merged.onnx',
  ])
    writeFileSync(join(own, f), '{}');
  // Too deep (three levels), hidden, and under node_modules: not walked.
  for (const skipped of ['a/b/deep-ocr', '.cache/ocr', 'node_modules/ocr']) makeImageToText(join(root, skipped));

  it('a folder fits a task by its graphs, and by an image processor exactly when the task reads images', () => {
    assert.equal(fitsTask(ocr, 'image-to-text'), true);
    assert.equal(fitsTask(t5, 'image-to-text'), false, 'a summarizer has the same graphs but no image processor');
    assert.equal(fitsTask(t5, 'summarization'), true);
    assert.equal(fitsTask(lm, 'text-generation'), true);
    assert.equal(fitsTask(ocr, 'text-generation'), false);
    assert.equal(fitsTask(join(root, 'nothing'), 'image-to-text'), false);
  });

  it('finds them two levels down, skipping hidden folders and node_modules, within a bound', () => {
    assert.deepEqual(modelFoldersUnder([root], 'image-to-text').sort(), [ocr, own].sort());
    assert.deepEqual(modelFoldersUnder([root], 'text-generation'), [lm]);
    assert.deepEqual(modelFoldersUnder([root], 'image-to-text', { limit: 1 }), [], 'the bound stops the walk');
  });

  it('a generated model says its weights are random; a folder of yours does not', () => {
    assert.equal(randomWeights(ocr), true);
    assert.equal(randomWeights(own), false);
    assert.equal(randomWeights(join(root, 'nothing')), false);
  });

  it('offline, the workspace models come first after the last used, once each, and a random one says so', () => {
    const items = offlineStartItems(join(root, 'no-cache'), (t) => (t === 'image-to-text' ? `${own}/` : undefined), [
      root,
    ]);
    assert.deepEqual(
      items.map((i) => [i.start?.task, i.start?.model]),
      [
        ['image-to-text', `${own}/`],
        ['image-to-text', ocr],
        ['text-generation', lm],
        ['image-to-text', undefined],
        ['text-generation', undefined],
      ],
      'the last used folder, named another way, is not listed twice',
    );
    const demo = items[1]!;
    assert.match(demo.label, /random-weights-ocr on words drawn here/);
    assert.match(`${demo.description}`, /works offline · random weights/);
    assert.match(`${demo.detail}`, /^in this workspace \(random weights, a demo: its quality figures mean nothing/);
    assert.doesNotMatch(`${items[0]!.description}`, /random/);
  });

  it("a random-weights model's record says so, and so do the panel's summary and the report, by its quality", () => {
    const demo = sampleRecord(false, { id: ocr, folder: ocr, source: 'local' });
    assert.equal(demo.model.randomWeights, true);
    assert.equal(summariseRun(demo).randomWeights, true);
    const lines = formatRecord(demo).join('\n');
    assert.match(lines, /^Model .*\(local folder, random weights: a demo\)$/m);
    assert.match(lines, /^Quality .*\(random weights: means nothing\)$/m);
    assert.match(markdownReport([demo]).markdown, /\| 0\.900 \(0\.820-0\.950\) \(random weights: means nothing\) \|/);
    const yours = sampleRecord(false, { id: own, folder: own, source: 'local' });
    assert.equal(yours.model.randomWeights, undefined);
    assert.equal(summariseRun(yours).randomWeights, undefined);
    assert.doesNotMatch(markdownReport([yours]).markdown, /random weights/);
    assert.doesNotMatch(formatRecord(yours).join('\n'), /random weights/);
    // Cheaper, and as good by its figure: still neither on the Pareto front nor pushing a run off it.
    const cheap = { ...summariseRun(demo), runId: 'demo', jPerItem: summariseRun(yours).jPerItem / 10 };
    assert.deepEqual([...paretoFront([cheap, summariseRun(yours)])], [yours.runId]);
  });
});
