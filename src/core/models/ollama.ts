// An Ollama model by name (`ollama:llama3.2:3b`), found in Ollama's own store on disk: the
// manifest names the model's layers, and the one of type "image.model" is a GGUF file among the
// blobs. No Ollama server is asked, and nothing is copied.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ModelFileError } from '../bench/promptFit';
import { withRemedy } from '../messages';

export const OLLAMA_PREFIX = 'ollama:';
const MODEL_LAYER = 'application/vnd.ollama.image.model';
const DEFAULT_REGISTRY = 'registry.ollama.ai';

export interface OllamaName {
  /** registry.ollama.ai, or the host of a model pulled from elsewhere. */
  host: string;
  /** library for Ollama's own models, else the user's namespace. */
  namespace: string;
  model: string;
  tag: string;
}

/** What Ollama calls a model: `[host/][namespace/]model[:tag]`, the tag `latest` when absent. */
const NAME = /^(?:([\w.-]+\.[\w.-]+(?::\d+)?)\/)?(?:([\w.-]+)\/)?([\w.-]+)(?::([\w.-]+))?$/;

export const isOllamaId = (id: string) => id.startsWith(OLLAMA_PREFIX);

export function parseOllamaName(id: string): OllamaName {
  const text = id.startsWith(OLLAMA_PREFIX) ? id.slice(OLLAMA_PREFIX.length) : id;
  const m = NAME.exec(text.trim());
  // No part may climb out of the store (`..`) or be hidden (`.x`): each names a folder there.
  if (!m || [m[2], m[3], m[4]].some((part) => part !== undefined && (part.startsWith('.') || part.includes('..'))))
    throw new ModelFileError(
      `'${id}' is not an Ollama model name: ollama:NAME or ollama:NAME:TAG, as \`ollama list\` shows them (ollama:llama3.2:3b).`,
    );
  return { host: m[1] ?? DEFAULT_REGISTRY, namespace: m[2] ?? 'library', model: m[3]!, tag: m[4] ?? 'latest' };
}

/** Ollama's store: OLLAMA_MODELS where set, else ~/.ollama/models. */
export function ollamaModelsDir(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  return env.OLLAMA_MODELS?.trim() || join(home, '.ollama', 'models');
}

export interface OllamaModel {
  /** As the user named it, with its tag: ollama:llama3.2:3b. */
  id: string;
  /** The GGUF blob. */
  file: string;
  manifest: string;
  /** The blob's sha256 digest (its name in the store). */
  digest: string;
}

/** The model's GGUF blob in the store, or an error saying what is missing and how to get it. */
export function resolveOllama(id: string, dir = ollamaModelsDir()): OllamaModel {
  const name = parseOllamaName(id);
  const short = `${name.namespace === 'library' ? '' : `${name.namespace}/`}${name.model}:${name.tag}`;
  const manifest = join(dir, 'manifests', name.host, name.namespace, name.model, name.tag);
  if (!existsSync(manifest)) {
    const tags = join(dir, 'manifests', name.host, name.namespace, name.model);
    throw withRemedy(new ModelFileError(''), {
      id: 'ollamaMissing',
      params: { model: short, dir, tags: existsSync(tags) ? listTags(tags) : [] },
    });
  }
  let layers: { mediaType?: unknown; digest?: unknown }[];
  try {
    const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { layers?: unknown };
    if (!Array.isArray(parsed.layers)) throw new Error('no layers');
    layers = parsed.layers;
  } catch (e) {
    throw new ModelFileError(
      `Ollama's manifest for ${short} (${manifest}) cannot be read (${(e as Error).message}): \`ollama pull ${short}\` again.`,
    );
  }
  const layer = layers.find((l) => l?.mediaType === MODEL_LAYER);
  if (!layer || typeof layer.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(layer.digest))
    throw new ModelFileError(
      `Ollama's manifest for ${short} names no model weights (a layer of type ${MODEL_LAYER} with a sha256 digest): \`ollama pull ${short}\` again.`,
    );
  const hex = layer.digest.slice('sha256:'.length);
  // Ollama names blobs sha256-<hex>; its older releases wrote sha256:<hex>.
  const file = [`sha256-${hex}`, `sha256:${hex}`].map((f) => join(dir, 'blobs', f)).find((f) => existsSync(f));
  if (!file || !statSync(file).isFile())
    throw new ModelFileError(
      `The weights of Ollama's ${short} (blob sha256-${hex.slice(0, 12)}…) are missing from ${join(dir, 'blobs')}: \`ollama pull ${short}\` again.`,
    );
  return { id: `${OLLAMA_PREFIX}${short}`, file, manifest, digest: layer.digest };
}

function listTags(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}
