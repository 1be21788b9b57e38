// The commands that run models: their code brings transformers.js, onnxruntime and sharp.
// dist/cliMain.js has modelCommandsDeferred.ts in this module's place (esbuild.mjs), so that the
// other commands start without compiling any of it; dist/cliBench.js, the whole CLI, has this.
import { BENCH_HELP, runBench } from './bench';
import { COMPARE_HELP, runCompare } from './compare';

export const MODEL_COMMANDS = {
  bench: { help: BENCH_HELP, run: runBench },
  compare: { help: COMPARE_HELP, run: runCompare },
};
