// dist/cliMain.js: every command but bench and compare, which run models. Their code, with
// transformers.js, is dist/cliBench.js (modelCli.ts), the whole CLI, which runs an invocation of
// either from the start; the other commands never compile it.
import { main } from './main';
import { isModelCommand, modelCli } from './modelCommandsDeferred';
import { start } from './start';

if (isModelCommand(process.argv[2])) {
  const cli = modelCli();
  cli.start(cli.main);
} else {
  start(main);
}
