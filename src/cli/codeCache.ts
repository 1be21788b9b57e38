// V8's code cache for the CLI's bundle where Node has no `module.enableCompileCache` (before
// 22.1; this project runs on 20): the bundle is compiled through vm.Script with the cached data
// of an earlier run, so that V8 deserialises its code rather than parsing and compiling 600 KB
// again; the data is written once per command (after it ran, so that it holds the functions that
// command compiled), and again whenever V8 refuses it (another Node, another bundle).
// It lives in the CLI's cache folder, which is the user's own (a code cache is trusted code).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAscii } from 'node:buffer';
import * as nodeModule from 'node:module';
import { basename, dirname, join } from 'node:path';
import * as vm from 'node:vm';
import { cacheDir } from './cacheDir';

/**
 * The commands with a code cache of their own (main.ts' COMMANDS, a test checks); anything else,
 * --help and typos included, shares one, so that no command line can add files to the folder.
 */
export const CACHED_COMMANDS = [
  'info',
  'monitor',
  'estimate',
  'regions',
  'forecast',
  'bench',
  'compare',
  'run',
  'scan',
  'cuda-provider',
  'llama',
  'devices',
] as const;

type Loader = typeof nodeModule & {
  wrap(source: string): string;
  _nodeModulePaths(from: string): string[];
  _cache: Record<string, nodeModule.Module>;
};

interface CacheFile {
  path: string;
  /** What the names of this bundle's and command's other cache files start with. */
  prefix: string;
}

/** The cache file for `file` run as `command`: a new name for every bundle, Node and command. */
function cacheFile(file: string, command: string): CacheFile {
  const { size, mtimeMs } = statSync(file);
  const prefix = `${basename(file, '.js')}-${command}-`.replace(/[^\w.-]/g, '_');
  const key = `${size}-${Math.trunc(mtimeMs)}-${process.version}-${process.arch}`.replace(/[^\w.-]/g, '_');
  return { path: join(cacheDir(), 'code-cache', `${prefix}${key}.bin`), prefix };
}

const readOrUndefined = (path: string): Buffer | undefined => {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
};

/** Writes the script's code cache, whole or not at all, in place of the command's older ones. */
function save(script: vm.Script, { path, prefix }: CacheFile): void {
  try {
    const dir = dirname(path);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
    renameSync(tmp, path);
    // The same command's cache for an older bundle or Node is not read again.
    for (const f of readdirSync(dir))
      if (f.startsWith(prefix) && f.endsWith('.bin') && f !== basename(path)) rmSync(join(dir, f), { force: true });
  } catch {
    // A read-only or full disk: the next run compiles the bundle, as it would without a cache.
  }
}

/** Loads `file` (a CommonJS bundle) as `require` would, with V8's code cache for `command`. */
export function requireWithCodeCache(file: string, command: string): void {
  const loader = nodeModule as Loader;
  const cache = cacheFile(file, command);
  const cachedData = readOrUndefined(cache.path);
  // esbuild writes ASCII: read as one-byte text, without decoding UTF-8 (the same string).
  const bytes = readFileSync(file);
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  // No dynamic import() in the bundle (esbuild.mjs turns cliMain's into require): on Node 20 a
  // script compiled from cached data loses its import() callback ("A dynamic import callback was
  // not specified"), and vm's main-context loader is experimental, with a warning on every run.
  const script = new vm.Script(loader.wrap(source), { filename: file, ...(cachedData && { cachedData }) });
  if (!cachedData || script.cachedDataRejected) process.once('exit', () => save(script, cache));
  const mod = new nodeModule.Module(file, module);
  mod.filename = file;
  mod.paths = loader._nodeModulePaths(dirname(file));
  loader._cache[file] = mod; // in require.cache, as `require` would put it
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(mod.exports, mod.exports, nodeModule.createRequire(file), mod, file, dirname(file));
  mod.loaded = true;
}
