// Results on disk: a row per run (a benchmark or a tracked run) in a CodeCarbon 3.x emissions.csv (its 38 columns in its order,
// kg and kWh, so CodeCarbon's dashboard and scripts read it), and the whole record as a line of
// carbonlens-runs.jsonl beside it. Every write is one append of whole lines, so concurrent runs
// interleave rows but never split one; a new file gets its header through an atomic link.
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fstatSync,
  ftruncateSync,
  linkSync,
  lstatSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { lockWaiting } from '../fileLock';
import { dirname, join } from 'node:path';
import {
  CODECARBON_CLOUD_PLACES,
  countryIntensityCodecarbonRows,
  countryIntensityRows,
} from '../../generated/intensityTables';
import { JOULES_PER_KWH } from '../carbon/emissions';
import { withRemedy } from '../messages';
import type { IntensityFigure } from '../carbon/intensity';
import type { GpuMetering } from '../energy/gpuSelection';
import { gpuModelColumn } from '../energy/gpuText';
import type { WindowUsage } from '../energy/usage';
import type { TrackedRecord } from '../tracking/trackedRecord';
import type { BenchRecord } from './record';
import { benchHeadline, trackedHeadline } from '../carbon/basis';

export const CODECARBON_COLUMNS = [
  'timestamp',
  'project_name',
  'run_id',
  'experiment_id',
  'duration',
  'emissions',
  'emissions_rate',
  'cpu_power',
  'gpu_power',
  'ram_power',
  'cpu_energy',
  'gpu_energy',
  'ram_energy',
  'energy_consumed',
  'water_consumed',
  'country_name',
  'country_iso_code',
  'region',
  'cloud_provider',
  'cloud_region',
  'os',
  'python_version',
  'codecarbon_version',
  'cpu_count',
  'cpu_model',
  'gpu_count',
  'gpu_model',
  'longitude',
  'latitude',
  'ram_total_size',
  'tracking_mode',
  'cpu_utilization_percent',
  'gpu_utilization_percent',
  'ram_utilization_percent',
  'ram_used_gb',
  'on_cloud',
  'pue',
  'wue',
] as const;

export const RUNS_FILE = 'carbonlens-runs.jsonl';

const csvField = (v: string | number | undefined): string => {
  if (v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

interface CsvRun {
  timestamp: string;
  runId: string;
  experimentId: string;
  durationS: number;
  totalJ: number;
  componentJ: (component: string) => number | undefined;
  emissions?: { intensity: IntensityFigure; pue: number };
  /** The record's own gCO2e on its basis, so the row's `emissions` is the record's figure exactly. */
  grams?: number;
  usage?: WindowUsage;
  machine: { os: string; cpu: string; cpuCount: number; gpus: string[]; ramGB: number };
  /** The GPU boards metered: gpu_count and gpu_model name them (older records: `machine.gpus`). */
  gpus?: GpuMetering;
  /** 'process' when the energies are the run's own share (CodeCarbon's name for it). */
  trackingMode?: 'machine' | 'process';
}

/** Rows without a place have no emissions: kept apart so CodeCarbon's dashboard reads the rest (docs/measurement.md). */
export const PROJECT_NAME = 'carbonlens';
export const UNLOCATED_PROJECT_NAME = 'carbonlens-no-location';

/** A benchmark (its median repeat) or a tracked run as CodeCarbon would have logged it. */
export function codecarbonRow(record: BenchRecord | TrackedRecord): string[] {
  if (record.schema === 'carbonlens.run/1') {
    // The headline: the run's own share where attributed (tracking_mode process), else the machine's.
    const h = trackedHeadline(record);
    return csvRow({
      timestamp: record.timestamp,
      runId: record.runId,
      experimentId: `${record.origin}:${record.commandLine ?? record.label}`,
      durationS: record.durationS,
      totalJ: h.energyJ,
      componentJ: h.componentJ,
      ...(h.basis === 'own share' && { trackingMode: 'process' as const }),
      emissions: record.emissions,
      ...(record.emissions?.basis && { grams: record.emissions.grams }),
      usage: record.usage,
      machine: record.machine,
      ...(record.gpus && { gpus: record.gpus }),
    });
  }
  const run = record.result.summary;
  const h = benchHeadline(record.result, record.attribution);
  return csvRow({
    timestamp: record.timestamp,
    runId: record.runId,
    experimentId: `${record.task}:${record.model.id}:${record.result.device}:${record.result.dtype}`,
    durationS: run.seconds,
    totalJ: h.energyJ,
    componentJ: h.componentJ,
    ...(h.basis === 'own share' && { trackingMode: 'process' as const }),
    emissions: record.emissions,
    ...(record.emissions?.basis && record.emissions.grams !== undefined && { grams: record.emissions.grams }),
    usage: run.usage,
    machine: record.machine,
    ...(record.gpus && { gpus: record.gpus }),
  });
}

/** Local time without a zone, as CodeCarbon writes it (datetime.now().strftime("%Y-%m-%dT%H:%M:%S")). */
export function localTimestamp(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * country_name and region as CodeCarbon 3.x writes them: for a cloud region, its impact.csv's
 * country and state (else city); for a US state, Canadian province or Nordic zone, the country
 * and the lower-case key it takes (`texas`, `se3`); for a country, its name.
 */
export function codecarbonPlace(f: IntensityFigure): { countryName?: string; region?: string } {
  const countryName = f.countryIso3 ? codecarbonCountryName(f.countryIso3) : undefined;
  if (f.scope === 'cloud-region') {
    const known = CODECARBON_CLOUD_PLACES[`${f.provider} ${f.region}`];
    return { countryName: known?.[0] ?? countryName, region: known?.[1] ?? f.location };
  }
  if (f.scope === 'subnational') {
    const key = f.location
      .split(' - ')[0]!
      .replace(/ \([A-Z]{2}\)$/, '')
      .toLowerCase();
    return { countryName, region: key };
  }
  if (f.scope === 'country') return { countryName: countryName ?? f.location };
  return { countryName };
}

function codecarbonCountryName(iso3: string): string | undefined {
  return (
    countryIntensityCodecarbonRows().find((r) => r.iso3 === iso3)?.name ??
    countryIntensityRows().find((r) => r.iso3 === iso3)?.name
  );
}

function csvRow(run: CsvRun): string[] {
  const e = run.emissions;
  // CodeCarbon applies PUE to each component's energy before summing, so emissions = energy_consumed x intensity.
  const pue = e?.pue ?? 1;
  const kwh = (c: string) => ((run.componentJ(c) ?? 0) * pue) / JOULES_PER_KWH;
  const power = (c: string) => (run.durationS > 0 ? (run.componentJ(c) ?? 0) / run.durationS : 0);
  const energyKwh = (Math.max(0, run.totalJ) * pue) / JOULES_PER_KWH;
  const kg = e ? (run.grams !== undefined ? run.grams / 1000 : (energyKwh * e.intensity.gco2PerKwh) / 1000) : undefined;
  const onCloud = e?.intensity.scope === 'cloud-region';
  const place = e ? codecarbonPlace(e.intensity) : {};
  const m = run.machine;
  const u = run.usage ?? {};
  const values: Record<(typeof CODECARBON_COLUMNS)[number], string | number | undefined> = {
    timestamp: localTimestamp(run.timestamp),
    project_name: e ? PROJECT_NAME : UNLOCATED_PROJECT_NAME,
    run_id: run.runId,
    experiment_id: run.experimentId,
    duration: run.durationS,
    emissions: kg,
    emissions_rate: kg === undefined || !(run.durationS > 0) ? undefined : kg / run.durationS,
    cpu_power: power('cpu'),
    gpu_power: power('gpu'),
    ram_power: power('ram'),
    cpu_energy: kwh('cpu'),
    gpu_energy: kwh('gpu'),
    ram_energy: kwh('ram'),
    energy_consumed: energyKwh,
    // WUE 0 (CodeCarbon's default): no water figure is known for the place.
    water_consumed: 0,
    country_name: place.countryName,
    country_iso_code: e?.intensity.countryIso3,
    region: place.region,
    cloud_provider: onCloud ? e?.intensity.provider : undefined,
    cloud_region: onCloud ? e?.intensity.region : undefined,
    os: m.os,
    python_version: undefined,
    codecarbon_version: undefined,
    cpu_count: m.cpuCount,
    cpu_model: m.cpu,
    // CodeCarbon with gpu_ids: gpu_count is the GPUs tracked; gpu_model says which (see gpuModelColumn).
    gpu_count: run.gpus ? run.gpus.metered.length : m.gpus.length,
    gpu_model: run.gpus ? gpuModelColumn(run.gpus) : m.gpus.length ? `${m.gpus.length} x ${m.gpus[0]}` : undefined,
    longitude: undefined,
    latitude: undefined,
    ram_total_size: m.ramGB,
    tracking_mode: run.trackingMode ?? 'machine',
    // CodeCarbon writes 0 when it took no reading; so do we.
    cpu_utilization_percent: u.cpuPercent ?? 0,
    gpu_utilization_percent: u.gpuPercent ?? 0,
    ram_utilization_percent: u.ramPercent ?? 0,
    ram_used_gb: u.ramUsedGB ?? 0,
    on_cloud: onCloud ? 'Y' : 'N',
    pue,
    wue: 0,
  };
  return CODECARBON_COLUMNS.map((c) => csvField(values[c]));
}

const HEADER = CODECARBON_COLUMNS.join(',');

function firstLine(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8').split(/\r?\n/)[0];
  } finally {
    closeSync(fd);
  }
}

/** The first line without a UTF-8 byte order mark (a spreadsheet may add one): compared with our header. */
const headerOf = (path: string) => firstLine(path).replace(/^\uFEFF/, '');

/**
 * Creates the file with its header unless it has one (absent or empty); two processes racing
 * both end with one header.
 */
function ensureHeader(path: string, header: string, write: Write): void {
  if (!existsSync(path)) {
    const tmp = join(dirname(path), `.${process.pid}.${Date.now()}.header.tmp`);
    try {
      writeFileSync(tmp, `${header}\n`);
      linkSync(tmp, path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  if (statSync(path).size === 0) appendLine(path, header, write);
  const existing = headerOf(path);
  if (existing !== header) {
    throw recordFileError(
      path,
      `exists with other columns (${existing.split(',').length} instead of ${header.split(',').length})`,
    );
  }
}

/** A record file that cannot take the run, said in the voice of whoever shows it (src/core/messages.ts). */
const recordFileError = (path: string, problem: string) =>
  withRemedy(new Error(''), { id: 'recordFile', params: { path, problem } });

/**
 * Checks one file a record goes to: absent (it is created), or a regular file this process can
 * write; not a folder, a device such as /dev/null, or a link to a missing file.
 */
function checkTarget(path: string, what: string): void {
  try {
    lstatSync(path);
  } catch {
    return; // absent: created with the record
  }
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw recordFileError(path, 'is a link to a missing file');
  }
  if (st.isDirectory()) throw new Error(`${path} is a folder: ${what}.`);
  if (!st.isFile()) throw new Error(`${path} is not a regular file (a device, pipe or socket): ${what}.`);
  try {
    accessSync(path, constants.W_OK);
  } catch {
    throw recordFileError(path, 'is not writable');
  }
}

/**
 * Checks, before a run is measured, that its record can be saved at `csvPath` and at the run
 * history beside it: the folder exists and is writable, each file is absent or a writable
 * regular file, and an existing CSV is empty or has our columns. Throws a message naming the
 * user's path.
 */
export function checkRecordFile(csvPath: string): void {
  if (!csvPath.trim()) throw new Error('--out is empty: give a .csv file, or leave it out for ./emissions.csv.');
  const folder = dirname(csvPath);
  let dir: ReturnType<typeof statSync> | undefined;
  try {
    dir = statSync(folder);
  } catch {
    // reported below
  }
  if (!dir?.isDirectory())
    throw new Error(`The folder of ${csvPath} does not exist: create it, or choose another --out.`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new Error(`${folder} is not writable: choose another --out.`);
  }
  checkTarget(csvPath, '--out takes a .csv file');
  checkTarget(
    join(folder, RUNS_FILE),
    `the run history is kept in a file of that name beside --out: move it, or choose another --out folder`,
  );
  if (existsSync(csvPath)) {
    const existing = headerOf(csvPath);
    if (existing !== HEADER && existing !== '') {
      throw recordFileError(
        csvPath,
        `exists with other columns (${existing.split(',').length} instead of ${HEADER.split(',').length})`,
      );
    }
  }
}

type Write = (fd: number, text: string) => number;

/**
 * Appends one whole line, or nothing: a newline first when the file does not end with one, every
 * byte checked, and on a failure (a full disk) the file cut back to where it was.
 * Returns a function that removes the line again.
 */
function appendLine(path: string, line: string, write: Write): () => void {
  const fd = openSync(path, 'a+');
  try {
    const before = fstatSync(fd).size;
    let text = `${line}\n`;
    if (before > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, before - 1);
      if (last[0] !== 0x0a) text = `\n${text}`;
    }
    try {
      const n = write(fd, text);
      if (n !== Buffer.byteLength(text)) throw new Error(`only ${n} of ${Buffer.byteLength(text)} bytes were written`);
    } catch (e) {
      ftruncateSync(fd, before);
      throw new Error(`Could not save the record to ${path} (${(e as Error).message}); the file is as it was.`);
    }
    return () => {
      const undo = openSync(path, 'r+');
      try {
        ftruncateSync(undo, before);
      } finally {
        closeSync(undo);
      }
    };
  } finally {
    closeSync(fd);
  }
}

/**
 * Appends the run to `csvPath` and to carbonlens-runs.jsonl in the same folder: both or neither.
 * `write` is for tests that make the disk fail.
 */
export function appendRecord(
  csvPath: string,
  record: BenchRecord | TrackedRecord,
  write: Write = (fd, text) => writeSync(fd, text),
): { csv: string; jsonl: string } {
  checkRecordFile(csvPath);
  const jsonl = join(dirname(csvPath), RUNS_FILE);
  // Writers take turns: the header, the newline check and the cut-back on failure read what others append.
  const release = lockWaiting(`${csvPath}.lock`);
  try {
    ensureHeader(csvPath, HEADER, write);
    const undoCsv = appendLine(csvPath, codecarbonRow(record).join(','), write);
    try {
      appendLine(jsonl, JSON.stringify(record), write);
    } catch (e) {
      undoCsv();
      throw e;
    }
  } finally {
    release();
  }
  return { csv: csvPath, jsonl };
}
