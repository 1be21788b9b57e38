// The messages that tell a person what to do, in two voices: the command line names flags and
// environment variables; the editor names its own settings and commands and renders each remedy
// as a control (a button that picks a folder, opens a setting or runs a command). An error that
// carries a MessageRef is shown in the voice of whoever shows it: its `message` is the CLI's, and
// `carbonlens bench --events` passes the reference to the editor, which renders its own.

/** What the editor offers beside the text. */
export type EditorControl =
  | { kind: 'command'; command: string; label: string }
  | { kind: 'setting'; setting: string; label: string }
  /** A folder or file of the user's in place of the model or the evaluation set that failed. */
  | { kind: 'pickFolder'; label: string; for: 'model' | 'dataset' }
  /** A file opened in the editor (a record file that cannot be appended to). */
  | { kind: 'open'; label: string; path: string }
  /** The same run again with one choice changed (`quant: undefined`: no quantisation asked, the file's own). */
  | { kind: 'retry'; label: string; set: RetryChoices }
  /** The same run again with a quantisation picked from `quants` (a hub repository's GGUF files). */
  | { kind: 'pickQuant'; label: string; quants: string[] };

/** What a retry changes: a benchmark's dtype, device, sample size or GGUF quantisation. */
export interface RetryChoices {
  dtype?: string;
  device?: string;
  samples?: number;
  quant?: string | undefined;
}

export interface Voices {
  /** What happened; the same in both voices (no flag, no setting). */
  detail: string;
  /** The remedy for a terminal. */
  cli: string;
  /** The remedy in the editor: its settings and commands by name, never a flag. */
  editor: string;
  controls: EditorControl[];
}

const TOKEN_COMMAND: EditorControl = {
  kind: 'command',
  command: 'carbonlens.setElectricityMapsToken',
  label: 'Set Electricity Maps Token',
};
const HUB_SETTING: EditorControl = { kind: 'setting', setting: 'carbonlens.hub.endpoint', label: 'Open Hub Setting' };
const HF_TOKEN_COMMAND: EditorControl = {
  kind: 'command',
  command: 'carbonlens.setHuggingFaceToken',
  label: 'Set Hugging Face Token',
};
const PICK_SET: EditorControl = { kind: 'pickFolder', label: 'Pick a Local Set', for: 'dataset' };
const PICK_MODEL: EditorControl = { kind: 'pickFolder', label: 'Pick a Model Folder', for: 'model' };
const NO_QUANT: EditorControl = { kind: 'retry', label: 'Run Again without a Quantisation', set: { quant: undefined } };

const CATALOGUE = {
  /** The hub cannot be reached (offline, a wrong mirror). */
  hubUnreachable: (p: { host: string; what: string; cause: string; dataset: boolean }): Voices => ({
    detail: `Cannot reach ${p.host} to fetch ${p.what} (${p.cause}).`,
    cli: `Check the network or HF_ENDPOINT, ${
      p.dataset
        ? 'or give a local evaluation set (--dataset: a folder with labels.csv, a .jsonl, a .txt of prompts)'
        : 'or work offline with a cached model or a local model folder'
    }.`,
    editor: `Check the network or the setting carbonlens.hub.endpoint, ${
      p.dataset
        ? 'or pick a local evaluation set (a folder with labels.csv, a .jsonl, a .txt of prompts)'
        : 'or pick a local model folder'
    }.`,
    controls: [p.dataset ? PICK_SET : PICK_MODEL, HUB_SETTING],
  }),
  /** The hub (or the mirror set) answered with something it must not: a listing that leaves the repository, a file larger than declared. */
  hubMisbehaved: (p: { problem: string }): Voices => ({
    detail: `${p.problem}.`,
    cli: 'Check HF_ENDPOINT and the mirror.',
    editor: 'Check the mirror in the setting carbonlens.hub.endpoint.',
    controls: [HUB_SETTING],
  }),
  /** The hub refused: a token it rejected, a private or gated repository without a token, conditions not accepted. */
  hubAccess: (p: {
    what: string;
    host: string;
    reason: 'token-rejected' | 'needs-token' | 'gated';
    /** Where the conditions are accepted (gated). */
    page?: string;
  }): Voices => {
    const detail = {
      'token-rejected': `${p.host} rejected the Hugging Face token for ${p.what}.`,
      'needs-token': `${p.what} was not found, or is private or gated.`,
      gated: `${p.what} is gated: its conditions must be accepted at ${p.page ?? p.host}.`,
    }[p.reason];
    return {
      detail,
      cli: {
        'token-rejected': "Check the token's access (HF_TOKEN).",
        'needs-token': 'Check the id, or set HF_TOKEN.',
        gated: 'Accept them with the account of HF_TOKEN.',
      }[p.reason],
      editor: {
        'token-rejected': "Check the token's access, or set another Hugging Face token.",
        'needs-token': 'Check the id, or set a Hugging Face token.',
        gated: 'Accept them with the account of the Hugging Face token set here.',
      }[p.reason],
      controls: [HF_TOKEN_COMMAND],
    };
  },
  /** An image classifier whose labels are not those of the default set. */
  labelsMismatch: (p: { labels: number }): Voices => ({
    detail: `The model's ${p.labels} labels are neither CIFAR-10's nor ImageNet-1k's, so it cannot be scored on CIFAR-10.`,
    cli: 'Use a folder of your images with labels.csv (--dataset PATH).',
    editor: 'Pick a folder of your images with labels.csv.',
    controls: [PICK_SET],
  }),
  /** More items asked for than a built-in set has. */
  tooManyItems: (p: { set: string; have: number; unit: string }): Voices => ({
    detail: `${p.set} has ${p.have} ${p.unit}.`,
    cli: `Ask for at most that many (--samples ${p.have}).`,
    editor: `Run it again on all ${p.have}.`,
    controls: [{ kind: 'retry', label: `Run Again on ${p.have}`, set: { samples: p.have } }],
  }),
  /** The record file (CodeCarbon's CSV) cannot take the run: other columns, a dangling link, not writable. */
  recordFile: (p: { path: string; problem: string }): Voices => ({
    detail: `${p.path} ${p.problem}: it was left as it is, and the run was not recorded.`,
    cli: 'Fix it, or write to another file with --out.',
    editor: 'Move it aside or fix it, then run again: a new history starts in its place.',
    controls: [{ kind: 'open', label: 'Open the File', path: p.path }],
  }),
  /** A CUDA 12 provider feed that is not a NuGet v3 feed. */
  cudaFeedBad: (p: { feed: string; why: string }): Voices => ({
    detail: `${p.feed} is not a NuGet v3 feed (${p.why}).`,
    cli: 'Check --feed.',
    editor: 'Check the setting carbonlens.cudaProvider.feed.',
    controls: [{ kind: 'setting', setting: 'carbonlens.cudaProvider.feed', label: 'Open Feed Setting' }],
  }),
  /** A model has weights, but not of the precision asked for. */
  weightsMissing: (p: { model: string; dtype: string; task: string; have: string[] }): Voices => ({
    detail: `${p.model} has no ${p.dtype} weights for ${p.task}: it has ${p.have.join(', ')}.`,
    cli: `Pass --dtype ${p.have[0]}.`,
    editor: `Run it again with ${p.have[0]} weights.`,
    controls: [{ kind: 'retry', label: `Run Again with ${p.have[0]}`, set: { dtype: p.have[0] } }],
  }),
  /** The device asked for could not run the model. */
  deviceFailed: (p: { device: string; tried: string }): Voices => ({
    detail: `The model did not run on ${p.device} (${p.tried}).`,
    cli: 'Try --device auto or --device cpu.',
    editor: 'Run it again on auto (the fastest device that works) or on the CPU.',
    controls: [
      { kind: 'retry', label: 'Run Again on auto', set: { device: 'auto' } },
      { kind: 'retry', label: 'Run Again on cpu', set: { device: 'cpu' } },
    ],
  }),
  /** No source publishes a forecast for the place. */
  noForecast: (p: { location: string }): Voices => ({
    detail: `No forecast for ${p.location}: the UK Carbon Intensity API covers Great Britain only, and Electricity Maps needs a token (forecasts depend on your plan).`,
    cli: 'Give a place in Great Britain (--country GB or --postcode), or set ELECTRICITYMAPS_TOKEN.',
    editor: 'Set the location to a place in Great Britain, or set an Electricity Maps token.',
    controls: [TOKEN_COMMAND, { kind: 'command', command: 'carbonlens.setLocation', label: 'Set Location' }],
  }),
  /** A GGUF model was asked for, but this copy of CarbonLens lacks llama.cpp (node-llama-cpp). */
  llamaMissing: (_p: Record<string, never>): Voices => ({
    detail:
      'GGUF models run through llama.cpp (node-llama-cpp), which this copy of CarbonLens does not have yet: the VSIX leaves it out for its size, and fetches it on demand, with your consent.',
    cli: 'Fetch it with `carbonlens llama install` (it asks first, and checks every package against pinned integrity hashes).',
    editor: 'Download llama.cpp (the build this machine can run), then run the benchmark again.',
    controls: [{ kind: 'command', command: 'carbonlens.installLlama', label: 'Download llama.cpp' }, PICK_MODEL],
  }),
  /** The thread count given to llama.cpp (in the environment) is not one. */
  llamaThreads: (p: { value: string }): Voices => ({
    detail: `llama.cpp's thread count is set to '${p.value}', which is not a whole number from 1 to 1024.`,
    cli: 'Set CARBONLENS_LLAMA_THREADS to one, or unset it (one thread per physical core).',
    editor:
      "It comes from the environment VS Code was started in: remove it there, or set carbonlens.llama.threads to a number, which the editor's runs use in its place.",
    controls: [{ kind: 'setting', setting: 'carbonlens.llama.threads', label: 'Open Threads Setting' }],
  }),
  /** A GGUF file or an Ollama model of another quantisation than the one asked for. */
  quantMismatch: (p: { model: string; is?: string; asked: string; ollama: boolean }): Voices => ({
    detail: `${p.model} is ${p.is ?? 'of no stated quantisation (no general.file_type)'}, not ${p.asked}.`,
    cli: `${p.ollama ? 'Pull the tag of that quantisation' : 'Give the file of that quantisation'}, or leave --quant out.`,
    editor: `Run it again on ${p.is ? `its own ${p.is}` : 'its own weights'}, or ${p.ollama ? 'pull the tag of that quantisation with Ollama' : 'give the file of that quantisation'}.`,
    controls: [{ kind: 'retry', label: `Run Again on ${p.is ?? 'Its Own Weights'}`, set: { quant: undefined } }],
  }),
  /** A hub repository of GGUF files, and no quantisation (or one it lacks) chosen of those it has. */
  quantChoice: (p: {
    repo: string;
    /** Its GGUF files' quantisations (a file's name where it states none). */
    have: string[];
    reason: 'several' | 'absent' | 'not-onnx';
    /** The one asked for (absent). */
    quant?: string;
  }): Voices => {
    const have = p.have.join(', ');
    // A file whose name states no quantisation cannot be chosen by one.
    const quants = p.have.filter((q) => /^[A-Z0-9_]+$/.test(q));
    return {
      detail: {
        several: `${p.repo} has GGUF files of ${have}.`,
        absent: `${p.repo} has no ${p.quant} GGUF file: it has ${have}.`,
        'not-onnx': `${p.repo} has GGUF files (${have}), not ONNX graphs.`,
      }[p.reason],
      cli: {
        several: 'Choose one with --quant.',
        absent: 'Choose one of them with --quant.',
        'not-onnx': 'Add --quant with one of them to run it through llama.cpp.',
      }[p.reason],
      editor: `Pick one of them${p.reason === 'not-onnx' ? ' to run it through llama.cpp' : ''}.`,
      controls: quants.length ? [{ kind: 'pickQuant', label: 'Pick a Quantisation', quants }] : [PICK_MODEL],
    };
  },
  /** A quantisation asked for a model that is not a GGUF one, or a GGUF model asked for another task. */
  quantNotApplicable: (p: { model: string; task?: string }): Voices => ({
    detail: p.task
      ? `${p.model}, with a quantisation given, is taken as a hub repository of GGUF files, which CarbonLens runs for text-generation only, not ${p.task}.`
      : `${p.model} is not a GGUF model (a .gguf file, ollama:NAME:TAG or a hub repository of GGUF files), so it has no quantisation to choose.`,
    cli: p.task ? 'Leave --quant out to run its ONNX graphs.' : 'Leave --quant out.',
    editor: `Run it again without a quantisation${p.task ? ', on its ONNX graphs' : ''}.`,
    controls: [NO_QUANT],
  }),
  /** An Ollama model that is not in Ollama's store. */
  ollamaMissing: (p: { model: string; dir: string; tags: string[] }): Voices => ({
    detail: `Ollama has no model ${p.model} in ${p.dir}${p.tags.length ? ` (tags here: ${p.tags.join(', ')})` : ''}.`,
    cli: `Run \`ollama pull ${p.model}\` first, or set OLLAMA_MODELS to the folder that holds its models.`,
    editor: `Pull it with Ollama first (\`ollama pull ${p.model}\` in a terminal), then run again. If Ollama keeps its models in another folder (its Linux service does), start VS Code with that folder in the environment: the log names the variable.`,
    controls: [
      { kind: 'command', command: 'workbench.action.terminal.new', label: 'Open Terminal' },
      { kind: 'retry', label: 'Run Again', set: {} },
    ],
  }),
} satisfies Record<string, (p: never) => Voices>;

export type MessageId = keyof typeof CATALOGUE;
export type MessageParams<K extends MessageId> = Parameters<(typeof CATALOGUE)[K]>[0];
/** A message by id and parameters: serialisable, so the CLI can pass it to the editor. */
export type MessageRef = { [K in MessageId]: { id: K; params: MessageParams<K> } }[MessageId];

export const MESSAGE_IDS = Object.keys(CATALOGUE) as MessageId[];

export function voices(ref: MessageRef): Voices {
  return (CATALOGUE[ref.id] as (p: MessageRef['params']) => Voices)(ref.params);
}

/** The whole sentence in one voice. */
export function messageText(ref: MessageRef, voice: 'cli' | 'editor'): string {
  const v = voices(ref);
  return `${v.detail} ${voice === 'cli' ? v.cli : v.editor}`;
}

/** A message that stands alone as a sentence: a capital first, a full stop last ("the UK API answered HTTP 503"). */
export const asSentence = (s: string) => {
  const t = s.trim();
  return t ? `${t[0]!.toUpperCase()}${t.slice(1)}${/[.!?)]$/.test(t) ? '' : '.'}` : t;
};

/** Whether a value is a MessageRef of this catalogue (it crossed a process boundary). */
export function isMessageRef(value: unknown): value is MessageRef {
  const v = value as { id?: unknown; params?: unknown } | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.id === 'string' &&
    Object.hasOwn(CATALOGUE, v.id) &&
    typeof v.params === 'object' &&
    v.params !== null
  );
}

/** Gives `error` the CLI voice of `ref` as its message and keeps the reference for the editor. */
export function withRemedy<E extends Error>(error: E, ref: MessageRef): E & { remedy: MessageRef } {
  error.message = messageText(ref, 'cli');
  return Object.assign(error, { remedy: ref });
}

/** The reference an error carries, if any. */
export const remedyOf = (e: unknown): MessageRef | undefined => {
  const r = (e as { remedy?: unknown } | null)?.remedy;
  return isMessageRef(r) ? r : undefined;
};

/** Parameters that exercise every entry, for the tests of both voices. */
export const MESSAGE_EXAMPLES: { [K in MessageId]: MessageParams<K>[] } = {
  hubUnreachable: [
    { host: 'huggingface.co', what: 'model google/vit-base-patch16-224', cause: 'ENOTFOUND', dataset: false },
    { host: 'huggingface.co', what: 'dataset uoft-cs/cifar10', cause: 'ENOTFOUND', dataset: true },
  ],
  hubMisbehaved: [{ problem: 'model.onnx of org/model is larger than the 10 bytes huggingface.co declared' }],
  hubAccess: [
    { what: 'org/model', host: 'huggingface.co', reason: 'token-rejected' },
    { what: 'org/model', host: 'huggingface.co', reason: 'needs-token' },
    { what: 'org/model', host: 'huggingface.co', reason: 'gated', page: 'https://huggingface.co/org/model' },
  ],
  labelsMismatch: [{ labels: 7 }],
  tooManyItems: [{ set: 'short-answers', have: 100, unit: 'questions' }],
  recordFile: [{ path: '/tmp/emissions.csv', problem: 'has other columns (12 instead of 33)' }],
  cudaFeedBad: [{ feed: 'https://example.com/feed', why: 'HTTP 404' }],
  weightsMissing: [{ model: './my-model', dtype: 'q4f16', task: 'text-generation', have: ['fp32'] }],
  deviceFailed: [{ device: 'webgpu', tried: 'webgpu: no adapter' }],
  noForecast: [{ location: 'France' }],
  llamaMissing: [{}],
  llamaThreads: [{ value: 'many' }],
  quantMismatch: [
    { model: './qwen-q8_0.gguf', is: 'Q8_0', asked: 'Q4_K_M', ollama: false },
    { model: 'ollama:llama3.2:3b', asked: 'Q4_K_M', ollama: true },
  ],
  quantChoice: [
    { repo: 'org/model-GGUF', have: ['Q4_K_M', 'Q8_0'], reason: 'several' },
    { repo: 'org/model-GGUF', have: ['Q4_K_M', 'weights.gguf'], reason: 'absent', quant: 'Q6_K' },
    { repo: 'org/model', have: ['Q4_K_M'], reason: 'not-onnx' },
    { repo: 'org/model', have: ['weights.gguf'], reason: 'not-onnx' },
  ],
  quantNotApplicable: [{ model: './my-model' }, { model: 'org/model', task: 'image-classification' }],
  ollamaMissing: [
    { model: 'llama3.2:3b', dir: '/home/me/.ollama/models', tags: [] },
    { model: 'llama3.2:3b', dir: '/home/me/.ollama/models', tags: ['1b'] },
  ],
};
