// One basis per figure: a run's flash, panel row, CSV row and JSONL line give the same headline
// (its own share where attributed, else the machine's total), each naming the basis. The issue's
// case: a 32 s terminal command in the UK (216 g/kWh) whose flash said 2.05 mg (above idle), its
// panel row 55.6 mg (total) and its CSV 0.86 mg (own share).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { summariseRun } from '../../src/core/bench/history';
import { type BenchRecord, runEmissions } from '../../src/core/bench/record';
import { CODECARBON_COLUMNS, codecarbonRow } from '../../src/core/bench/report';
import { resolveIntensity } from '../../src/core/carbon/intensity';
import type { WindowResult } from '../../src/core/energy/meter';
import type { Attribution } from '../../src/core/tracking/attribution';
import { runRowFigures, runSummaryText } from '../../src/core/tracking/runFigures';
import type { FinishedRun } from '../../src/core/tracking/runTracker';
import { trackedRecord } from '../../src/core/tracking/trackedRecord';
import { markdownReport } from '../../src/core/report/markdownReport';
import { gramsText, joulesText } from '../../src/core/units';
import { sampleRecord } from '../support/sampleRecord';

const UK = { ...resolveIntensity({ country: 'GB' }), gco2PerKwh: 216 };
const machine = { os: 'Linux', cpu: 'Xeon', cpuCount: 2, gpus: [], ramGB: 8 };

/** 32 s: 926 J in all (55.6 mg at 216 g/kWh), 34 J above idle (2.05 mg), 14.3 J of it the run's own (0.86 mg). */
function finished(attributed: boolean): FinishedRun {
  const window: WindowResult = {
    startedAt: 0,
    durationS: 32,
    sources: [],
    components: [
      { component: 'cpu', energyJ: 806, netEnergyJ: 30, meanPowerW: 25.2, kind: 'estimated' },
      { component: 'ram', energyJ: 120, netEnergyJ: 4, meanPowerW: 3.75, kind: 'estimated' },
    ] as WindowResult['components'],
    totalJ: 926,
    netJ: 34,
    kind: 'estimated',
  };
  const attribution: Attribution = {
    method: 'process',
    processes: { peak: 2, seen: 3 },
    components: [
      { component: 'cpu', share: 0.4, baseJ: 30, base: 'above idle', energyJ: 12, kind: 'estimated' },
      { component: 'ram', share: 0.575, baseJ: 4, base: 'above idle', energyJ: 2.3, kind: 'estimated' },
    ],
    totalJ: 14.3,
    notes: [],
  };
  return {
    runId: 'run-1',
    info: { origin: 'terminal', label: 'python' },
    startedAt: Date.UTC(2026, 11, 1),
    endedAt: Date.UTC(2026, 11, 1) + 32_000,
    exitCode: 0,
    window,
    idleSeconds: 20,
    overlaps: [],
    ...(attributed && { attribution }),
  };
}

const csvOf = (row: string[]) =>
  (parse(`${CODECARBON_COLUMNS.join(',')}\n${row.join(',')}\n`, { columns: true }) as Record<string, string>[])[0]!;

describe('one basis per figure', { timeout: 30_000 }, () => {
  for (const attributed of [true, false]) {
    const basis = attributed ? 'own share' : 'machine total';
    it(`a tracked run (${basis}): the flash, the panel row, the CSV row and the JSONL agree`, () => {
      const record = trackedRecord(finished(attributed), { intensity: UK, pue: 1, dataset: 'latest', machine });
      const jsonl = JSON.parse(JSON.stringify(record)) as typeof record;
      const csv = csvOf(codecarbonRow(record));
      const flash = runSummaryText(record);
      const panel = runRowFigures(record);
      const energyJ = attributed ? 14.3 : 926;
      const grams = (energyJ / 3.6e6) * 216;
      // The JSONL names the basis, and its grams are the CSV row's emissions.
      assert.equal(jsonl.emissions!.basis, basis);
      assert.ok(Math.abs(jsonl.emissions!.grams - grams) < 1e-15);
      assert.equal(Number(csv.emissions), jsonl.emissions!.grams / 1000);
      assert.ok(Math.abs(Number(csv.energy_consumed) - energyJ / 3.6e6) < 1e-15);
      assert.equal(csv.tracking_mode, attributed ? 'process' : 'machine');
      // The flash and the panel say the same numbers, with the basis beside them.
      assert.equal(flash, `${joulesText(energyJ)} · ${gramsText(grams)} CO2e (${basis}), estimated`);
      assert.equal(panel.energy, `${joulesText(energyJ)} ${basis}`);
      assert.equal(panel.co2, `${gramsText(grams)} ${basis}`);
      // The other bases on demand.
      assert.match(panel.others, /Machine total: 926 J \(55\.6 mg CO2e\)\nAbove idle: 34(\.0)? J \(2\.04 mg CO2e\)/);
      if (attributed) assert.equal(gramsText(grams), '858 µg', 'the CSV figure of the issue (0.86 mg)');
    });
  }

  it('a benchmark with --attribution process: the panel row per item times items is the CSV energy; JSONL grams are its emissions', () => {
    const base = sampleRecord();
    const summary = {
      ...base.result.summary,
      own: {
        jPerItem: 1.6,
        components: [{ component: 'cpu', share: 0.5, jPerItem: 1.5, base: 'above idle' as const }],
      },
    };
    // As bench writes it: the attribution given when the record is made, its emissions on that basis.
    const record: BenchRecord = JSON.parse(JSON.stringify({ ...base, attribution: 'process' }));
    record.result.summary = summary;
    record.emissions = runEmissions(
      { ...record.result, answers: [], scores: [] } as never,
      record.emissions!.intensity,
      record.emissions!.pue,
      'process',
    );
    const csv = csvOf(codecarbonRow(record));
    const row = summariseRun(record);
    assert.equal(row.basis, 'own share');
    assert.equal(record.emissions!.basis, 'own share');
    // Own share: the CPU's attributed 1.5 J/item, the GPU's machine 27 J/item (no share known), x 100 items.
    assert.equal(row.headlineJPerItem, 28.5);
    const pue = record.emissions!.pue;
    assert.ok(Math.abs(Number(csv.energy_consumed) - (row.headlineJPerItem! * 100 * pue) / 3.6e6) < 1e-15);
    assert.equal(Number(csv.emissions), record.emissions!.grams! / 1000);
    assert.ok(Math.abs(row.headlineGPerItem! * 100 - record.emissions!.grams!) < 1e-12);
    assert.match(
      markdownReport([record]).markdown,
      /\| 28\.5 J own share \(machine total 36(\.0)? J; above idle 18(\.0)? J\) \|/,
    );
  });
});
