// Python: every string literal found by a small tokenizer (comments, prefixes, triple quotes),
// judged by what precedes it: a keyword argument (`model=`, `repo_id=`, `region_name=`), or a
// positional argument of a call that loads a model (`from_pretrained("...")`,
// `pipeline("task", "model")`, `hf_hub_download("...")`, `SentenceTransformer("...")`).
import { classify, HUB_ID, type Candidate } from '../candidates';

const LOADERS =
  /(?:from_pretrained|pipeline|hf_hub_download|snapshot_download|SentenceTransformer|CrossEncoder|load_model|AutoTokenizer|AutoProcessor)\s*\(\s*(?:(?:[rbuRBU]?(?:"[^"\n]*"|'[^'\n]*')|[\w.]+(?:\s*=\s*[^,()]+)?)\s*,\s*)*$/;
const KEYWORD = /([A-Za-z_]\w*)\s*=\s*$/;
const ASSIGNMENT = /^\s*([A-Za-z_][\w.]*)\s*(?::\s*[\w[\]., ]+)?=\s*$/;

interface PyString {
  value: string;
  start: number;
  end: number;
  /** Offset of the literal's opening prefix or quote. */
  open: number;
}

/** String literals outside comments; f-strings and byte strings included as written. */
export function pythonStrings(text: string): PyString[] {
  const out: PyString[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
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
    i = closed ? j + quote.length : j;
  }
  return out;
}

export function scanPython(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const s of pythonStrings(text)) {
    const lineStart = text.lastIndexOf('\n', s.open - 1) + 1;
    // What comes before the literal in its statement (up to 400 characters, across lines).
    const before = text.slice(Math.max(0, s.open - 400), s.open);
    const keyword = KEYWORD.exec(before);
    if (keyword) {
      classify(keyword[1], s.value, s.start, s.end, out);
      continue;
    }
    const assigned = ASSIGNMENT.exec(text.slice(lineStart, s.open));
    if (assigned) {
      classify(assigned[1].split('.').pop()!, s.value, s.start, s.end, out);
      continue;
    }
    const call = LOADERS.exec(before);
    if (call && HUB_ID.test(s.value)) {
      const fn = /\w+(?=\s*\()/.exec(call[0])?.[0] ?? 'call';
      out.push({ kind: 'model', value: s.value, start: s.start, end: s.end, key: fn });
    }
  }
  return out;
}
