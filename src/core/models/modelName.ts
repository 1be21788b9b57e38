// What names a model: a local folder, a hub id, or for text generation a .gguf file or an Ollama
// name (ollama:NAME:TAG). The CLI resolves with these, and the editor's
// picker checks a typed name as it is typed and reads a folder's weights before asking for them.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { availableDtypes, type Dtype, type ModelKind } from './tasks';
import { OLLAMA_PREFIX, parseOllamaName } from './ollama';

/** "google/vit-base-patch16-224", or a bare name ("gpt2"). */
export const HUB_ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;

export const isFolder = (path: string) => existsSync(resolve(path)) && statSync(resolve(path)).isDirectory();

/** A hub repository named as a GGUF conversion (`Qwen/Qwen2.5-0.5B-Instruct-GGUF`, `bartowski/...-GGUF`). */
export const isGgufRepoName = (text: string) => HUB_ID.test(text.trim()) && /gguf/i.test(text.split('/').pop() ?? '');

/** A .gguf file or an Ollama name: a model llama.cpp runs, with weights of its own (no dtype to choose). */
export const isGgufName = (text: string) => text.startsWith(OLLAMA_PREFIX) || /\.gguf$/i.test(text.trim());

/** The folder's files and those one level down (onnx/, or Stable Diffusion's component folders). */
export function listFolder(folder: string): string[] {
  return readdirSync(folder).flatMap((f) =>
    statSync(join(folder, f)).isDirectory() ? readdirSync(join(folder, f)).map((g) => `${f}/${g}`) : [f],
  );
}

/** Why `text` names no model (neither a folder here nor a hub id); undefined when it can. */
export function modelNameProblem(text: string): string | undefined {
  const t = text.trim();
  if (!t) return 'Type a model id (organisation/name) or the path of a folder.';
  if (isFolder(t)) return undefined;
  if (t.startsWith(OLLAMA_PREFIX)) {
    try {
      parseOllamaName(t);
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (/\.gguf$/i.test(t)) return existsSync(resolve(t)) ? undefined : `No file ${t} on this machine.`;
  if (/[\\/]/.test(t) && (t.startsWith('/') || t.startsWith('.') || t.startsWith('~') || /^[A-Za-z]:/.test(t)))
    return `No folder ${t} on this machine.`;
  if (!HUB_ID.test(t))
    return `'${t}' is not a hub model id: letters, digits, '-', '_' and '.', as organisation/name (google/vit-base-patch16-224).`;
  if (/(^|\/)[.-]|[.-]{2}|[.-]$/.test(t))
    return `'${t}' is not a hub model id: no '--' or '..', no '-' or '.' at an end.`;
  return undefined;
}

/** The weights (dtypes) a local folder has for a task; undefined when `path` is no folder. */
export function folderDtypes(path: string, task: ModelKind): Dtype[] | undefined {
  if (!isFolder(path)) return undefined;
  return availableDtypes(task, listFolder(resolve(path)));
}
