// The tasks CarbonLens benchmarks, the dtypes transformers.js knows, and which files of a
// repository a task needs at a dtype (transformers.js's layout: configs on top, graphs in onnx/).
import type { FileSelection } from './hub';

export const TASKS = ['image-classification', 'image-to-text', 'summarization'] as const;
export type Task = (typeof TASKS)[number];
export const isTask = (s: string): s is Task => (TASKS as readonly string[]).includes(s);

/** Big enough for an interval of about +-4 points on accuracy; summaries are slower per item. */
export const DEFAULT_SAMPLES: Record<Task, number> = { 'image-classification': 500, 'image-to-text': 300, summarization: 50 };

/** dtype -> file suffix, as transformers.js names its ONNX files. */
export const DTYPE_SUFFIX = { fp32: '', fp16: '_fp16', q8: '_quantized', int8: '_int8', uint8: '_uint8', q4: '_q4', q4f16: '_q4f16', bnb4: '_bnb4' } as const;
export type Dtype = keyof typeof DTYPE_SUFFIX;
export const DTYPES = Object.keys(DTYPE_SUFFIX) as Dtype[];
export const isDtype = (s: string): s is Dtype => s in DTYPE_SUFFIX;

const SESSIONS: Record<Task, string[]> = {
  'image-classification': ['model'],
  'image-to-text': ['encoder_model', 'decoder_model_merged'],
  summarization: ['encoder_model', 'decoder_model_merged'],
};

const CONFIGS: Record<Task, string[]> = {
  'image-classification': ['config.json', 'preprocessor_config.json'],
  'image-to-text': ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'],
  summarization: ['config.json', 'tokenizer.json', 'tokenizer_config.json'],
};
const OPTIONAL_CONFIGS = ['generation_config.json', 'special_tokens_map.json'];

const graphs = (task: Task, dtype: Dtype) => SESSIONS[task].map((s) => `onnx/${s}${DTYPE_SUFFIX[dtype]}.onnx`);

/** The files to fetch for a task at a dtype, external weight files (`.onnx_data*`) included. */
export function modelFiles(task: Task, dtype: Dtype, available: readonly string[]): FileSelection {
  const onnx = graphs(task, dtype);
  const external = available.filter((f) => onnx.some((g) => f.startsWith(`${g}_data`)));
  return { required: [...CONFIGS[task], ...onnx], optional: [...OPTIONAL_CONFIGS, ...external] };
}

/** The dtypes a repository (or folder) has every graph for. */
export function availableDtypes(task: Task, available: readonly string[]): Dtype[] {
  return DTYPES.filter((d) => graphs(task, d).every((g) => available.includes(g)));
}
