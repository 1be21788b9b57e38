import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { BenchRecord } from '../../../src/core/bench/record';
import type { CarbonLensApi } from '../../../src/extension/extension';
import { makeClip, makeTextToImage } from '../../fixtures/tiny-models/diffusion.mjs';
import { makeTinyModels } from '../../fixtures/tiny-models/make.mjs';
import { writeTinyGguf } from '../../support/ggufWriter';
import { waitFor } from '../../support/waitFor';
import { hostFigures } from '../index';

const EXTENSION_ID = 'carbonlens.carbonlens';
const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').length : 0);

describe('CarbonLens live power, benchmarks and reports in the editor', function () {
  this.timeout(120_000);
  let api: CarbonLensApi;
  let models: ReturnType<typeof makeTinyModels>;
  let csv: string;

  before(async () => {
    api = await vscode.extensions.getExtension<CarbonLensApi>(EXTENSION_ID)!.activate();
    models = makeTinyModels(mkdtempSync(join(tmpdir(), 'cl-host-models-')));
    csv = join(api.benchmarkFolder, 'emissions.csv');
  });

  it('shows live power in the status bar and keeps it updated from the meter', async () => {
    await waitFor('a first status update', () => api.status().updates >= 1, 20_000);
    const first = api.status();
    assert.match(first.text, /\$\(pulse\) \d+(\.\d)? W/, `status text: ${first.text}`);
    const later = await waitFor(
      'a later status update',
      () => (api.status().updates > first.updates ? api.status() : undefined),
      20_000,
    );
    hostFigures().statusBarText = later.text;
  });

  it('runs a benchmark of a tiny model from the command and saves a row in emissions.csv', async () => {
    const before = lines(csv);
    const records = await vscode.commands.executeCommand<BenchRecord[] | undefined>('carbonlens.runBenchmark', {
      task: 'image-to-text',
      model: models['image-to-text'],
      device: 'cpu',
      samples: 6,
      idleMs: 0,
    });
    assert.ok(records, 'the benchmark returned nothing: see the CarbonLens log');
    assert.equal(records.length, 1);
    assert.equal(records[0].result.device, 'cpu');
    assert.equal(records[0].dataset.items, 6);
    assert.equal(lines(csv), Math.max(before, 1) + 1, 'one header and one new row');
    assert.equal(
      readFileSync(csv, 'utf8')
        .split('\n')
        .filter((l) => l.includes(records[0].runId)).length,
      1,
    );
    assert.equal(api.runningBenchmarks(), 0);
  });

  it('benchmarks a tiny language model: prefill and decode per token in the record', async () => {
    const records = await vscode.commands.executeCommand<BenchRecord[] | undefined>('carbonlens.runBenchmark', {
      task: 'text-generation',
      model: models['text-generation'],
      device: 'cpu',
      samples: 3,
      maxNewTokens: 4,
      idleMs: 0,
    });
    assert.ok(records?.length === 1, 'the benchmark returned nothing: see the CarbonLens log');
    const g = records[0].result.generation!;
    assert.equal(records[0].dataset.name, 'short-answers');
    assert.equal(g.prompts, 3);
    assert.equal(g.maxNewTokens, 4);
    assert.ok(g.inputTokens > 0 && g.outputTokens >= 3 && g.outputTokens <= 12);
    assert.equal(records[0].result.quality.primary.metric, 'normalised-match');
  });

  it('benchmarks a GGUF model through llama.cpp from the command: the record names the runtime, its build and the quantisation', async () => {
    const file = writeTinyGguf(join(mkdtempSync(join(tmpdir(), 'cl-host-gguf-')), 'tiny-q8.gguf'), { fileType: 7 });
    const threads = process.env.CARBONLENS_LLAMA_THREADS;
    process.env.CARBONLENS_LLAMA_THREADS = '1'; // the benchmark's child inherits it: the tiny model's work is too small to share
    try {
      const records = await vscode.commands.executeCommand<BenchRecord[] | undefined>('carbonlens.runBenchmark', {
        task: 'text-generation',
        model: file,
        device: 'cpu',
        samples: 2,
        maxNewTokens: 4,
        idleMs: 0,
      });
      assert.ok(records?.length === 1, 'the benchmark returned nothing: see the CarbonLens log');
      const r = records[0];
      assert.deepEqual(r.model, { id: file, source: 'local', format: 'gguf' });
      assert.equal(r.result.dtype, 'Q8_0');
      assert.equal(r.result.runtime?.engine?.name, 'llama.cpp');
      assert.equal(r.result.runtime?.engine?.build, 'cpu');
      assert.equal(r.result.generation?.prompts, 2);
    } finally {
      if (threads === undefined) delete process.env.CARBONLENS_LLAMA_THREADS;
      else process.env.CARBONLENS_LLAMA_THREADS = threads;
    }
  });

  it('benchmarks a tiny Stable Diffusion: images in the extension storage, scored by CLIP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cl-host-sd-'));
    makeTextToImage(join(dir, 'tiny-sd'));
    makeClip(join(dir, 'tiny-clip'));
    const records = await vscode.commands.executeCommand<BenchRecord[] | undefined>('carbonlens.runBenchmark', {
      task: 'text-to-image',
      model: join(dir, 'tiny-sd'),
      clip: join(dir, 'tiny-clip'),
      steps: 2,
      size: '64x64',
      device: 'cpu',
      samples: 3,
      idleMs: 0,
    });
    assert.ok(records?.length === 1, 'the benchmark returned nothing: see the CarbonLens log');
    const outputs = records[0].result.outputs ?? [];
    assert.equal(outputs.length, 3);
    for (const o of outputs)
      assert.ok(o.file.startsWith(join(api.benchmarkFolder, 'images')) && existsSync(o.file), o.file);
    assert.equal(records[0].result.quality.primary.metric, 'clip-score');
  });

  it('cancels a running benchmark: no child process left, no partial row', async () => {
    const before = lines(csv);
    const run = vscode.commands.executeCommand<BenchRecord[] | undefined>('carbonlens.runBenchmark', {
      task: 'image-to-text',
      model: models['image-to-text'],
      device: 'cpu',
      samples: 5000,
      idleMs: 0,
    });
    await waitFor('the benchmark child to start', () => api.runningBenchmarks() === 1, 20_000);
    assert.equal(await vscode.commands.executeCommand('carbonlens.cancelBenchmark'), 1);
    assert.equal(await run, undefined);
    assert.equal(api.runningBenchmarks(), 0, 'the child exited');
    assert.equal(lines(csv), before, 'nothing was recorded');
  });

  it('sets the location from the command and uses it for CO2', async () => {
    try {
      assert.equal(await vscode.commands.executeCommand('carbonlens.setLocation', 'europe-north1'), 'europe-north1');
      assert.equal(vscode.workspace.getConfiguration('carbonlens').get('location'), 'europe-north1');
      assert.equal((await api.gridIntensity()).figure?.region, 'europe-north1');
    } finally {
      await vscode.workspace
        .getConfiguration('carbonlens')
        .update('location', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('exports the history as a Markdown report with an SVG chart, and as CSV and JSON', async () => {
    // Its own run, so that the test does not depend on the others or their order.
    const records = await vscode.commands.executeCommand<BenchRecord[] | undefined>('carbonlens.runBenchmark', {
      task: 'image-to-text',
      model: models['image-to-text'],
      device: 'cpu',
      samples: 2,
      idleMs: 0,
    });
    assert.equal(records?.length, 1, 'the benchmark returned nothing: see the CarbonLens log');
    const dir = mkdtempSync(join(tmpdir(), 'cl-export-'));
    const md = await vscode.commands.executeCommand<vscode.Uri>(
      'carbonlens.exportReport',
      'markdown',
      vscode.Uri.file(join(dir, 'report.md')),
    );
    assert.ok(md);
    const text = readFileSync(md.fsPath, 'utf8');
    assert.match(text, /## image-to-text/);
    assert.match(text, /\| model \| device, dtype, batch \|/);
    // The tiny models have random weights: the report says their quality means nothing.
    assert.match(text, /random weights: means nothing/);
    assert.match(readFileSync(join(dir, 'report-chart-image-to-text.svg'), 'utf8'), /^<svg[^>]+>.*<circle/s);
    await vscode.commands.executeCommand('carbonlens.exportReport', 'csv', vscode.Uri.file(join(dir, 'e.csv')));
    assert.equal(readFileSync(join(dir, 'e.csv'), 'utf8'), readFileSync(csv, 'utf8'));
    await vscode.commands.executeCommand('carbonlens.exportReport', 'json', vscode.Uri.file(join(dir, 'runs.json')));
    assert.ok(
      JSON.parse(readFileSync(join(dir, 'runs.json'), 'utf8')).some((r: BenchRecord) => r.runId === records![0].runId),
    );
  });
});
