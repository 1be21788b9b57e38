// Reading Python's structure without a parser: string literals (with the text masked so that
// strings and comments cannot confuse the rest), the calls that load models or set defaults, their
// arguments, and the names that ids are given to. python.ts turns these into candidates.
import type { ModelUse } from '../candidates';

export interface PyString {
  value: string;
  start: number;
  end: number;
  /** Offset of the literal's opening prefix or quote. */
  open: number;
}

/**
 * String literals outside comments (f-strings and byte strings included as written), and the
 * text with comments blanked and every literal's content replaced by `x`, offsets unchanged: code
 * structure (calls, parentheses) can then be read without strings or comments getting in the way.
 */
export function lexPython(text: string): { strings: PyString[]; masked: string } {
  const out: PyString[] = [];
  const parts: string[] = [];
  let copied = 0; // text before this offset is in parts
  const blank = (from: number, to: number, fill: string) => {
    parts.push(text.slice(copied, from), text.slice(from, to).replace(/[^\n]/g, fill));
    copied = to;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      const end = nl < 0 ? text.length : nl;
      blank(i, end, ' ');
      i = end;
      continue;
    }
    if (c !== '"' && c !== "'") {
      i++;
      continue;
    }
    let open = i;
    while (open > 0 && /[rbufRBUF]/.test(text[open - 1]) && open > i - 2) open--;
    if (open > 0 && /\w/.test(text[open - 1])) open = i; // an identifier, not a prefix
    const triple = text.startsWith(c.repeat(3), i);
    const quote = triple ? c.repeat(3) : c;
    let j = i + quote.length;
    while (j < text.length && !text.startsWith(quote, j)) {
      if (text[j] === '\\') j++;
      else if (!triple && text[j] === '\n') break; // unterminated: stop at the line's end
      j++;
    }
    const closed = text.startsWith(quote, j);
    if (closed && !triple) out.push({ value: text.slice(i + 1, j), start: i + 1, end: j, open });
    blank(i + quote.length, Math.min(j, text.length), 'x');
    i = closed ? j + quote.length : j;
  }
  parts.push(text.slice(copied));
  return { strings: out, masked: parts.join('') };
}

/** String literals outside comments; f-strings and byte strings included as written. */
export const pythonStrings = (text: string): PyString[] => lexPython(text).strings;

export interface Arg {
  keyword?: string;
  /** The value's span, trimmed. */
  start: number;
  end: number;
}

export interface Call {
  callee: string;
  at: number;
  args: Arg[];
}

/** The arguments of the call whose `(` is at `open`, split at top-level commas (masked text). */
export function argsOf(masked: string, open: number): Arg[] | undefined {
  const args: Arg[] = [];
  let depth = 0;
  let from = open + 1;
  const push = (to: number) => {
    const raw = masked.slice(from, to);
    const lead = raw.length - raw.trimStart().length;
    const kw = /^([A-Za-z_]\w*)\s*=(?!=)\s*/.exec(raw.trimStart());
    const start = from + lead + (kw ? kw[0].length : 0);
    const end = from + raw.trimEnd().length;
    if (end > start || kw) args.push({ keyword: kw?.[1], start, end: Math.max(start, end) });
  };
  for (let k = open; k < masked.length && k < open + 4000; k++) {
    const ch = masked[k];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) {
        push(k);
        return args;
      }
    } else if (ch === ',' && depth === 1) {
      push(k);
      from = k + 1;
    }
  }
  return undefined;
}

/** Calls to the functions that matter here: loaders, `add_argument`, dataclass `field`. */
export function interestingCalls(masked: string): Call[] {
  const calls: Call[] = [];
  const re =
    /\b([A-Za-z_][\w.]*\.from_pretrained|(?:[A-Za-z_]\w*\.)*(?:pipeline|SentenceTransformer|CrossEncoder|hf_hub_download|snapshot_download|add_argument|field)|models\.Transformer)\s*\(/g;
  for (let m = re.exec(masked); m; m = re.exec(masked)) {
    const args = argsOf(masked, m.index + m[0].length - 1);
    if (args) calls.push({ callee: m[1], at: m.index, args });
  }
  return calls;
}

/** The loader a call stands for: `AutoModelForCausalLM` for `AutoModelForCausalLM.from_pretrained`. */
export function loaderOf(callee: string): string | undefined {
  const parts = callee.split('.');
  const last = parts[parts.length - 1];
  if (last === 'from_pretrained') return parts[parts.length - 2] ?? 'from_pretrained';
  if (/^(?:pipeline|SentenceTransformer|CrossEncoder|hf_hub_download|snapshot_download)$/.test(last)) return last;
  // sentence-transformers' word-embedding module (`models.Transformer(name)`), which AutoModel loads.
  if (last === 'Transformer' && parts[parts.length - 2] === 'models') return 'models.Transformer';
  return undefined;
}

/** The literal an argument is, when it is exactly one literal (not `"a" + b`). */
export function literalAt(a: Arg, byOpen: Map<number, PyString>): PyString | undefined {
  const lit = byOpen.get(a.start);
  return lit && lit.end + 1 === a.end ? lit : undefined;
}

/** The name an argument refers to: `MODEL`, `args.model_name` -> `model_name`, `cfg["model"]` -> `[model]`. */
export function nameOf(text: string, a: Arg): string | undefined {
  const v = text.slice(a.start, a.end);
  const sub = /^[A-Za-z_][\w.]*\[\s*["']([A-Za-z_][\w.-]*)["']\s*\]$/.exec(v);
  if (sub) return `[${sub[1]}]`;
  return /^[A-Za-z_][\w.]*$/.test(v) ? v.split('.').pop() : undefined;
}

/** Calls that receive a name without telling what they load: harmless ones (printing, paths, logging) aside. */
const HARMLESS_CALLS =
  /^(?:print|str|repr|len|format|join|basename|dirname|Path|exists|isdir|isfile|makedirs|replace|split|rsplit|startswith|endswith|lower|upper|strip|append|extend|info|debug|warning|warn|error|exception|critical|log|get|getenv|dict|list|tuple|set|isinstance|hasattr|getattr|setattr|init|add_argument|update|save_pretrained|push_to_hub|write|open|sub|match|search|fullmatch|field|ArgumentParser|parse_args)$/;
const HARMLESS_KEYWORDS =
  /^(?:output_dir|run_name|hub_model_id|name|project|logging_dir|save_dir|tags|desc|description|title|label|prefix|suffix|help|default|dest)$/;

/**
 * Direct arguments `NAME` or `x.NAME` given to calls other than the loaders already read, for the
 * names that model ids are bound to: unknown uses, by name. One pass over the text.
 */
export function otherCalls(
  masked: string,
  names: ReadonlySet<string>,
  known: ReadonlySet<number>,
): Map<string, ModelUse[]> {
  const byName = new Map<string, ModelUse[]>();
  if (names.size === 0) return byName;
  const re = /(?<![\w.])(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*)/g;
  for (let m = re.exec(masked); m; m = re.exec(masked)) {
    if (!names.has(m[1]!)) continue;
    const after = /^\s*([,)])/.exec(masked.slice(m.index + m[0].length, m.index + m[0].length + 40));
    if (!after) continue;
    // Back to the argument's start: `(`, `,` or `keyword=`.
    const lead = /(?:([(,])\s*|([(,])\s*([A-Za-z_]\w*)\s*=\s*)$/.exec(
      masked.slice(Math.max(0, m.index - 200), m.index),
    );
    if (!lead) continue;
    if (lead[3] && HARMLESS_KEYWORDS.test(lead[3])) continue;
    // The call that opens around it.
    let depth = 0;
    let open = -1;
    for (let k = m.index - 1; k >= 0 && k > m.index - 4000; k--) {
      const ch = masked[k];
      if (ch === ')' || ch === ']' || ch === '}') depth++;
      else if (ch === '(' || ch === '[' || ch === '{') {
        if (depth === 0) {
          open = ch === '(' ? k : -1;
          break;
        }
        depth--;
      }
    }
    if (open < 0) continue;
    const callee = /([A-Za-z_][\w.]*)\s*$/.exec(masked.slice(Math.max(0, open - 80), open))?.[1];
    if (!callee || /^(?:if|elif|while|for|return|in|and|or|not|with)$/.test(callee)) continue;
    let end = open;
    while (end > 0 && /\s/.test(masked[end - 1]!)) end--;
    const calleeStart = end - callee.length;
    if (known.has(calleeStart)) continue;
    const last = callee.split('.').pop()!;
    if (HARMLESS_CALLS.test(last)) continue;
    byName.set(m[1]!, [...(byName.get(m[1]!) ?? []), { loader: last, at: calleeStart }]);
  }
  return byName;
}
