// dist/cliRun.js's stand-in for the commands other than `run` (esbuild.mjs puts it in their
// place in main.ts): the launcher (launch.ts) hands that bundle `run` only, so none of them is
// compiled or loaded when `carbonlens run` starts. Reaching it means the launcher chose wrong.
throw new Error('dist/cliRun.js holds the run command only: load dist/cliMain.js for the others.');
