// The text-generation sets: CarbonLens's 100 short-answer questions (data/short-answers.jsonl,
// CC0), or the user's .jsonl of {"prompt", "answer"} lines.
import { basename, resolve } from 'node:path';
import { SHORT_ANSWERS } from '../../../generated/shortAnswers';
import { sampleIndices, type EvalItem, type EvalSet } from './evalSet';
import { withRemedy } from '../../messages';
import { DatasetError, jsonlObjects } from './userSets';

function answerSet(name: string, source: string, items: readonly EvalItem[], samples: number, seed: number): EvalSet {
  if (samples > items.length)
    throw withRemedy(new DatasetError(''), {
      id: 'tooManyItems',
      params: { set: name, have: items.length, unit: 'questions' },
    });
  return {
    name,
    source,
    items: sampleIndices(items.length, samples, seed).map((i) => items[i]!),
    population: items.length,
    seed,
  };
}

export const builtInShortAnswers = (samples: number, seed: number) =>
  answerSet(
    'short-answers',
    'data/short-answers.jsonl (CarbonLens, CC0)',
    SHORT_ANSWERS.map(([prompt, answer], i) => ({ id: `q${i + 1}`, input: prompt, reference: answer })),
    samples,
    seed,
  );

/** A .jsonl file, one {"prompt": ..., "answer": ...} object per line ("question" is read as "prompt"). */
export function answerJsonl(path: string, samples: number, seed: number): EvalSet {
  const file = resolve(path);
  const items: EvalItem[] = [];
  for (const { value, line } of jsonlObjects(path, '{"prompt", "answer"}')) {
    const i = line - 1;
    const prompt = value.prompt ?? value.question;
    const answer = typeof value.answer === 'number' ? String(value.answer) : value.answer;
    if (typeof prompt !== 'string' || !prompt.trim() || typeof answer !== 'string' || !answer.trim())
      throw new DatasetError(`${path} line ${i + 1} needs a "prompt" and an "answer" string.`);
    items.push({ id: String(value.id ?? items.length + 1), input: prompt, reference: answer });
  }
  if (items.length === 0) throw new DatasetError(`${path} has no questions (one {"prompt", "answer"} per line).`);
  return answerSet(basename(file), file, items, samples, seed);
}
