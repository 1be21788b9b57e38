// The tasks CarbonLens benchmarks, the dtypes transformers.js knows, and which files of a
// repository a task needs at a dtype: transformers.js's layout (configs on top, graphs in onnx/),
// or for text-to-image the component folders of Stable Diffusion's ONNX exports.
import type { FileSelection } from './hub';

export const TASKS = [
  'image-classification',
  'image-to-text',
  'summarization',
  'text-to-image',
  'text-generation',
] as const;
export type Task = (typeof TASKS)[number];
export const isTask = (s: string): s is Task => (TASKS as readonly string[]).includes(s);

/** Big enough for an interval of about +-4 points on accuracy; summaries are slower per item. */
export const DEFAULT_SAMPLES: Record<Task, number> = {
  'image-classification': 500,
  'image-to-text': 300,
  summarization: 50,
  'text-to-image': 20,
  // 100 short answers: an interval of about +-10 points, a few minutes for a 1 B model on a laptop GPU.
  'text-generation': 100,
};
/** What a repository is fetched for: a task, or the CLIP model that scores text-to-image. */
export type ModelKind = Task | 'clip';

/** dtype -> file suffix, as transformers.js names its ONNX files. */
export const DTYPE_SUFFIX = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
} as const;
export type Dtype = keyof typeof DTYPE_SUFFIX;
export const DTYPES = Object.keys(DTYPE_SUFFIX) as Dtype[];
export const isDtype = (s: string): s is Dtype => s in DTYPE_SUFFIX;

const SESSIONS: Record<Exclude<ModelKind, 'text-to-image'>, string[]> = {
  'image-classification': ['model'],
  'image-to-text': ['encoder_model', 'decoder_model_merged'],
  summarization: ['encoder_model', 'decoder_model_merged'],
  // Decoder-only language models: one graph with past key values in and present ones out.
  'text-generation': ['model'],
  clip: ['text_model', 'vision_model'],
};

const CONFIGS: Record<ModelKind, string[]> = {
  'image-classification': ['config.json', 'preprocessor_config.json'],
  'image-to-text': ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'],
  summarization: ['config.json', 'tokenizer.json', 'tokenizer_config.json'],
  'text-generation': ['config.json', 'tokenizer.json', 'tokenizer_config.json'],
  clip: ['config.json', 'preprocessor_config.json', 'tokenizer_config.json'],
  'text-to-image': ['model_index.json', 'scheduler/scheduler_config.json'],
};
const OPTIONAL_CONFIGS = ['generation_config.json', 'special_tokens_map.json'];
/** Stable Diffusion's components as ONNX exports lay them out (Optimum, and the hub's ONNX repositories). */
const SD_GRAPHS = ['text_encoder/model.onnx', 'unet/model.onnx', 'vae_decoder/model.onnx'];
const SD_OPTIONAL = [
  'tokenizer/tokenizer_config.json',
  'tokenizer/special_tokens_map.json',
  'vae_decoder/config.json',
  'unet/config.json',
  'text_encoder/config.json',
];

const graphs = (kind: ModelKind, dtype: Dtype) =>
  kind === 'text-to-image'
    ? dtype === 'fp32'
      ? SD_GRAPHS
      : SD_GRAPHS.map((g) => g.replace('.onnx', `${DTYPE_SUFFIX[dtype]}.onnx`))
    : SESSIONS[kind].map((s) => `onnx/${s}${DTYPE_SUFFIX[dtype]}.onnx`);

/** `file` is one of `graph`'s external data files as transformers.js names them: exactly `X.onnx_data` or `X.onnx_data_N`. */
const isExternalData = (file: string, graph: string) =>
  file === `${graph}_data` || (file.startsWith(`${graph}_data_`) && /^\d+$/.test(file.slice(graph.length + 6)));

/** The files to fetch for a task at a dtype, external weight files (`.onnx_data*`, `weights.pb`) included. */
export function modelFiles(kind: ModelKind, dtype: Dtype, available: readonly string[]): FileSelection {
  const onnx = graphs(kind, dtype);
  if (kind === 'text-to-image') {
    // tokenizer.json where the export has one, else the slow tokenizer's files (read by clipTokenizer).
    const tokenizer =
      available.includes('tokenizer/tokenizer.json') || !available.includes('tokenizer/vocab.json')
        ? ['tokenizer/tokenizer.json']
        : ['tokenizer/vocab.json', 'tokenizer/merges.txt'];
    const external = available.filter((f) =>
      onnx.some((g) => isExternalData(f, g) || f === g.replace(/model[^/]*\.onnx$/, 'weights.pb')),
    );
    return { required: [...CONFIGS[kind], ...tokenizer, ...onnx], optional: [...SD_OPTIONAL, ...external] };
  }
  const external = available.filter((f) => onnx.some((g) => isExternalData(f, g)));
  const tokenizer =
    kind === 'clip'
      ? available.includes('tokenizer.json') || !available.includes('vocab.json')
        ? ['tokenizer.json']
        : ['vocab.json', 'merges.txt']
      : [];
  return { required: [...CONFIGS[kind], ...tokenizer, ...onnx], optional: [...OPTIONAL_CONFIGS, ...external] };
}

/** The dtypes a repository (or folder) has every graph for. */
export function availableDtypes(kind: ModelKind, available: readonly string[]): Dtype[] {
  return DTYPES.filter((d) => graphs(kind, d).every((g) => available.includes(g)));
}
