import {
  closeSync,
  type Dirent,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { adviseFile, type Finding, type RelatedFile } from '../core/advisor/advise';
import { fileKind } from '../core/advisor/scanners';
import { terraformModuleFiles } from '../core/advisor/terraformModule';
import { DEFAULT_ADVISOR_OPTIONS, type AdvisorOptions } from '../core/advisor/suggest';
import { parseRuns, summariseRun, type RunSummary } from '../core/bench/history';
import { RUNS_FILE } from '../core/bench/report';
import { fetchTypicalDay } from '../core/carbon/forecast';
import { datasetOption, liveOptionsFromEnv } from './carbonOptions';
import { forecastTargetFrom } from './forecast';
import { numberOption, UsageError } from './usage';

export const SCAN_HELP = `Usage: carbonlens scan PATH... [--json] [--fail-on model|region|any] [options]

Finds Hugging Face model ids and cloud regions in config files and code (JSON/JSONC, YAML, TOML,
.env, Terraform, Python, notebooks, Dockerfiles) and suggests a smaller model that is as good
(measured on this machine, else published) or a region of the same provider that emits less;
with --schedule-place, cron schedules (GitHub Actions, Kubernetes CronJobs, crontabs) that would
emit less at another hour of the place's typical day (if the typical day cannot be fetched, the
other findings are still reported and the command says why on stderr).
Region advice is given only where a workload runs (a cluster, node pool, instance, job or
endpoint), never for a bucket, registry, identity or network, nor across partitions (GovCloud,
China); a zone stays a zone, and a region's zones and paths move with it in one fix.
Folders are walked, skipping node_modules, .git, virtual environments and build output; a link
that leads out of the folder given is not followed, and an entry that cannot be read is skipped,
each with a note on stderr.

  --json                 an array of findings: { file, line, column (1-based), end_line,
                         end_column, kind, value, suggestion, saving_percent, evidence, message }
  --fail-on K            exit 3 when a finding of kind K (model, region, schedule, any) exists, for CI
  --runs FILE            benchmark history to use as evidence (default ./${RUNS_FILE} if present)
  --tolerance-percent P  largest quality loss that counts as "as good", % of the larger model's
                         score (default ${DEFAULT_ADVISOR_OPTIONS.tolerancePercent})
  --region-scope S       country (default), continent or any: where a suggested region may be
  --include-tests        also read test data and recorded outputs (test/, tests/, testdata/,
                         fixtures/, golden files, test_*.py, *_test.go, saved describe output),
                         skipped by default
  --min-saving-percent P smallest saving worth a region suggestion (default ${DEFAULT_ADVISOR_OPTIONS.minSavingPercent})
  --intensity-dataset D  latest (default), codecarbon or gcp-2021
  --max-file-kb N        skip larger files (default 1024)
  --schedule-place P     advise on cron schedules with P's typical day (the last 30 days per UTC
                         hour, fetched now: the UK Carbon Intensity API for GB, or Electricity Maps
                         with ELECTRICITYMAPS_TOKEN); --schedule-postcode PC for a GB region
`;

const SKIP_DIRS = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  '.venv',
  'venv',
  '.tox',
  '__pycache__',
  '.mypy_cache',
  '.pytest_cache',
  'site-packages',
  'dist',
  'build',
  'out',
  '.vscode-test',
]);

/** Why an entry could not be read, in words. */
const reason = (e: unknown) => {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? (e as Error).message);
};

/**
 * The files under `root`, never outside its real path: a link that leads out of the root (to a
 * sibling folder, to /proc/self) is not followed. Each folder is read once (by device and
 * inode), so links that loop back, or point at a folder twice, neither hang the scan nor repeat
 * its findings. A link to a file inside the root is read like the file. An entry that cannot be
 * read is skipped with a note.
 */
function* walk(root: string, note: (text: string) => void): Generator<string> {
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch (e) {
    note(`skipped ${root}: ${reason(e)}.`);
    return;
  }
  const inside = (real: string) =>
    real === realRoot || real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
  const seen = new Set<string>();
  function* visit(path: string, isRoot: boolean): Generator<string> {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') note(`skipped ${path}: ${reason(e)}.`);
      return; // ENOENT: a broken link, nothing to read
    }
    if (st.isFile()) {
      if (isRoot || fileKind(path)) yield path;
      return;
    }
    if (!st.isDirectory()) return;
    const id = `${st.dev}:${st.ino}`;
    if (seen.has(id)) return;
    seen.add(id);
    let entries: Dirent[];
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch (e) {
      note(`skipped ${path}: ${reason(e)}.`);
      return;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const child = join(path, entry.name);
      if (entry.isSymbolicLink()) {
        let real: string;
        try {
          real = realpathSync(child);
        } catch {
          continue; // a broken link or a loop
        }
        if (!inside(real)) {
          note(`skipped ${child}: a link out of ${root} (to ${real}), not followed.`);
          continue;
        }
      }
      if (entry.isDirectory() || entry.isSymbolicLink()) {
        if (!SKIP_DIRS.has(entry.name)) yield* visit(child, false);
      } else if (entry.isFile() && fileKind(child)) yield child;
    }
  }
  yield* visit(root, true);
}

function looksBinary(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(8192);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).includes(0);
  } finally {
    closeSync(fd);
  }
}

function evidence(f: Finding) {
  const s = f.suggestion;
  if (s.kind === 'region') return { kind: 'dataset', from: s.from, to: s.to, provider: s.provider, sources: s.sources };
  if (s.kind === 'schedule')
    return {
      kind: 'typical-day',
      from: s.from,
      to: s.to,
      zone: s.zone,
      ...(s.zoneAssumed && { zone_assumed: s.zoneAssumed }),
      location: s.location,
      period: s.period,
      sources: s.sources,
    };
  return { kind: s.evidence, quality: s.quality, params_m: s.params, energy: s.energy, sources: s.sources };
}

const SCAN_OPTIONS = {
  json: { type: 'boolean' },
  'fail-on': { type: 'string' },
  runs: { type: 'string' },
  'tolerance-percent': { type: 'string' },
  'region-scope': { type: 'string' },
  'min-saving-percent': { type: 'string' },
  'intensity-dataset': { type: 'string' },
  'max-file-kb': { type: 'string' },
  'schedule-place': { type: 'string' },
  'schedule-postcode': { type: 'string' },
  'include-tests': { type: 'boolean' },
} as const;

type ScanValues = ReturnType<
  typeof parseArgs<{ options: typeof SCAN_OPTIONS; strict: true; allowPositionals: true }>
>['values'];
type ScanOptions = AdvisorOptions & { models: boolean; regions: boolean; includeTests: boolean };
type Located = Finding & { file: string };

/** The typical day for cron advice: a failure to fetch it costs the schedule findings, not the others. */
async function scheduleDay(values: ScanValues): Promise<Awaited<ReturnType<typeof fetchTypicalDay>> | undefined> {
  if (values['schedule-place'] === undefined && values['schedule-postcode'] === undefined) return undefined;
  const target = forecastTargetFrom({ place: values['schedule-place'], postcode: values['schedule-postcode'] });
  try {
    return await fetchTypicalDay(target, liveOptionsFromEnv());
  } catch (e) {
    process.stderr.write(
      `carbonlens: no schedule advice: the typical day could not be fetched (${e instanceof Error ? e.message : String(e)}); the other findings follow.\n`,
    );
    return undefined;
  }
}

/** The advisor's options from the command line, with the benchmark history as evidence. */
async function scanOptions(values: ScanValues, history: RunSummary[]): Promise<ScanOptions> {
  const scope = values['region-scope'] ?? DEFAULT_ADVISOR_OPTIONS.regionScope;
  if (!['country', 'continent', 'any'].includes(scope))
    throw new UsageError(`--region-scope must be country, continent or any, not '${scope}'.`);
  const tolerancePercent = numberOption('--tolerance-percent', values['tolerance-percent'], { min: 0, max: 100 });
  const minSavingPercent = numberOption('--min-saving-percent', values['min-saving-percent'], { min: 0, max: 100 });
  const dataset = datasetOption(values['intensity-dataset']) ?? 'latest';
  const typicalDay = await scheduleDay(values);
  return {
    tolerancePercent: tolerancePercent ?? DEFAULT_ADVISOR_OPTIONS.tolerancePercent,
    regionScope: scope as AdvisorOptions['regionScope'],
    minSavingPercent: minSavingPercent ?? DEFAULT_ADVISOR_OPTIONS.minSavingPercent,
    dataset,
    history,
    models: true,
    regions: true,
    includeTests: values['include-tests'] === true,
    ...(typicalDay && { typicalDay }),
  };
}

const realRoot = (root: string) => {
  try {
    return realpathSync(root);
  } catch {
    return undefined;
  }
};

const note = (text: string) => void process.stderr.write(`carbonlens: ${text}\n`);

/** A file's text, or undefined (said why) when it is too big, binary or unreadable. */
function readScanned(file: string, maxBytes: number): string | undefined {
  try {
    const size = statSync(file).size;
    if (size > maxBytes) {
      note(`skipped ${file}: ${(size / 1024).toFixed(0)} KB is over --max-file-kb ${maxBytes / 1024}.`);
      return undefined;
    }
    if (looksBinary(file)) return undefined;
    return readFileSync(file, 'utf8');
  } catch (e) {
    note(`skipped ${file}: ${reason(e)}.`);
    return undefined;
  }
}

/** Every finding in the files under the roots. */
function scanRoots(roots: string[], options: ScanOptions, maxBytes: number): Located[] {
  const results: Located[] = [];
  const modules = new Map<string, RelatedFile[]>();
  for (const root of roots) {
    if (!existsSync(root)) throw new UsageError(`${root} does not exist.`);
    // A Terraform file's module is read within the root: a file given alone is read alone.
    const real = statSync(root).isDirectory() ? realRoot(root) : undefined;
    const reader = { root: real, maxBytes, cache: modules };
    for (const file of walk(root, note)) {
      const text = readScanned(file, maxBytes);
      if (text === undefined) continue;
      // Test data is judged by the path inside the scanned folder, not by where that folder is.
      const rel = relative(root, file) || file.split(/[\\/]/).pop()!;
      const related = real ? terraformModuleFiles(file, reader) : [];
      const findings = adviseFile(rel, text, options, undefined, related)?.findings ?? [];
      for (const f of findings) results.push({ ...f, file });
    }
  }
  return results;
}

/** A finding as `scan --json` gives it: 1-based lines and columns, snake_case. */
const findingJson = (f: Located) => ({
  file: f.file,
  line: f.start.line + 1,
  column: f.start.character + 1,
  end_line: f.end.line + 1,
  end_column: f.end.character + 1,
  kind: f.kind,
  value: f.value,
  suggestion: f.suggestion.replacement,
  ...(f.suggestion.savingPercent !== undefined && {
    saving_percent: Number(f.suggestion.savingPercent.toFixed(1)),
  }),
  evidence: evidence(f),
  message: f.message,
  ...(f.edits && {
    edits: f.edits.map((e) => ({
      line: e.start.line + 1,
      column: e.start.character + 1,
      end_line: e.end.line + 1,
      end_column: e.end.character + 1,
      text: e.newText,
    })),
  }),
  ...(f.noFix && { no_fix: f.noFix }),
});

export async function runScan(args: string[], out: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: SCAN_OPTIONS });
  if (positionals.length === 0) throw new UsageError('give at least one file or folder to scan.');
  const failOn = values['fail-on'];
  if (failOn !== undefined && !['model', 'region', 'schedule', 'any'].includes(failOn))
    throw new UsageError(`--fail-on must be model, region, schedule or any, not '${failOn}'.`);
  const runsFile = values.runs ?? (existsSync(RUNS_FILE) ? RUNS_FILE : undefined);
  if (values.runs && !existsSync(values.runs)) throw new UsageError(`--runs ${values.runs} does not exist.`);
  const history = runsFile ? parseRuns(readFileSync(runsFile, 'utf8')).records.map(summariseRun) : [];
  const options = await scanOptions(values, history);
  const maxBytes = (numberOption('--max-file-kb', values['max-file-kb'], { min: 1, max: 1_048_576 }) ?? 1024) * 1024;
  const results = scanRoots(positionals, options, maxBytes);
  if (values.json) out(JSON.stringify(results.map(findingJson), null, 2));
  else {
    for (const f of results)
      out(
        `${f.file}:${f.start.line + 1}:${f.start.character + 1}: ${f.kind} ${f.value} -> ${f.suggestion.replacement}: ${f.message}`,
      );
    out(
      `${results.length} finding(s)${runsFile ? `, with ${history.length} benchmark run(s) from ${runsFile} as evidence` : ''}.`,
    );
  }
  const failing = results.filter((f) => failOn === 'any' || f.kind === failOn);
  return failOn && failing.length > 0 ? 3 : 0;
}
