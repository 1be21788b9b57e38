import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paretoFront, parseRuns, summariseRun, type RunSummary } from '../../src/core/bench/history';
import { markdownReport } from '../../src/core/report/markdownReport';
import { linearTicks, logTicks, scatterSvg } from '../../src/core/report/scatterSvg';
import type { BenchRecord } from '../../src/core/bench/record';

function run(
  id: string,
  jPerItem: number,
  accuracy: number,
  task = 'image-classification',
  model = `org/${id}`,
): RunSummary {
  return {
    runId: id,
    timestamp: '2026-01-01T00:00:00Z',
    task,
    model,
    device: 'cpu',
    dtype: 'fp32',
    batch: 1,
    items: 100,
    dataset: 'cifar10',
    itemsPerS: 10,
    jPerItem,
    kind: 'measured',
    quality: { metric: 'accuracy', value: accuracy, low: accuracy - 0.05, high: accuracy + 0.05, higherIsBetter: true },
  };
}

function record(id: string, jPerItem: number, accuracy: number): BenchRecord {
  const r = run(id, jPerItem, accuracy);
  return {
    schema: 'carbonlens.bench/1',
    runId: r.runId,
    timestamp: r.timestamp,
    task: 'image-classification',
    model: { id: r.model, source: 'hub' },
    dataset: { name: 'cifar10', source: 'hub', items: 100, population: 10000, seed: 1 },
    result: {
      device: 'cpu',
      dtype: 'fp32',
      attempts: [],
      batch: 1,
      items: 100,
      load: { seconds: 1, energyJ: 1, kind: 'measured' },
      repeats: [],
      warnings: [],
      summary: { seconds: 10, itemsPerS: 10, energyJ: jPerItem * 100, jPerItem, components: [], kind: 'measured' },
      quality: {
        primary: {
          metric: 'accuracy',
          value: accuracy,
          low: accuracy - 0.05,
          high: accuracy + 0.05,
          n: 100,
          higherIsBetter: true,
        },
        others: [],
      },
    },
    machine: { os: 'Linux', cpu: 'Xeon', cpuCount: 16, gpus: ['H200'], ramGB: 64, node: 'v20' },
    sources: [],
  };
}

describe('benchmark history', () => {
  it('reads the runs file, skipping lines it cannot read', () => {
    const good = JSON.stringify(record('0f8fad5b-d9cb-469f-a165-70867728950e', 1, 0.9));
    const { records, skipped } = parseRuns(`${good}\n{"schema":"other"}\n{"truncat\n\n${good}\n`);
    assert.equal(records.length, 2);
    assert.equal(skipped, 2);
    assert.equal(summariseRun(records[0]).quality.value, 0.9);
  });

  it('finds the Pareto front per task: nothing else is cheaper and at least as good', () => {
    const runs = [
      run('big', 10, 0.9),
      run('small', 1, 0.88),
      run('worse', 2, 0.8),
      run('tie', 1, 0.88),
      run('other-task', 50, 0.1, 'summarization'),
    ];
    assert.deepEqual([...paretoFront(runs)].sort(), ['big', 'other-task', 'small', 'tie']);
    assert.ok(!paretoFront(runs).has('worse'), 'dominated by small: cheaper and better');
  });

  it('draws the scatter with the front, and escapes model names', () => {
    const runs = [run('a', 10, 0.9, 'image-classification', 'org/<script>'), run('b', 1, 0.85)];
    const svg = scatterSvg(runs, paretoFront(runs));
    assert.match(svg, /^<svg [^>]*role="img"/);
    assert.equal((svg.match(/<circle/g) ?? []).length, 2);
    assert.match(svg, /<polyline/);
    assert.ok(!svg.includes('<script>'));
    assert.match(scatterSvg([], new Set()), /No runs yet/);
  });

  it('labels its axes with even steps, and a single point still has x ticks', () => {
    // 0.00, 0.01, 0.03 (0.02 missing) was the bug: the labels were rounded quarters of the range.
    const { ticks, decimals } = linearTicks(0, 0.035);
    assert.deepEqual(
      ticks.map((t) => t.toFixed(decimals)),
      ['0.00', '0.01', '0.02', '0.03', '0.04'],
    );
    assert.deepEqual(
      linearTicks(0.61, 0.68).ticks.map((t) => t.toFixed(linearTicks(0.61, 0.68).decimals)),
      ['0.60', '0.62', '0.64', '0.66', '0.68'],
    );
    assert.deepEqual(linearTicks(0, 0.1, 5).decimals, 3, 'a 0.025 step shows three decimals');
    assert.deepEqual(logTicks(-2.25, -1.75), [0.01], 'half a decade around 10 mJ');
    assert.deepEqual(logTicks(-1.9, -1.4), [0.02], 'a 1-2-5 tick where no decade falls');
    const one = scatterSvg([run('a', 10, 0.9)], new Set());
    assert.ok((one.match(/ J<\/text>| mJ<\/text>/g) ?? []).length >= 1, 'x ticks for one point');
  });

  it('writes a Markdown report with a table per task, provenance, and its charts', () => {
    const report = markdownReport(
      [
        record('0f8fad5b-d9cb-469f-a165-70867728950e', 2, 0.9),
        record('1f8fad5b-d9cb-469f-a165-70867728950e', 20, 0.91),
      ],
      'r',
    );
    assert.match(report.markdown, /^# CarbonLens benchmark report/);
    assert.match(
      report.markdown,
      /## image-classification\n\n!\[image-classification: energy per item vs accuracy\]\(r-image-classification\.svg\)/,
    );
    assert.match(
      report.markdown,
      /\| \*\*org\/0f8fad5b-d9cb-469f-a165-70867728950e\*\* \| cpu, fp32, 1 \| 100 \(cifar10\) \| 10\.0 \| 2 J machine total \(above idle -\) \| measured \| 0\.900 \(0\.850-0\.950\) \| - \| unknown \|/,
    );
    assert.deepEqual(Object.keys(report.charts), ['r-image-classification.svg']);
  });

  it("carries a language model's per-token figures into the summary and the report", () => {
    const r = record('2f8fad5b-d9cb-469f-a165-70867728950e', 40, 0.7);
    const phase = { seconds: 1, itemsPerS: 100, energyJ: 1, jPerItem: 1, components: [], kind: 'measured' as const };
    const lm: BenchRecord = {
      ...r,
      task: 'text-generation',
      result: {
        ...r.result,
        generation: {
          maxNewTokens: 32,
          chat: true,
          prompts: 100,
          inputTokens: 4000,
          outputTokens: 1200,
          decodeTokens: 1100,
          ttft: { meanS: 0.042, p50S: 0.04, p90S: 0.05 },
          prefill: phase,
          decode: phase,
          prefillTokensPerS: 1000,
          jPerInputToken: 0.25,
          decodeTokensPerS: 55,
          jPerOutputToken: 2.5,
        },
      },
    };
    assert.deepEqual(summariseRun(lm).tokens, {
      jPerOutputToken: 2.5,
      decodeTokensPerS: 55,
      ttftS: 0.042,
      jPerInputToken: 0.25,
    });
    assert.equal(summariseRun(r).tokens, undefined);
    const report = markdownReport([lm, record('3f8fad5b-d9cb-469f-a165-70867728950e', 2, 0.9)], 'r').markdown;
    assert.match(
      report,
      /\| model \| first token \(mean\) \| energy\/input token \| decode tokens\/s \| energy\/output token \|/,
    );
    assert.match(report, /\| org\/2f8fad5b-d9cb-469f-a165-70867728950e \| 42\.0 ms \| 250 mJ \| 55\.0 \| 2\.5 J \|/);
    assert.equal(report.match(/first token \(mean\)/g)!.length, 1, 'only under the language-model task');
  });

  it('carries the model measured apart beside the pipelined end-to-end figure into the summary and the report', () => {
    const r = record('4f8fad5b-d9cb-469f-a165-70867728950e', 0.12, 0.9);
    const phase = (itemsPerS: number, jPerItem: number) => ({
      seconds: 1,
      itemsPerS,
      energyJ: jPerItem * 100,
      jPerItem,
      components: [],
      kind: 'measured' as const,
    });
    const split: BenchRecord = {
      ...r,
      result: {
        ...r.result,
        phases: { preprocess: phase(500, 0.3), model: phase(3000, 0.1) },
        runtime: {
          executionProvider: 'cuda',
          dtype: 'fp16',
          batch: 32,
          batchChosenBy: 'user',
          preprocessing: 'threads',
          pipeline: { depth: 3, peakRssBytes: 1 },
          graphCapture: { enabled: false, why: '' },
        },
      },
    };
    assert.deepEqual(summariseRun(split).modelApart, { itemsPerS: 3000, jPerItem: 0.1, pipelined: true });
    assert.equal(summariseRun(r).modelApart, undefined);
    const report = markdownReport([split, r], 'r').markdown;
    assert.match(report, /the table above is end to end \(pipelined/);
    assert.match(report, /\| org\/4f8fad5b-d9cb-469f-a165-70867728950e \| 10\.0 \| 120 mJ \| 3\.00e\+3 \| 100 mJ \|/);
    assert.equal(report.match(/model apart items\/s/g)!.length, 1, 'one table, for the runs that have it');
  });
});
