// Which scanner reads a file: by its name, else by the editor's language id.
import { visit } from 'jsonc-parser';
import type { Candidate } from '../candidates';
import { scanJson } from './json';
import { scanCrontab, scanDockerfile, scanEnv, scanHcl, scanToml } from './lines';
import { scanPython } from './python';
import { scanYaml } from './yaml';
import { scanJavaScript } from './javascript';
import { scanModelfile } from './modelfile';

export type FileKind =
  | 'json'
  | 'yaml'
  | 'toml'
  | 'env'
  | 'hcl'
  | 'python'
  | 'notebook'
  | 'dockerfile'
  | 'crontab'
  | 'modelfile'
  | 'javascript';

export function fileKind(fileName: string, languageId?: string): FileKind | undefined {
  const name = fileName.split(/[\\/]/).pop()!.toLowerCase();
  if (name.endsWith('.ipynb')) return 'notebook';
  if (name === 'modelfile' || name.endsWith('.modelfile')) return 'modelfile';
  if (/\.(m|c)?(js|ts)x?$/.test(name) && !name.endsWith('.d.ts')) return 'javascript';
  if (
    name === 'crontab' ||
    name.endsWith('.crontab') ||
    name.endsWith('.cron') ||
    /[\\/]cron\.d[\\/][^\\/]+$/.test(fileName)
  )
    return 'crontab';
  if (/\.(json|jsonc|json5)$/.test(name) || name === '.devcontainer.json') return 'json';
  if (/\.(ya?ml)$/.test(name)) return 'yaml';
  if (name.endsWith('.toml')) return 'toml';
  if (/\.(tf|tfvars|hcl)$/.test(name)) return 'hcl';
  if (/\.pyi?$/.test(name)) return 'python';
  if (name === '.env' || name.startsWith('.env.') || name.endsWith('.env')) return 'env';
  if (
    name === 'dockerfile' ||
    name.startsWith('dockerfile.') ||
    name.endsWith('.dockerfile') ||
    name === 'containerfile'
  )
    return 'dockerfile';
  const byLanguage: Record<string, FileKind> = {
    json: 'json',
    jsonc: 'json',
    yaml: 'yaml',
    toml: 'toml',
    python: 'python',
    dotenv: 'env',
    terraform: 'hcl',
    dockerfile: 'dockerfile',
    javascript: 'javascript',
    typescript: 'javascript',
    javascriptreact: 'javascript',
    typescriptreact: 'javascript',
  };
  return languageId ? byLanguage[languageId] : undefined;
}

/** For each character of a JSON string's decoded value, its offset in the file (and one past the end). */
function rawOffsets(text: string, start: number, end: number): number[] {
  const at: number[] = [];
  for (let i = start; i < end; ) {
    at.push(i);
    if (text[i] !== '\\') i++;
    else if (text[i + 1] === 'u') i += 6;
    else i += 2;
  }
  at.push(end);
  return at;
}

/**
 * A notebook's code cells as one Python text (cells in order, so a constant of one cell reaches a
 * call in a later one; a call split over lines is read whole), each candidate placed at its offset
 * in the .ipynb text. A value written with escapes in the file cannot be replaced as is: it is left.
 */
function scanNotebook(text: string): Candidate[] {
  interface Piece {
    value: string;
    at: number[];
  }
  const cells = new Map<number, { type?: string; pieces: Piece[] }>();
  const cell = (i: number) => {
    if (!cells.has(i)) cells.set(i, { pieces: [] });
    return cells.get(i)!;
  };
  let broken = false;
  visit(text, {
    onError: () => {
      broken = true;
    },
    onLiteralValue: (value, offset, length, _l, _c, path) => {
      const p = path();
      if (broken || typeof value !== 'string' || p[0] !== 'cells' || typeof p[1] !== 'number') return;
      if (p.length === 3 && p[2] === 'cell_type') cell(p[1]).type = value;
      // cells[i].source[j] (one line each) or cells[i].source (the whole cell).
      else if (p[2] === 'source' && (p.length === 3 || (p.length === 4 && typeof p[3] === 'number')))
        cell(p[1]).pieces.push({ value, at: rawOffsets(text, offset + 1, offset + length - 1) });
    },
  });
  if (broken) return [];
  // The joined text, and for each of its characters the offset in the file (-1: a separator).
  let joined = '';
  const at: number[] = [];
  for (const [, c] of [...cells].sort((a, b) => a[0] - b[0])) {
    if (c.type !== 'code') continue;
    for (const piece of c.pieces) {
      joined += piece.value;
      at.push(...piece.at.slice(0, piece.value.length));
    }
    joined += '\n';
    at.push(-1);
  }
  at.push(-1);
  const out: Candidate[] = [];
  for (const c of scanPython(joined)) {
    if (c.end <= c.start) continue;
    const start = at[c.start]!;
    const last = at[c.end - 1]!;
    // Escapes inside the value, or a value across pieces: not replaceable as written.
    if (start < 0 || last < 0 || last - start !== c.end - 1 - c.start) continue;
    const moved = (r: { start: number; end: number }) => {
      const s = at[r.start]!;
      const e = at[r.end - 1]!;
      return s >= 0 && e >= 0 && e - s === r.end - 1 - r.start ? { start: s, end: e + 1 } : undefined;
    };
    const also = c.also?.map(moved);
    // A fix that could not change the tokenizer's literal too would leave them apart: no finding.
    if (also && !also.every(Boolean)) continue;
    out.push({
      ...c,
      start,
      end: last + 1,
      ...(also && { also: also as { start: number; end: number }[] }),
      ...(c.uses && { uses: c.uses.map((u) => ({ ...u, at: at[u.at]! >= 0 ? at[u.at]! : start })) }),
    });
  }
  return out;
}

/** Deeper than this, JSON is not a config file: jsonc-parser would recurse past the stack. */
const MAX_JSON_DEPTH = 256;

function tooDeep(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > MAX_JSON_DEPTH) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

/** The candidates in a text; a text no scanner can read safely gives none, never an exception. */
export function scan(kind: FileKind, text: string): Candidate[] {
  if ((kind === 'json' || kind === 'notebook') && tooDeep(text)) return [];
  try {
    return scanKind(kind, text);
  } catch {
    return [];
  }
}

function scanKind(kind: FileKind, text: string): Candidate[] {
  switch (kind) {
    case 'json':
      return scanJson(text);
    case 'yaml':
      return scanYaml(text);
    case 'toml':
      return scanToml(text);
    case 'env':
      return scanEnv(text);
    case 'hcl':
      return scanHcl(text);
    case 'python':
      return scanPython(text);
    case 'notebook':
      return scanNotebook(text);
    case 'dockerfile':
      return scanDockerfile(text);
    case 'crontab':
      return scanCrontab(text);
    case 'modelfile':
      return scanModelfile(text);
    case 'javascript':
      return scanJavaScript(text);
  }
}
