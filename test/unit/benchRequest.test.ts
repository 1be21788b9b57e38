import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REQUEST_FLAGS, toArgs, type BenchRequest } from '../../src/core/bench/request';
import { TASKS, type Task } from '../../src/core/models/tasks';
import { BENCH_OPTIONS, COMPARE_OPTIONS, parseBenchRequest } from '../../src/cli/benchOptions';
import { UsageError } from '../../src/cli/usage';
import { failureEvent, failureKind } from '../../src/cli/failure';
import { DatasetError } from '../../src/core/bench/datasets/userSets';
import { HubError } from '../../src/core/models/hub';
import { withRemedy } from '../../src/core/messages';
import { parseBenchEvent, parseCliAnswer } from '../../src/protocol';

const generates = (task: Task) => task === 'text-generation' || task === 'summarization';

/** A request with every field the task and command allow set, none at its default. */
function everything(command: BenchRequest['command'], task: Task, place: Partial<BenchRequest>): BenchRequest {
  return {
    command,
    models: command === 'compare' ? ['org/reference', './-candidate folder'] : ['org/model=v2'],
    task,
    device: 'cpu',
    dtype: 'q8',
    quant: 'Q4_K_M',
    samples: 7,
    batch: generates(task) ? 'auto' : 4,
    dataset: '/data/my set.jsonl',
    seed: 0,
    repeats: 3,
    idleMs: 0,
    cooldownMs: 250,
    out: 'runs/out.csv',
    json: true,
    yes: true,
    offline: true,
    events: true,
    ...place,
    intensityDataset: 'codecarbon',
    pue: 1.25,
    ramModel: 'per-gb',
    attribution: 'process',
    gpu: '1',
    otlp: 'http://127.0.0.1:4318',
    otlpProtocol: 'http/json',
    otlpHeaders: ['x-api-key=a=b', 'x-other=2'],
    ...(generates(task) && { maxNewTokens: 48 }),
    steps: 4,
    guidance: 0.5,
    size: '256x128',
    scheduler: 'ddim',
    clip: 'org/clip',
    images: 'pictures',
    ...(command === 'compare' && { tolerance: 0.05 }),
  };
}

const PLACES: Partial<BenchRequest>[] = [
  { intensity: 120.5 },
  { region: 'europe-west1' },
  { location: 'Oregon (OR), USA' },
  { country: 'FR' },
  { place: 'Paris, France' },
];

describe('BenchRequest', { timeout: 60_000 }, () => {
  it('round-trips every field for every task, through toArgs and the CLI parser', () => {
    for (const command of ['bench', 'compare'] as const)
      for (const task of TASKS)
        for (const place of PLACES) {
          const request = everything(command, task, place);
          assert.deepEqual(parseBenchRequest(command, toArgs(request).slice(1)), request, `${command} ${task}`);
        }
  });

  it('the round trip covers every field: none is left at undefined in the full requests', () => {
    const seen = new Set<string>();
    for (const command of ['bench', 'compare'] as const)
      for (const task of TASKS)
        for (const place of PLACES) for (const key of Object.keys(everything(command, task, place))) seen.add(key);
    const fields = [...Object.keys(REQUEST_FLAGS), 'command', 'models', 'task', 'otlpHeaders'];
    assert.deepEqual([...seen].sort(), fields.sort());
  });

  it('has a field for every option of bench and compare, and a flag for each field that the parser knows', () => {
    const flags = new Set<string>([...Object.values(REQUEST_FLAGS), '--model', '--task', '--otlp-header']);
    for (const option of Object.keys(COMPARE_OPTIONS)) assert.ok(flags.has(`--${option}`), `--${option} has no field`);
    for (const flag of flags) assert.ok(Object.hasOwn(COMPARE_OPTIONS, flag.slice(2)), `${flag} is not an option`);
    assert.ok(!Object.hasOwn(BENCH_OPTIONS, 'tolerance'), 'bench takes no --tolerance');
  });

  it('keeps only the options given: defaults are filled in later', () => {
    assert.deepEqual(parseBenchRequest('bench', ['--model', 'm', '--task', 'ocr']), {
      command: 'bench',
      models: ['m'],
      task: 'image-to-text',
    });
  });

  it('parses --tolerance as an option like any other, in both spellings', () => {
    const base = ['--model', 'a', '--model', 'b', '--task', 'llm'];
    assert.equal(parseBenchRequest('compare', [...base, '--tolerance', '0.1']).tolerance, 0.1);
    assert.equal(parseBenchRequest('compare', [...base, '--tolerance=0.1']).tolerance, 0.1);
    assert.throws(() => parseBenchRequest('compare', [...base, '--tolerance', 'x']), UsageError);
    assert.throws(() => parseBenchRequest('bench', ['--model', 'a', '--task', 'llm', '--tolerance', '0.1']), {
      code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION',
    });
  });

  it("takes --quant in any case, in llama.cpp's spelling", () => {
    const base = ['--model', 'org/model-GGUF', '--task', 'llm'];
    assert.equal(parseBenchRequest('bench', [...base, '--quant', 'q4_k_m']).quant, 'Q4_K_M');
    assert.deepEqual(toArgs(parseBenchRequest('bench', [...base, '--quant=q8_0'])).slice(-1), ['--quant=Q8_0']);
  });

  it('refuses what the CLI refused: a bad value, two places, batches for generation', () => {
    const base = ['--model', 'm', '--task', 'image-classification'];
    for (const bad of [
      ['--samples', '0'],
      ['--device', 'tpu'],
      ['--dtype', 'fp8'],
      ['--country', 'FR', '--region', 'us-east1'],
      ['--size', '100x100'],
      ['--scheduler', 'pndm'],
      ['--max-new-tokens', '5'],
      ['--gpu', '0,1'],
      ['--quant', 'Q3_X'],
    ])
      assert.throws(() => parseBenchRequest('bench', [...base, ...bad]), UsageError, bad.join(' '));
    assert.throws(
      () => parseBenchRequest('bench', ['--model', 'm', '--task', 'llm', '--batch', '4']),
      /answers one prompt at a time/,
    );
    assert.throws(() => parseBenchRequest('bench', ['--model', 'a', '--model', 'b', '--task', 'llm']), /one --model/);
    assert.throws(() => parseBenchRequest('compare', ['--model', 'a', '--task', 'llm']), /two --model/);
  });
});

describe('the CLI answer and its events, checked', { timeout: 60_000 }, () => {
  const record = {
    schema: 'carbonlens.bench/1',
    runId: 'r',
    task: 'image-classification',
    model: { id: 'm' },
    result: {
      device: 'cpu',
      dtype: 'fp32',
      summary: { jPerItem: 1, itemsPerS: 2, kind: 'measured' },
      quality: { primary: { metric: 'accuracy', value: 0.5 } },
    },
  };

  it('reads a bench record and a comparison, and nothing else', () => {
    assert.equal(parseCliAnswer(JSON.stringify(record))?.records.length, 1);
    const pair = { schema: 'carbonlens.compare/1', a: record, b: record, verdict: { sentence: 'S', outcome: 'worse' } };
    assert.equal(parseCliAnswer(JSON.stringify(pair))?.verdict?.sentence, 'S');
    for (const bad of [
      '',
      'Warning: something',
      '{"schema":"carbonlens.bench/1"',
      JSON.stringify({ ...record, schema: 'carbonlens.bench/2' }),
      JSON.stringify({ ...record, result: { ...record.result, summary: { jPerItem: '1' } } }),
      JSON.stringify({ a: record, b: record, verdict: { sentence: 'S', outcome: 'worse' } }),
      JSON.stringify({ ...pair, verdict: { sentence: 'S', outcome: 'better' } }),
      JSON.stringify([record]),
    ])
      assert.equal(parseCliAnswer(bad), undefined, bad);
  });

  it('reads events field by field: a failure keeps only its known fields, a bad one is a plain line', () => {
    const failed = { event: 'failed', kind: 'dataset', message: 'M', hint: 'H', extra: 1 };
    assert.deepEqual(parseBenchEvent(JSON.stringify(failed)), {
      event: 'failed',
      kind: 'dataset',
      message: 'M',
      hint: 'H',
    });
    for (const bad of [
      { event: 'failed', kind: 'disk', message: 'M' },
      { event: 'failed', kind: 'model' },
      { event: 'items', model: 'm', done: '1', total: 2 },
      { event: 'error', remedy: {} },
    ])
      assert.equal(parseBenchEvent(JSON.stringify(bad)), undefined, JSON.stringify(bad));
    assert.equal(parseBenchEvent('carbonlens: failed'), undefined);
  });

  it('classifies failures by what failed', () => {
    assert.equal(failureKind(new DatasetError('x')), 'dataset');
    assert.equal(failureKind(new HubError('x', 'not-found')), 'model');
    assert.equal(failureKind(Object.assign(new HubError('x', 'http'), { subject: 'dataset' as const })), 'dataset');
    assert.equal(failureKind(new HubError('x', 'declined')), 'cancelled');
    assert.equal(failureKind(Object.assign(new Error('x'), { name: 'AbortError' })), 'cancelled');
    assert.equal(failureKind(new UsageError('x')), 'internal');
    assert.equal(failureKind(new TypeError('x')), 'internal');
    assert.equal(failureKind(new Error('onnxruntime: out of memory')), 'runtime');
    const device = withRemedy(new Error(''), { id: 'deviceFailed', params: { device: 'webgpu', tried: 'no adapter' } });
    const event = failureEvent(device, device.message);
    assert.equal(event.kind, 'device');
    assert.equal(event.remedy?.id, 'deviceFailed');
    assert.match(event.hint ?? '', /--device/);
  });
});
