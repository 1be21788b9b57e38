// How many items an evaluation set holds, counted without loading it, and the sample sizes a
// picker offers for it: never more than the set has, with "all N" where it is small.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SHORT_ANSWERS } from '../../../generated/shortAnswers';
import { TEXT_TO_IMAGE_PROMPTS } from '../../../generated/textToImagePrompts';
import type { Task } from '../../models/tasks';

/** The default sets' sizes; the rendered words are drawn on demand, any number of them. */
const BUILT_IN: Record<Task, number | undefined> = {
  'image-classification': 10_000, // CIFAR-10's test split
  'image-to-text': undefined,
  summarization: 11_490, // CNN/DailyMail 3.0.0's test split
  'text-to-image': TEXT_TO_IMAGE_PROMPTS.length,
  'text-generation': SHORT_ANSWERS.length,
};

const nonBlankLines = (file: string, comments = false) =>
  readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() && !(comments && l.trim().startsWith('#'))).length;

/**
 * The number of items in the task's default set (`path` undefined) or in the user's own: the
 * rows of a folder's labels.csv (one per line; a quoted field across lines counts high), the
 * lines of a .jsonl or a .txt of prompts. Undefined when it cannot be told.
 */
export function setSize(task: Task, path?: string): number | undefined {
  if (path === undefined) return BUILT_IN[task];
  try {
    const full = resolve(path);
    if (!existsSync(full)) return undefined;
    if (statSync(full).isDirectory()) {
      const csv = join(full, 'labels.csv');
      return existsSync(csv) ? Math.max(0, nonBlankLines(csv) - 1) : undefined;
    }
    return nonBlankLines(full, task === 'text-to-image');
  } catch {
    return undefined;
  }
}

export interface SampleChoice {
  n: number;
  /** The whole set. */
  all: boolean;
}

/** A tenth, half, the default and twice it, each below the set's size; then the whole set when known. */
export function sampleChoices(defaultSamples: number, size: number | undefined): SampleChoice[] {
  const base = [
    ...new Set([defaultSamples / 10, defaultSamples / 2, defaultSamples, defaultSamples * 2].map(Math.round)),
  ].filter((n) => n >= 1);
  if (size === undefined) return base.map((n) => ({ n, all: false }));
  return [
    ...base.filter((n) => n < size).map((n) => ({ n, all: false })),
    ...(size > 0 ? [{ n: size, all: true }] : []),
  ];
}
