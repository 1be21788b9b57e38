// How each task's pipeline is called on a batch, how its answers are read, and how they are
// scored against the references.
import { mkdirSync, writeFileSync } from 'node:fs';
import { withRemedy } from '../messages';
import { join } from 'node:path';
import type { GeneratedImage } from '../diffusion/stableDiffusion';
import { encodePng } from '../diffusion/png';
import type { Task } from '../models/tasks';
import { cifar10Mapping, predictCifar10, type LabelMapping } from './labels';
import {
  characterErrorRate,
  exactAnswer,
  firstLine,
  meanInterval,
  normalisedAnswer,
  normaliseText,
  rouge,
  rougeL,
  wilsonInterval,
} from './metrics';

export interface QualityFigure {
  /** accuracy, exact-match, cer, rouge1, rouge2, rougeL. */
  metric: string;
  value: number;
  /** 95% interval; NaN where none is computed. */
  low: number;
  high: number;
  n: number;
  higherIsBetter: boolean;
}

export interface Quality {
  /** The figure comparisons use. */
  primary: QualityFigure;
  others: QualityFigure[];
}

export interface TaskRunner {
  /** Options for the pipeline call. */
  callOptions: Record<string, unknown>;
  /** What the pipeline is given for an item's input, where that differs from it (a chat). */
  input?(value: unknown): unknown;
  /**
   * For tasks scored by another model (text-to-image: CLIP): the quality, per-item scores and
   * outputs, computed after the energy window closes. `quality` and `perItem` are not used then.
   */
  finish?(
    answers: readonly string[],
    references: readonly string[],
  ): Promise<{ quality: Quality; perItem: number[]; outputs: OutputRecord[] }>;
  /** One answer (a string) per input of the batch. */
  answers(output: unknown, batchSize: number): string[];
  quality(answers: readonly string[], references: readonly string[]): Quality;
  /** The primary metric per item (1/0 for a hit, F1 for a summary), for paired comparisons. */
  perItem(answers: readonly string[], references: readonly string[]): number[];
}

type Scored = { label: string; score: number };

/** An output kept beside the record (a generated image), with its score. */
export interface OutputRecord {
  file: string;
  input: string;
  seed?: number;
  score: number;
}

const asList = <T>(output: unknown, batchSize: number): T[] => {
  const list = output as T[];
  if (!Array.isArray(list) || list.length !== batchSize)
    throw new Error(
      `The pipeline returned ${Array.isArray(list) ? list.length : typeof list} answers for ${batchSize} inputs.`,
    );
  return list;
};
// Batched image-to-text answers are one list per input; unbatched ones an object.
const first = <T>(x: T | T[]): T => (Array.isArray(x) ? x[0] : x);

const proportion = (metric: string, hits: number, n: number): QualityFigure => ({
  metric,
  ...wilsonInterval(hits, n),
  higherIsBetter: true,
});

/** A label matches a reference when it equals it or one of its comma-separated synonyms. */
const labelMatches = (label: string, reference: string) =>
  label
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .includes(reference.trim().toLowerCase()) || label.trim().toLowerCase() === reference.trim().toLowerCase();

export function classificationRunner(id2label: Readonly<Record<string, string>>, cifarSet: boolean): TaskRunner {
  let mapping: LabelMapping | null = null;
  if (cifarSet) {
    mapping = cifar10Mapping(id2label);
    if (!mapping)
      throw withRemedy(new Error(''), { id: 'labelsMismatch', params: { labels: Object.keys(id2label).length } });
  }
  return {
    // Every label's score, so an ImageNet model's probability mass can be summed per CIFAR-10 class.
    callOptions: { top_k: cifarSet ? Object.keys(id2label).length : 1 },
    answers: (output, n) =>
      asList<Scored[] | Scored>(output, n).map((scores) => {
        const list = Array.isArray(scores) ? scores : [scores];
        return mapping ? (predictCifar10(list, mapping) ?? '') : (list[0]?.label ?? '');
      }),
    quality: (answers, refs) => {
      const hits = answers.filter((a, i) => labelMatches(a, refs[i])).length;
      return { primary: proportion('accuracy', hits, answers.length), others: [] };
    },
    perItem: (answers, refs) => answers.map((a, i) => (labelMatches(a, refs[i]) ? 1 : 0)),
  };
}

export function ocrRunner(): TaskRunner {
  return {
    callOptions: { max_new_tokens: 32 },
    answers: (output, n) =>
      asList<{ generated_text: string } | { generated_text: string }[]>(output, n).map((o) =>
        normaliseText(first(o)?.generated_text ?? ''),
      ),
    quality: (answers, refs) => {
      const hits = answers.filter((a, i) => a === normaliseText(refs[i])).length;
      const perItem = answers.map((a, i) => characterErrorRate([a], [normaliseText(refs[i])]));
      const cer = {
        metric: 'cer',
        value: characterErrorRate(answers, refs.map(normaliseText)),
        ...pick(meanInterval(perItem)),
        n: answers.length,
        higherIsBetter: false,
      };
      return { primary: proportion('exact-match', hits, answers.length), others: [cer] };
    },
    perItem: (answers, refs) => answers.map((a, i) => (a === normaliseText(refs[i]) ? 1 : 0)),
  };
}

const pick = ({ low, high }: { low: number; high: number }) => ({ low, high });

/**
 * Text to image: each image is written as a PNG into `imagesDir` as it is made (part of making
 * it); CLIP scores them against their prompts once the run is over.
 */
export function textToImageRunner(
  imagesDir: string,
  score: (images: GeneratedImage[]) => Promise<number[]>,
): TaskRunner {
  const made = new Map<string, GeneratedImage>();
  const never = () => {
    throw new Error('Text-to-image quality comes from finish().');
  };
  return {
    callOptions: {},
    answers: (output, n) => {
      mkdirSync(imagesDir, { recursive: true });
      return asList<GeneratedImage>(output, n).map((image) => {
        const file = join(imagesDir, `${image.seed}.png`);
        writeFileSync(file, encodePng(image.rgb, image.width, image.height));
        made.set(file, image);
        return file;
      });
    },
    quality: never,
    perItem: never,
    async finish(answers) {
      const images = answers.map((file) => made.get(file)!);
      const scores = await score(images);
      return {
        quality: { primary: { metric: 'clip-score', ...meanInterval(scores), higherIsBetter: true }, others: [] },
        perItem: scores,
        outputs: answers.map((file, i) => ({
          file,
          input: images[i]!.prompt,
          seed: images[i]!.seed,
          score: scores[i]!,
        })),
      };
    },
  };
}

export function summarizationRunner(maxNewTokens = DEFAULT_SUMMARY_TOKENS): TaskRunner {
  return {
    callOptions: { max_new_tokens: maxNewTokens },
    answers: (output, n) => asList<{ summary_text: string }>(output, n).map((o) => first(o)?.summary_text ?? ''),
    quality: (answers, refs) => {
      const r = rouge(answers, refs);
      const figure = (metric: string, m: typeof r.rouge1): QualityFigure => ({ metric, ...m, higherIsBetter: true });
      return { primary: figure('rougeL', r.rougeL), others: [figure('rouge1', r.rouge1), figure('rouge2', r.rouge2)] };
    },
    perItem: (answers, refs) => answers.map((a, i) => rougeL(a, refs[i]).f1),
  };
}

/** The instruction a short-answer prompt carries, in the user's turn (some chat templates refuse a system turn). */
export const SHORT_ANSWER_INSTRUCTION = 'Answer with only the answer: a number, a word or a short name.';

/** Tokens a short answer may take; the same for every model of a comparison. */
export const DEFAULT_MAX_NEW_TOKENS = 32;
/** Tokens a summary may take. */
export const DEFAULT_SUMMARY_TOKENS = 128;

/**
 * Tasks that make their answers a token at a time (a decoder-only model, or an encoder and a
 * decoder): one input at a time, metered in two phases, the first token (prefill; for a seq2seq
 * model the encoder's pass and the decoder's first step) and every later one (decode).
 */
export const generatesTokens = (task: Task) => task === 'text-generation' || task === 'summarization';

/** The most new tokens an answer may take, when the user gave none. */
export const defaultMaxNewTokens = (task: Task) =>
  task === 'summarization' ? DEFAULT_SUMMARY_TOKENS : DEFAULT_MAX_NEW_TOKENS;

/**
 * Text generation, greedy: a chat (the model's template) where the tokenizer has a chat template,
 * else `Question: ...\nAnswer:`. Scored on the answer's first line: normalised match (the primary
 * figure) and exact match.
 */
export function textGenerationRunner(chat: boolean, maxNewTokens = DEFAULT_MAX_NEW_TOKENS): TaskRunner {
  const text = (o: { generated_text: string | { role: string; content: string }[] }) => {
    const g = o.generated_text;
    return typeof g === 'string' ? g : (g.at(-1)?.content ?? '');
  };
  return {
    callOptions: { max_new_tokens: maxNewTokens, do_sample: false, return_full_text: false },
    input: (prompt) =>
      chat ? [{ role: 'user', content: `${prompt}\n${SHORT_ANSWER_INSTRUCTION}` }] : `Question: ${prompt}\nAnswer:`,
    answers: (output, n) =>
      asList<Parameters<typeof text>[0] | Parameters<typeof text>[0][]>(output, n).map((o) =>
        firstLine(text(first(o))),
      ),
    quality: (answers, refs) => {
      const norm = answers.filter((a, i) => normalisedAnswer(a, refs[i]!)).length;
      const exact = answers.filter((a, i) => exactAnswer(a, refs[i]!)).length;
      return {
        primary: proportion('normalised-match', norm, answers.length),
        others: [proportion('exact-match', exact, answers.length)],
      };
    },
    perItem: (answers, refs) => answers.map((a, i) => (normalisedAnswer(a, refs[i]!) ? 1 : 0)),
  };
}

export function taskRunner(
  task: Task,
  config: { id2label?: Record<string, string> },
  datasetName: string,
  generation: { chat: boolean; maxNewTokens?: number } = { chat: false },
): TaskRunner {
  if (task === 'text-generation') return textGenerationRunner(generation.chat, generation.maxNewTokens);
  if (task === 'image-classification') {
    if (!config.id2label) throw new Error("The model's config.json has no id2label: it is not an image classifier.");
    return classificationRunner(config.id2label, datasetName === 'cifar10');
  }
  if (task === 'text-to-image')
    throw new Error('Text-to-image needs textToImageRunner (an images folder and a CLIP scorer).');
  return task === 'image-to-text' ? ocrRunner() : summarizationRunner(generation.maxNewTokens);
}
