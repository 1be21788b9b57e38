// transformers.js's image-to-text pipeline in two steps, as its _call runs them (transformers.js
// 4: src/pipelines/image-to-text.js): preparation (decoding and the processor) apart from the
// model's generate calls, so the harness prepares the next batch while this one runs. The
// answers are the pipeline's own: the same calls, in the same order, on the same inputs.
// (Summarization is metered one article at a time, as text generation: its tokenising is part
// of each article's first phase, and nothing is prepared ahead.)
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
