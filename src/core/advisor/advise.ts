// A file's findings: candidates from its scanner, each with a suggestion, placed by line and
// column. A candidate without a suggestion is not a finding.
import { intensityText } from '../units';
import type { Candidate } from './candidates';
import { percentText } from './percent';
import { adviseRegionCandidates, regionMessage, type ModuleFacts } from './regionAdvice';
import type { RegionCandidate } from './roles';
import { cronZone } from './cron';
import { modelNote, type ModelAlternative } from './modelNotes';
import { ollamaNameOf } from './catalogue';
import { silentUse, swapMisfit } from './modelUse';
import { fileKind, scan, type FileKind } from './scanners';
import { parseHcl } from './scanners/hcl';
import { isRecordedOutput, isTestPath } from './testPaths';
import { suggestModel, suggestSchedule, type AdvisorOptions, type Suggestion } from './suggest';

export interface Position {
  /** 0-based, as editors count. */
  line: number;
  character: number;
}

export interface Finding {
  kind: 'model' | 'region' | 'schedule';
  value: string;
  key: string;
  start: Position;
  end: Position;
  suggestion: Suggestion;
  /** One sentence, for a diagnostic. */
  message: string;
  /**
   * A region fix's edits in this file, this value's included: the region, its zones and the paths
   * that name it move together. Empty: no quick fix (`noFix` says why). Absent: replace the value.
   */
  edits?: { start: Position; end: Position; newText: string }[];
  noFix?: string;
  /** Other places a model fix replaces too: literals of the same id that load only its tokenizer or processor. */
  also?: { start: Position; end: Position }[];
}

/**
 * A value the advisor recognised and gives no advice on, and why: for a hover and the output
 * channel, never a diagnostic.
 */
export interface Note {
  kind: 'model' | 'region' | 'schedule';
  value: string;
  key: string;
  start: Position;
  end: Position;
  /** One sentence. */
  message: string;
  /** Models: `silent-use` (the code gives no reason to swap) or `no-suggestion` (none fits the evidence). */
  reason?: 'silent-use' | 'no-suggestion';
  /** Models: the smaller members with what each loses, for a comparison on the user's data (regions: none). */
  alternatives: ModelAlternative[];
}

/** A file beside the one advised (the other .tf and .tfvars files of a Terraform module). */
export interface RelatedFile {
  fileName: string;
  text: string;
}

export interface AdviseOptions extends AdvisorOptions {
  models: boolean;
  regions: boolean;
  /** Cron schedules (needs a typical day in the options; default on). */
  schedules?: boolean;
  /**
   * false: test data and recorded outputs (test/, fixtures/, golden files, `gcloud describe`
   * output) give nothing. Undefined: every file is read (callers that choose files themselves).
   */
  includeTests?: boolean;
  /** The zone a crontab without CRON_TZ= is assumed to run in (default this machine's). */
  localZone?: string;
}

function positions(text: string): (offset: number) => Position {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - starts[lo] };
  };
}

/** "patch16-224" vs "patch16-384": the input resolution, where two ids differ only in it. */
function resolutionOf(a: string, b: string): [string, string] | undefined {
  const ra = /-(\d{3,4})(?:-|$)/.exec(a.split('/').pop()!)?.[1];
  const rb = /-(\d{3,4})(?:-|$)/.exec(b.split('/').pop()!)?.[1];
  return ra && rb && ra !== rb && a.replace(ra, rb) === b ? [ra, rb] : undefined;
}

const hh = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

export function message(c: Pick<Candidate, 'value'>, s: Suggestion): string {
  if (s.kind === 'schedule') {
    const when = (h: { hour: number; utcHour: number }) =>
      s.zone === 'UTC' ? `${hh(h.hour)} UTC` : `${hh(h.hour)} ${s.zone} (${hh(h.utcHour)} UTC)`;
    return `\`${c.value}\` starts at ${when(s.from)}, when the grid (${s.location}) averages ${intensityText(s.from.gco2PerKwh)}; at ${when(s.to)} it averages ${intensityText(s.to.gco2PerKwh)}: ${percentText(s.savingPercent)} less CO2 for the same work (typical day, ${s.period}${s.zone === 'UTC' ? '' : `; ${s.zone}'s offset of today`}).${s.zoneAssumed ? ` Time zone: ${s.zoneAssumed}.` : ''}`;
  }
  if (s.kind === 'region') return regionMessage(c.value, s);
  const h = s.headline;
  const unit = /%/.test(h.metric) ? '%' : '';
  const metric = h.metric.replace(/\s*%\s*$/, '').replace(/ %/, '');
  const better = h.higherIsBetter ? h.suggested > h.current : h.suggested < h.current;
  const verdict = better
    ? 'the suggestion is better'
    : h.suggested === h.current
      ? 'as good'
      : `within the ${s.tolerancePercent}% allowed`;
  const resolution = resolutionOf(c.value, s.replacement);
  const saves =
    s.params?.from && s.params.to && s.params.from !== s.params.to
      ? `${s.params.from} M -> ${s.params.to} M parameters`
      : resolution
        ? `input resolution ${resolution[1]} vs ${resolution[0]}`
        : undefined;
  const saving =
    s.savingPercent !== undefined
      ? `${percentText(s.savingPercent)} less energy${s.evidence === 'measured-here' ? ' measured here' : ' in the study'}`
      : undefined;
  const more = [saves, saving].filter(Boolean).join('; ');
  return `${s.replacement}: ${h.suggested}${unit} vs ${h.current}${unit} ${metric} for ${c.value} (${h.on}, ${h.by}): ${verdict}.${more ? ` ${more[0]!.toUpperCase()}${more.slice(1)}.` : ''}`;
}

export function adviseCandidates(
  candidates: readonly Candidate[],
  text: string,
  options: AdviseOptions,
  fileName = '',
  module?: ModuleFacts,
): Finding[] {
  return adviseText(candidates, text, options, fileName, module).findings;
}

/** A model swap is offered only where it keeps the code working: the loads of the id decide. */
function suggestModelFor(c: Candidate, options: AdviseOptions): Suggestion | undefined {
  if (c.ollama) return suggestOllama(c.value, options);
  if (c.uses && silentUse(c.uses)) return undefined;
  return suggestModel(c.value, options, (replacement) => !swapMisfit(c.value, replacement, c.uses));
}

/**
 * An Ollama model is swapped only for another Ollama model: one the user ran in `compare` or
 * `bench` (`ollama:NAME:TAG`: a smaller model or another quantisation, measured here), else a
 * smaller model with a published comparison that has an Ollama name (data/ollama-models.csv).
 */
function suggestOllama(id: string, options: AdviseOptions): Suggestion | undefined {
  const s = suggestModel(id, options, (r) => /^ollama:/i.test(r) || ollamaNameOf(r) !== undefined);
  if (s?.kind !== 'model') return s;
  if (s.evidence === 'measured-here' && !/^ollama:/i.test(s.replacement)) return undefined;
  return { ...s, replacement: s.replacement.replace(/^ollama:/i, '') };
}

function adviseText(
  candidates: readonly Candidate[],
  text: string,
  options: AdviseOptions,
  fileName: string,
  module?: ModuleFacts,
): { findings: Finding[]; notes: Note[] } {
  const at = positions(text);
  const findings: Finding[] = [];
  const notes: Note[] = [];
  const cache = new Map<string, Suggestion | undefined>();
  for (const c of candidates) {
    if (c.kind === 'region' || (c.kind === 'model' ? !options.models : options.schedules === false)) continue;
    // A schedule's hour is in its zone: the same text may mean other hours in another file's line.
    const zone = c.kind === 'schedule' ? (cronZone(text, c.start, c.key, options.localZone) ?? null) : null;
    // A model's loads decide which swaps keep the code working.
    const uses = c.uses?.map((u) => [u.loader, u.task, u.pinned, u.files]);
    const key = `${c.kind}:${c.value}:${zone?.zone ?? ''}:${uses ? JSON.stringify(uses) : ''}`;
    if (!cache.has(key))
      cache.set(key, c.kind === 'model' ? suggestModelFor(c, options) : suggestSchedule(c.value, options, zone));
    const suggestion = cache.get(key);
    if (!suggestion) {
      // An Ollama model is not loaded by transformers: the code's loads say nothing of a swap.
      const note = c.kind === 'model' ? modelNote(c.ollama ? { ...c, uses: undefined } : c, options) : undefined;
      if (note) notes.push({ ...note, kind: 'model', value: c.value, key: c.key, start: at(c.start), end: at(c.end) });
      continue;
    }
    findings.push({
      kind: c.kind,
      value: c.value,
      key: c.key,
      start: at(c.start),
      end: at(c.end),
      suggestion,
      message: message(c, suggestion),
      ...(c.also && { also: c.also.map((r) => ({ start: at(r.start), end: at(r.end) })) }),
    });
  }
  if (options.regions) {
    const regions = candidates.filter((c): c is RegionCandidate => c.kind === 'region');
    const advice = adviseRegionCandidates(regions, text, fileName, options, module);
    for (const f of advice.findings)
      findings.push({
        kind: 'region',
        value: f.value,
        key: f.candidate.key,
        start: at(f.start),
        end: at(f.end),
        suggestion: f.suggestion,
        message: f.message,
        edits: f.edits.map((e) => ({ start: at(e.start), end: at(e.end), newText: e.newText })),
        ...(f.noFix && { noFix: f.noFix }),
      });
    for (const n of advice.notes)
      notes.push({
        kind: 'region',
        value: n.value,
        key: n.key,
        start: at(n.start),
        end: at(n.end),
        message: n.message,
        alternatives: [],
      });
  }
  const order = (a: { start: Position }, b: { start: Position }) =>
    a.start.line - b.start.line || a.start.character - b.start.character;
  return { findings: findings.sort(order), notes: notes.sort(order) };
}

/** What the other files of a Terraform module say about this one's variables and locals. */
function moduleFacts(fileName: string, text: string, related: readonly RelatedFile[]): ModuleFacts {
  // Another .tfvars file beside a .tfvars file is another way to run the module, not part of this one.
  const tfvars = /\.tfvars$/i.test(fileName);
  const others = related.filter((r) => /\.tf$/i.test(r.fileName) || (!tfvars && /\.tfvars$/i.test(r.fileName)));
  const files = [text, ...others.map((r) => r.text)];
  const parsed = files.map((t) => parseHcl(t));
  return {
    uses: parsed.flatMap((p) => p.uses),
    hasWorkload: parsed.some((p) => p.hasWorkload),
    texts: others.map((r) => r.text),
    names: others.map((r) => r.fileName),
  };
}

/**
 * Findings and notes for a file's text; `undefined` when the file is of no kind the advisor
 * reads. `related`: the other files of its Terraform module, whose uses give its variables a role.
 */
export function adviseFile(
  fileName: string,
  text: string,
  options: AdviseOptions,
  languageId?: string,
  related: readonly RelatedFile[] = [],
): { findings: Finding[]; notes: Note[] } | undefined {
  const kind: FileKind | undefined = fileKind(fileName, languageId);
  if (!kind) return undefined;
  if (options.includeTests === false && (isTestPath(fileName) || isRecordedOutput(text)))
    return { findings: [], notes: [] };
  const module = kind === 'hcl' ? moduleFacts(fileName, text, related) : undefined;
  return adviseText(scan(kind, text), text, options, fileName, module);
}

/**
 * One line for the output channel: how many findings a file has and why the advisor said nothing of
 * the other values it recognised (the first five); undefined when there is neither.
 */
export function silenceSummary(fileName: string, result: { findings: Finding[]; notes: Note[] }): string | undefined {
  if (result.notes.length === 0 && result.findings.length === 0) return undefined;
  const found = `Advisor: ${fileName}: ${result.findings.length} finding${result.findings.length === 1 ? '' : 's'}`;
  if (result.notes.length === 0) return found;
  // The first five, so that a notebook full of ids still gives one readable line.
  const why = result.notes
    .slice(0, 5)
    .map(
      (n) =>
        `${n.value} (line ${n.start.line + 1}): ${n.message.replace(/^No (?:region )?advice (?:on|for) [^:]*: /, '')}`,
    );
  const more = result.notes.length > 5 ? ` | and ${result.notes.length - 5} more` : '';
  return `${found}; no advice on ${why.join(' | ')}${more}`;
}

/** Findings for a file's text; `undefined` when the file is of no kind the advisor reads. */
export function advise(
  fileName: string,
  text: string,
  options: AdviseOptions,
  languageId?: string,
  related?: readonly RelatedFile[],
): Finding[] | undefined {
  return adviseFile(fileName, text, options, languageId, related)?.findings;
}
