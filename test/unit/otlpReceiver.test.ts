// A real OTLP receiver: Debian trixie's VictoriaMetrics (unpacked by `npm run setup`), fed by
// `monitor --otlp`, `run --otlp` and a language-model `bench --otlp` and `compare --otlp` over http/protobuf, read back
// through its PromQL API with Prometheus naming (what docs/grafana's dashboard queries on this
// path): the energy the CLI reported, one series per process with no counter reset, hw.power from
// a monitor shorter than the export interval, and the gen-ai histograms with the conventions' buckets.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { victoriaMetricsBinary } from '../victoriaMetricsServer.mjs';
import { makeTextGenerator } from '../fixtures/tiny-models/make.mjs';
import { dashboardQueries } from '../support/dashboard';
import { killIfAlive, waitFor } from '../support/waitFor';
import { tempDir } from '../support/tempDir';

const cli = path.resolve(__dirname, '../../../dist/cli.js');
const root = path.resolve(__dirname, '../../../.vscode-test/victoria-metrics');
let binary: string | undefined;
let skip: string | false = false;
try {
  binary = victoriaMetricsBinary(root);
} catch (e) {
  skip = (e as Error).message;
}

const work = tempDir('cl-otlp-');
let server: ChildProcess | undefined;
let base = '';

function carbonlens(args: string[]) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CARBONLENS_CACHE: path.join(work, 'cache'), HF_HUB_OFFLINE: '1' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A tiny language model's run on two prompts of four tokens, pushed to the receiver. */
const tinyLlmRun = (out: string) => [
  '--task',
  'text-generation',
  '--samples',
  '2',
  '--max-new-tokens',
  '4',
  '--idle-ms',
  '0',
  '--out',
  out,
  '--otlp',
  `${base}/opentelemetry/v1/metrics`,
  '--json',
];

type Sample = { metric: Record<string, string>; value: [number, string] };
async function query(q: string): Promise<Sample[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { status: string; data?: { result: Sample[] }; error?: string };
  if (body.status !== 'success') throw new Error(`${q}: ${body.error}`);
  return body.data!.result;
}
/** The query's samples once `ready` holds for them (the receiver makes pushed data searchable within seconds). */
const queryWhen = (q: string, ready: (r: Sample[]) => boolean) =>
  waitFor(
    `VictoriaMetrics to answer ${q}`,
    async () => {
      const r = await query(q);
      return ready(r) ? r : undefined;
    },
    30_000,
  );

describe('OTLP into a real receiver (VictoriaMetrics)', { timeout: 240_000, skip }, () => {
  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(
      binary!,
      [
        `-httpListenAddr=127.0.0.1:${port}`,
        `-storageDataPath=${path.join(work, 'vm-data')}`,
        '-search.latencyOffset=0s',
        '-opentelemetry.usePrometheusNaming',
        '-loggerLevel=ERROR',
      ],
      { stdio: 'ignore' },
    );
    await waitFor('VictoriaMetrics to be up', async () => {
      try {
        return (await fetch(`${base}/health`)).ok;
      } catch {
        return false;
      }
    });
  });
  after(() => {
    if (server?.pid) killIfAlive(server.pid);
  });

  it('stores what monitor and run pushed over http/protobuf: their energy, one series per process, no counter reset, hw.power from a short monitor', async () => {
    const otlp = `${base}/opentelemetry/v1/metrics`;
    // Two monitors, the second shorter: had they shared one series, it would read as a counter reset.
    const totals: number[] = [];
    for (const duration of ['2', '1']) {
      const r = await carbonlens(['monitor', '--duration', duration, '--interval-ms', '200', '--json', '--otlp', otlp]);
      assert.equal(r.code, 0, r.err);
      const report = JSON.parse(r.out) as { energy_j: { total: number }; telemetry: { delivered: boolean } };
      assert.equal(report.telemetry.delivered, true, r.err);
      totals.push(report.energy_j.total);
    }
    const spin = 'const t = Date.now(); while (Date.now() - t < 500);';
    const run = await carbonlens([
      'run',
      '--idle-ms',
      '0',
      '--json',
      '--otlp',
      otlp,
      '--',
      process.execPath,
      '-e',
      spin,
    ]);
    assert.equal(run.code, 0, run.err);
    const record = JSON.parse(run.err) as { energy: { totalJ: number }; telemetry: { delivered: boolean } };
    assert.equal(record.telemetry.delivered, true);

    const monitors = await queryWhen(
      'sum by (service_instance_id) (hw_energy_joules_total{carbonlens_command="monitor"})',
      (r) => r.length === 2,
    );
    const stored = monitors.map((s) => Number(s.value[1])).sort((a, b) => b - a);
    const reported = [...totals].sort((a, b) => b - a);
    for (let i = 0; i < 2; i++)
      assert.ok(
        Math.abs(stored[i]! - reported[i]!) <= reported[i]! * 0.01,
        `${stored[i]} J stored, ${reported[i]} J reported`,
      );
    // The run's own figure is its record's; hw.energy counts the meter's whole session, the run within it.
    const runEnergy = await queryWhen('sum(carbonlens_run_energy_joules_total)', (r) => r.length === 1);
    const runJ = Number(runEnergy[0]!.value[1]);
    assert.ok(
      Math.abs(runJ - record.energy.totalJ) <= record.energy.totalJ * 0.01,
      `${runJ} J, ${record.energy.totalJ} J`,
    );
    const runSession = await queryWhen('sum(hw_energy_joules_total{carbonlens_command="run"})', (r) => r.length === 1);
    assert.ok(Number(runSession[0]!.value[1]) >= record.energy.totalJ * 0.99);

    const instances = await query(
      'count by (service_instance_id, host_name, service_version) (hw_energy_joules_total)',
    );
    assert.equal(instances.length, 3, 'three processes, three identities');
    assert.ok(instances.every((s) => s.metric.host_name && s.metric.service_version));
    assert.equal(Number((await query('sum(resets(hw_energy_joules_total[1h]))'))[0]!.value[1]), 0, 'no counter reset');
    const power = await query('count by (service_instance_id) (hw_power_watts{carbonlens_command="monitor"})');
    assert.equal(power.length, 2, 'hw.power from both monitors, the 1 s one too');
    // The Grafana dashboard reads this path too: each of its power, energy and run panels has data.
    for (const { title, expr } of dashboardQueries(path.resolve(__dirname, '../../..')))
      if (/hw_|run_energy/.test(expr)) assert.ok((await query(expr)).length > 0, `${title}: ${expr}`);
  });

  it('stores a language-model benchmark’s gen-ai histograms with the conventions’ buckets', async () => {
    const model = path.join(work, 'tiny-llama');
    makeTextGenerator(model);
    const r = await carbonlens(['bench', '--model', model, ...tinyLlmRun('llm.csv')]);
    assert.equal(r.code, 0, r.err);
    assert.equal((JSON.parse(r.out) as { telemetry: { delivered: boolean } }).telemetry.delivered, true);
    const buckets = await queryWhen(
      'count by (le) (gen_ai_server_time_per_output_token_seconds_bucket)',
      (s) => s.length > 0,
    );
    assert.deepEqual(
      buckets
        .map((s) => (s.metric.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.metric.le)))
        .sort((a, b) => a - b),
      [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, Number.POSITIVE_INFINITY],
    );
    const prompts = await queryWhen('sum(gen_ai_server_time_to_first_token_seconds_count)', (s) => s.length === 1);
    assert.equal(Number(prompts[0]!.value[1]), 2, 'one value per prompt');
  });

  it('stores both records of a compare, each saying it arrived', async () => {
    const model = path.join(work, 'tiny-llama'); // made by the test before
    const r = await carbonlens(['compare', '--model', model, '--model', model, ...tinyLlmRun('compare.csv')]);
    assert.equal(r.code, 0, r.err);
    const answer = JSON.parse(r.out) as Record<'a' | 'b', { telemetry?: { delivered: boolean } }>;
    assert.deepEqual([answer.a.telemetry?.delivered, answer.b.telemetry?.delivered], [true, true]);
    // Two prompts a record, on top of the benchmark's two.
    await queryWhen(
      'sum(gen_ai_server_time_to_first_token_seconds_count)',
      (s) => s.length === 1 && Number(s[0]!.value[1]) === 6,
    );
  });
});
