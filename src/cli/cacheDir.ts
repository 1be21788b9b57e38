// The CLI's cache folder, a module of its own: start.ts reads it before any command loads.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The CLI's cache folder: CARBONLENS_CACHE, else ~/.cache/carbonlens. */
export function cacheDir(env = process.env): string {
  return env.CARBONLENS_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'carbonlens');
}
