// The command line's dispatcher. Each command's module loads when that command runs (a dynamic
// import, which esbuild keeps lazy inside the bundle), so that `carbonlens run` evaluates none of
// the advisor's catalogue, the benchmarks' options or the other commands' data; failures are
// described by failure.ts, also loaded only when something failed.
import { MODEL_COMMANDS } from './modelCommands';
import { type Print, stderr, stdout } from './output';
import { joinNegativeValues, MAIN_HELP, UsageError } from './usage';

export type Command = { help: string; run: (args: string[], out: Print) => Promise<number> };

/** Each command by name: its help and its entry point, loaded on first use. */
export const COMMANDS: Record<string, () => Promise<Command>> = {
  info: async () => {
    const m = await import('./info');
    return { help: m.INFO_HELP, run: m.runInfo };
  },
  monitor: async () => {
    const m = await import('./monitor');
    return { help: m.MONITOR_HELP, run: m.runMonitor };
  },
  estimate: async () => {
    const m = await import('./estimate');
    return { help: m.ESTIMATE_HELP, run: m.runEstimate };
  },
  regions: async () => {
    const m = await import('./regions');
    return { help: m.REGIONS_HELP, run: m.runRegions };
  },
  forecast: async () => {
    const m = await import('./forecast');
    return { help: m.FORECAST_HELP, run: m.runForecast };
  },
  bench: async () => MODEL_COMMANDS.bench,
  compare: async () => MODEL_COMMANDS.compare,
  run: async () => {
    const m = await import('./run');
    return { help: m.RUN_HELP, run: m.runRun };
  },
  scan: async () => {
    const m = await import('./scan');
    return { help: m.SCAN_HELP, run: m.runScan };
  },
  'cuda-provider': async () => {
    const m = await import('./cudaProvider');
    return { help: m.CUDA_PROVIDER_HELP, run: m.runCudaProvider };
  },
  llama: async () => {
    const m = await import('./llama');
    return { help: m.LLAMA_HELP, run: m.runLlama };
  },
  devices: async () => {
    const m = await import('./devices');
    return { help: m.DEVICES_HELP, run: m.runDevices };
  },
};

export async function main(argv: string[], out: Print = stdout, err: Print = stderr): Promise<number> {
  const [name, ...rest] = argv;
  let command: Command | undefined;
  try {
    if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
      out(MAIN_HELP);
      return 0;
    }
    if (name === '-v' || name === '--version') {
      out(CARBONLENS_VERSION);
      return 0;
    }
    command = Object.hasOwn(COMMANDS, name) ? await COMMANDS[name]!() : undefined;
    if (!command) throw new UsageError(`unknown command '${name}'.`);
    // `run`'s arguments after `--` are the command's: its --help is not ours.
    const ownArgs = name === 'run' && rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
    if (ownArgs.includes('-h') || ownArgs.includes('--help')) {
      out(command.help);
      return 0;
    }
    return await command.run(name === 'run' ? rest : joinNegativeValues(rest), out);
  } catch (e) {
    const { failure, failureEvent } = await import('./failure');
    const failed = failure(e, name, command, Object.keys(COMMANDS));
    // With --events, the parent gets the failure as a typed event before the line a person reads;
    // one from the message catalogue carries its reference, for the editor's own voice and controls.
    if (rest.includes('--events')) err(JSON.stringify(failureEvent(e, failed.message, failed.hint)));
    err(`carbonlens: ${failed.message}${failed.hint ? ` ${failed.hint}` : ''}`);
    return failed.code;
  }
}
