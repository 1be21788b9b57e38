// What Run Benchmark's pickers offer (src/extension/benchPickers.ts) rests on these core rules:
// a model name checked as typed, a folder's weights read before asking, sample sizes bounded by
// the set, and the devices probed as --device auto probes them.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sampleChoices, setSize } from '../../src/core/bench/datasets/setSize';
import { devicesHere } from '../../src/core/models/devicesHere';
import { MANIFEST } from '../../src/core/models/hub';
import { cachedModels, datasetCached } from '../../src/core/models/offline';
import { folderDtypes, isGgufName, isGgufRepoName, modelNameProblem } from '../../src/core/models/modelName';
import { tempDir } from '../support/tempDir';

describe('Run Benchmark offers only what can work', { timeout: 60_000 }, () => {
  const dir = tempDir('carbonlens-pickers-');

  it('checks a model name as it is typed: a hub id or a folder here', () => {
    assert.equal(modelNameProblem('google/vit-base-patch16-224'), undefined);
    assert.equal(modelNameProblem('gpt2'), undefined);
    assert.equal(modelNameProblem(dir), undefined, 'an existing folder');
    assert.match(modelNameProblem('hello world') ?? '', /not a hub model id/);
    assert.match(modelNameProblem('org/a--b') ?? '', /no '--'/);
    assert.match(modelNameProblem(join(dir, 'missing')) ?? '', /No folder/);
    assert.match(modelNameProblem('  ') ?? '', /Type a model id/);
  });

  it('takes an Ollama name and a .gguf file here, and says what is wrong with either', () => {
    assert.equal(modelNameProblem('ollama:llama3.2:3b'), undefined);
    assert.equal(modelNameProblem('ollama:qwen2.5'), undefined);
    assert.match(modelNameProblem('ollama:../x') ?? '', /not an Ollama model name/);
    const gguf = join(dir, 'm.gguf');
    writeFileSync(gguf, 'GGUF');
    assert.equal(modelNameProblem(gguf), undefined);
    assert.match(modelNameProblem(join(dir, 'absent.gguf')) ?? '', /No file .*absent\.gguf on this machine/);
    assert.equal(isGgufName(gguf) && isGgufName('ollama:llama3.2:3b') && !isGgufName('org/name'), true);
    // A hub repository named as a GGUF conversion: its quantisation is asked, not an ONNX dtype.
    assert.equal(isGgufRepoName('Qwen/Qwen2.5-0.5B-Instruct-GGUF'), true);
    assert.equal(isGgufRepoName('onnx-community/Qwen2.5-0.5B-Instruct'), false);
    assert.equal(isGgufRepoName('gguf-fans/../x'), false);
  });

  it("reads a folder's weights before asking which", () => {
    const model = join(dir, 'lm');
    mkdirSync(join(model, 'onnx'), { recursive: true });
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'])
      writeFileSync(join(model, f), '{}');
    assert.deepEqual(folderDtypes(model, 'text-generation'), ['fp32']);
    writeFileSync(join(model, 'onnx/model_q4f16.onnx'), '');
    assert.deepEqual(folderDtypes(model, 'text-generation')?.sort(), ['fp32', 'q4f16']);
    assert.equal(folderDtypes('org/name', 'text-generation'), undefined, 'a hub id is not read');
  });

  it('bounds the sample sizes by the set, with "all N"', () => {
    const images = join(dir, 'eight');
    mkdirSync(images);
    writeFileSync(
      join(images, 'labels.csv'),
      `file,label\n${[...Array(8)].map((_, i) => `${i}.png,cat`).join('\n')}\n`,
    );
    assert.equal(setSize('image-classification', images), 8);
    assert.deepEqual(sampleChoices(500, 8), [{ n: 8, all: true }]);
    assert.deepEqual(
      sampleChoices(50, 60).map((c) => c.n),
      [5, 25, 50, 60],
    );
    assert.equal(sampleChoices(50, 60).at(-1)?.all, true);
    // The built-in sets: 40 prompts, 100 questions; rendered words are any number.
    assert.equal(setSize('text-to-image'), 40);
    assert.deepEqual(
      sampleChoices(20, setSize('text-to-image')).map((c) => (c.all ? `all ${c.n}` : c.n)),
      [2, 10, 20, 'all 40'],
    );
    assert.equal(setSize('image-to-text'), undefined);
    assert.deepEqual(
      sampleChoices(300, undefined).map((c) => c.n),
      [30, 150, 300, 600],
    );
    const jsonl = join(dir, 'qa.jsonl');
    writeFileSync(jsonl, '{"prompt":"1+1","answer":"2"}\n\n{"prompt":"2+2","answer":"4"}\n');
    assert.equal(setSize('text-generation', jsonl), 2);
    assert.equal(setSize('summarization', join(dir, 'none.jsonl')), undefined);
  });

  it('finds the models and sets already downloaded, which run offline', () => {
    const hub = join(dir, 'hub');
    const model = join(hub, 'models', 'org', 'tiny-lm');
    mkdirSync(model, { recursive: true });
    writeFileSync(join(model, MANIFEST), JSON.stringify({ files: { 'config.json': {}, 'onnx/model.onnx': {} } }));
    const partial = join(hub, 'models', 'org', 'no-graphs');
    mkdirSync(partial, { recursive: true });
    writeFileSync(join(partial, MANIFEST), JSON.stringify({ files: { 'config.json': {} } }));
    assert.deepEqual(cachedModels(hub, 'text-generation'), ['org/tiny-lm']);
    assert.deepEqual(cachedModels(join(dir, 'nothing'), 'text-generation'), []);
    mkdirSync(join(hub, 'datasets', 'uoft-cs', 'cifar10'), { recursive: true });
    writeFileSync(join(hub, 'datasets', 'uoft-cs', 'cifar10', MANIFEST), JSON.stringify({ files: {} }));
    assert.equal(datasetCached(hub, 'uoft-cs/cifar10'), true);
    assert.equal(datasetCached(hub, 'abisee/cnn_dailymail'), false);
  });

  it('lists every device with whether it can run here, and why not', async () => {
    const found = await devicesHere({
      platform: 'linux',
      cuda: () => false,
      vulkan: () => true,
      webgpu: async () => 'no WebGPU adapter',
    });
    assert.deepEqual(
      found.map((d) => [d.device, d.usable]),
      [
        ['cuda', false],
        ['dml', false],
        ['coreml', false],
        ['webgpu', false],
        ['cpu', true],
      ],
    );
    assert.match(found.find((d) => d.device === 'cuda')?.why ?? '', /CUDA provider is not installed/);
    assert.equal(found.find((d) => d.device === 'webgpu')?.why, 'no WebGPU adapter');
    const gpu = await devicesHere({
      platform: 'linux',
      cuda: () => true,
      cudaLibraries: () => undefined,
      vulkan: () => true,
      webgpu: async () => undefined,
    });
    assert.deepEqual(
      gpu.filter((d) => d.usable).map((d) => d.device),
      ['cuda', 'webgpu', 'cpu'],
    );
  });
});
