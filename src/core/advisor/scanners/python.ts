// Python: every string literal found by a small tokenizer (comments, prefixes, triple quotes),
// judged by what precedes it: a keyword argument (`model=`, `repo_id=`, `region_name=`), an
// assignment, or a positional argument of a call that loads a model (`from_pretrained("...")`,
// `pipeline("task", "model")`, `hf_hub_download("...")`, `SentenceTransformer("...")`).
// Model ids also reach loaders through names within the file: constants (`MODEL = "..."`, also
// as `x if c else "..."`, `... or "..."`, `os.getenv("M", "...")`), function and dataclass
// defaults, argparse defaults (`args.model_name`) and dict entries (`cfg["model"]`). Each model
// candidate carries the loads that use it (see modelUse.ts); the finding stays on the literal.
import { classify, HUB_ID, type Candidate, type ModelUse } from '../candidates';
import {
  interestingCalls,
  lexPython,
  literalAt,
  loaderOf,
  nameOf,
  otherCalls,
  type Arg,
  type PyString,
} from './pythonCode';
import { ADAPTER, loaderKind, NOT_LOADED_HERE, TARGET_MODULES } from '../modelUse';

const LOADERS =
  /(?:from_pretrained|pipeline|hf_hub_download|snapshot_download|SentenceTransformer|CrossEncoder|load_model|AutoTokenizer|AutoProcessor)\s*\(\s*(?:(?:[rbuRBU]?(?:"[^"\n]*"|'[^'\n]*')|[\w.]+(?:\s*=\s*[^,()]+)?)\s*,\s*)*$/;
const KEYWORD = /([A-Za-z_]\w*)\s*=\s*$/;
const ASSIGNMENT = /^\s*([A-Za-z_][\w.]*)\s*(?::\s*[\w[\]., ]+)?=\s*$/;
/** `NAME =` or `NAME: type =` at the start of a line, then the right-hand side up to the literal. */
const ASSIGNED_RHS = /^\s*([A-Za-z_][\w.]*)\s*(?::[^=\n]+)?=(?!=)([^\n]*)$/;
const DICT_KEY = /["']([A-Za-z_][\w.-]*)["']\s*:\s*$/;
/** `["--model_name_or_path", "..."]`: a command-line flag, then its value, in a list. */
const ARGV_FLAG = /["']--?([A-Za-z][\w-]*)["']\s*,\s*$/;

export { lexPython, pythonStrings } from './pythonCode';

/** Model candidates only: the readings added for models (dicts, argv lists, fallbacks) leave regions to their own rules. */
function classifyModel(key: string, s: PyString, out: Candidate[]): void {
  const found: Candidate[] = [];
  classify(key, s.value, s.start, s.end, found);
  out.push(...found.filter((c) => c.kind === 'model'));
}

/** The right-hand side before a literal makes it a fallback or a default of the assigned name. */
function fallback(rhs: string, masked: string, s: PyString): boolean {
  if (/\bif\b[\s\S]*\belse\s*$/.test(rhs)) return !/[([{]\s*[^)\]}]*$/.test(rhs);
  if (/\bor\s*$/.test(rhs) || /^\s*os\.(?:getenv|environ\.get)\(\s*(?:"x*"|'x*'|[\w.]+)\s*,\s*$/.test(rhs)) return true;
  return /^\s*$/.test(rhs) && /^\s+if\b/.test(masked.slice(s.end + 1, s.end + 41));
}

/** The most tokenizer literals one fix changes along with the model's. */
const MAX_ALSO = 16;

type Strings = ReturnType<typeof lexPython>['strings'];
type Calls = ReturnType<typeof interestingCalls>;

/** The literal or the name each loader call receives, with what it knows of the call; and the names argparse or a dataclass field bind literals to. */
function loaderUses(text: string, masked: string, calls: Calls, byOpen: Map<number, Strings[number]>) {
  // Loads: the literal or the name each loader call receives, with what it knows of the call.
  const direct = new Map<number, ModelUse[]>(); // by literal offset
  const viaName = new Map<string, ModelUse[]>();
  // Literals bound to a name by argparse or a dataclass field: offset -> name.
  const boundBy = new Map<number, string>();
  const addUse = (arg: Arg | undefined, use: ModelUse) => {
    if (!arg) return;
    const lit = literalAt(arg, byOpen);
    if (lit) direct.set(lit.start, [...(direct.get(lit.start) ?? []), use]);
    else {
      const name = nameOf(text, arg);
      if (name) viaName.set(name, [...(viaName.get(name) ?? []), use]);
    }
  };
  for (const call of calls) {
    const kw = (k: string) => call.args.find((a) => a.keyword === k);
    const positional = call.args.filter((a) => !a.keyword);
    const last = call.callee.split('.').pop()!;
    if (last === 'add_argument' || last === 'field') {
      const def = kw('default');
      const lit = def && literalAt(def, byOpen);
      if (!lit) continue;
      let name: string | undefined;
      if (last === 'add_argument') {
        const dest = kw('dest') && literalAt(kw('dest')!, byOpen)?.value;
        const flags = positional.map((a) => literalAt(a, byOpen)?.value).filter((v): v is string => !!v);
        const long = flags.find((f) => f.startsWith('--')) ?? flags[0];
        name = dest ?? long?.replace(/^-+/, '').replace(/-/g, '_');
      } else {
        const lineStart = masked.lastIndexOf('\n', call.at - 1) + 1;
        name = /^\s*([A-Za-z_]\w*)\s*:[^=\n]*=\s*$/.exec(masked.slice(lineStart, call.at))?.[1];
      }
      if (name) boundBy.set(lit.start, name);
      continue;
    }
    const loader = loaderOf(call.callee);
    if (!loader) continue;
    const revision = kw('revision');
    const revisionText = revision ? text.slice(revision.start, revision.end) : '';
    const pinned = !!revision && !/^(?:None|["'](?:main|master)?["'])$/.test(revisionText);
    const files = !!(kw('subfolder') || kw('gguf_file') || (loader !== 'pipeline' && kw('filename')));
    if (loader === 'pipeline') {
      const taskArg = kw('task') ?? positional[0];
      const task = taskArg && literalAt(taskArg, byOpen)?.value;
      const use: ModelUse = {
        loader,
        at: call.at,
        ...(task && { task }),
        ...(pinned && { pinned }),
        ...(files && { files }),
      };
      addUse(kw('model') ?? (kw('task') ? positional[0] : positional[1]), use);
      addUse(kw('tokenizer'), { loader: 'AutoTokenizer', at: call.at });
      for (const p of ['feature_extractor', 'image_processor', 'processor'])
        addUse(kw(p), { loader: 'AutoProcessor', at: call.at });
      continue;
    }
    const arg =
      kw('pretrained_model_name_or_path') ??
      kw('model_name_or_path') ??
      kw('model_name') ??
      kw('repo_id') ??
      positional[0];
    addUse(arg, { loader, at: call.at, ...(pinned && { pinned }), ...(files && { files }) });
  }
  return { direct, viaName, boundBy };
}

/** Each string literal judged by where it stands (an assignment, a keyword, a dict key, a flag, a loader's argument): the candidates, and the name each literal is bound to. */
function literalCandidates(
  text: string,
  masked: string,
  strings: Strings,
  boundBy: Map<number, string>,
  viaName: Map<string, ModelUse[]>,
): { out: Candidate[]; names: Map<number, string> } {
  const out: Candidate[] = [];
  const names = new Map<number, string>(); // literal start -> the name it is bound to
  let lineStart = 0;
  let scanned = 0;
  for (const s of strings) {
    // Literals come in order: the line start moves forward only (linear in the text).
    for (; scanned < s.open; scanned++) if (text.charCodeAt(scanned) === 10) lineStart = scanned + 1;
    // Lines longer than this before the literal are not statements this reader judges.
    const short = s.open - lineStart <= 400;
    // What comes before the literal in its statement (up to 400 characters, across lines), and
    // just before it (a keyword, a dict key, a flag), each read only when needed.
    const from = Math.max(0, s.open - 400);
    const before = text.slice(from, s.open);
    const near = before.slice(-120);
    let bound = boundBy.get(s.start);
    const n = out.length;
    let m: RegExpExecArray | null = null;
    if (bound) classifyModel(bound, s, out);
    else if (short && (m = ASSIGNMENT.exec(text.slice(lineStart, s.open)))) {
      bound = m[1]!.split('.').pop()!;
      classify(bound, s.value, s.start, s.end, out);
    } else if ((m = KEYWORD.exec(near))) {
      classify(m[1]!, s.value, s.start, s.end, out);
      if (/\bdef\s+\w+\s*\([^()]*$/.test(masked.slice(from, s.open))) bound = m[1]; // a parameter's default
    } else if (short && (m = ASSIGNED_RHS.exec(masked.slice(lineStart, s.open))) && fallback(m[2]!, masked, s)) {
      // `MODEL = a if c else "..."`, `MODEL = "..." if c else b`, `... or "..."`, `os.getenv("M", "...")`
      bound = m[1]!.split('.').pop()!;
      classifyModel(bound, s, out);
    } else if ((m = DICT_KEY.exec(near))) {
      classifyModel(m[1]!, s, out);
      bound = `[${m[1]}]`; // reached through `cfg["key"]`, not through a variable of that name
    } else if ((m = ARGV_FLAG.exec(near))) {
      classifyModel(m[1]!.replace(/-/g, '_'), s, out);
    } else {
      const call = LOADERS.exec(before);
      if (call && HUB_ID.test(s.value)) {
        const fn = /\w+(?=\s*\()/.exec(call[0])?.[0] ?? 'call';
        out.push({ kind: 'model', value: s.value, start: s.start, end: s.end, key: fn });
      }
    }
    if (bound) names.set(s.start, bound);
    // A literal that reaches a loader through its name is a model id, whatever the name.
    const loads = bound ? viaName.get(bound) : undefined;
    if (out.length === n && loads?.length && HUB_ID.test(s.value))
      out.push({ kind: 'model', value: s.value, start: s.start, end: s.end, key: bound! });
  }
  return { out, names };
}

/** Each model candidate's uses: direct, through its name, through other calls; PEFT's constraints. */
function attachUses(
  out: Candidate[],
  names: Map<number, string>,
  masked: string,
  calls: Calls,
  direct: Map<number, ModelUse[]>,
  viaName: Map<string, ModelUse[]>,
): void {
  const callStarts = new Set(calls.map((c) => c.at));
  const unknownUses = otherCalls(masked, new Set(names.values()), callStarts);
  // PEFT's `target_modules=[...]` names modules of one architecture: another would not have them.
  const namesModules = /\btarget_modules\s*=|["']target_modules["']\s*:/.test(masked);
  // A PEFT adapter (trained on one base model) loaded anywhere in the file.
  const loadsAdapter = /\b(?:PeftModel\w*|AutoPeftModel\w*)\.from_pretrained\s*\(|\.load_adapter\s*\(/.test(masked);
  // One use per kind of load is enough to judge a swap (a name given to 2,000 calls of one function).
  const distinct = (uses: ModelUse[]) => {
    const seen = new Set<string>();
    return uses.filter((u) => {
      const k = `${u.loader}|${u.task ?? ''}|${u.pinned ? 1 : 0}|${u.files ? 1 : 0}`;
      return !seen.has(k) && !!seen.add(k);
    });
  };
  for (const m of [direct, viaName, unknownUses] as Map<unknown, ModelUse[]>[])
    for (const [k, v] of m) m.set(k, distinct(v));
  for (const c of out) {
    if (c.kind !== 'model') continue;
    const name = names.get(c.start);
    const uses = [
      ...(direct.get(c.start) ?? []),
      ...((name && viaName.get(name)) || []),
      ...((name && unknownUses.get(name)) || []),
    ];
    if (namesModules) uses.push({ loader: TARGET_MODULES, at: c.start });
    if (loadsAdapter) uses.push({ loader: ADAPTER, at: c.start });
    // Loaded nowhere in this file: how is not known, so only the same architecture is.
    c.uses = uses.length > 0 ? distinct(uses) : [{ loader: NOT_LOADED_HERE, at: c.start }];
  }
}

/** Literals of one id that change together (a tokenizer's, a repeated cell's); the candidates kept. */
function groupSameIds(out: Candidate[], names: Map<number, string>): Candidate[] {
  // The same id in a separate literal that only loads its tokenizer or processor changes with the
  // model literal nearest it; a concrete class (`BertTokenizer`) would not load another
  // architecture's files, so a model literal nearest one gets no fix. Literals that set the same
  // name to the same id (a notebook cell run again) change together.
  const byValue = new Map<string, { tokenizerOnly: Candidate[]; loads: Candidate[] }>();
  for (const c of out) {
    if (c.kind !== 'model' || !c.uses) continue;
    const group = byValue.get(c.value) ?? { tokenizerOnly: [], loads: [] };
    byValue.set(c.value, group);
    (c.uses.every((u) => loaderKind(u.loader) === 'tokenizer') ? group.tokenizerOnly : group.loads).push(c);
  }
  const dropped = new Set<Candidate>();
  const alsoOf = new Map<Candidate, { start: number; end: number }[]>();
  const attach = (c: Candidate, o: Candidate) =>
    alsoOf.set(c, [...(alsoOf.get(c) ?? []), { start: o.start, end: o.end }]);
  for (const { tokenizerOnly, loads } of byValue.values()) {
    if (loads.length === 0) continue;
    for (const t of tokenizerOnly) {
      const nearest = loads.reduce((a, b) => (Math.abs(b.start - t.start) < Math.abs(a.start - t.start) ? b : a));
      if (t.uses!.every((u) => /^Auto/.test(u.loader))) attach(nearest, t);
      else dropped.add(nearest);
    }
    for (const c of loads) {
      const name = names.get(c.start);
      if (name) for (const o of loads) if (o !== c && names.get(o.start) === name) attach(c, o);
    }
  }
  for (const [c, also] of alsoOf) {
    // More places than a person would review in one fix: no fix at all.
    if (also.length > MAX_ALSO) dropped.add(c);
    else c.also = also;
  }
  return dropped.size > 0 ? out.filter((c) => !dropped.has(c)) : out;
}

export function scanPython(text: string): Candidate[] {
  const { strings, masked } = lexPython(text);
  const byOpen = new Map(strings.map((s) => [s.open, s]));
  const calls = interestingCalls(masked);
  const { direct, viaName, boundBy } = loaderUses(text, masked, calls, byOpen);
  const { out, names } = literalCandidates(text, masked, strings, boundBy, viaName);
  attachUses(out, names, masked, calls, direct, viaName);
  return groupSameIds(out, names);
}
