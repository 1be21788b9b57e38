// A language model reads at most its context (max_position_embeddings, or the tokenizer's
// model_max_length): a longer prompt is either refused by the model deep inside a run, blamed on
// the device, or cut by the tokenizer from the end, losing the chat template's assistant cue.
// Here prompts are fitted before the model loads: first bounded in characters (a 10 MB prompt
// never reaches the tokenizer), then cut in tokens so that prompt, template and the new tokens
// fit, with a warning naming the context and where it comes from.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../userError';

export interface ModelContext {
  tokens: number;
  /** Where the figure comes from, for messages: "max_position_embeddings in config.json". */
  from: string;
}

/** The longest a token can plausibly be, in characters: prompts are cut to context x this before tokenising. */
export const MAX_CHARS_PER_TOKEN = 32;

const CONFIG_KEYS = ['max_position_embeddings', 'n_positions', 'max_sequence_length', 'seq_length', 'n_ctx'];

/** Tokenizers without a limit state a huge sentinel (1e30): only a plausible figure counts. */
const PLAUSIBLE = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 10_000_000;

function readJson(file: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text.replace(/^\uFEFF/, ''));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch (e) {
    throw new ModelFileError(`${file} is not valid JSON (${(e as Error).message}): the model cannot be read.`);
  }
}

/** A model folder's file that cannot be read: the message names the file, never the device. */
export class ModelFileError extends UserError {
  constructor(message: string) {
    super(message, 'model-file');
  }
}

/** The smaller of the model's position limit (config.json) and the tokenizer's model_max_length. */
export function modelContext(folder: string): ModelContext | undefined {
  const candidates: ModelContext[] = [];
  const config = readJson(join(folder, 'config.json'));
  for (const c of [config, config?.text_config as Record<string, unknown> | undefined]) {
    const key = CONFIG_KEYS.find((k) => PLAUSIBLE(c?.[k]));
    if (key) {
      candidates.push({ tokens: c![key] as number, from: `${key} in config.json` });
      break;
    }
  }
  const tokenizer = readJson(join(folder, 'tokenizer_config.json'));
  if (PLAUSIBLE(tokenizer?.model_max_length))
    candidates.push({ tokens: tokenizer.model_max_length, from: 'model_max_length in tokenizer_config.json' });
  return candidates.sort((a, b) => a.tokens - b.tokens)[0];
}

export interface PromptTokenizer {
  /** Tokens of the text as the model gets it (template applied). */
  count(rendered: string): number;
  /** The prompt's own tokens, and the text of the first n of them. */
  encode(prompt: string): number[];
  decode(ids: number[]): string;
}

/**
 * Prompts cut to fit `context` with `maxNewTokens` new tokens, as `render` (the task's template)
 * makes them; with one warning for all that were cut. Throws when even an empty prompt does not
 * fit (the template and the new tokens alone fill the context).
 */
export function fitPrompts(
  prompts: readonly string[],
  context: ModelContext,
  maxNewTokens: number,
  render: (prompt: string) => string,
  tokenizer?: PromptTokenizer,
): { prompts: string[]; warnings: string[] } {
  const where = `the model's context of ${context.tokens.toLocaleString('en-US')} tokens (${context.from})`;
  if (maxNewTokens >= context.tokens)
    throw new RangeError(
      `Max new tokens (${maxNewTokens.toLocaleString('en-US')}) does not fit ${where}: give fewer, at most ${(context.tokens - 1).toLocaleString('en-US')} less the prompt.`,
    );
  const maxChars = context.tokens * MAX_CHARS_PER_TOKEN;
  let cut = 0;
  const fitted = prompts.map((prompt) => {
    let p = prompt.length > maxChars ? prompt.slice(0, maxChars) : prompt;
    if (tokenizer) {
      const total = tokenizer.count(render(p));
      if (total + maxNewTokens > context.tokens) {
        const ids = tokenizer.encode(p);
        const overhead = total - ids.length;
        const budget = context.tokens - maxNewTokens - overhead;
        if (budget < 1)
          throw new RangeError(
            `The prompt template and ${maxNewTokens} new tokens alone fill ${where}: give fewer new tokens.`,
          );
        // Decoding and encoding again may merge tokens differently: cut until it fits.
        for (let keep = budget; keep > 0; keep = Math.floor(keep * 0.9)) {
          p = tokenizer.decode(ids.slice(0, keep));
          if (tokenizer.count(render(p)) + maxNewTokens <= context.tokens) break;
        }
      }
    }
    if (p !== prompt) cut++;
    return p;
  });
  const warnings = cut
    ? [
        `${cut} prompt(s) were cut to fit ${where} with ${maxNewTokens} new tokens (the longest had ${prompts.reduce((m, p) => Math.max(m, p.length), 0).toLocaleString('en-US')} characters): their answers are to the cut prompt.`,
      ]
    : [];
  return { prompts: fitted, warnings };
}

/** Where a model states no context: prompts are still bounded before tokenising (a 10 MB prompt exhausts the heap). */
export const MAX_PROMPT_CHARS = 32_768;

/** Prompts cut to MAX_PROMPT_CHARS characters, with a warning, for a model that states no context. */
export function boundPrompts(prompts: readonly string[]): { prompts: string[]; warnings: string[] } {
  const cut = prompts.filter((p) => p.length > MAX_PROMPT_CHARS).length;
  return {
    prompts: prompts.map((p) => (p.length > MAX_PROMPT_CHARS ? p.slice(0, MAX_PROMPT_CHARS) : p)),
    warnings: cut
      ? [
          `${cut} prompt(s) were cut to ${MAX_PROMPT_CHARS.toLocaleString('en-US')} characters: the model states no context (no max_position_embeddings in config.json, no model_max_length), so they are bounded before tokenising.`,
        ]
      : [],
  };
}
