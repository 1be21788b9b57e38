import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { appendRecord, CODECARBON_COLUMNS, codecarbonRow, RUNS_FILE } from '../../src/core/bench/report';
import { resolveIntensity } from '../../src/core/carbon/intensity';
import { sampleRecord as record } from '../support/sampleRecord';

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

describe('CodeCarbon CSV and the runs file', () => {
  it("has CodeCarbon 3.x's 38 columns in its order", () => {
    const note =
      'timestamp, project_name, run_id, experiment_id, duration, emissions, emissions_rate, cpu_power, gpu_power, ram_power, cpu_energy, gpu_energy, ram_energy, energy_consumed, water_consumed, country_name, country_iso_code, region, cloud_provider, cloud_region, os, python_version, codecarbon_version, cpu_count, cpu_model, gpu_count, gpu_model, longitude, latitude, ram_total_size, tracking_mode, cpu_utilization_percent, gpu_utilization_percent, ram_utilization_percent, ram_used_gb, on_cloud, pue, wue';
    assert.deepEqual([...CODECARBON_COLUMNS], note.split(', '));
  });

  it('writes kWh and kg, quotes what needs it', () => {
    const row = Object.fromEntries(CODECARBON_COLUMNS.map((c, i) => [c, codecarbonRow(record())[i]]));
    assert.equal(Number(row.energy_consumed), 0.001); // 3600 J
    assert.equal(Number(row.gpu_energy), 0.00075);
    assert.equal(Number(row.gpu_power), 270); // 2700 J over 10 s
    const kg = Number(row.emissions);
    assert.ok(Math.abs(kg - (0.001 * resolveIntensity({ region: 'europe-west1' }).gco2PerKwh * 1.1) / 1000) < 1e-15);
    assert.equal(row.cloud_provider, 'gcp');
    assert.equal(row.on_cloud, 'Y');
    assert.equal(row.experiment_id, '"image-classification:org/model, ""v2"":cpu:fp32"');
    assert.equal(row.timestamp, '2026-01-02T03:04:05');
    const unknown = Object.fromEntries(CODECARBON_COLUMNS.map((c, i) => [c, codecarbonRow(record(false))[i]]));
    assert.equal(unknown.emissions, '', 'no place, no made-up emissions');
  });

  it('keeps every line whole when processes append at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cl-csv-'));
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
    const dir = mkdtempSync(join(tmpdir(), 'cl-csv-'));
    const csv = join(dir, 'emissions.csv');
    writeFileSync(csv, 'timestamp,project_name,duration\n1,2,3\n');
    assert.throws(() => appendRecord(csv, record()), /other columns.*--out/);
    assert.equal(readFileSync(csv, 'utf8'), 'timestamp,project_name,duration\n1,2,3\n');
  });
});
