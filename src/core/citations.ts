// The sources our data rows cite ("microsoft/unilm trocr/README.md @084d8a0adf (...)", "GREEN
// 2023 study Table III; params: ViT paper arXiv:2010.11929 Table 1") as documents a person
// recognises, each with a public link where there is one.

export interface Citation {
  title: string;
  url?: string;
}

export const STUDY_TITLE = 'Reducing Carbon Footprint of AI Models Without Compromising Performance (GREEN 2023)';

/** Splits on "; " outside parentheses. */
function parts(source: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === ';' && depth === 0 && source[i + 1] === ' ') {
      out.push(source.slice(start, i));
      start = i + 2;
    }
  }
  out.push(source.slice(start));
  return out.map((p) => p.trim()).filter(Boolean);
}

const table = (text: string) => /\bTable [IVX\d]+\b/.exec(text)?.[0];
const withTable = (title: string, text: string) => (table(text) ? `${title}, ${table(text)}` : title);

function one(part: string): Citation | undefined {
  // "params: ...", "upstream: ...", "BERT-Base 110M: ..." name what the document is cited for.
  const text = part.replace(/^(?:[^:()/]{1,40}): (?=\S)/, '');
  if (/^(?:params )?not (?:published|listed)/.test(text)) return undefined;
  if (/GREEN 2023 study/.test(text)) return { title: withTable(STUDY_TITLE, text) };
  const arxiv = /^(.*?)\s*arXiv:(\d{4}\.\d{4,5})/.exec(text);
  if (arxiv) {
    return {
      title: withTable(`${arxiv[1]!.replace(/\bciting\b.*$/, '').trim() || 'paper'} (arXiv:${arxiv[2]})`, text),
      url: `https://arxiv.org/abs/${arxiv[2]}`,
    };
  }
  const url = /https?:\/\/[^\s,)]+/.exec(text)?.[0];
  const repo =
    /^(?:(.+?) via )?([\w.-]+\/[\w.-]+)(?: @([0-9a-f]{7,40}))? ([\w./-]+\.[\w]+)(?: @([0-9a-f]{7,40}))?/.exec(text);
  if (repo && !/^https?:/.test(text)) {
    const [, named, name, hashA, path, hashB] = repo;
    const segments = path!.split('/');
    const file = segments.pop()!;
    // A README is known by its folder: "distillation README of huggingface/transformers".
    const doc = /^readme\.md$/i.test(file) ? `${segments.length ? `${segments.pop()} ` : ''}README` : file;
    return {
      title: withTable(named ? `${named} (${name})` : `${doc} of ${name}`, text),
      url: `https://github.com/${name}/blob/${hashA ?? hashB ?? 'HEAD'}/${path}`,
    };
  }
  if (url) {
    const u = new URL(url);
    const card = u.hostname === 'huggingface.co' ? /^\/([\w.-]+\/[\w.-]+)/.exec(u.pathname)?.[1] : undefined;
    const page = u.pathname
      .split('/')
      .filter(Boolean)
      .pop()
      ?.replace(/\.html?$/, '');
    return { title: card ? `model card of ${card}` : `${u.hostname}${page ? `: ${page}` : ''}`, url };
  }
  // A named source without a link ("EPA eGRID2020 NERC RFC", "carbonfootprint.com ..."); a note
  // in lower case ("params nominal 13B/7B", "upstream not documented") is not a document.
  if (!/^[A-Z]/.test(text) && !/\.[a-z]{2,}\b/.test(text)) return undefined;
  return { title: text.replace(/\s*\([^()]*\)\s*$/, '').trim() };
}

/** Each document a source string cites, in order, without repeats. */
export function citations(sources: readonly string[]): Citation[] {
  const out: Citation[] = [];
  for (const source of sources) {
    for (const p of parts(source)) {
      const c = one(p);
      if (c && !out.some((o) => o.title === c.title)) out.push(c);
    }
  }
  return out;
}

/** Markdown: "[title](url); title". */
export function citationsMarkdown(sources: readonly string[]): string {
  const esc = (s: string) => s.replace(/[[\]\\]/g, (c) => `\\${c}`);
  return citations(sources)
    .map((c) => (c.url ? `[${esc(c.title)}](${c.url})` : esc(c.title)))
    .join('; ');
}

/**
 * What a person reads for a figure's source, short: "Ember 2024", "Cloud Carbon Footprint, AWS
 * 2020", "Google Cloud 2024". The full string (repository, commit, path, upstream) stays in
 * tooltips and exports.
 */
export function sourceName(source: string, year?: number | null): string {
  const y = year ? ` ${year}` : '';
  const ccf = /cloud-carbon-footprint\/cloud-carbon-footprint\b.*packages\/(aws|azure|gcp)\//i.exec(source);
  const named: [RegExp, string][] = [
    [/GREEN 2023 study/, 'GREEN 2023 study, Google Cloud'],
    [/codecarbon\b.*impact\.csv.*region-carbon-info/, 'Google Cloud via CodeCarbon'],
    [/region-carbon-info/, 'Google Cloud'],
    [/^Ember\b/, 'Ember'],
    [/^CodeCarbon before 3\.0/, 'CodeCarbon before 3.0'],
    [/codecarbon\b.*usa_emissions/, 'EPA eGRID via CodeCarbon'],
    [/codecarbon\b.*canada_energy_mix/, 'Canada Energy Regulator via CodeCarbon'],
    [/codecarbon\b.*nordic_emissions/, 'ENTSO-E via CodeCarbon'],
    [/codecarbon\b.*global_energy_mix/, 'OWID via CodeCarbon'],
    [/^Electricity Maps\b/, 'Electricity Maps'],
    [/^UK Carbon Intensity API\b/, 'UK Carbon Intensity API'],
    [/^given by the user$/, 'given'],
  ];
  if (ccf) return `Cloud Carbon Footprint, ${ccf[1] === 'aws' ? 'AWS' : ccf[1] === 'azure' ? 'Azure' : 'GCP'}${y}`;
  const hit = named.find(([re]) => re.test(source));
  if (hit) return `${hit[1]}${hit[1] === 'given' ? '' : y}`;
  return `${citations([source])[0]?.title ?? source}${y}`;
}
