// What a scanner finds: a value, where it is (offsets of the value without its quotes, so a
// replacement keeps the quoting style), and the key or call it was given to.
import { modelRef, OLLAMA_NAME } from './catalogue';
import { parseCron } from './cron';

export interface Candidate {
  kind: 'model' | 'region' | 'schedule';
  value: string;
  /** Offsets into the text: [start, end) of the value itself. */
  start: number;
  end: number;
  /** The key, keyword or function it came from, for the message. */
  key: string;
  /**
   * Where code in the same file loads a model id (Python): each class or function given it,
   * directly or through a constant. Absent where the scanner cannot tell (configs).
   */
  uses?: ModelUse[];
  /** Other literals of the same id that load only its tokenizer or processor: a fix changes them too. */
  also?: { start: number; end: number }[];
  /** An Ollama model (`llama3.2:3b`, LiteLLM's `ollama/...`, a Modelfile's FROM): run by Ollama, not loaded by transformers. */
  ollama?: true;
}

/** One call that receives a model id. */
export interface ModelUse {
  /** The class or function: `AutoModelForCausalLM` (from `.from_pretrained`), `pipeline`, `SentenceTransformer`. */
  loader: string;
  /** A pipeline's task, where it is written as a literal. */
  task?: string;
  /** The call passes `revision=`: it pins a commit of this repository. */
  pinned?: boolean;
  /** The call names files of this repository (`subfolder=`, `gguf_file=`, `filename=`). */
  files?: boolean;
  /** Offset of the call in the text. */
  at: number;
}

/** Keys whose value names a cloud region or zone: region, location, zone and their variants. */
export function isRegionKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return (
    /(region|regions|location|locations|zone|zones)$/.test(k) || k === 'regionname' || k === 'cloudsdkcomputeregion'
  );
}

/** Keys whose value names a model: model, model_id, base_model, checkpoint, repo_id, ... */
export function isModelKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return /model/.test(k) || /(checkpoint|repoid|pretrained|modelnameorpath|teacher|student|encoder|decoder)$/.test(k);
}

/** A Hugging Face repository id: `name` or `owner/name` (letters, digits, -_.). */
export const HUB_ID = /^[A-Za-z0-9][\w.-]{0,95}(\/[A-Za-z0-9][\w.-]{0,95})?$/;

/**
 * Candidates for a key/value pair: a region under a region key, a hub id under a model key, and
 * a value that is exactly a catalogue model's `owner/name` id under any key (`model:` then
 * `name: org/model`, as SkyPilot and Hydra configs nest it). Prose never matches: the whole
 * value must be the id. Legacy short names (`gpt2`) count under model keys only: alone they are
 * too often a word.
 */
export function classify(key: string, value: string, start: number, end: number, out: Candidate[]): void {
  if (!value || value.length > 200) return;
  // GitHub Actions' `cron:` and a Kubernetes CronJob's `schedule:`: five cron fields.
  if (/^(cron|schedule)$/i.test(key) && parseCron(value)) {
    out.push({ kind: 'schedule', value, start, end, key });
    return;
  }
  const litellm = /^ollama(?:_chat)?\//.exec(value)?.[0];
  if (isRegionKey(key)) out.push({ kind: 'region', value, start, end, key });
  // LiteLLM's `ollama/llama3.2:3b` and `ollama_chat/...`: the Ollama name after the provider.
  else if (litellm && isModelKey(key) && isOllamaName(value.slice(litellm.length), true))
    out.push({
      kind: 'model',
      value: value.slice(litellm.length),
      start: start + litellm.length,
      end,
      key,
      ollama: true,
    });
  else if (isModelKey(key) && isOllamaName(value, /ollama/i.test(key)))
    out.push({ kind: 'model', value, start, end, key, ollama: true });
  else if (HUB_ID.test(value) && (isModelKey(key) || (value.includes('/') && modelRef(value))))
    out.push({ kind: 'model', value, start, end, key });
}

/** An Ollama model name: `name:tag` (no hub id has a colon), or a bare `name` where the context says Ollama. */
export function isOllamaName(value: string, bareToo: boolean): boolean {
  return OLLAMA_NAME.test(value) || (bareToo && /^[a-z0-9][\w.-]{0,79}(?:\/[a-z0-9][\w.-]{0,79})?$/i.test(value));
}
