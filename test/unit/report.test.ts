import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { BenchRecord } from '../../src/core/bench/record';
import {
  appendRecord,
  CODECARBON_COLUMNS,
  codecarbonRow,
  localTimestamp,
  RUNS_FILE,
} from '../../src/core/bench/report';
import type { TrackedRecord } from '../../src/core/tracking/trackedRecord';
import { resolveIntensity } from '../../src/core/carbon/intensity';
import { sampleRecord as record } from '../support/sampleRecord';
import { tempDir } from '../support/tempDir';

/** RFC 4180 fields of one line. */
function fields(line: string): string[] {
  const out = [''];
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) out.push('');
    else out[out.length - 1] += c;
  }
  return out;
}

if (process.env.CL_APPEND_WORKER) {
  for (let i = 0; i < 25; i++) appendRecord(process.env.CL_APPEND_WORKER, record());
  process.exit(0);
}

const rowOf = (r: BenchRecord | TrackedRecord) =>
  Object.fromEntries(CODECARBON_COLUMNS.map((c, i) => [c, codecarbonRow(r)[i]!])) as Record<string, string>;

/** The same record at another place. */
function at(query: Parameters<typeof resolveIntensity>[0], pue = 1): BenchRecord {
  const r = record();
  return { ...r, emissions: { ...r.emissions!, intensity: resolveIntensity(query), pue } };
}

describe('CodeCarbon fidelity (CodeCarbon 3.3.0, mlco2/codecarbon @b05965e4)', () => {
  it('applies PUE to the energy, so emissions = energy_consumed x intensity', () => {
    // emissions_tracker.py _do_measurements: "# Apply the PUE of the datacenter to the consumed
    // energy / energy *= self._pue", before adding it to the CPU, GPU and RAM totals.
    const row = rowOf(record()); // 3600 J, PUE 1.1, gcp europe-west1
    const intensity = resolveIntensity({ region: 'europe-west1' }).gco2PerKwh;
    assert.ok(Math.abs(Number(row.energy_consumed) - 0.0011) < 1e-15);
    assert.ok(Math.abs(Number(row.gpu_energy) - (2700 * 1.1) / 3.6e6) < 1e-15);
    assert.ok(Math.abs(Number(row.cpu_energy) - (900 * 1.1) / 3.6e6) < 1e-15);
    assert.ok(Math.abs(Number(row.emissions) / Number(row.energy_consumed) - intensity / 1000) < 1e-12);
    assert.equal(row.pue, '1.1');
    // The JSONL keeps the IT energy; its grams are the same.
    assert.equal(record().result.summary.energyJ, 3600);
  });

  it('writes country_name and region as CodeCarbon does: cloud, US state, Nordic zone, country', () => {
    // _prepare_emissions_data: on cloud, country_name = get_cloud_country_name (impact.csv's
    // country_name), region = get_cloud_geo_region (its state, else its city); off cloud the
    // GeoMetadata's country_name (global_energy_mix.json's) and region, lower-cased by
    // OfflineEmissionsTracker ("self._region.lower()").
    const cases: [Parameters<typeof resolveIntensity>[0], string, string, string, string][] = [
      [{ region: 'us-central1' }, 'USA', 'USA', 'Iowa', 'Y'],
      [{ region: 'europe-west9' }, 'France', 'FRA', 'Paris', 'Y'],
      [{ location: 'Texas (TX)' }, 'United States', 'USA', 'texas', 'N'],
      [{ location: 'SE3' }, 'Sweden', 'SWE', 'se3', 'N'],
      [{ location: 'Quebec' }, 'Canada', 'CAN', 'quebec', 'N'],
      [{ country: 'DE' }, 'Germany', 'DEU', '', 'N'],
    ];
    for (const [query, name, iso, region, cloud] of cases) {
      const row = rowOf(at(query));
      assert.deepEqual(
        [row.country_name, row.country_iso_code, row.region, row.on_cloud],
        [name, iso, region, cloud],
        JSON.stringify(query),
      );
    }
  });

  it('fills the columns CodeCarbon fills: water, WUE, utilisation, memory in use; local time', () => {
    // water_consumed = wue x energy (wue defaults to 0); the utilisation columns are the mean of
    // its samples, else 0; timestamp = datetime.now().strftime("%Y-%m-%dT%H:%M:%S"), local time.
    const r = record();
    r.result.summary = {
      ...r.result.summary,
      usage: { cpuPercent: 42.5, gpuPercent: 90, ramPercent: 30, ramUsedGB: 7.5 },
    };
    const row = rowOf(r);
    assert.deepEqual(
      [row.water_consumed, row.wue, row.cpu_utilization_percent, row.gpu_utilization_percent],
      ['0', '0', '42.5', '90'],
    );
    assert.deepEqual([row.ram_utilization_percent, row.ram_used_gb], ['30', '7.5']);
    const none = rowOf(record());
    assert.deepEqual([none.cpu_utilization_percent, none.ram_used_gb], ['0', '0'], 'no reading: 0, as CodeCarbon');
    const d = new Date('2026-01-02T03:04:05.678Z');
    const p = (n: number) => String(n).padStart(2, '0');
    const local = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    assert.equal(row.timestamp, local);
    assert.equal(localTimestamp('2026-07-01T12:00:00Z').length, 19);
  });

  it("keeps rows without a place out of the project CodeCarbon's dashboard summarises", () => {
    // viz/data.py get_project_summary reads the project's last run's country_iso_code and sums
    // its emissions; carbonboard.py then calls country_iso_code.upper(), which raises on NaN.
    const dir = tempDir('cl-board-');
    const csv = join(dir, 'emissions.csv');
    appendRecord(csv, record());
    appendRecord(csv, record(false));
    const rows = parse(readFileSync(csv, 'utf8'), { columns: true }) as Record<string, string>[];
    const projects = new Map<string, Record<string, string>[]>();
    for (const r of rows) projects.set(r.project_name!, [...(projects.get(r.project_name!) ?? []), r]);
    const main = projects.get('carbonlens')!;
    assert.equal(main.length, 1);
    assert.ok(main.every((r) => /^[A-Z]{3}$/.test(r.country_iso_code!) && Number.isFinite(Number(r.emissions))));
    assert.equal(projects.get('carbonlens-no-location')?.[0]?.emissions, '');
  });
});

describe('CodeCarbon CSV and the runs file', () => {
  it("has CodeCarbon 3.x's 38 columns in its order", () => {
    const note =
      'timestamp, project_name, run_id, experiment_id, duration, emissions, emissions_rate, cpu_power, gpu_power, ram_power, cpu_energy, gpu_energy, ram_energy, energy_consumed, water_consumed, country_name, country_iso_code, region, cloud_provider, cloud_region, os, python_version, codecarbon_version, cpu_count, cpu_model, gpu_count, gpu_model, longitude, latitude, ram_total_size, tracking_mode, cpu_utilization_percent, gpu_utilization_percent, ram_utilization_percent, ram_used_gb, on_cloud, pue, wue';
    assert.deepEqual([...CODECARBON_COLUMNS], note.split(', '));
  });

  it('writes kWh and kg, quotes what needs it', () => {
    const row = rowOf(record());
    assert.equal(Number(row.gpu_power), 270); // 2700 J over 10 s: power is not scaled by PUE
    assert.equal(row.cloud_provider, 'gcp');
    assert.equal(row.on_cloud, 'Y');
    assert.equal(row.experiment_id, '"image-classification:org/model, ""v2"":cpu:fp32"');
    const unknown = rowOf(record(false));
    assert.equal(unknown.emissions, '', 'no place, no made-up emissions');
  });

  it('keeps every line whole when processes append at once', async () => {
    const dir = tempDir('cl-csv-');
    const csv = join(dir, 'emissions.csv');
    await Promise.all(
      Array.from(
        { length: 8 },
        () =>
          new Promise<void>((resolve, reject) => {
            const child = spawn(process.execPath, [__filename], {
              env: { ...process.env, CL_APPEND_WORKER: csv },
              stdio: 'inherit',
            });
            child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited ${code}`))));
          }),
      ),
    );
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], CODECARBON_COLUMNS.join(','));
    assert.equal(lines.filter((l) => l.startsWith('timestamp,')).length, 1, 'one header');
    assert.equal(lines.length, 1 + 8 * 25);
    for (const line of lines) assert.equal(fields(line).length, 38, line);
    const runs = readFileSync(join(dir, RUNS_FILE), 'utf8').trimEnd().split('\n');
    assert.equal(runs.length, 200);
    for (const r of runs) assert.equal(JSON.parse(r).schema, 'carbonlens.bench/1');
  });

  it('refuses to append to a CSV with other columns and leaves it as it was', () => {
    const dir = tempDir('cl-csv-');
    const csv = join(dir, 'emissions.csv');
    writeFileSync(csv, 'timestamp,project_name,duration\n1,2,3\n');
    assert.throws(() => appendRecord(csv, record()), /other columns.*--out/);
    assert.equal(readFileSync(csv, 'utf8'), 'timestamp,project_name,duration\n1,2,3\n');
  });
});
