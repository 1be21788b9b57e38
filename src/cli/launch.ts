// dist/cli.js, the `carbonlens` command: turns on V8's compile cache (Node 22.1+, where present),
// then loads the commands' bundle, dist/cliMain.js. The cache keeps the bundles' compiled code
// between runs (in the system's temporary folder), so a command does not compile them again; it
// covers only what loads after it is on, hence this launcher of its own.
import * as nodeModule from 'node:module';
import { join } from 'node:path';

(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
// A computed path: esbuild leaves it to Node, which loads the file beside this one.
require(join(__dirname, 'cliMain.js'));
