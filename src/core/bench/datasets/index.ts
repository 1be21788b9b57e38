// Which evaluation set a benchmark uses: the task's default, a named public set, or a path.
import { existsSync, statSync } from 'node:fs';
import type { HubClient, SnapshotOptions } from '../../models/hub';
import type { Task } from '../../models/tasks';
import { cifar10 } from './cifar10';
import type { EvalSet } from './evalSet';
import { cnnDailymail } from './newsSummaries';
import { builtInPrompts, promptFile } from './prompts';
import { renderedWords } from './renderedWords';
import { answerJsonl, builtInShortAnswers } from './shortAnswers';
import { DatasetError, imageFolder, summaryJsonl } from './userSets';

export const DEFAULT_DATASET: Record<Task, string> = {
  'image-classification': 'cifar10',
  'image-to-text': 'rendered-words',
  summarization: 'cnn_dailymail',
  'text-to-image': 'prompts',
  'text-generation': 'short-answers',
};
const NAMED: Record<string, Task> = {
  cifar10: 'image-classification',
  'rendered-words': 'image-to-text',
  cnn_dailymail: 'summarization',
  prompts: 'text-to-image',
  'short-answers': 'text-generation',
};

export async function loadEvalSet(
  task: Task,
  dataset: string | undefined,
  samples: number,
  seed: number,
  hub: HubClient,
  options: SnapshotOptions = {},
): Promise<EvalSet> {
  const name = dataset ?? DEFAULT_DATASET[task];
  if (NAMED[name] && NAMED[name] !== task)
    throw new DatasetError(`${name} is a set for ${NAMED[name]}, not for ${task}.`);
  if (name === 'cifar10') return cifar10(hub, samples, seed, options);
  if (name === 'rendered-words') return renderedWords(samples, seed, options.signal);
  if (name === 'cnn_dailymail') return cnnDailymail(hub, samples, seed, options);
  if (name === 'prompts') return builtInPrompts(samples, seed);
  if (name === 'short-answers') return builtInShortAnswers(samples, seed);
  if (!existsSync(name))
    throw new DatasetError(
      `No dataset ${name}: give one of ${Object.keys(NAMED).join(', ')}, an image folder with labels.csv, a .jsonl file (summaries, or questions with answers) or a .txt of prompts.`,
    );
  if (task === 'summarization') return summaryJsonl(name, samples, seed);
  if (task === 'text-to-image') return promptFile(name, samples, seed);
  if (task === 'text-generation') return answerJsonl(name, samples, seed);
  if (!statSync(name).isDirectory())
    throw new DatasetError(`${name} must be a folder of images with labels.csv for ${task}.`);
  return imageFolder(name, samples, seed, options.signal);
}
