// dist/cliMain.js's stand-in for modelCommands.ts (esbuild.mjs puts it there): bench and compare
// are in dist/cliBench.js, the whole CLI with transformers.js, loaded only when one of them runs.
import { join } from 'node:path';
import type * as ModelCli from './modelCli';

let loaded: typeof ModelCli | undefined;

/** dist/cliBench.js, beside this bundle: a computed path, so that esbuild leaves it to Node. */
export const modelCli = (): typeof ModelCli => (loaded ??= require(join(__dirname, 'cliBench.js')));

export const isModelCommand = (name: string | undefined): name is 'bench' | 'compare' =>
  name === 'bench' || name === 'compare';

// bin.ts hands these commands to dist/cliBench.js before main runs; should main meet one, that
// bundle's main runs it whole, so that its errors meet its own classes.
const deferred = (name: 'bench' | 'compare') => ({
  get help() {
    return modelCli().MODEL_COMMANDS[name].help;
  },
  run: (args: string[], out: (text: string) => void) => modelCli().main([name, ...args], out),
});

export const MODEL_COMMANDS = { bench: deferred('bench'), compare: deferred('compare') };
