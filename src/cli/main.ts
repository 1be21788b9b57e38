import { DatasetError } from '../core/bench/datasets/userSets';
import { DEVICES_HELP, runDevices } from './devices';
import { failureEvent, messageAndHint } from './failure';
import { closest, LookupError } from '../core/carbon/intensity';
import { HubError } from '../core/models/hub';
import { CUDA_PROVIDER_HELP, runCudaProvider } from './cudaProvider';
import { ESTIMATE_HELP, runEstimate } from './estimate';
import { FORECAST_HELP, runForecast } from './forecast';
import { INFO_HELP, runInfo } from './info';
import { MODEL_COMMANDS } from './modelCommands';
import { MONITOR_HELP, runMonitor } from './monitor';
import { REGIONS_HELP, runRegions } from './regions';
import { RUN_HELP, runRun } from './run';
import { runScan, SCAN_HELP } from './scan';
import { GpuSelectionError } from '../core/energy/gpuSelection';
import { joinNegativeValues, MAIN_HELP, UsageError } from './usage';

type Print = (text: string) => void;
type Command = { help: string; run: (args: string[], out: Print) => Promise<number> };

const COMMANDS: Record<string, Command> = {
  info: { help: INFO_HELP, run: runInfo },
  monitor: { help: MONITOR_HELP, run: runMonitor },
  estimate: { help: ESTIMATE_HELP, run: runEstimate },
  regions: { help: REGIONS_HELP, run: runRegions },
  forecast: { help: FORECAST_HELP, run: runForecast },
  ...MODEL_COMMANDS,
  run: { help: RUN_HELP, run: runRun },
  scan: { help: SCAN_HELP, run: runScan },
  'cuda-provider': { help: CUDA_PROVIDER_HELP, run: runCudaProvider },
  devices: { help: DEVICES_HELP, run: runDevices },
};
/** The --options a command's help lists. */
const optionNames = (help: string) => [...new Set(help.match(/--[a-z][\w-]*/g) ?? [])];

const stdout: Print = (t) => void process.stdout.write(`${t}\n`);
const stderr: Print = (t) => void process.stderr.write(`${t}\n`);

export async function main(argv: string[], out: Print = stdout, err: Print = stderr): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
      out(MAIN_HELP);
      return 0;
    }
    if (name === '-v' || name === '--version') {
      out(CARBONLENS_VERSION);
      return 0;
    }
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!command) throw new UsageError(`unknown command '${name}'.`);
    // `run`'s arguments after `--` are the command's: its --help is not ours.
    const ownArgs = name === 'run' && rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
    if (ownArgs.includes('-h') || ownArgs.includes('--help')) {
      out(command.help);
      return 0;
    }
    return await command.run(name === 'run' ? rest : joinNegativeValues(rest), out);
  } catch (e) {
    const failed = failure(e, name);
    // With --events, the parent gets the failure as a typed event before the line a person reads;
    // one from the message catalogue carries its reference, for the editor's own voice and controls.
    if (rest.includes('--events')) err(JSON.stringify(failureEvent(e, failed.message, failed.hint)));
    err(`carbonlens: ${failed.message}${failed.hint ? ` ${failed.hint}` : ''}`);
    return failed.code;
  }
}

/** What a failure says and its exit code: 2 for the command line, 130 cancelled, 1 otherwise. */
function failure(e: unknown, name: string | undefined): { message: string; hint?: string; code: number } {
  // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed options.
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (e instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) return usageFailure(e as Error, name);
  // Something named on the command line that does not exist: a place, a dataset, a model.
  if (
    e instanceof LookupError ||
    e instanceof GpuSelectionError ||
    e instanceof RangeError ||
    e instanceof DatasetError ||
    (e instanceof HubError && e.kind === 'not-found')
  )
    return { message: e.message, code: 2 };
  if ((e as Error).name === 'AbortError') return { message: (e as Error).message, code: 130 };
  return { ...messageAndHint(e), code: 1 };
}

/** A usage error, with the nearest command or option where one was mistyped, and where help is. */
function usageFailure(e: Error, name: string | undefined): { message: string; hint: string; code: number } {
  const command = name && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  let message = e.message.replace(/([^.?!])$/, '$1.');
  // "Unknown option '--smaples'.": the nearest option the command has.
  const unknown = /Unknown option '(--[\w-]+)'/.exec(message)?.[1];
  const near =
    unknown && command
      ? closest(
          unknown,
          optionNames(command.help).map((o) => [o, o]),
        )[0]
      : undefined;
  if (!command && name) {
    // A near miss, or the same letters swapped ("benhc").
    const letters = (w: string) => [...w].sort().join('');
    const cmd =
      closest(
        name,
        Object.keys(COMMANDS).map((c) => [c, c]),
      )[0] ?? Object.keys(COMMANDS).find((c) => letters(c) === letters(name));
    if (cmd) message += ` Did you mean '${cmd}'?`;
  }
  if (near) message += ` Did you mean ${near}?`;
  return { message, hint: `Run 'carbonlens ${command ? `${name} ` : ''}--help' for usage.`, code: 2 };
}
