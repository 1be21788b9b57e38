// What works without the hub: whether it answers now (asked briefly when Run Benchmark opens),
// and the models and sets already in the download cache, which run without it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST } from './hub';
import { availableDtypes, type ModelKind } from './tasks';

/** Undefined when the hub answers (any HTTP status) within `timeoutMs`; else why not, in a few words. */
export async function hubUnreachable(endpoint: string, fetchFn = fetch, timeoutMs = 3000): Promise<string | undefined> {
  const url = endpoint.replace(/\/+$/, '') || 'https://huggingface.co';
  try {
    const res = await fetchFn(`${url}/api/models?limit=1`, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) });
    void res.body?.cancel();
    return undefined;
  } catch (e) {
    const err = e as { name?: string; cause?: { code?: string; message?: string }; message?: string };
    const host = (() => {
      try {
        return new URL(url).host;
      } catch {
        return url;
      }
    })();
    if (err.name === 'TimeoutError' || err.name === 'AbortError')
      return `${host} did not answer within ${timeoutMs / 1000} s`;
    return `${host} cannot be reached (${err.cause?.code || err.cause?.message || err.message || 'no answer'})`;
  }
}

/** The files a cached repository holds, from its manifest; undefined when it is not cached. */
function cachedFiles(folder: string): string[] | undefined {
  try {
    return Object.keys((JSON.parse(readFileSync(join(folder, MANIFEST), 'utf8')) as { files: object }).files);
  } catch {
    return undefined;
  }
}

/** The weights a downloaded model has for a task (undefined: not in the cache). */
export function cachedDtypes(cacheDir: string, task: ModelKind, id: string) {
  const files = cachedFiles(join(cacheDir, 'models', ...id.split('/')));
  return files && availableDtypes(task, files);
}

/** Hub model ids in the cache (`<cacheDir>/models/<org>/<name>`) with the graphs a task needs. */
export function cachedModels(cacheDir: string, task: ModelKind): string[] {
  const root = join(cacheDir, 'models');
  if (!existsSync(root)) return [];
  const ids: string[] = [];
  const consider = (id: string) => {
    const files = cachedFiles(join(root, ...id.split('/')));
    if (files && availableDtypes(task, files).length > 0) ids.push(id);
  };
  for (const org of readdirSync(root, { withFileTypes: true })) {
    if (!org.isDirectory()) continue;
    if (existsSync(join(root, org.name, MANIFEST))) consider(org.name);
    for (const name of readdirSync(join(root, org.name), { withFileTypes: true }))
      if (name.isDirectory()) consider(`${org.name}/${name.name}`);
  }
  return ids.sort();
}

/** Whether a hub dataset (`uoft-cs/cifar10`) is in the cache. */
export const datasetCached = (cacheDir: string, id: string) =>
  cachedFiles(join(cacheDir, 'datasets', ...id.split('/'))) !== undefined;
