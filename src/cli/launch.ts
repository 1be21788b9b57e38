// dist/cli.js, the `carbonlens` command: loads the commands' bundle, dist/cliMain.js (dist/cliRun.js
// for `run`), with V8's
// compiled code kept between runs, so that a command does not parse and compile the bundle again.
// Where Node has a compile cache of its own (`module.enableCompileCache`, Node 22.1+), that one
// (in the system's temporary folder); else our own, through vm.Script (codeCache.ts, in the CLI's
// cache folder). Either covers only what loads after it is on, hence this launcher of its own.
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import { CACHED_COMMANDS, requireWithCodeCache } from './codeCache';

const compileCache = (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache;
const command = (CACHED_COMMANDS as readonly string[]).includes(process.argv[2] ?? '') ? process.argv[2]! : 'other';
// `run` has a bundle of its own, dist/cliRun.js: half the code to read and compile.
const bundle = join(__dirname, command === 'run' ? 'cliRun.js' : 'cliMain.js');
if (compileCache) {
  compileCache();
  // A computed path: esbuild leaves it to Node, which loads the file beside this one.
  require(bundle);
} else if (process.env.CARBONLENS_CODE_CACHE === '0') require(bundle);
else requireWithCodeCache(bundle, command);
