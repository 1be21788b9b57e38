// Which scanner reads a file: by its name, else by the editor's language id.
import { visit } from 'jsonc-parser';
import type { Candidate } from '../candidates';
import { scanJson } from './json';
import { scanCrontab, scanDockerfile, scanEnv, scanHcl, scanToml } from './lines';
import { scanPython } from './python';
import { scanYaml } from './yaml';

export type FileKind = 'json' | 'yaml' | 'toml' | 'env' | 'hcl' | 'python' | 'notebook' | 'dockerfile' | 'crontab';

export function fileKind(fileName: string, languageId?: string): FileKind | undefined {
  const name = fileName.split(/[\\/]/).pop()!.toLowerCase();
  if (name.endsWith('.ipynb')) return 'notebook';
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

/** A notebook's code cells as Python, each candidate placed at its offset in the .ipynb text. */
function scanNotebook(text: string): Candidate[] {
  const out: Candidate[] = [];
  let broken = false;
  visit(text, {
    onError: () => {
      broken = true;
    },
    onLiteralValue: (value, offset, length, _l, _c, path) => {
      const p = path();
      // cells[i].source[j]: one line of a code cell, as a JSON string.
      if (broken || typeof value !== 'string' || p[0] !== 'cells' || p[2] !== 'source') return;
      const at = rawOffsets(text, offset + 1, offset + length - 1);
      for (const c of scanPython(value)) {
        // A value written with escapes in the file cannot be replaced as is: leave it.
        if (at[c.end] - at[c.start] !== c.end - c.start) continue;
        out.push({ ...c, start: at[c.start], end: at[c.end] });
      }
    },
  });
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
  }
}
