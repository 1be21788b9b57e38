// Terraform and tfvars as blocks, not lines: `resource "TYPE" "NAME" { ... }` and nested blocks,
// attributes with strings or lists (one line or many), heredocs and comments skipped. Each region
// candidate carries its enclosing block headers and the keys beside it; each `var.NAME` and
// `local.NAME` a use with the same, so a variable's default or a tfvars value takes its role from
// where the module uses it.
import { classify, type Candidate } from '../candidates';
import { attachContext, isWorkloadBlock, type RegionContext } from '../roles';

export interface HclUse {
  /** `var.region` or `local.region`. */
  ref: string;
  key: string;
  context: RegionContext;
}

export interface HclFile {
  candidates: Candidate[];
  uses: HclUse[];
  /** Whether a block creates a workload (a cluster, node pool, instance, ... or such a module). */
  hasWorkload: boolean;
}

interface Frame {
  header: string;
  keys: string[];
  moduleSource?: string;
  /** Its `count` and `depends_on`, filled as they are read (they may follow the values that need them). */
  meta: { count?: string; dependsOn?: string };
}

/** The line without its comment (`#`, `//`, or a `/* ... *\/` that closes on it), strings kept. */
function code(line: string): string {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '#' || (c === '/' && line[i + 1] === '/')) return line.slice(0, i);
  }
  return line;
}

/** `{`/`[` minus `}`/`]` outside strings. */
function depth(s: string, open: string, close: string): number {
  let d = 0;
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === open) d++;
    else if (c === close) d--;
  }
  return d;
}

/** Each string without interpolation in `raw` (at offset `at`). */
function eachString(raw: string, at: number, fn: (value: string, start: number, end: number) => void): void {
  for (const m of raw.matchAll(/"((?:[^"\\$]|\\.)*)"/g)) {
    if (m[1].includes('\\')) continue;
    fn(m[1], at + m.index! + 1, at + m.index! + 1 + m[1].length);
  }
}

/** The files of one module are parsed once each, not once per file that reads them. */
const parsed = new Map<string, HclFile>();
const PARSED_KEPT = 256;

export function parseHcl(text: string): HclFile {
  let file = parsed.get(text);
  if (!file) {
    if (parsed.size >= PARSED_KEPT) parsed.clear();
    file = parse(text);
    parsed.set(text, file);
  }
  return file;
}

/**
 * A block's header at the start of the line (`resource "google_compute_instance" "vm" {`): its
 * frame pushed (a top-level one kept in `blocks`); how many characters it took (0: none).
 */
function openBlock(line: string, stack: Frame[], blocks: Frame[]): number {
  const block = /^(\s*)([A-Za-z_][\w-]*)((?:\s+(?:"[^"]*"|[A-Za-z_][\w-]*))*)\s*\{/.exec(line);
  if (!block || /=/.test(block[0])) return 0;
  const labels = [...block[3].matchAll(/"([^"]*)"|([A-Za-z_][\w-]*)/g)].map((m) => m[1] ?? m[2]);
  const header = [block[2], ...labels].join(' ');
  stack[stack.length - 1].keys.push(block[2]);
  const frame: Frame = { header, keys: [], meta: {} };
  stack.push(frame);
  if (stack.length === 2) blocks.push(frame);
  return block[0].length;
}

function parse(text: string): HclFile {
  const candidates: Candidate[] = [];
  const uses: HclUse[] = [];
  const blocks: Frame[] = [];
  const stack: Frame[] = [{ header: '', keys: [], meta: {} }];
  let inComment = false;
  let heredoc: string | undefined;
  let list: { key: string; depth: number; context: RegionContext } | undefined;
  const contextOf = (): RegionContext => {
    const frames = stack.slice(1);
    const module = frames.find((f) => f.header.startsWith('module '));
    return {
      path: frames.map((f) => f.header),
      siblings: stack[stack.length - 1].keys,
      ...(module && { moduleSource: module.moduleSource }),
      ...(frames[0] && { block: frames[0].meta }),
    };
  };
  const values = (key: string, raw: string, at: number, context: RegionContext) => {
    const from = candidates.length;
    eachString(raw, at, (v, s, e) => classify(key, v, s, e, candidates));
    attachContext(candidates, from, context);
    for (const m of raw.matchAll(/\b(var|local)\.([A-Za-z_][\w-]*)/g))
      uses.push({ ref: `${m[1]}.${m[2]}`, key, context });
  };
  let offset = 0;
  for (const rawLine of text.split('\n')) {
    const lineStart = offset;
    offset += rawLine.length + 1;
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (heredoc !== undefined) {
      if (line.trim() === heredoc) heredoc = undefined;
      continue;
    }
    if (inComment) {
      if (line.includes('*/')) inComment = false;
      continue;
    }
    if (/^\s*\/\*/.test(line)) {
      if (!line.includes('*/')) inComment = true;
      continue;
    }
    const body = code(line);
    if (list) {
      values(list.key, body, lineStart, list.context);
      list.depth += depth(body, '[', ']');
      if (list.depth <= 0) list = undefined;
      const closes = depth(body, '{', '}');
      for (let i = 0; i > closes && stack.length > 1; i--) stack.pop();
      continue;
    }
    const opened = openBlock(body, stack, blocks);
    const rest = body.slice(opened);
    const restAt = lineStart + opened;
    const attr = /^(\s*)("?)([A-Za-z_][\w-]*)\2(\s*=\s*)(.*)$/.exec(rest);
    if (attr) {
      const key = attr[3];
      const raw = attr[5];
      const at = restAt + attr[1].length + attr[2].length * 2 + key.length + attr[4].length;
      const frame = stack[stack.length - 1];
      frame.keys.push(key);
      if (key === 'source' && frame.header.startsWith('module ')) frame.moduleSource = /"([^"]*)"/.exec(raw)?.[1];
      if (key === 'count' && stack.length === 2) frame.meta.count = raw.trim();
      if (key === 'depends_on' && stack.length === 2) frame.meta.dependsOn = raw.trim();
      const heredocStart = /^<<-?\s*([A-Za-z_]\w*)\s*$/.exec(raw.trim());
      if (heredocStart) {
        heredoc = heredocStart[1];
        continue;
      }
      const context = contextOf();
      // `variable "region" { default = "us-central1" }`: the value is the variable's.
      const variable = /^variable (\S+)$/.exec(frame.header)?.[1];
      const name = key === 'default' && variable ? variable : key;
      values(name, raw, at, context);
      const d = depth(raw, '[', ']');
      if (raw.trimStart().startsWith('[') && d > 0) list = { key: name, depth: d, context };
      const braces = depth(raw, '{', '}');
      // `labels = {` or `default = {`: a map attribute, read as a block named by its key.
      if (braces > 0) stack.push({ header: key, keys: [], meta: {} });
      else for (let i = 0; i > braces && stack.length > 1; i--) stack.pop();
      continue;
    }
    const closes = depth(rest, '{', '}');
    for (let i = 0; i > closes && stack.length > 1; i--) stack.pop();
  }
  return { candidates, uses, hasWorkload: blocks.some((b) => isWorkloadBlock(b.header, b.moduleSource)) };
}
