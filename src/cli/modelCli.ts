// dist/cliBench.js: the whole CLI, bench and compare with transformers.js included. dist/cliMain.js
// (bin.ts) hands it an invocation of either, set-up and all (modelCommandsDeferred.ts).
export { main } from './main';
export { MODEL_COMMANDS } from './modelCommands';
export { start } from './start';
