// `carbonlens run -- CMD ARGS...`: runs a command as `time` does and meters it. An idle baseline
// first, then the command's window with counters read at both edges; the record is the one a run
// from the editor gets (carbonlens.run/1, origin cli), in emissions.csv and the JSONL. The
// command keeps stdin, stdout and stderr; its exit code is ours; budgets turn an energy
// regression into a failing CI step.
import { spawn } from 'node:child_process';
import {
  constants as osConstants,
  cpus as osCpus,
  freemem,
  release as osRelease,
  totalmem,
  type as osType,
} from 'node:os';
import { parseArgs } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { appendRecord, RUNS_FILE } from '../core/bench/report';
import { basisLabel, trackedHeadline } from '../core/carbon/basis';
import { fetchForecast } from '../core/carbon/forecast';
import { resolveIntensity, type IntensityFigure } from '../core/carbon/intensity';
import { cleanestWindow, noWindowReason, parseDuration, type CleanWindow } from '../core/carbon/window';
import { cpuTimesReader } from '../core/energy/cpuEstimate';
import { meteringText } from '../core/energy/gpuText';
import { Meter, type IdleBaseline } from '../core/energy/meter';
import { openEnergySources } from '../core/energy/openSources';
import type { OpenedSources } from '../core/energy/source';
import { becomeSubreaper, childrenOf, isRunning, processTree } from '../core/reaper';
import { superviseCommand, type Supervisor } from '../core/runSupervisor';
import { ProcessSetTracker, reapedChildTicks } from '../core/tracking/attribution';
import { executableName, trackedRecord, type TrackedRecord } from '../core/tracking/trackedRecord';
import { gramsText, intensityText, joulesText } from '../core/units';
import { checkOut, ramModelOption } from './benchOptions';
import { datasetOption, forecastCacheFromEnv, liveOptionsFromEnv, PLACE_OPTIONS, placeQuery } from './carbonOptions';
import { forecastTargetFrom, windowSentence } from './forecast';
import { GPU_HELP, gpuOption } from './gpuOptions';
import { startTelemetry, TELEMETRY_HELP, TELEMETRY_OPTIONS, telemetryNote, telemetryOptions } from './telemetryOptions';
import { numberOption, RANGES, UsageError } from './usage';
import { randomUuid } from '../core/randomUuid';
// What a record says of its OTLP push (issue 37).

export const RUN_HELP = `Usage: carbonlens run [options] -- COMMAND [ARGS...]

Runs COMMAND as \`time\` does and meters it: an idle baseline first (the machine's power before
the command, subtracted for "above idle"), then the command's window, with energy counters read
at both edges where the machine has them. The command keeps stdin, stdout and stderr; SIGINT and
SIGTERM reach it; carbonlens exits with its exit code. Processes the command leaves running are
ended when it exits (Linux). The run is appended to --out as a CodeCarbon row and a
carbonlens.run/1 record, and summed up in one line on stderr.

  --idle-ms N          idle baseline before the command, ms (default 2000; 0: none)
  --out FILE.csv       CodeCarbon-format CSV to append to (default ./emissions.csv); the record
                       also goes to carbonlens-runs.jsonl beside it
  --region R, --location L, --country C, --intensity G, --place P
                       where the electricity comes from, for gCO2e
  --intensity-dataset  latest (default), codecarbon or gcp-2021
  --pue P              power usage effectiveness, >= 1 (default 1.0)
  --budget-j N         exit with code 3 when the command used more than N joules (and succeeded)
  --budget-g N         exit with code 3 when it emitted more than N gCO2e (needs a place)
  --label TEXT         what the run is called in the record (default: the executable's name;
                       arguments are never stored, they can hold secrets)
  --interval-ms N      sampling interval in ms (default 1000)
${GPU_HELP}
  --ram-model M        RAM power without a DRAM counter: dimm (default) or per-gb
  --attribution A      process (default on Linux): the command's own share of the energy, from
                       its processes' CPU time, GPU utilisation (NVML) and memory, kept beside the
                       machine's figures and written to the CSV (tracking_mode process); machine:
                       the machine's figures only
  --json               the record as JSON on stderr instead of the summary line
  --when-clean         wait for the cleanest window first: the one of --duration (default 1h)
                       starting within --within of now (default 8h), from the forecast for the place
                       (see 'carbonlens forecast'); --postcode for a GB region. Without a
                       forecast it says why and runs now
${TELEMETRY_HELP}

Exit codes: the command's own; 3 over a budget; 126 not executable; 127 not found; 128+N killed
by signal N; 2 a wrong carbonlens option.
`;

const RUN_OPTIONS = {
  'idle-ms': { type: 'string' },
  out: { type: 'string' },
  ...PLACE_OPTIONS,
  'intensity-dataset': { type: 'string' },
  pue: { type: 'string' },
  'budget-j': { type: 'string' },
  'budget-g': { type: 'string' },
  label: { type: 'string' },
  'interval-ms': { type: 'string' },
  'ram-model': { type: 'string' },
  gpu: { type: 'string' },
  json: { type: 'boolean' },
  ...TELEMETRY_OPTIONS,
  'when-clean': { type: 'boolean' },
  attribution: { type: 'string' },
  duration: { type: 'string' },
  within: { type: 'string' },
  postcode: { type: 'string' },
} as const;

/** --when-clean: sleeps until the cleanest window opens (Ctrl-C ends the wait), saying when and why. */
async function waitForCleanWindow(values: Record<string, string | boolean | string[] | undefined>): Promise<void> {
  const durationMs = parseDuration(String(values.duration ?? '1h'));
  const withinMs = parseDuration(String(values.within ?? '8h'));
  if (!durationMs || !withinMs) throw new UsageError('--duration and --within take lengths like 2h or 30m.');
  let window: CleanWindow | undefined;
  let source = '';
  const now = Date.now();
  try {
    const forecast = await fetchForecast(forecastTargetFrom(values as Record<string, string | boolean | undefined>), {
      ...liveOptionsFromEnv(),
      now,
      forecastCache: forecastCacheFromEnv(),
    });
    window = cleanestWindow(forecast.slots, durationMs, withinMs, now);
    source = `${forecast.source}, issued ${forecast.issuedAt.slice(0, 16).replace('T', ' ')} UTC`;
    for (const note of forecast.notes ?? []) process.stderr.write(`carbonlens: ${note}\n`);
    if (!window) {
      const why = noWindowReason(forecast.slots, durationMs, withinMs, now);
      process.stderr.write(
        `carbonlens: no clean window within ${values.within ?? '8h'} (${why} ${source}); running now.\n`,
      );
      return;
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    process.stderr.write(`carbonlens: no forecast (${(e as Error).message}); running now.\n`);
    return;
  }
  if (window.start <= now + 60_000) {
    process.stderr.write(`carbonlens: now is the cleanest time to start (${source}).\n`);
    return;
  }
  const opensAt = window.start;
  await new Promise<void>((resolve, reject) => {
    // setTimeout fires at once past 2^31 - 1 ms (24.8 days): a long wait is a chain of shorter ones.
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      const left = opensAt - Date.now();
      if (left <= 0) settle(resolve);
      else timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    };
    const stop = () =>
      settle(() =>
        reject(Object.assign(new Error('The wait was cancelled: the command did not run.'), { name: 'AbortError' })),
      );
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    arm();
    // Said once Ctrl-C and SIGTERM are ours: whoever reads it may end the wait at once.
    process.stderr.write(`carbonlens: waiting. ${windowSentence(window, durationMs, now)} (${source})\n`);
    function settle(then: () => void) {
      clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      then();
    }
  });
}

/** The longest delay setTimeout keeps; longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const SIGNAL_NUMBERS: Record<string, number> = osConstants.signals as unknown as Record<string, number>;

/** Our options, then the command: after `--`, or from the first word that is not an option of ours. */
function split(args: string[]): { own: string[]; command: string[] } {
  const dash = args.indexOf('--');
  if (dash >= 0) return { own: args.slice(0, dash), command: args.slice(dash + 1) };
  return { own: args, command: [] };
}

interface Outcome {
  code: number;
  /** Why the command did not run at all (127, 126). */
  notRun?: string;
}

/**
 * Spawns the command with our stdio; resolves with its exit code, 128+N for a signal. `onPid`
 * runs as spawn() returns, before any other event; `onSpawn` once the command runs.
 */
function runCommand(
  command: string[],
  onSpawn: (pid: number) => void,
  onPid?: (pid: number) => void,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit' });
    if (child.pid !== undefined) onPid?.(child.pid);
    // In a terminal, Ctrl-C reaches the command directly (same process group): forwarding it
    // would deliver it twice. A signal sent to carbonlens alone (kill, CI cancelling) is passed on.
    const forward = (signal: NodeJS.Signals) => () => {
      if (signal === 'SIGINT' && process.stdin.isTTY) return;
      child.kill(signal);
    };
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    const done = (outcome: Outcome) => {
      for (const [s, h] of handlers) process.off(s, h);
      resolve(outcome);
    };
    child.once('spawn', () => onSpawn(child.pid!));
    child.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') done({ code: 127, notRun: `${command[0]}: command not found` });
      else if (e.code === 'EACCES') done({ code: 126, notRun: `${command[0]}: permission denied` });
      else done({ code: 126, notRun: `${command[0]}: ${e.message}` });
    });
    child.once('exit', (code, signal) => done({ code: code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0) }));
  });
}

/** Ends what the command left behind (re-parented to us as its subreaper), TERM then KILL. */
async function reapOrphans(ours: ReadonlySet<number>, timeoutMs = 3000, supervisor?: Supervisor): Promise<number> {
  const orphans = childrenOf().filter((pid) => !ours.has(pid) && pid !== supervisor?.pid);
  const tree = orphans.flatMap((pid) => processTree(pid));
  for (const pid of tree) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + timeoutMs;
  const alive = () => tree.filter(isRunning);
  while (alive().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const pid of alive()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return tree.length;
}

export function summaryLine(r: TrackedRecord): string {
  const parts = r.energy.components.map((c) => `${c.component} ${joulesText(c.energyJ)} ${c.kind}`);
  const above = r.energy.netJ === undefined ? '' : `, ${joulesText(r.energy.netJ)} above idle`;
  const a = r.attribution;
  const own = a?.components.length
    ? `; its own processes: ${joulesText(a.totalJ)} attributed (${a.components.map((c) => `${c.component} ${(c.share * 100).toFixed(0)}% of ${c.base === 'above idle' ? 'the energy above idle' : 'its energy'}`).join(', ')})`
    : '';
  // The headline first, on the basis the CSV row and the panel use, then the machine's figures.
  const h = trackedHeadline(r);
  const co2 =
    r.emissions && h.grams !== undefined
      ? `, ${gramsText(h.grams)} CO2e at ${intensityText(r.emissions.intensity.gco2PerKwh)}`
      : ', no CO2 (no place: --region, --country, --place)';
  const gpus = r.gpus?.leftOut.length ? `; ${meteringText(r.gpus)}` : '';
  return `carbonlens: ${r.label} ran ${r.durationS.toFixed(2)} s: ${joulesText(h.energyJ)}${co2} (${basisLabel(h.basis)}); machine total ${joulesText(r.energy.totalJ)} (${parts.join(', ')})${above}${own}${gpus}; exit ${r.exitCode}.`;
}

/** `run`'s options, each checked before anything is opened: a typo costs nothing. */
function runSettings(args: string[]) {
  const { own, command } = split(args);
  const { values } = parseArgs({ args: own, strict: true, options: RUN_OPTIONS });
  if (command.length === 0 || !command[0])
    throw new UsageError('no command to run: carbonlens run [options] -- COMMAND [ARGS...].');
  const budgetG = numberOption('--budget-g', values['budget-g'], 0);
  const dataset = datasetOption(values['intensity-dataset']) ?? 'latest';
  const query = placeQuery(values);
  const intensity: IntensityFigure | undefined = query && resolveIntensity(query, { dataset });
  if (budgetG !== undefined && !intensity)
    throw new UsageError('--budget-g needs a place (--region, --country, --place, ...).');
  const out = values.out ?? 'emissions.csv';
  checkOut(out);
  const settings = {
    values,
    command,
    idleMs: numberOption('--idle-ms', values['idle-ms'], RANGES.idleMs) ?? 2000,
    intervalMs: numberOption('--interval-ms', values['interval-ms'], RANGES.intervalMs) ?? 1000,
    pue: numberOption('--pue', values.pue, RANGES.pue) ?? 1,
    budgetJ: numberOption('--budget-j', values['budget-j'], 0),
    budgetG,
    dataset,
    intensity,
    out,
    telemetry: telemetryOptions(values, 'run'),
    ramModel: ramModelOption(values['ram-model']),
    // The command inherits our environment: its CUDA_VISIBLE_DEVICES is ours.
    gpus: gpuOption(values.gpu),
    attribution: values.attribution ?? 'process',
  };
  if (settings.attribution !== 'process' && settings.attribution !== 'machine')
    throw new UsageError(`--attribution takes process or machine, not '${settings.attribution}'.`);
  return settings;
}

type RunSettings = ReturnType<typeof runSettings>;

/** What the command's window measured, and how it ended. */
interface Metered {
  outcome: Outcome;
  result: Awaited<ReturnType<Awaited<ReturnType<Meter['begin']>>['end']>>;
  idle?: IdleBaseline;
  own?: ReturnType<ProcessSetTracker['finish']>;
  startedAt: number;
  endedAt: number;
}

/**
 * The command in a metered window: as its processes' subreaper (Linux), watched by a supervisor
 * should carbonlens be killed, its own processes' share sampled with the meter; what it leaves
 * running is ended after it exits.
 */
async function meterCommand(
  s: RunSettings,
  meter: Meter,
  exporterFreeze: (r: Metered['result']) => void,
): Promise<Metered> {
  let idle: IdleBaseline | undefined;
  if (s.idleMs > 0) idle = await meter.measureIdle(s.idleMs);
  // Our own children (nvidia-smi) are not the command's leftovers.
  const reaping = becomeSubreaper();
  const ours = new Set(childrenOf());
  const attributing = s.attribution === 'process' && process.platform === 'linux';
  const cpu = cpuTimesReader();
  const busyBefore = cpu.read().busy;
  const reapedBefore = attributing ? reapedChildTicks() : 0;
  let tracker: ProcessSetTracker | undefined;
  const ramUsed = () => totalmem() - freemem();
  const sampling = meter.onReading(() => tracker?.sample(ramUsed()));
  // Should carbonlens be SIGKILLed, the command's processes are ended all the same. Started
  // before the window: its start-up is not the command's energy.
  const supervisor: Supervisor | undefined = reaping ? superviseCommand(ours) : undefined;
  const window = await meter.begin();
  const startedAt = Date.now();
  let pid: number | undefined;
  const outcome = await runCommand(
    s.command,
    (p) => {
      pid = p;
      if (!attributing) return;
      tracker = new ProcessSetTracker(
        p,
        meter.sources.filter((src) => src.component === 'gpu'),
      );
      tracker.sample(ramUsed());
    },
    (p) => supervisor?.watch(p),
  );
  const endedAt = Date.now();
  sampling.dispose();
  const result = await window.end(idle ? { idle } : {});
  exporterFreeze(result);
  const own = tracker?.finish(result, cpu.read().busy - busyBefore, reapedChildTicks() - reapedBefore);
  cpu.close();
  if (reaping) {
    const ended = await reapOrphans(new Set([...ours, ...(pid ? [pid] : [])]), 3000, supervisor);
    if (ended) process.stderr.write(`carbonlens: ended ${ended} process(es) the command left running.\n`);
  }
  supervisor?.release();
  return { outcome, result, ...(idle && { idle }), ...(own && { own }), startedAt, endedAt };
}

/** The run's record: the window, the machine, the place. */
function runRecord(s: RunSettings, m: Metered, opened: OpenedSources): TrackedRecord {
  const cpus = osCpus();
  return trackedRecord(
    {
      runId: randomUuid(),
      info: { origin: 'cli', label: s.values.label ?? executableName(s.command.join(' ')) },
      startedAt: m.startedAt,
      endedAt: m.endedAt,
      exitCode: m.outcome.code,
      window: m.result,
      ...(m.idle && { idleSeconds: m.idle.durationS }),
      overlaps: [],
      ...(m.own && { attribution: m.own }),
    },
    {
      ...(s.intensity && { intensity: s.intensity }),
      pue: s.pue,
      dataset: s.dataset,
      ...(opened.gpus && { gpus: opened.gpus }),
      machine: {
        os: `${osType()} ${osRelease()} (${process.platform} ${process.arch})`,
        cpu: cpus[0]?.model.trim() || 'unknown CPU',
        cpuCount: cpus.length,
        gpus: opened.sources.filter((src) => src.component === 'gpu').map((src) => src.name),
        ramGB: totalmem() / 1024 ** 3,
      },
    },
  );
}

/** Exit code 3 and why, where the run went over a budget; 0 within them. */
function budgetCheck(s: RunSettings, record: TrackedRecord): number {
  // Budgets keep their own basis (docs/measurement.md): above idle where known, else the machine's total.
  const spentG =
    record.emissions && (record.emissions.netGrams ?? record.emissions.totalGrams ?? record.emissions.grams);
  const over = [
    ...(s.budgetJ !== undefined && record.energy.totalJ > s.budgetJ
      ? [`${joulesText(record.energy.totalJ)} is over the budget of ${joulesText(s.budgetJ)}`]
      : []),
    ...(s.budgetG !== undefined && spentG !== undefined && spentG > s.budgetG
      ? [`${gramsText(spentG)} CO2e is over the budget of ${gramsText(s.budgetG)}`]
      : []),
  ];
  if (!over.length) return 0;
  process.stderr.write(`carbonlens: ${over.join('; ')}.\n`);
  return 3;
}

export async function runRun(args: string[], _out: (text: string) => void): Promise<number> {
  const s = runSettings(args);
  if (s.values['when-clean']) await waitForCleanWindow(s.values);
  const opened = await openEnergySources({
    intervalMs: s.intervalMs,
    gpus: s.gpus,
    ...(s.ramModel && { ramModel: s.ramModel }),
  });
  const meter = new Meter(opened.sources, { intervalMs: s.intervalMs });
  const exporter = s.telemetry && (await startTelemetry(s.telemetry, meter, { intensity: s.intensity, pue: s.pue }));
  try {
    await meter.start();
    // The counters stop where the meter's session did: what the receiver holds is what was measured.
    const m = await meterCommand(s, meter, (result) => exporter?.freeze(meter.sessionTotals() ?? result));
    if (m.outcome.notRun) {
      process.stderr.write(`carbonlens: ${m.outcome.notRun}\n`);
      return m.outcome.code;
    }
    const record = runRecord(s, m, opened);
    exporter?.recordRun(record);
    // Pushed (within its timeout) before the record is written, so the record says whether it arrived.
    const note = await telemetryNote(exporter, s.telemetry);
    if (note) record.telemetry = note;
    appendRecord(s.out, record);
    // Says where the record went: two files, appended to, beside each other.
    const where = `carbonlens: appended to ${resolve(s.out)} and ${join(dirname(resolve(s.out)), RUNS_FILE)}.`;
    process.stderr.write(s.values.json ? `${JSON.stringify(record, null, 2)}\n` : `${summaryLine(record)}\n${where}\n`);
    if (m.outcome.code !== 0) return m.outcome.code;
    return budgetCheck(s, record);
  } finally {
    await exporter?.shutdown();
    meter.close();
  }
}
