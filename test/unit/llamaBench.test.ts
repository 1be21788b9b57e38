// A GGUF model benchmarked as any text generation: the tiny GGUF the fixtures write, from a file
// and from a fake Ollama store, through llama.cpp's CPU build, with prefill and decode metered
// per prompt and the record naming llama.cpp, its build and the quantisation.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { benchmarkModel } from '../../src/core/bench/benchmarkModel';
import type { EvalSet } from '../../src/core/bench/datasets/evalSet';
import { summariseRun } from '../../src/core/bench/history';
import { benchRecord } from '../../src/core/bench/record';
import { Meter } from '../../src/core/energy/meter';
import type { EnergySource } from '../../src/core/energy/source';
import { remedyOf, voices } from '../../src/core/messages';
import { HubClient } from '../../src/core/models/hub';
import { ggufFileFor, quantInName } from '../../src/core/models/modelSource';
import { startMockHub } from './mockHub';
import { tinyLlamaGguf, writeTinyGguf } from '../support/ggufWriter';
import { fakeOllamaStore } from '../support/ollamaStore';
import { tempDir } from '../support/tempDir';

const dir = tempDir('carbonlens-llama-bench-');
const savedStore = process.env.OLLAMA_MODELS;
const savedThreads = process.env.CARBONLENS_LLAMA_THREADS;
process.env.CARBONLENS_LLAMA_THREADS = '1'; // the tiny model's work is too small to share
after(() => {
  if (savedThreads === undefined) delete process.env.CARBONLENS_LLAMA_THREADS;
  else process.env.CARBONLENS_LLAMA_THREADS = savedThreads;
  if (savedStore === undefined) delete process.env.OLLAMA_MODELS;
  else process.env.OLLAMA_MODELS = savedStore;
});

/** A 20 W counter on the real clock: every window's energy is 20 J/s of its time. */
function meter(): Meter {
  const source: EnergySource = {
    id: 'cpu',
    component: 'cpu',
    name: 'CPU',
    kind: 'measured',
    detail: '',
    power: () => 20,
    energy: async () => (performance.now() / 1000) * 20,
  };
  return new Meter([source], { counterIntervalMs: 1e9, usage: null });
}

const set: EvalSet = {
  name: 'short-answers',
  source: 'test',
  seed: 1,
  population: 3,
  items: [
    { id: '1', input: 'What is the capital of France?', reference: 'Paris' },
    { id: '2', input: 'How many legs has a spider?', reference: '8' },
    { id: '3', input: 'What colour is the sky on a clear day?', reference: 'blue' },
  ],
};

const noHub = new Proxy({} as HubClient, {
  get: () => () => {
    throw new Error('a GGUF model must not reach the hub');
  },
});

describe('a GGUF model benchmarked through llama.cpp (CPU build)', { timeout: 240_000 }, () => {
  it('from a .gguf file: prefill and decode per prompt, J per token, TTFT, and the record names llama.cpp, its build and the quantisation', async () => {
    const file = writeTinyGguf(join(dir, 'tiny-f16.gguf'), { f16: true });
    const m = meter();
    try {
      const outcome = await benchmarkModel({
        model: file,
        task: 'text-generation',
        device: 'cpu',
        dtype: 'fp32',
        samples: 3,
        seed: 1,
        hub: noHub,
        set,
        meter: m,
        idleMs: 0,
        maxNewTokens: 8,
      });
      const r = outcome.result;
      assert.equal(r.device, 'cpu');
      assert.equal(r.dtype, 'F16');
      assert.equal(r.runtime!.executionProvider, 'llama.cpp cpu');
      assert.equal(r.runtime!.engine!.name, 'llama.cpp');
      assert.equal(r.runtime!.engine!.build, 'cpu');
      assert.equal(r.runtime!.engine!.quantisation, 'F16');
      assert.equal(r.runtime!.graphCapture, undefined);
      const g = r.generation!;
      assert.equal(g.prompts, 3);
      assert.equal(g.chat, false);
      assert.equal(g.perPrompt!.inputTokens.length, 3);
      assert.ok(
        g.perPrompt!.inputTokens.every((n) => n > 5),
        'each prompt counted in llama.cpp tokens',
      );
      assert.ok(g.perPrompt!.outputTokens.every((n) => n >= 1 && n <= 8));
      assert.ok(g.ttft.meanS > 0);
      assert.ok(g.jPerInputToken > 0);
      assert.equal(g.prefill.kind, 'measured');
      if (g.decodeTokens > 0) assert.ok(g.jPerOutputToken! > 0 && g.decodeTokensPerS! > 0);
      assert.equal(r.answers.length, 3);
      assert.equal(r.quality.primary.metric, 'normalised-match');
      const record = benchRecord({
        task: 'text-generation',
        ...outcome,
        inventory: {
          os: { platform: 'linux', distro: 'Debian', release: '12', arch: 'x64' },
          cpu: { brand: 'Xeon', manufacturer: 'Intel', physicalCores: 2, logicalCores: 2, speedGHz: null },
          memory: { totalBytes: 8 * 1024 ** 3 },
          gpus: [],
          node: 'v20',
        },
        sources: [],
        pue: 1,
      });
      assert.deepEqual(record.model, { id: file, source: 'local', format: 'gguf' });
      assert.equal(record.result.runtime!.engine!.quantisation, 'F16');
      const row = summariseRun(record);
      assert.deepEqual([row.device, row.dtype], ['llama.cpp cpu', 'F16'], "the panel's and reports' Device column");
    } finally {
      m.close();
    }
  });

  it('from Ollama by name, in place, with its digest in the record; --quant checked against the file', async () => {
    process.env.OLLAMA_MODELS = fakeOllamaStore(join(dir, 'ollama'), {
      'tiny-llama': { q8: tinyLlamaGguf({ fileType: 7, seed: 3 }) },
    });
    const m = meter();
    const request = {
      model: 'ollama:tiny-llama:q8',
      task: 'text-generation' as const,
      device: 'cpu' as const,
      dtype: 'fp32' as const,
      samples: 1,
      seed: 1,
      hub: noHub,
      set: { ...set, items: set.items.slice(0, 1), population: 1 },
      meter: m,
      idleMs: 0,
      maxNewTokens: 4,
    };
    try {
      const outcome = await benchmarkModel(request);
      assert.equal(outcome.model.source, 'ollama');
      assert.match(outcome.model.digest!, /^sha256:[0-9a-f]{64}$/);
      assert.equal(outcome.result.dtype, 'Q8_0');
      await assert.rejects(benchmarkModel({ ...request, quant: 'Q4_K_M' }), /ollama:tiny-llama:q8 is Q8_0, not Q4_K_M/);
      await assert.rejects(
        benchmarkModel({ ...request, task: 'image-classification' }),
        /is a GGUF model, which CarbonLens runs for text-generation/,
      );
      await assert.rejects(benchmarkModel({ ...request, device: 'dml' }), /llama\.cpp has no dml build/);
    } finally {
      m.close();
    }
  });
});

describe('a hub repository of GGUF files, with --quant', { timeout: 240_000 }, () => {
  it('reads the quantisation from a file name, and picks the one file of it', () => {
    assert.equal(quantInName('Qwen2.5-0.5B-Instruct-Q4_K_M.gguf'), 'Q4_K_M');
    assert.equal(quantInName('qwen2.5-0.5b-instruct-q4_k_s.gguf'), 'Q4_K_S');
    assert.equal(quantInName('model-f16.gguf'), 'F16');
    assert.equal(quantInName('model.gguf'), undefined);
    const files = [
      'README.md',
      'm-Q4_K_M.gguf',
      'm-Q8_0.gguf',
      'big-Q6_K-00001-of-00002.gguf',
      'big-Q6_K-00002-of-00002.gguf',
    ];
    assert.equal(ggufFileFor('org/m', files, 'q4_k_m'), 'm-Q4_K_M.gguf');
    assert.throws(
      () => ggufFileFor('org/m', files, 'Q5_K_M'),
      /org\/m has no Q5_K_M GGUF file: it has Q4_K_M, Q8_0, Q6_K/,
    );
    assert.throws(() => ggufFileFor('org/m', files, 'Q6_K'), /split into shards .* does not load yet/);
    assert.throws(() => ggufFileFor('org/m', files), /has GGUF files of Q4_K_M, Q8_0, Q6_K\. Choose one with --quant/);
    // The editor offers a picker of the repository's own quantisations instead of the flag.
    assert.throws(
      () => ggufFileFor('org/m', files, 'Q5_K_M'),
      (e: Error) => {
        const ref = remedyOf(e);
        assert.equal(ref?.id, 'quantChoice');
        assert.deepEqual(voices(ref).controls, [
          { kind: 'pickQuant', label: 'Pick a Quantisation', quants: ['Q4_K_M', 'Q8_0', 'Q6_K'] },
        ]);
        return true;
      },
    );
    assert.equal(ggufFileFor('org/one', ['x.gguf']), 'x.gguf');
    assert.throws(() => ggufFileFor('org/none', ['model.onnx']), /has no GGUF files/);
  });

  it('downloads only the chosen file, runs it, and says which quantisations a repository has', async () => {
    const hub = await startMockHub();
    const m = meter();
    try {
      hub.repos.set('model:org/tiny-GGUF', {
        files: new Map([
          ['README.md', Buffer.from('# tiny')],
          ['tiny-Q8_0.gguf', tinyLlamaGguf({ fileType: 7 })],
          ['tiny-F16.gguf', tinyLlamaGguf({ f16: true })],
        ]),
        sha: 'c'.repeat(40),
      });
      const client = new HubClient({ endpoint: hub.url, cacheDir: join(dir, 'hub-cache') });
      const request = {
        model: 'org/tiny-GGUF',
        task: 'text-generation' as const,
        device: 'cpu' as const,
        dtype: 'fp32' as const,
        samples: 1,
        seed: 1,
        hub: client,
        set: { ...set, items: set.items.slice(0, 1), population: 1 },
        meter: m,
        idleMs: 0,
        maxNewTokens: 3,
      };
      const outcome = await benchmarkModel({ ...request, quant: 'q8_0' });
      assert.equal(outcome.model.source, 'hub');
      assert.equal(outcome.model.commit, 'c'.repeat(40));
      assert.equal(outcome.result.dtype, 'Q8_0');
      assert.ok(
        !hub.requests.some((r) => r.path.includes('tiny-F16.gguf') && r.method === 'GET'),
        'the other quantisation is not downloaded',
      );
      await assert.rejects(
        benchmarkModel({ ...request, quant: 'Q4_K_M' }),
        /org\/tiny-GGUF has no Q4_K_M GGUF file: it has Q8_0, F16/,
      );
      await assert.rejects(
        benchmarkModel(request),
        /org\/tiny-GGUF has GGUF files \(Q8_0, F16\), not ONNX graphs\. Add --quant with one of them/,
      );
    } finally {
      m.close();
      await hub.close();
    }
  });
});
