// The CLI's cache folder, a module of its own: start.ts reads it before any command loads.
import * as os from 'node:os';
import * as path from 'node:path';

/** The CLI's cache folder: CARBONLENS_CACHE, else ~/.cache/carbonlens. */
export function cacheDir(env = process.env): string {
  return env.CARBONLENS_CACHE || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'carbonlens');
}
