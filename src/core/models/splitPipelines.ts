// transformers.js's image-to-text and summarization pipelines in two steps, as their _call
// runs them (transformers.js 4: src/pipelines/image-to-text.js, text2text-generation.js):
// preparation (decoding and the processor; prefixes and the tokenizer) apart from the model's
// generate calls, so the harness prepares the next batch while this one runs. The answers are
// the pipelines' own: the same calls, in the same order, on the same inputs.
import { decodedInputs } from './imageInput';
import type { TaskPipeline } from './runtime';

type Generate = (inputs: Record<string, unknown>) => Promise<unknown>;
interface Tokenizer {
  (texts: string[], options: Record<string, unknown>): Record<string, unknown>;
  batch_decode(ids: unknown, options: { skip_special_tokens: boolean }): string[];
}

export interface ImageToTextPipe {
  processor: (images: unknown[]) => Promise<{ pixel_values: Iterable<{ dims: number[] }> }>;
  model: { generate: Generate };
  tokenizer: Tokenizer;
  dispose(): Promise<void>;
}

export function imageToTextSplit(pipe: ImageToTextPipe): TaskPipeline {
  const prepare = async (inputs: unknown[]) => (await pipe.processor(await decodedInputs(inputs))).pixel_values;
  const infer = async (prepared: unknown, options: Record<string, unknown> = {}) => {
    const answers: { generated_text: string }[][] = [];
    for (const one of prepared as Iterable<{ dims: number[] }>) {
      one.dims = [1, ...one.dims];
      const output = await pipe.model.generate({ inputs: one, ...options });
      answers.push(
        pipe.tokenizer.batch_decode(output, { skip_special_tokens: true }).map((x) => ({ generated_text: x.trim() })),
      );
    }
    return answers;
  };
  return Object.assign(
    async (inputs: unknown[], options?: Record<string, unknown>) => infer(await prepare(inputs), options),
    {
      dispose: () => pipe.dispose(),
      preprocessing: "transformers.js's processor, apart from the model's generate calls",
      split: { prepare, infer },
    },
  );
}

export interface Text2TextPipe {
  task: string;
  model: {
    generate: Generate;
    config: { prefix?: string; task_specific_params?: Record<string, { prefix?: string }> };
  };
  tokenizer: Tokenizer;
  _key: string;
  _default_generation_config?: Record<string, unknown>;
  dispose(): Promise<void>;
}

export function text2textSplit(pipe: Text2TextPipe): TaskPipeline {
  const prepare = async (inputs: unknown[]) => {
    let texts = inputs as string[];
    const { prefix, task_specific_params } = pipe.model.config;
    if (prefix) texts = texts.map((x) => prefix + x);
    const taskPrefix = task_specific_params?.[pipe.task]?.prefix;
    if (taskPrefix) texts = texts.map((x) => taskPrefix + x);
    return pipe.tokenizer(texts, { padding: true, truncation: true });
  };
  const infer = async (prepared: unknown, options: Record<string, unknown> = {}) => {
    const ids = await pipe.model.generate({
      ...(prepared as Record<string, unknown>),
      ...pipe._default_generation_config,
      ...options,
    });
    return pipe.tokenizer.batch_decode(ids, { skip_special_tokens: true }).map((text) => ({ [pipe._key]: text }));
  };
  return Object.assign(
    async (inputs: unknown[], options?: Record<string, unknown>) => infer(await prepare(inputs), options),
    {
      dispose: () => pipe.dispose(),
      preprocessing: "transformers.js's tokenizer, apart from the model's generate calls",
      split: { prepare, infer },
    },
  );
}
