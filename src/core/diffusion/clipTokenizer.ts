// Stable Diffusion's CLIP tokenizer. ONNX exports of SD ship either tokenizer.json (which
// transformers.js reads) or only the slow tokenizer's vocab.json and merges.txt: from those,
// this builds the same tokenizer.json the Hugging Face tokenizers library's CLIP converter makes
// (NFC, whitespace collapsed, lower case; CLIP's split pattern, byte-level BPE with "</w>" word
// ends; start and end tokens around the text).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CLIP_MAX_TOKENS = 77;

export function clipTokenizerJson(
  vocab: Record<string, number>,
  merges: string[],
  special = { bos: '<|startoftext|>', eos: '<|endoftext|>', unk: '<|endoftext|>' },
): Record<string, unknown> {
  const id = (t: string) => {
    const v = vocab[t];
    if (v === undefined) throw new Error(`The tokenizer's vocab.json has no ${t}.`);
    return v;
  };
  const added = [...new Set([special.bos, special.eos])].map((content) => ({
    id: id(content),
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: true,
    special: true,
  }));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFC' },
        { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
        { type: 'Lowercase' },
      ],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: { Regex: "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" },
          behavior: 'Removed',
          invert: true,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: 'RobertaProcessing',
      sep: [special.eos, id(special.eos)],
      cls: [special.bos, id(special.bos)],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: special.unk,
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}

/** tokenizer.json from the folder, or one built from vocab.json and merges.txt; with tokenizer_config.json. */
export function readClipTokenizer(dir: string): { json: Record<string, unknown>; config: Record<string, unknown> } {
  const config = existsSync(join(dir, 'tokenizer_config.json'))
    ? (JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>)
    : {};
  // Padding to 77 tokens needs a pad token: CLIP's own configs use the end token when they name none.
  const merged = {
    model_max_length: CLIP_MAX_TOKENS,
    pad_token: config.eos_token ?? '<|endoftext|>',
    ...config,
    tokenizer_class: 'CLIPTokenizer',
  };
  if (existsSync(join(dir, 'tokenizer.json')))
    return { json: JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')), config: merged };
  if (!existsSync(join(dir, 'vocab.json')) || !existsSync(join(dir, 'merges.txt')))
    throw new Error(`${dir} has neither tokenizer.json nor vocab.json and merges.txt.`);
  const vocab = JSON.parse(readFileSync(join(dir, 'vocab.json'), 'utf8')) as Record<string, number>;
  const merges = readFileSync(join(dir, 'merges.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#version'));
  const text = (v: unknown, fallback: string) =>
    typeof v === 'string'
      ? v
      : typeof (v as { content?: unknown })?.content === 'string'
        ? (v as { content: string }).content
        : fallback;
  const special = {
    bos: text(config.bos_token, '<|startoftext|>'),
    eos: text(config.eos_token, '<|endoftext|>'),
    unk: text(config.unk_token, '<|endoftext|>'),
  };
  return { json: clipTokenizerJson(vocab, merges, special), config: merged };
}
