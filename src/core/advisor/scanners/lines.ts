// Line-oriented formats: `.env` (KEY=value), Dockerfile `ENV`/`ARG`, Terraform and tfvars
// (`key = "value"`, HCL comments), TOML (validated by smol-toml first: no finding in a file it
// rejects). Each reads only lines whose shape it knows.
import { parse as parseToml } from 'smol-toml';
import { classify, type Candidate } from '../candidates';
import { attachContext } from '../roles';
import { parseHcl } from './hcl';

function eachLine(text: string, fn: (line: string, start: number) => void): void {
  let start = 0;
  for (const raw of text.split('\n')) {
    fn(raw.endsWith('\r') ? raw.slice(0, -1) : raw, start);
    start += raw.length + 1;
  }
}

/** `value`, `"value"` or `'value'` at `at` in a line: the unquoted value and its offsets. */
function unquote(raw: string, at: number): { value: string; start: number; end: number } | undefined {
  const m = /^(["']?)([^"'\s#]+)\1(?:\s*(?:#.*)?)?$/.exec(raw);
  if (!m) return undefined;
  return { value: m[2], start: at + m[1].length, end: at + m[1].length + m[2].length };
}

export function scanEnv(text: string): Candidate[] {
  const out: Candidate[] = [];
  // A flat file: every key is a sibling of every other (an S3 endpoint beside AWS_REGION).
  const keys: string[] = [];
  eachLine(text, (line, start) => {
    const m = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_.]*)(\s*=\s*)(.*)$/.exec(line);
    if (!m) return;
    keys.push(m[2]);
    const v = unquote(m[4].trim(), start + m[1].length + m[2].length + m[3].length);
    if (v) classify(m[2], v.value, v.start, v.end, out);
  });
  attachContext(out, 0, { path: [], siblings: keys });
  return out;
}

export function scanDockerfile(text: string): Candidate[] {
  const out: Candidate[] = [];
  const keys = [...text.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)(?==|\s+\S)/g)].map((m) => m[1]);
  eachLine(text, (line, start) => {
    const m = /^(\s*(?:ENV|ARG)\s+)(.*)$/i.exec(line);
    if (!m) return;
    // `ENV A=1 B="2"`, `ARG A=1`, or the legacy `ENV KEY value`.
    const body = m[2];
    const at = start + m[1].length;
    const pairs = [...body.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|[^\s"']+)/g)];
    if (pairs.length) {
      for (const p of pairs) {
        const v = unquote(p[2], at + p.index! + p[1].length + 1);
        if (v) classify(p[1], v.value, v.start, v.end, out);
      }
      return;
    }
    const legacy = /^([A-Za-z_][A-Za-z0-9_]*)(\s+)(\S+)\s*$/.exec(body);
    if (legacy) {
      const v = unquote(legacy[3], at + legacy[1].length + legacy[2].length);
      if (v) classify(legacy[1], v.value, v.start, v.end, out);
    }
  });
  attachContext(out, 0, { path: [], siblings: keys });
  return out;
}

/** Terraform and tfvars: blocks, attributes and lists (scanners/hcl.ts). */
export function scanHcl(text: string): Candidate[] {
  return parseHcl(text).candidates;
}

/** Each double- or single-quoted string of a value (`"a"` or `["a", "b"]`), without interpolation. */
function strings(raw: string, at: number, fn: (value: string, start: number, end: number) => void): void {
  if (!/^(\[.*\]|"[^"]*"|'[^']*')$/.test(raw)) return;
  for (const m of raw.matchAll(/(["'])([^"'$]*)\1/g)) fn(m[2], at + m.index! + 1, at + m.index! + 1 + m[2].length);
}

export function scanToml(text: string): Candidate[] {
  try {
    parseToml(text);
  } catch {
    return []; // not valid TOML: where things are is a guess
  }
  const out: Candidate[] = [];
  let multiline = false;
  let table: string[] = [];
  let tableKeys: string[] = [];
  eachLine(text, (line, start) => {
    const header = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$/.exec(line);
    if (header && !multiline) {
      table = header[1].split('.').map((k) => k.trim().replace(/^["']|["']$/g, ''));
      tableKeys = [];
      return;
    }
    const quotes = (line.match(/"""|'''/g) ?? []).length;
    if (multiline || quotes % 2 === 1) {
      if (quotes % 2 === 1) multiline = !multiline;
      return;
    }
    const m =
      /^(\s*)((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)(\s*=\s*)(.*?)\s*(?:#.*)?$/.exec(
        line,
      );
    if (!m) return;
    const key = m[2]
      .split('.')
      .pop()!
      .trim()
      .replace(/^["']|["']$/g, '');
    tableKeys.push(key);
    const from = out.length;
    strings(m[4], start + m[1].length + m[2].length + m[3].length, (value, s, e) => classify(key, value, s, e, out));
    attachContext(out, from, { path: table, siblings: tableKeys });
  });
  return out;
}

/** A crontab: `m h dom mon dow command` lines (a user's crontab or an /etc/cron.d file, with a user field). */
export function scanCrontab(text: string): Candidate[] {
  const out: Candidate[] = [];
  eachLine(text, (line, start) => {
    if (/^\s*(#|$)/.test(line) || /^\s*[A-Za-z_]\w*\s*=/.test(line)) return;
    const m = /^(\s*)(\S+\s+\S+\s+\S+\s+\S+\s+\S+)\s+\S/.exec(line);
    if (!m) return;
    classify('cron', m[2]!, start + m[1]!.length, start + m[1]!.length + m[2]!.length, out);
  });
  return out;
}
