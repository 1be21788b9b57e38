// A file's findings: candidates from its scanner, each with a suggestion, placed by line and
// column. A candidate without a suggestion is not a finding.
import type { Candidate } from './candidates';
import { fileKind, scan, type FileKind } from './scanners';
import { suggestModel, suggestRegion, type AdvisorOptions, type Suggestion } from './suggest';

export interface Position {
  /** 0-based, as editors count. */
  line: number;
  character: number;
}

export interface Finding {
  kind: 'model' | 'region';
  value: string;
  key: string;
  start: Position;
  end: Position;
  suggestion: Suggestion;
  /** One sentence, for a diagnostic. */
  message: string;
}

export interface AdviseOptions extends AdvisorOptions {
  models: boolean;
  regions: boolean;
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

export function message(c: Pick<Candidate, 'value'>, s: Suggestion): string {
  if (s.kind === 'region') {
    return `${s.replacement} (${s.to.location}, ${s.to.gco2PerKwh} gCO2e/kWh) emits ${s.savingPercent.toFixed(0)}% less than ${c.value} (${s.from.location}, ${s.from.gco2PerKwh} gCO2e/kWh) for the same energy.`;
  }
  const params =
    !s.params?.from || !s.params.to
      ? ''
      : s.params.from === s.params.to
        ? ` ${s.params.from} M parameters either way;`
        : ` ${s.params.from} M -> ${s.params.to} M parameters;`;
  const saving =
    s.savingPercent !== undefined
      ? ` ${s.savingPercent.toFixed(0)}% less energy${s.evidence === 'measured-here' ? ' measured here' : ' in the study'};`
      : '';
  const how = s.evidence === 'measured-here' ? 'measured on this machine' : 'published';
  return `${s.replacement} is within ${s.tolerancePercent}% of ${c.value}'s quality (${how}: ${s.quality[0]}).${params}${saving}`.replace(
    /;$/,
    '.',
  );
}

export function adviseCandidates(candidates: readonly Candidate[], text: string, options: AdviseOptions): Finding[] {
  const at = positions(text);
  const findings: Finding[] = [];
  const cache = new Map<string, Suggestion | undefined>();
  for (const c of candidates) {
    if (c.kind === 'model' ? !options.models : !options.regions) continue;
    const key = `${c.kind}:${c.value}`;
    if (!cache.has(key))
      cache.set(key, c.kind === 'model' ? suggestModel(c.value, options) : suggestRegion(c.value, options));
    const suggestion = cache.get(key);
    if (!suggestion) continue;
    findings.push({
      kind: c.kind,
      value: c.value,
      key: c.key,
      start: at(c.start),
      end: at(c.end),
      suggestion,
      message: message(c, suggestion),
    });
  }
  return findings;
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
