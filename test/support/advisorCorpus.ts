// The advisor corpus: findings of `carbonlens scan` over public repositories (or over the
// hand-written reconstructions in test/fixtures/advisor-corpus), compared with a list judged by
// reading (test/fixtures/advisor-corpus/judged.json). Shared by bench/advisorCorpus.ts, which runs
// it on the fetched repositories, and test/unit/advisorCorpus.test.ts, which runs it on the fixtures.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import { fileKind, scan } from '../../src/core/advisor/scanners';
import { runScan } from '../../src/cli/scan';
import { dataset } from '../../src/core/carbon/datasets';
import { zoneToRegion } from '../../src/core/carbon/intensity';

export interface JudgedEntry {
  repo: string;
  /** The repository's folder under the corpus root. */
  dir: string;
  path: string;
  /** 1-based line in the public repository at the judged commit. */
  line: number;
  /** 1-based line in the reconstruction under test/fixtures/advisor-corpus/<dir>/<path>. */
  fixture_line: number;
  value: string;
  kind: 'model' | 'region';
  /** advice: a finding belongs here; silence: none does. */
  expect: 'advice' | 'silence';
  /** same-country: the suggested region is in the value's country; zone-in-country: and it is a zone. */
  constraint?: 'same-country' | 'zone-in-country';
  /** The class of the judgement (test-data, border, zone-list, tf-variable-default, ...). */
  cls: string;
  reason: string;
  /** The verdict on main's advisor when judged: right, wrong, missed, or silent (correctly). */
  main?: Verdict | 'missed' | 'silent';
}

export interface Judged {
  about: string;
  judged_on: string;
  repos: { dir: string; repo: string; kind: string; commit: string }[];
  entries: JudgedEntry[];
}

export interface ScanFinding {
  /** Relative to the repository's root, with forward slashes. */
  file: string;
  line: number;
  kind: string;
  value: string;
  suggestion: string;
  message: string;
  /** The other values one quick fix changes with this one (a region with its zones and paths), where given. */
  edits?: { line: number; column: number; end_line: number; end_column: number; text: string }[];
}

export type Verdict = 'right' | 'wrong' | 'unjudged';

export interface JudgedFinding extends ScanFinding {
  verdict: Verdict;
  entry?: JudgedEntry;
  /** Why a finding at an advice entry is still wrong. */
  why?: string;
}

export interface RepoResult {
  dir: string;
  findings: JudgedFinding[];
  /** Advice entries no right finding answered. */
  missed: JudgedEntry[];
  /** Advice entries (the recall's denominator). */
  expected: number;
}

/** Every finding of `carbonlens scan --json` (default options) under `root`. */
export async function scanRepo(root: string): Promise<ScanFinding[]> {
  let text = '';
  await runScan(['--json', root], (t) => {
    text += t;
  });
  const all = JSON.parse(text) as ScanFinding[];
  return all.map((f) => ({ ...f, file: relative(root, f.file).split('\\').join('/') }));
}

function regionRow(id: string) {
  const rows = dataset('latest').regions();
  const v = id.trim().toLowerCase();
  return rows.find((r) => r.region === v) ?? rows.find((r) => r.region === zoneToRegion(v));
}

/** Whether a finding at an advice entry gives advice a user can accept, and if not why. */
function acceptable(f: ScanFinding, e: JudgedEntry): string | undefined {
  if (f.kind !== 'region' || !e.constraint) return undefined;
  const from = regionRow(e.value);
  const to = regionRow(f.suggestion);
  if (!from || !to) return `suggestion ${f.suggestion} is no known region`;
  if (to.provider !== from.provider) return `suggestion ${f.suggestion} is of another provider`;
  if (to.countryIso3 !== from.countryIso3)
    return `suggestion ${f.suggestion} (${to.countryIso3}) crosses the border from ${from.countryIso3}`;
  if (e.constraint === 'zone-in-country' && !zoneToRegion(f.suggestion))
    return `a zone replaced by the region ${f.suggestion}`;
  return undefined;
}

/** The entry a finding stands at: same file, line and kind; the same value, or one holding the other ("a,b,c"). */
function entryOf(f: ScanFinding, entries: readonly JudgedEntry[], lineOf: (e: JudgedEntry) => number) {
  const here = entries.filter((e) => e.path === f.file && lineOf(e) === f.line && e.kind === f.kind);
  return (
    here.find((e) => e.value === f.value) ??
    here.find((e) => f.value.includes(e.value)) ??
    here.find((e) => e.value.includes(f.value))
  );
}

export function judgeRepo(
  dir: string,
  findings: readonly ScanFinding[],
  judged: Judged,
  lineOf: (e: JudgedEntry) => number,
): RepoResult {
  const entries = judged.entries.filter((e) => e.dir === dir);
  const out: JudgedFinding[] = findings.map((f) => {
    const entry = entryOf(f, entries, lineOf);
    if (!entry) return { ...f, verdict: 'unjudged' };
    if (entry.expect === 'silence') return { ...f, verdict: 'wrong', entry, why: `${entry.cls}: ${entry.reason}` };
    const why = acceptable(f, entry);
    return why ? { ...f, verdict: 'wrong', entry, why } : { ...f, verdict: 'right', entry };
  });
  // An advice entry is answered by a right finding at it, or by a right region finding in the same
  // file whose fix edits it or that names the same region: one finding per region and file, with
  // its zones and zone lists moving in the same edit, is the design (issue 32, item 2).
  const right = out.filter((f) => f.verdict === 'right');
  const answered = new Set(right.map((f) => f.entry));
  for (const e of entries) {
    if (e.expect !== 'advice' || e.kind !== 'region' || answered.has(e)) continue;
    const region = regionRow(e.value)?.region;
    const group = right.find(
      (f) =>
        f.kind === 'region' &&
        f.file === e.path &&
        ((f.edits ?? []).some((x) => x.line === lineOf(e)) || regionRow(f.value)?.region === region),
    );
    if (group) answered.add(e);
  }
  const advice = entries.filter((e) => e.expect === 'advice');
  return { dir, findings: out, missed: advice.filter((e) => !answered.has(e)), expected: advice.length };
}

export interface Totals {
  findings: number;
  right: number;
  wrong: number;
  unjudged: number;
  expected: number;
  recalled: number;
  /** right / all findings (an unjudged finding counts against it). */
  precision: number;
  recall: number;
}

export function totals(results: readonly RepoResult[]): Totals {
  const all = results.flatMap((r) => r.findings);
  const right = all.filter((f) => f.verdict === 'right').length;
  const wrong = all.filter((f) => f.verdict === 'wrong').length;
  const expected = results.reduce((n, r) => n + r.expected, 0);
  const recalled = expected - results.reduce((n, r) => n + r.missed.length, 0);
  return {
    findings: all.length,
    right,
    wrong,
    unjudged: all.length - right - wrong,
    expected,
    recalled,
    precision: all.length ? right / all.length : 1,
    recall: expected ? recalled / expected : 1,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function formatTotals(name: string, t: Totals): string {
  return `${name.padEnd(36)} ${String(t.findings).padStart(4)} findings: ${String(t.right).padStart(3)} right, ${String(t.wrong).padStart(3)} wrong, ${String(t.unjudged).padStart(3)} unjudged; precision ${pct(t.precision).padStart(6)}; recall ${String(t.recalled).padStart(3)}/${String(t.expected).padEnd(3)} ${pct(t.recall).padStart(6)}`;
}

/**
 * Applies every region quick fix to its file (in memory) and says what went wrong: a zone that
 * is not a zone of the suggested region, a region that is not it, an edit over two lines, or a
 * file that no longer reads the same values in the same places (a JSON that no longer parses).
 */
export function checkFixes(root: string, results: readonly RepoResult[]): { fixes: number; problems: string[] } {
  let fixes = 0;
  const problems: string[] = [];
  for (const r of results)
    for (const f of r.findings) {
      const edits = f.edits ?? [];
      if (f.kind !== 'region' || edits.length === 0) continue;
      fixes++;
      const at = `${r.dir}/${f.file}:${f.line}`;
      const region = zoneToRegion(f.suggestion) ?? f.suggestion;
      const original = readFileSync(join(root, r.dir, f.file), 'utf8');
      const lines = original.split('\n');
      for (const e of [...edits].sort((a, b) => b.line - a.line || b.column - a.column)) {
        if (e.line !== e.end_line) {
          problems.push(`${at}: an edit over lines ${e.line}-${e.end_line}`);
          continue;
        }
        const l = lines[e.line - 1] ?? '';
        const old = l.slice(e.column - 1, e.end_column - 1);
        if (zoneToRegion(old.toLowerCase()) ? zoneToRegion(e.text) !== region : e.text !== region)
          problems.push(`${at}: ${old} -> ${e.text} (the suggestion is ${f.suggestion})`);
        lines[e.line - 1] = l.slice(0, e.column - 1) + e.text + l.slice(e.end_column - 1);
      }
      const fixed = lines.join('\n');
      const kind = fileKind(f.file);
      if (!kind) continue;
      const places = (text: string) =>
        scan(kind, text)
          .filter((c) => c.kind === 'region')
          .map((c) => `${c.key}@${text.slice(0, c.start).split('\n').length}`)
          .join(' ');
      if (places(fixed) !== places(original)) problems.push(`${at}: the fixed file does not read as before`);
      if (/\.json$/i.test(f.file)) {
        const errors: ParseError[] = [];
        parseJsonc(fixed, errors);
        if (errors.length) problems.push(`${at}: the fixed JSON does not parse`);
      }
    }
  return { fixes, problems };
}
