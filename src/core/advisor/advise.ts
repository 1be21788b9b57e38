// A file's findings: candidates from its scanner, each with a suggestion, placed by line and
// column. A candidate without a suggestion is not a finding.
import { intensityText } from '../units';
import type { Candidate } from './candidates';
import { modelNote, type ModelNote } from './modelNotes';
import { silentUse, swapMisfit } from './modelUse';
import { fileKind, scan, type FileKind } from './scanners';
import { suggestModel, suggestRegion, suggestSchedule, type AdvisorOptions, type Suggestion } from './suggest';

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
  /** Other places the fix replaces too: literals of the same id that load only its tokenizer or processor. */
  also?: { start: Position; end: Position }[];
}

/** A recognised model id with no finding, and why: for a hover and the output channel, never a diagnostic. */
export interface Note extends ModelNote {
  kind: 'model';
  value: string;
  start: Position;
  end: Position;
}

export interface AdviseOptions extends AdvisorOptions {
  models: boolean;
  regions: boolean;
  /** Cron schedules (needs a typical day in the options; default on). */
  schedules?: boolean;
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
    return `\`${c.value}\` starts at ${hh(s.from.hour)} UTC, when the grid (${s.location}) averages ${intensityText(s.from.gco2PerKwh)}; at ${hh(s.to.hour)} UTC it averages ${intensityText(s.to.gco2PerKwh)}: ${s.savingPercent.toFixed(0)}% less CO2 for the same work (typical day, ${s.period}). Cron times are UTC in GitHub Actions; a Kubernetes CronJob uses its time zone (spec.timeZone) or the controller's.`;
  }
  if (s.kind === 'region') {
    const years =
      s.from.year && s.to.year && s.from.year !== s.to.year ? ` (figures of ${s.from.year} and ${s.to.year})` : '';
    return `${s.replacement} (${s.to.location}, ${intensityText(s.to.gco2PerKwh)}) emits ${s.savingPercent.toFixed(0)}% less than ${c.value} (${s.from.location}, ${intensityText(s.from.gco2PerKwh)}) for the same energy${years}.`;
  }
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
      ? `${s.savingPercent.toFixed(0)}% less energy${s.evidence === 'measured-here' ? ' measured here' : ' in the study'}`
      : undefined;
  const more = [saves, saving].filter(Boolean).join('; ');
  return `${s.replacement}: ${h.suggested}${unit} vs ${h.current}${unit} ${metric} for ${c.value} (${h.on}, ${h.by}): ${verdict}.${more ? ` ${more[0]!.toUpperCase()}${more.slice(1)}.` : ''}`;
}

export function adviseCandidates(candidates: readonly Candidate[], text: string, options: AdviseOptions): Finding[] {
  return adviseWithNotes(candidates, text, options).findings;
}

/** A model swap is offered only where it keeps the code working: the loads of the id decide. */
function suggestModelFor(c: Candidate, options: AdviseOptions): Suggestion | undefined {
  if (c.uses && silentUse(c.uses)) return undefined;
  return suggestModel(c.value, options, (replacement) => !swapMisfit(c.value, replacement, c.uses));
}

export function adviseWithNotes(
  candidates: readonly Candidate[],
  text: string,
  options: AdviseOptions,
): { findings: Finding[]; notes: Note[] } {
  const at = positions(text);
  const findings: Finding[] = [];
  const notes: Note[] = [];
  const cache = new Map<string, Suggestion | undefined>();
  for (const c of candidates) {
    if (c.kind === 'model' ? !options.models : c.kind === 'region' ? !options.regions : options.schedules === false)
      continue;
    const key = `${c.kind}:${c.value}:${JSON.stringify(c.uses?.map((u) => [u.loader, u.task, u.pinned, u.files]) ?? null)}`;
    if (!cache.has(key))
      cache.set(
        key,
        c.kind === 'model'
          ? suggestModelFor(c, options)
          : c.kind === 'region'
            ? suggestRegion(c.value, options)
            : suggestSchedule(c.value, options),
      );
    const suggestion = cache.get(key);
    if (!suggestion) {
      const note = c.kind === 'model' ? modelNote(c, options) : undefined;
      if (note) notes.push({ ...note, kind: 'model', value: c.value, start: at(c.start), end: at(c.end) });
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
  return { findings, notes };
}

/** Findings and notes for a file's text; `undefined` when the file is of no kind the advisor reads. */
export function adviseFile(
  fileName: string,
  text: string,
  options: AdviseOptions,
  languageId?: string,
): { findings: Finding[]; notes: Note[] } | undefined {
  const kind: FileKind | undefined = fileKind(fileName, languageId);
  if (!kind) return undefined;
  return adviseWithNotes(scan(kind, text), text, options);
}

/** One line for the output channel: what the advisor found in a file and why it said nothing of the rest. */
export function silenceSummary(fileName: string, result: { findings: Finding[]; notes: Note[] }): string | undefined {
  if (result.notes.length === 0) return undefined;
  // The first five, so that a notebook full of ids still gives one readable line.
  const why = result.notes
    .slice(0, 5)
    .map((n) => `${n.value} (line ${n.start.line + 1}): ${n.message.replace(/^No advice on [^:]*: /, '')}`);
  const more = result.notes.length > 5 ? ` | and ${result.notes.length - 5} more` : '';
  return `Advisor: ${fileName}: ${result.findings.length} finding${result.findings.length === 1 ? '' : 's'}; no advice on ${why.join(' | ')}${more}`;
}

/** Findings for a file's text; `undefined` when the file is of no kind the advisor reads. */
export function advise(
  fileName: string,
  text: string,
  options: AdviseOptions,
  languageId?: string,
): Finding[] | undefined {
  const kind: FileKind | undefined = fileKind(fileName, languageId);
  if (!kind) return undefined;
  return adviseCandidates(scan(kind, text), text, options);
}
