// Why the advisor is silent on a model id it recognises: the code only loads its tokenizer, pins a
// revision or downloads files by name; or every smaller model of the catalogue loses more than the
// tolerance, does not fit the class that loads it, or has no published comparison. A note is for a
// hover and the output channel, never a diagnostic; it lists the smaller models with their quality
// drop so that a user can compare them on their own data.
import type { Candidate } from './candidates';
import { modelRef, publishedAlternatives, recognise, smallerMembers, writeLike } from './catalogue';
import { silentUse, swapMisfit } from './modelUse';
import { withinTolerance, type AdvisorOptions } from './suggest';

export interface ModelAlternative {
  /** Written like the id in the file (mirror, legacy or short name). */
  id: string;
  /** The catalogue's task, for a comparison on this machine. */
  task: string;
  /** One line: what it loses, or why it does not fit. */
  line: string;
}

export interface ModelNote {
  /** `silent-use`: the code gives no reason to swap (tokenizer only, pinned, download); `no-suggestion`: none fits the evidence. */
  reason: 'silent-use' | 'no-suggestion';
  /** One sentence, for a hover and a log line. */
  message: string;
  alternatives: ModelAlternative[];
}

const METRIC = /\s*\((?:[^()]*\b(?:higher|lower) is better[^()]*)\)/;
const num = (x: number) => String(Number(x.toPrecision(4)));

/** The note for a model candidate that got no suggestion, or undefined when the catalogue does not know the id. */
export function modelNote(c: Candidate, options: Pick<AdvisorOptions, 'tolerancePercent'>): ModelNote | undefined {
  const ref = modelRef(c.value);
  const silent = c.uses && silentUse(c.uses);
  if (silent) return { reason: 'silent-use', message: `No advice on ${c.value}: ${silent}.`, alternatives: [] };
  if (!ref) {
    // Recognised by its repository name only: no figures to compare.
    const f = recognise(c.value);
    if (!f) return undefined;
    const size = f.paramsM !== null ? `, ${num(f.paramsM)} M parameters by its name` : '';
    return {
      reason: 'no-suggestion',
      message: `No advice on ${c.value} (${f.family}${size}): the catalogue has no published comparison for this model.`,
      alternatives: [],
    };
  }
  const tol = options.tolerancePercent;
  const alternatives: ModelAlternative[] = [];
  const listed = new Set<string>();
  for (const [small, rows] of publishedAlternatives(ref.canonical)) {
    const scored = rows.filter(
      (r) => r.largeScore !== null && r.smallScore !== null && !/NOT verified/i.test(r.source),
    );
    if (scored.length === 0) continue;
    const id = writeLike(small, ref.style);
    listed.add(modelRef(small)?.canonical ?? small.toLowerCase());
    const misfit = swapMisfit(c.value, small, c.uses);
    const losses = scored
      .filter((r) => !withinTolerance(r.largeScore!, r.smallScore!, r.higherIsBetter, tol))
      .map((r) => {
        const loss = (Math.abs(r.smallScore! - r.largeScore!) / Math.abs(r.largeScore!)) * 100;
        return `${loss.toFixed(1)}% ${r.higherIsBetter ? 'lower' : 'higher'} ${r.metric.replace(METRIC, '')} (${num(r.smallScore!)} vs ${num(r.largeScore!)}, ${r.dataset})`;
      });
    const line =
      losses.length > 0
        ? `${id}: ${losses.join('; ')}`
        : misfit
          ? `${id}: within ${tol}% on every published metric, but ${misfit}`
          : `${id}: within ${tol}%`;
    alternatives.push({ id, task: rows[0]!.task, line });
  }
  for (const m of smallerMembers(ref.canonical)) {
    if (listed.has(m.id.toLowerCase())) continue;
    const params =
      m.paramsM !== null ? ` (${num(m.paramsM)} M parameters${m.paramsBasis === 'name' ? ', by its name' : ''})` : '';
    alternatives.push({
      id: writeLike(m.id, ref.style),
      task: '',
      line: `${writeLike(m.id, ref.style)}${params}: no published comparison`,
    });
  }
  const f = ref.family;
  const what = f
    ? `${c.value} (${f.family}${f.paramsM !== null ? `, ${num(f.paramsM)} M parameters${f.paramsBasis === 'name' ? ' by its name' : ''}` : ''})`
    : c.value;
  const why =
    alternatives.length === 0
      ? 'the catalogue has no smaller model of its family'
      : alternatives.some((a) => a.task)
        ? `no smaller model is within ${tol}% on every published metric and fits where it is used`
        : 'no smaller model of its family has a published comparison with it';
  return { reason: 'no-suggestion', message: `No advice on ${what}: ${why}.`, alternatives };
}
