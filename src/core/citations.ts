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
