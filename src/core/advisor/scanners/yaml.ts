// YAML block mappings and sequences, line by line: `key: value`, `- value` under a key, and
// one-line flow sequences `key: [a, b]`. The `yaml` package needs 80-110 ms for a 10,000-line
// file (its CST alone); this reads the subset that holds config values in about 2 ms, and a
// line it does not understand (tabs, block scalars, anchors, multi-line flows) gives nothing.
import { classify, type Candidate } from '../candidates';
import { attachContext, type RegionContext } from '../roles';

const KEY_LINE = /^( *)(?:- +)?("[^"]*"|'[^']*'|[A-Za-z0-9_.$/-][^:#'"]*?) *:(?: +(.*?))? *$/;
const ITEM_LINE = /^( *)- +(.*?) *$/;

/** A scalar's text without quotes and its offsets in the line, or undefined if not a simple scalar. */
function scalar(raw: string, at: number): { value: string; start: number; end: number } | undefined {
  const text = raw.replace(/ +#.*$/, '');
  if (!text) return undefined;
  const q = text[0];
  if (q === '"' || q === "'") {
    if (text.length < 2 || text[text.length - 1] !== q || text.slice(1, -1).includes(q)) return undefined;
    return { value: text.slice(1, -1), start: at + 1, end: at + text.length - 1 };
  }
  if (/^[&*!|>[{@`%]/.test(text) || text.includes(': ')) return undefined;
  return { value: text, start: at, end: at + text.length };
}

export function scanYaml(text: string): Candidate[] {
  const out: Candidate[] = [];
  // Keys of the open block mappings, by indentation: a `- item` belongs to the nearest key above.
  const keys: { indent: number; key: string; children?: string[] }[] = [];
  // Keys at the top level of the current document; each mapping's keys in its parent's `children`.
  let rootChildren: string[] = [];
  const context = (depth: number): RegionContext => ({
    path: keys.slice(0, depth).map((k) => k.key),
    siblings: depth > 0 ? (keys[depth - 1].children ??= []) : rootChildren,
  });
  let offset = 0;
  let blockIndent = -1; // inside a | or > block scalar: skip its lines
  // Kubernetes env entries: `- name: AWS_REGION` then `value: ...` reads as AWS_REGION's value.
  let named: { indent: number; name: string } | undefined;
  for (const line of text.split('\n')) {
    const lineStart = offset;
    offset += line.length + 1;
    const body = line.endsWith('\r') ? line.slice(0, -1) : line;
    const indent = body.length - body.trimStart().length;
    if (blockIndent >= 0) {
      if (body.trim() === '' || indent > blockIndent) continue;
      blockIndent = -1;
    }
    const trimmed = body.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (body.includes('\t') && /^\s*\t/.test(body)) return out; // tab indentation is invalid YAML: stop
    if (trimmed === '---' || trimmed === '...') {
      keys.length = 0;
      rootChildren = [];
      continue;
    }
    while (
      keys.length &&
      keys[keys.length - 1].indent >= indent &&
      !(trimmed.startsWith('- ') && keys[keys.length - 1].indent === indent)
    )
      keys.pop();
    const m = KEY_LINE.exec(body);
    if (m) {
      let key = m[2].replace(/^["']|["']$/g, '');
      const keyIndent = m[0].indexOf(m[2]);
      if (key === 'name' && m[3]) named = { indent: keyIndent, name: m[3].replace(/^["']|["']$/g, '') };
      else if (key === 'value' && named?.indent === keyIndent) key = named.name;
      const rawValue = m[3] ?? '';
      const depth = keys.length;
      // A mapping's key list is made when its first key comes (most keys hold a value, not a mapping).
      (depth > 0 ? (keys[depth - 1].children ??= []) : rootChildren).push(key);
      keys.push({ indent: keyIndent, key });
      const from = out.length;
      if (/^[|>][-+0-9]*$/.test(rawValue.replace(/ +#.*$/, ''))) {
        blockIndent = keyIndent;
        continue;
      }
      const valueAt = lineStart + (m[3] ? body.lastIndexOf(m[3]) : body.length);
      if (rawValue.startsWith('[')) {
        const flow = /^\[([^\]{}[]*)\]/.exec(rawValue);
        if (!flow) continue;
        let at = valueAt + 1;
        for (const part of flow[1].split(',')) {
          const lead = part.length - part.trimStart().length;
          const s = scalar(part.trim(), at + lead);
          if (s) classify(key, s.value, s.start, s.end, out);
          at += part.length + 1;
        }
      } else if (rawValue) {
        const s = scalar(rawValue, valueAt);
        if (s) classify(key, s.value, s.start, s.end, out);
      }
      if (out.length > from) attachContext(out, from, context(depth));
      continue;
    }
    const item = ITEM_LINE.exec(body);
    if (item && keys.length) {
      const s = scalar(item[2], lineStart + body.length - item[2].length);
      const from = out.length;
      if (s) classify(keys[keys.length - 1].key, s.value, s.start, s.end, out);
      if (out.length > from) attachContext(out, from, context(keys.length - 1));
    }
  }
  return out;
}
