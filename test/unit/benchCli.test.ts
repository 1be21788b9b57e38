// The CLI benchmark end to end on CPU: tiny generated models through the real transformers.js
// and onnxruntime-node, evaluation data and models from a local server speaking the hub's protocol.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTinyModels } from '../fixtures/tiny-models/make.mjs';
import { lavapipeEnv } from '../webgpuSoftware.mjs';
import { cifarParquet, newsParquet } from './benchFixtures';
import { folderFiles, startMockHub, type MockHub } from './mockHub';
import { tempDir } from '../support/tempDir';

const cli = path.resolve(__dirname, '../../../dist/cli.js');
let hub: MockHub;
let work: string;
let models: ReturnType<typeof makeTinyModels>;

function bench(args: string[], cacheName = 'cache', extraEnv: Record<string, string> = {}) {
  const env = {
    ...process.env,
    HF_ENDPOINT: hub.url,
    CARBONLENS_CACHE: path.join(work, cacheName),
    HF_HUB_OFFLINE: '',
    ...extraEnv,
  };
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('carbonlens bench and compare', { timeout: 120_000 }, () => {
  before(async () => {
    work = tempDir('cl-bench-');
    models = makeTinyModels(path.join(work, 'models'));
    hub = await startMockHub();
    hub.repos.set('model:carbonlens-test/tiny-vit', {
      files: folderFiles(models['image-classification']),
      sha: '1'.repeat(40),
    });
    hub.repos.set('dataset:uoft-cs/cifar10', {
      files: new Map([['plain_text/test-00000-of-00001.parquet', await cifarParquet(40)]]),
      sha: '2'.repeat(40),
    });
    hub.repos.set('dataset:abisee/cnn_dailymail', {
      files: new Map([['3.0.0/test-00000-of-00001.parquet', await newsParquet(12)]]),
      sha: '3'.repeat(40),
    });
  });
  after(() => hub.close());

  it('benchmarks a hub model on CIFAR-10 after consent, and appends CodeCarbon and JSON records', async () => {
    const csv = path.join(work, 'runs', 'vit.csv');
    mkdirSync(path.dirname(csv), { recursive: true });
    const r = await bench([
      'bench',
      '--model',
      'carbonlens-test/tiny-vit',
      '--task',
      'image-classification',
      '--samples',
      '20',
      '--batch',
      '4',
      '--idle-ms',
      '200',
      '--device',
      'cpu',
      '--region',
      'europe-west1',
      '--yes',
      '--json',
      '--out',
      csv,
    ]);
    assert.equal(r.code, 0, r.err);
    const record = JSON.parse(r.out);
    assert.equal(record.model.source, 'hub');
    assert.equal(record.model.commit, '1'.repeat(40));
    assert.equal(record.dataset.name, 'cifar10');
    assert.equal(record.dataset.items, 20);
    assert.equal(record.dataset.population, 40);
    assert.equal(record.result.device, 'cpu');
    assert.equal(record.result.batch, 4);
    assert.equal(record.result.quality.primary.metric, 'accuracy');
    assert.equal(record.result.quality.primary.n, 20);
    assert.ok(record.result.quality.primary.low <= record.result.quality.primary.value);
    assert.ok(record.result.summary.jPerItem > 0);
    assert.ok(['measured', 'sampled', 'estimated'].includes(record.result.summary.kind));
    assert.ok(record.result.summary.components.length > 0);
    assert.ok(record.emissions.gPerItem > 0);
    assert.equal(record.emissions.intensity.region, 'europe-west1');
    assert.match(r.err, /Downloading carbonlens-test\/tiny-vit/);
    assert.match(r.err, /Downloading dataset uoft-cs\/cifar10/);
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.ok(lines[1].includes(record.runId));
    assert.equal(
      readFileSync(path.join(work, 'runs', 'carbonlens-runs.jsonl'), 'utf8')
        .trimEnd()
        .split('\n').length,
      1,
    );
  });

  it('downloads nothing without consent when it cannot ask', async () => {
    const r = await bench(
      [
        'bench',
        '--model',
        'carbonlens-test/tiny-vit',
        '--task',
        'image-classification',
        '--samples',
        '5',
        '--idle-ms',
        '0',
        '--out',
        'no.csv',
      ],
      'cache-no-consent',
    );
    assert.equal(r.code, 1);
    assert.match(r.err, /Pass --yes to allow the download/);
    assert.equal(
      existsSync(path.join(work, 'cache-no-consent', 'hub', 'models', 'carbonlens-test', 'tiny-vit', 'onnx')),
      false,
    );
    assert.equal(existsSync(path.join(work, 'no.csv')), false);
  });

  it('runs OCR on rendered words from a local folder and reports exact match and CER', async () => {
    const r = await bench([
      'bench',
      '--model',
      models['image-to-text'],
      '--task',
      'image-to-text',
      '--samples',
      '8',
      '--idle-ms',
      '0',
      '--device',
      'cpu',
      '--json',
      '--attribution',
      'process',
      '--out',
      'ocr.csv',
    ]);
    assert.equal(r.code, 0, r.err);
    const record = JSON.parse(r.out);
    // The model ran in this process: its own share of the CPU's energy, in the record and the CSV row.
    assert.equal(record.attribution, 'process');
    const own = record.result.summary.own;
    const cpu = own.components.find((c: { component: string }) => c.component === 'cpu');
    assert.ok(cpu.share > 0 && cpu.share <= 1 && own.jPerItem > 0, JSON.stringify(own));
    assert.match(readFileSync(path.join(work, 'ocr.csv'), 'utf8').trim().split('\n').at(-1)!, /,process,/);
    assert.equal(record.model.source, 'local');
    assert.equal(record.model.randomWeights, true, 'a generated model: its config.json says its weights are random');
    assert.equal(record.dataset.name, 'rendered-words');
    assert.equal(record.result.quality.primary.metric, 'exact-match');
    assert.equal(record.result.quality.others[0].metric, 'cer');
    assert.equal(record.emissionsNote.startsWith('Location unknown'), true);
  });

  it('summarizes CNN/DailyMail articles and reports ROUGE', async () => {
    const r = await bench([
      'bench',
      '--model',
      models.summarization,
      '--task',
      'summarization',
      '--samples',
      '6',
      '--max-new-tokens',
      '5',
      '--idle-ms',
      '0',
      '--yes',
      '--out',
      'sum.csv',
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Quality {4}rougeL 0\.\d{3} \(95% CI/);
    assert.match(r.out, /Task {7}summarization on cnn_dailymail: 6 items/);
    // One article at a time, the encoder's pass and first token apart from the later tokens.
    assert.match(r.out, /Device {5}cpu, fp32, batch 1/);
    assert.match(r.out, /Tokens {5}\d+ in, \d+ out \(\d+ after each answer's first\), greedy, at most 5 per answer/);
    assert.match(r.out, /\n {2}prefill {2}.*\n.*first token in/);
    assert.match(r.out, /\n {2}decode {3}.*\n.*tokens\/s, .*\/output token/);
    assert.match(r.out, /Saved {6}sum\.csv \(CodeCarbon format\)/);
  });

  it('answers short questions with a language model and reports prefill and decode per token', async () => {
    const r = await bench([
      'bench',
      '--model',
      models['text-generation'],
      '--task',
      'llm',
      '--samples',
      '5',
      '--max-new-tokens',
      '6',
      '--idle-ms',
      '0',
      '--country',
      'FR',
      '--out',
      'llm.csv',
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Task {7}text-generation on short-answers: 5 items \(seed 1, of 100\)/);
    assert.match(
      r.out,
      /Tokens {5}\d+ in, \d+ out \(\d+ after each answer's first\), greedy, at most 6 per answer, prompts in the model's chat template/,
    );
    assert.match(r.out, / {2}prefill {2}[\d.]+ s, .*\/prompt/);
    assert.match(r.out, /first token in [\d.]+ ms mean \(p50 [\d.]+ ms, p90 [\d.]+ ms\)/);
    assert.match(r.out, /\/input token/);
    assert.match(r.out, / {2}decode {3}[\d.]+ s, | {2}decode {3}none: /);
    assert.match(r.out, /Quality {4}normalised-match [\d.]+% \(95% CI [\d.]+%-[\d.]+%\); exact-match/);
    assert.match(r.out, /per 1,000 output tokens/);
    assert.match(r.out, /Answers {4}(match|miss ) {2}".+" -> ".*"/, 'a few answers beside their questions');
    const record = JSON.parse(
      readFileSync(path.join(work, 'carbonlens-runs.jsonl'), 'utf8').trimEnd().split('\n').at(-1)!,
    );
    const g = record.result.generation;
    assert.equal(g.prompts, 5);
    assert.equal(g.maxNewTokens, 6);
    assert.ok(g.outputTokens >= 5 && g.outputTokens <= 30, `${g.outputTokens} tokens for 5 answers of at most 6`);
    assert.equal(g.decodeTokens, g.outputTokens - 5);
    assert.equal(record.result.runtime.batchChosenBy, 'task');
    assert.equal(g.examples.length, 5);
    assert.deepEqual(Object.keys(g.examples[0]).sort(), ['answer', 'match', 'prompt', 'reference']);

    const badBatch = await bench([
      'bench',
      '--model',
      models['text-generation'],
      '--task',
      'llm',
      '--batch',
      '4',
      '--idle-ms',
      '0',
    ]);
    assert.equal(badBatch.code, 2, 'a batch for text generation is a command-line mistake');
    assert.match(badBatch.err, /one prompt at a time/);
    const badTokens = await bench([
      'bench',
      '--model',
      models['text-generation'],
      '--task',
      'llm',
      '--max-new-tokens',
      '0',
    ]);
    assert.equal(badTokens.code, 2);
    assert.match(badTokens.err, /--max-new-tokens/);
  });

  it("pushes a language model's tokens and times as OpenTelemetry's generative-AI metrics, and its energy per token", async () => {
    const { serve } = await import('../support/server');
    type Histogram = {
      dataPoints: {
        count: string | number;
        explicitBounds?: number[];
        attributes: { key: string; value: { stringValue?: string } }[];
      }[];
    };
    const metrics: { name: string; unit: string; histogram?: Histogram }[] = [];
    const collector = await serve((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const json = JSON.parse(body) as {
          resourceMetrics: { scopeMetrics: { metrics: (typeof metrics)[number][] }[] }[];
        };
        metrics.push(...json.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics)));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    try {
      const r = await bench([
        'bench',
        '--model',
        models['text-generation'],
        '--task',
        'text-generation',
        '--samples',
        '3',
        '--max-new-tokens',
        '4',
        '--idle-ms',
        '0',
        '--out',
        'llm-otel.csv',
        '--otlp',
        `${collector.url}/v1/metrics`,
        '--otlp-protocol',
        'http/json',
      ]);
      assert.equal(r.code, 0, r.err);
    } finally {
      await collector.close();
    }
    const named = (n: string) => metrics.find((m) => m.name === n);
    const attrs = (m: (typeof metrics)[number], i = 0) =>
      Object.fromEntries(m.histogram!.dataPoints[i]!.attributes.map((a) => [a.key, a.value.stringValue]));
    const ttft = named('gen_ai.server.time_to_first_token')!;
    assert.equal(ttft.unit, 's');
    assert.equal(Number(ttft.histogram!.dataPoints[0]!.count), 3, 'one value per prompt');
    assert.equal(attrs(ttft)['gen_ai.operation.name'], 'chat');
    assert.equal(attrs(ttft)['gen_ai.provider.name'], 'transformers.js');
    assert.equal(attrs(ttft)['gen_ai.request.model'], models['text-generation']);
    const usage = named('gen_ai.client.token.usage')!;
    assert.equal(usage.unit, '{token}');
    assert.deepEqual(usage.histogram!.dataPoints.map((_, i) => attrs(usage, i)['gen_ai.token.type']).sort(), [
      'input',
      'output',
    ]);
    assert.equal(named('carbonlens.benchmark.energy_per_input_token')?.unit, 'J');
    // The conventions' buckets for each gen_ai histogram.
    assert.deepEqual(
      named('gen_ai.server.time_per_output_token')!.histogram!.dataPoints[0]!.explicitBounds,
      [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5],
    );
    assert.deepEqual(
      ttft.histogram!.dataPoints[0]!.explicitBounds,
      [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    );
    assert.equal(usage.histogram!.dataPoints[0]!.explicitBounds?.[0], 1);
  });

  it('compares two language models on the same prompts, per prompt and per output token', async () => {
    const copy = path.join(work, 'models', 'tiny-llama-copy');
    cpSync(models['text-generation'], copy, { recursive: true });
    const args = ['compare', '--model', models['text-generation'], '--model', copy, '--task', 'llm'];
    const more = ['--samples', '4', '--max-new-tokens', '5', '--idle-ms', '0', '--out', 'llm-cmp.csv'];
    const r = await bench([...args, ...more, '--json']);
    assert.equal(r.code, 0, r.err);
    const { a, b, verdict } = JSON.parse(r.out);
    assert.equal(verdict.outcome, 'as-good', 'the same weights answer the same');
    assert.equal(verdict.metric, 'normalised-match');
    assert.equal(a.result.generation.outputTokens, b.result.generation.outputTokens);
    assert.equal(verdict.jPerOutputToken.a, a.result.generation.jPerOutputToken);
    assert.equal(verdict.jPerOutputToken.b, b.result.generation.jPerOutputToken);
    const text = await bench([...args, ...more]);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /Per output token while decoding: A [\d.]+ \w?J, B [\d.]+ \w?J\./);
    assert.match(text.out, /Per million prompts: /);
  });

  it('compares two models on the same items with a paired verdict', async () => {
    const copy = path.join(work, 'models', 'tiny-vit-copy');
    cpSync(models['image-classification'], copy, { recursive: true });
    const r = await bench([
      'compare',
      '--model',
      'carbonlens-test/tiny-vit',
      '--model',
      copy,
      '--task',
      'image-classification',
      '--samples',
      '12',
      '--idle-ms',
      '0',
      '--device',
      'cpu',
      '--country',
      'FR',
      '--json',
      '--out',
      'cmp.csv',
    ]);
    assert.equal(r.code, 0, r.err);
    const { a, b, verdict } = JSON.parse(r.out);
    assert.equal(a.dataset.items, 12);
    assert.equal(b.dataset.items, 12);
    assert.equal(verdict.outcome, 'as-good', 'the same weights answer the same');
    assert.equal(verdict.difference.value, 0);
    assert.ok(Number.isFinite(verdict.energySavingPercent));
    assert.ok(Number.isFinite(verdict.kgCo2SavedPerMillionItems));
    // Three windows a model at least, an interval on the difference, and the verdict kept with both runs.
    assert.equal(a.result.repeats.length, 3);
    assert.deepEqual(verdict.energy.windows, { a: 3, b: 3 });
    assert.ok(
      verdict.energy.low <= verdict.energy.savedJPerItem && verdict.energy.savedJPerItem <= verdict.energy.high,
    );
    assert.match(
      verdict.sentence,
      /B (uses \d+(\.\d)?% (less|more)|shows no measurable difference in) energy per item \(B-A [+-]?[\d.]+%, 95% CI /,
    );
    assert.equal(b.comparison.otherRunId, a.runId);
    assert.equal(a.comparison.role, 'A');
    assert.equal(b.comparison.sentence, verdict.sentence);
    assert.equal(readFileSync(path.join(work, 'cmp.csv'), 'utf8').trimEnd().split('\n').length, 3);
    const kept = readFileSync(path.join(work, 'carbonlens-runs.jsonl'), 'utf8').trimEnd().split('\n').slice(-2);
    assert.deepEqual(
      kept.map((l) => JSON.parse(l).comparison.role),
      ['A', 'B'],
    );
  });

  it('stops on Ctrl-C without recording a partial run or leaving a child', async () => {
    const env = { ...process.env, CARBONLENS_CACHE: path.join(work, 'cache') };
    const child = spawn(
      process.execPath,
      [
        cli,
        'bench',
        '--model',
        models['image-to-text'],
        '--task',
        'image-to-text',
        '--samples',
        '3000',
        '--idle-ms',
        '0',
        '--device',
        'cpu',
        '--out',
        'cancel.csv',
      ],
      { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    let interrupted = false;
    child.stderr.on('data', (d) => {
      err += d;
      if (!interrupted && /\] Measuring/.test(err)) interrupted = child.kill('SIGINT');
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 130, err);
    assert.match(err, /cancelled: nothing was recorded/);
    assert.equal(existsSync(path.join(work, 'cancel.csv')), false);
  });

  it('explains bad input: exit code 2 for the command line, 1 for a run that cannot proceed', async () => {
    const bad = await bench(['bench', '--model', 'x', '--task', 'translation']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--task must be one of image-classification, image-to-text, summarization/);
    const offline = await bench([
      'bench',
      '--model',
      'carbonlens-test/never',
      '--task',
      'image-classification',
      '--offline',
      '--idle-ms',
      '0',
    ]);
    assert.equal(offline.code, 1);
    assert.match(offline.err, /not in the cache .* offline mode is on/);
    const wrongSet = await bench([
      'bench',
      '--model',
      models.summarization,
      '--task',
      'summarization',
      '--dataset',
      'cifar10',
    ]);
    assert.equal(wrongSet.code, 2, 'a set that does not fit the task is a command-line mistake');
    assert.match(wrongSet.err, /cifar10 is a set for image-classification, not for summarization/);
  });

  describe('on WebGPU, through Mesa lavapipe (software Vulkan)', () => {
    const lavapipe = lavapipeEnv(path.resolve(__dirname, '../../../.vscode-test/lavapipe'));
    const cases = [
      ['image-classification', ['--model', 'carbonlens-test/tiny-vit', '--yes']],
      ['image-to-text', ['--model', '']],
      ['summarization', ['--model', '', '--yes']],
      ['text-generation', ['--model', '']],
    ] as const;
    for (const [task, args] of cases) {
      it(`benchmarks the tiny ${task} model on webgpu`, { skip: lavapipe.skip }, async () => {
        const model = args[1] || models[task];
        const r = await bench(
          [
            'bench',
            '--task',
            task,
            ...args.slice(0, 1),
            model,
            ...args.slice(2),
            '--samples',
            '4',
            '--idle-ms',
            '0',
            '--device',
            'webgpu',
            '--json',
            '--out',
            'webgpu.csv',
          ],
          'cache',
          lavapipe.env!,
        );
        assert.equal(r.code, 0, r.err);
        const record = JSON.parse(r.out);
        assert.equal(record.result.device, 'webgpu');
        assert.deepEqual(record.result.attempts, [{ device: 'webgpu', ok: true }]);
        assert.equal(record.result.quality.primary.n, 4);
      });
    }
  });
});
