// The text-to-image set: CarbonLens's fixed prompts (data/text-to-image-prompts.txt), or the
// lines of a .txt file. Each item carries its own noise seed, so an image is the same whatever
// the batch it runs in; the reference is the prompt itself (CLIP scores the image against it).
import { readFileSync } from 'node:fs';
import { TEXT_TO_IMAGE_PROMPTS } from '../../../generated/textToImagePrompts';
import { sampleIndices, type EvalSet } from './evalSet';
import { withRemedy } from '../../messages';
import { DatasetError } from './userSets';

export interface PromptInput {
  prompt: string;
  seed: number;
}

function promptSet(name: string, source: string, prompts: readonly string[], samples: number, seed: number): EvalSet {
  if (samples > prompts.length)
    throw withRemedy(new DatasetError(''), {
      id: 'tooManyItems',
      params: { set: name, have: prompts.length, unit: 'prompts' },
    });
  const items = sampleIndices(prompts.length, samples, seed).map((i) => ({
    id: `prompt-${i}`,
    input: { prompt: prompts[i]!, seed: seed * 100_003 + i } satisfies PromptInput,
    reference: prompts[i]!,
  }));
  return { name, source, items, population: prompts.length, seed };
}

export const builtInPrompts = (samples: number, seed: number) =>
  promptSet('prompts', 'data/text-to-image-prompts.txt (CarbonLens, CC0)', TEXT_TO_IMAGE_PROMPTS, samples, seed);

export function promptFile(path: string, samples: number, seed: number): EvalSet {
  const prompts = readFileSync(path, 'utf8')
    .replace(/^\uFEFF/, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (prompts.length === 0) throw new DatasetError(`${path} has no prompts (one per line).`);
  return promptSet(path, path, prompts, samples, seed);
}
