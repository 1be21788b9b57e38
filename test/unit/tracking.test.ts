import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseRuns } from '../../src/core/bench/history';
import { appendRecord, CODECARBON_COLUMNS } from '../../src/core/bench/report';
import { resolveIntensity } from '../../src/core/carbon/intensity';
import { Meter } from '../../src/core/energy/meter';
import type { EnergySource } from '../../src/core/energy/source';
import { RunTracker } from '../../src/core/tracking/runTracker';
import { executableName, trackedRecord } from '../../src/core/tracking/trackedRecord';
import { tempDir } from '../support/tempDir';

/** A meter over a CPU model whose power the test sets, on a clock the test moves one second at a time. */
function rig() {
  const clock = { t: 1_000_000 };
  const cpu = { powerW: 10 };
  const gpuCounter = { j: 0, w: 50 };
  const sources: EnergySource[] = [
    { id: 'cpu', component: 'cpu', name: 'CPU model', kind: 'estimated', detail: '', power: () => cpu.powerW },
    {
      id: 'gpu',
      component: 'gpu',
      name: 'GPU',
      kind: 'measured',
      detail: '',
      power: () => gpuCounter.w,
      energy: async () => gpuCounter.j,
    },
  ];
  const meter = new Meter(sources, { now: () => clock.t, counterIntervalMs: 1e9 });
  /** `s` seconds at these powers, sampled once a second. */
  const pass = async (s: number, cpuW: number, gpuW = 50) => {
    for (let i = 0; i < s; i++) {
      clock.t += 1000;
      cpu.powerW = cpuW;
      gpuCounter.w = gpuW;
      gpuCounter.j += gpuW;
      await meter.sample();
    }
  };
  const tracker = new RunTracker(meter, { minDurationS: () => 3, now: () => clock.t });
  return { clock, meter, pass, tracker };
}

/** Lets the meter's queued reads run before the test moves the clock. */
const settled = () => new Promise((r) => setImmediate(r));

describe('meter windows rebuilt from samples', () => {
  it('interpolates the running integral at both edges; every figure is sampled or estimated', async () => {
    const { clock, meter, pass } = rig();
    await meter.start();
    await pass(10, 10);
    const t0 = clock.t - 7500; // half-way between two samples
    const w = await meter.windowBetween(t0, clock.t - 2500);
    assert.ok(w);
    assert.equal(w.durationS, 5);
    const cpu = w.sources.find((s) => s.sourceId === 'cpu')!;
    assert.deepEqual([cpu.energyJ, cpu.kind, cpu.coverage], [50, 'estimated', 1]);
    const gpu = w.sources.find((s) => s.sourceId === 'gpu')!;
    assert.deepEqual([gpu.energyJ, gpu.kind, gpu.method], [250, 'sampled', 'power x time']); // no counter read at past instants
  });

  it('says how much of the window its samples covered when they do not reach back far enough', async () => {
    const { clock, meter, pass } = rig();
    await meter.start();
    await pass(4, 10);
    const w = await meter.windowBetween(clock.t - 8000, clock.t);
    assert.equal(w!.durationS, 8);
    assert.equal(w!.sources[0].coverage, 0.5);
    assert.equal(await meter.windowBetween(clock.t - 100_000, clock.t - 90_000), undefined);
  });
});

describe('run tracker', () => {
  it('meters a run between its edges, with the idle baseline from the quiet stretch before it', async () => {
    const { meter, pass, tracker } = rig();
    await meter.start();
    await pass(20, 10); // quiet: 10 W
    const run = tracker.start({ origin: 'terminal', label: 'python' });
    await settled(); // the window's first edge is read
    await pass(6, 40, 150); // the run: 40 W CPU, 150 W GPU
    const done = await run.end(0);
    assert.ok(done);
    assert.equal(done.exitCode, 0);
    assert.equal(done.window.durationS, 6);
    assert.equal(done.idleSeconds, 20);
    const gpu = done.window.components.find((c) => c.component === 'gpu')!;
    assert.deepEqual([gpu.energyJ, gpu.kind, gpu.netEnergyJ], [900, 'measured', 900 - 50 * 6]);
    const cpu = done.window.components.find((c) => c.component === 'cpu')!;
    assert.equal(cpu.kind, 'estimated');
    assert.ok(Math.abs(cpu.netEnergyJ! - (cpu.energyJ - 60)) < 1e-9);
    assert.deepEqual(done.overlaps, []);
  });

  it('ignores runs shorter than the threshold, and runs end once', async () => {
    const { meter, pass, tracker } = rig();
    await meter.start();
    const run = tracker.start({ origin: 'terminal', label: 'ls' });
    await settled(); // the window's first edge is read
    await pass(2, 10);
    const first = run.end(0);
    assert.equal(await first, undefined);
    assert.equal(run.end(0), first);
    assert.equal(tracker.active, 0);
  });

  it('gives overlapping runs their own windows, marks each as overlapping the other, and takes no baseline while another runs', async () => {
    const { meter, pass, tracker } = rig();
    await meter.start();
    await pass(10, 10);
    const a = tracker.start({ origin: 'task', label: 'build' });
    await settled(); // the window's first edge is read
    await pass(4, 30);
    const b = tracker.start({ origin: 'debug', label: 'node: app' });
    await settled(); // the window's first edge is read
    await pass(4, 50);
    const ra = await a.end(0);
    await pass(4, 20);
    const rb = await b.end();
    assert.ok(ra && rb);
    assert.deepEqual(
      ra.overlaps.map((o) => o.label),
      ['node: app'],
    );
    assert.deepEqual(
      rb.overlaps.map((o) => o.label),
      ['build'],
    );
    assert.equal(ra.window.durationS, 8);
    assert.equal(rb.window.durationS, 8);
    assert.equal(ra.idleSeconds, 10);
    assert.equal(rb.idleSeconds, undefined); // build was running when it began
    assert.equal(rb.window.netJ, undefined);
  });

  it('records a run known only after it ended (a notebook cell) from the samples kept', async () => {
    const { clock, meter, pass, tracker } = rig();
    await meter.start();
    await pass(10, 10);
    const start = clock.t;
    await pass(5, 70);
    const r = await tracker.record({ origin: 'notebook', label: 'explore.ipynb cell 2' }, start, clock.t, 0);
    assert.ok(r);
    assert.equal(r.window.kind, 'estimated');
    assert.equal(r.window.components.find((c) => c.component === 'gpu')!.kind, 'sampled');
    assert.ok(r.window.netJ! > 0);
    assert.equal(await tracker.record({ origin: 'notebook', label: 'short' }, clock.t - 1000, clock.t), undefined);
  });
});

describe('tracked records', () => {
  it('keeps only the executable of a command line', () => {
    assert.equal(executableName('python train.py --token s3cret'), 'python');
    assert.equal(executableName('CUDA_VISIBLE_DEVICES=0 /usr/bin/python3 -u x.py'), 'python3');
    assert.equal(executableName('sudo -E env FOO=1 ./run.sh'), 'run.sh');
    assert.equal(executableName('"C:\\Program Files\\nodejs\\node.exe" app.js'), 'node.exe');
    assert.equal(executableName('   '), '(empty)');
  });

  it('computes emissions here and in the greenest region of the provider in use, and appends a CodeCarbon row', async () => {
    const { meter, pass, tracker } = rig();
    await meter.start();
    await pass(10, 10);
    const run = tracker.start({ origin: 'terminal', label: 'python', commandLine: 'python train.py' });
    await settled(); // the window's first edge is read
    await pass(10, 100, 250);
    const finished = (await run.end(0))!;
    const intensity = resolveIntensity({ region: 'us-east-1' });
    const record = trackedRecord(finished, {
      intensity,
      pue: 1.1,
      dataset: 'latest',
      machine: { os: 'Linux', cpu: 'Xeon', cpuCount: 8, gpus: ['GPU'], ramGB: 32 },
    });
    assert.equal(record.schema, 'carbonlens.run/1');
    const kwh = record.energy.totalJ / 3.6e6;
    assert.ok(Math.abs(record.emissions!.grams - kwh * intensity.gco2PerKwh * 1.1) < 1e-12);
    const g = record.emissions!.greenest!;
    assert.equal(g.provider, 'aws');
    assert.ok(g.gco2PerKwh <= intensity.gco2PerKwh && g.grams <= record.emissions!.grams);

    const dir = tempDir('carbonlens-tracked-');
    const { csv, jsonl } = appendRecord(join(dir, 'emissions.csv'), record);
    const text = readFileSync(csv, 'utf8');
    assert.equal(text.split('\n')[0], CODECARBON_COLUMNS.join(','));
    const [row] = parse(text, { columns: true }) as Record<string, string>[];
    const col = (name: string) => row![name];
    assert.equal(col('experiment_id'), 'terminal:python train.py');
    assert.equal(Number(col('duration')), 10);
    // CodeCarbon multiplies each component's energy by PUE.
    assert.ok(Math.abs(Number(col('gpu_energy')) - (2500 * 1.1) / 3.6e6) < 1e-12);
    assert.ok(Number(col('cpu_utilization_percent')) >= 0);
    assert.equal(col('cloud_region'), 'us-east-1');
    const back = parseRuns(readFileSync(jsonl, 'utf8'));
    assert.deepEqual([back.records.length, back.tracked.length, back.skipped], [0, 1, 0]);
    assert.equal(back.tracked[0].runId, record.runId);
  });

  it('without a location, says why there is no CO2 figure', async () => {
    const { meter, pass, tracker } = rig();
    await meter.start();
    const run = tracker.start({ origin: 'task', label: 'build' });
    await settled(); // the window's first edge is read
    await pass(4, 10);
    const record = trackedRecord((await run.end(0))!, {
      pue: 1,
      dataset: 'latest',
      machine: { os: '', cpu: '', cpuCount: 1, gpus: [], ramGB: 1 },
    });
    assert.equal(record.emissions, undefined);
    assert.match(record.emissionsNote!, /carbonlens\.location/);
    assert.equal(record.commandLine, undefined);
  });
});
