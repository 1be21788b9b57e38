// The energy of runs started from the editor, without touching the user's code: terminal
// commands (shell integration), tasks, debug sessions and notebook cells each get a meter window
// from their start to their end. Records go to the same emissions.csv and JSONL as benchmarks.
import { gramsText, intensityText, joulesText } from '../core/units';
import { cpus, freemem, release, totalmem, type as osType } from 'node:os';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from './dispose';
import type { IntensityFigure } from '../core/carbon/intensity';
import { cpuTimesReader } from '../core/energy/cpuEstimate';
import { ProcessSetTracker, type Attribution } from '../core/tracking/attribution';
import { RunTracker, type FinishedRun, type RunInfo } from '../core/tracking/runTracker';
import { basisLabel } from '../core/carbon/basis';
import { runSummaryText } from '../core/tracking/runFigures';
import { executableName, trackedRecord, type MachineFacts, type TrackedRecord } from '../core/tracking/trackedRecord';
import type { BenchStore } from './benchStore';
import type { CarbonLensConfig } from './config';
import type { LiveMeter } from './liveMeter';

export interface RunTrackingDeps {
  live: LiveMeter;
  store: BenchStore;
  config: () => CarbonLensConfig;
  intensity: () => IntensityFigure | undefined;
  log: vscode.LogOutputChannel;
  /** A run was recorded (and saved). */
  onRecorded: (record: TrackedRecord) => void;
}

type Handle = ReturnType<RunTracker['start']>;

export class RunTrackingController extends Disposable {
  private readonly tracker: RunTracker;
  private readonly terminalRuns = new Map<vscode.TerminalShellExecution, Handle>();
  private readonly taskRuns = new Map<vscode.TaskExecution, Handle>();
  private readonly debugRuns = new Map<string, Handle>();
  /** Cells whose execution was already recorded, by cell URI and end time. */
  private readonly cellsSeen = new Set<string>();
  private readonly cellResults = new Map<string, TrackedRecord>();
  private readonly cellItemsChanged = new vscode.EventEmitter<void>();
  /** This session's records, newest last (the API and tests read them). */
  readonly recorded: TrackedRecord[] = [];
  /** The process sets of runs going now (runs.attribution = process, on Linux). */
  private readonly processSets = new Map<Handle, { tracker: ProcessSetTracker; busy: number }>();
  private readonly cpuTimes = cpuTimesReader();

  constructor(private readonly deps: RunTrackingDeps) {
    super();
    this.tracker = new RunTracker(deps.live, { minDurationS: () => deps.config().runs.minSeconds });
    const runs = () => deps.config().runs;
    this.register(
      this.cellItemsChanged,
      { dispose: () => this.cpuTimes.close() },
      deps.live.onUpdate(() => {
        if (this.processSets.size === 0) return;
        const used = totalmem() - freemem();
        for (const { tracker } of this.processSets.values()) tracker.sample(used);
      }),
      vscode.window.onDidStartTerminalShellExecution((e) => {
        if (!runs().terminal) return;
        const line = e.execution.commandLine.value;
        if (!line.trim()) return;
        const handle = this.tracker.start(this.info('terminal', executableName(line), line));
        this.terminalRuns.set(e.execution, handle);
        // The shell's own process and what it starts: the command and its children.
        void e.terminal.processId.then((pid) => pid && this.followProcesses(handle, pid));
      }),
      vscode.window.onDidEndTerminalShellExecution((e) => this.end(this.terminalRuns, e.execution, e.exitCode)),
      vscode.tasks.onDidStartTaskProcess((e) => {
        if (!runs().tasks) return;
        const line = taskCommandLine(e.execution.task);
        const label = line ? `${e.execution.task.name} (${executableName(line)})` : e.execution.task.name;
        const handle = this.tracker.start(this.info('task', label, line));
        this.taskRuns.set(e.execution, handle);
        this.followProcesses(handle, e.processId);
      }),
      vscode.tasks.onDidEndTaskProcess((e) => this.end(this.taskRuns, e.execution, e.exitCode)),
      vscode.debug.onDidStartDebugSession((session) => {
        // A child session (js-debug starts one per process) is part of its parent's run.
        if (!runs().debug || session.parentSession) return;
        const c = session.configuration;
        const line = [c.program, ...(Array.isArray(c.args) ? c.args : [])]
          .filter((x): x is string => typeof x === 'string')
          .join(' ');
        this.debugRuns.set(
          session.id,
          this.tracker.start(this.info('debug', `${session.type}: ${session.name}`, line || undefined)),
        );
      }),
      vscode.debug.onDidTerminateDebugSession((session) =>
        this.end(
          this.debugRuns,
          session.id,
          undefined,
          'VS Code does not tell extensions which process a debug session runs',
        ),
      ),
      vscode.workspace.onDidChangeNotebookDocument((e) => {
        if (!runs().notebooks) return;
        for (const change of e.cellChanges) {
          const timing = change.executionSummary?.timing;
          if (timing) this.cellEnded(e.notebook, change.cell, timing, change.executionSummary?.success);
        }
      }),
      vscode.notebooks.registerNotebookCellStatusBarItemProvider('*', {
        onDidChangeCellStatusBarItems: this.cellItemsChanged.event,
        provideCellStatusBarItems: (cell) => {
          const r = this.cellResults.get(cell.document.uri.toString());
          if (!r) return undefined;
          const item = new vscode.NotebookCellStatusBarItem(
            `$(pulse) ${runSummaryText(r)}`,
            vscode.NotebookCellStatusBarAlignment.Left,
          );
          item.tooltip = cellTooltip(r);
          item.command = 'carbonlens.showPanel';
          return item;
        },
      }),
    );
  }

  private info(origin: RunInfo['origin'], label: string, commandLine: string | undefined): RunInfo {
    const keep = this.deps.config().runs.storeCommandLines;
    return { origin, label, ...(keep && commandLine !== undefined && { commandLine }) };
  }

  /** Runs whose processes are known (terminal, task) get their own share (runs.attribution = process). */
  private followProcesses(handle: Handle, pid: number): void {
    if (this.deps.config().runs.attribution !== 'process' || process.platform !== 'linux') return;
    const tracker = new ProcessSetTracker(
      pid,
      this.deps.live.sources.filter((s) => s.component === 'gpu'),
    );
    tracker.sample(totalmem() - freemem());
    this.processSets.set(handle, { tracker, busy: this.cpuTimes.read().busy });
  }

  /**
   * Ends a run; with runs.attribution = process, its own share when its processes were followed,
   * else a note saying why it keeps the machine's figures (`noProcess`).
   */
  private end<K>(
    runs: Map<K, Handle>,
    key: K,
    exitCode: number | undefined,
    noProcess = 'its process was not known',
  ): void {
    const handle = runs.get(key);
    if (!handle) return;
    runs.delete(key);
    const set = this.processSets.get(handle);
    this.processSets.delete(handle);
    // The last look at the processes before the window closes.
    set?.tracker.sample(totalmem() - freemem());
    const busyEnd = this.cpuTimes.read().busy;
    const why =
      process.platform === 'linux' ? noProcess : `per-process figures need Linux's /proc (here: ${process.platform})`;
    void this.save(
      handle.end(exitCode).then((run) => {
        if (!run || this.deps.config().runs.attribution !== 'process') return run;
        const attribution = set
          ? set.tracker.finish(run.window, busyEnd - set.busy)
          : machineOnly(`Machine figures: ${why}.`);
        return { ...run, attribution };
      }),
    );
  }

  private cellEnded(
    notebook: vscode.NotebookDocument,
    cell: vscode.NotebookCell,
    timing: { startTime: number; endTime: number },
    success: boolean | undefined,
  ): void {
    const key = `${cell.document.uri.toString()}@${timing.endTime}`;
    if (this.cellsSeen.has(key)) return;
    if (this.cellsSeen.size >= 10_000) this.cellsSeen.clear(); // a long session's memory stays bounded
    this.cellsSeen.add(key);
    const firstLine =
      cell.document
        .getText()
        .split('\n')
        .find((l) => l.trim()) ?? '';
    const info = this.info('notebook', `${basename(notebook.uri.path)} cell ${cell.index + 1}`, firstLine.trim());
    const recorded = this.tracker.record(
      info,
      timing.startTime,
      timing.endTime,
      success === false ? 1 : success === true ? 0 : undefined,
    );
    void this.save(
      this.deps.config().runs.attribution === 'process'
        ? recorded.then(
            (run) =>
              run && {
                ...run,
                attribution: machineOnly('Machine figures: a notebook kernel does not tell VS Code its process.'),
              },
          )
        : recorded,
      cell,
    );
  }

  private async save(finished: Promise<FinishedRun | undefined>, cell?: vscode.NotebookCell): Promise<void> {
    try {
      const run = await finished;
      if (!run) return;
      const config = this.deps.config();
      const record = trackedRecord(run, {
        intensity: this.deps.intensity(),
        pue: config.pue,
        dataset: config.dataset,
        provider: config.cloudProvider,
        machine: this.machine(),
        ...(this.deps.live.gpus && { gpus: this.deps.live.gpus }),
      });
      this.recorded.push(record);
      if (this.recorded.length > 500) this.recorded.shift();
      if (cell) {
        this.cellResults.set(cell.document.uri.toString(), record);
        this.cellItemsChanged.fire();
      }
      this.deps.log.info(
        `Run ${record.origin} "${record.label}": ${record.durationS.toFixed(1)} s, ${runSummaryText(record)}${record.overlaps.length ? `; overlapped ${record.overlaps.map((o) => `"${o.label}"`).join(', ')}` : ''}.`,
      );
      await this.deps.store.append(record);
      this.deps.onRecorded(record);
    } catch (e) {
      this.deps.log.warn(`A run could not be metered or saved: ${(e as Error).message}`);
    }
  }

  private machine(): MachineFacts {
    const cpuList = cpus();
    return {
      os: `${osType()} ${release()} (${process.platform} ${process.arch})`,
      cpu: cpuList[0]?.model ?? 'unknown',
      cpuCount: cpuList.length,
      gpus: this.deps.live.sources.filter((s) => s.component === 'gpu').map((s) => s.name),
      ramGB: totalmem() / 1024 ** 3,
    };
  }
}

/** An attribution that could not be made, and why: the record says so rather than a silent zero. */
function machineOnly(note: string): Attribution {
  return { method: 'process', processes: { peak: 0, seen: 0 }, components: [], totalJ: 0, notes: [note] };
}

function taskCommandLine(task: vscode.Task): string | undefined {
  const x = task.execution;
  const text = (v: string | vscode.ShellQuotedString) => (typeof v === 'string' ? v : v.value);
  if (x instanceof vscode.ShellExecution)
    return x.commandLine ?? [x.command ? text(x.command) : '', ...(x.args ?? []).map(text)].join(' ').trim();
  if (x instanceof vscode.ProcessExecution) return [x.process, ...x.args].join(' ');
  return undefined;
}

function cellTooltip(r: TrackedRecord): string {
  const lines = [`CarbonLens: this cell's last run, ${r.durationS.toFixed(1)} s`];
  for (const c of r.energy.components) lines.push(`${c.component.toUpperCase()}: ${joulesText(c.energyJ)} (${c.kind})`);
  if (r.energy.netJ !== undefined)
    lines.push(
      `Above idle (baseline from the ${r.energy.idleSeconds?.toFixed(0)} s before): ${joulesText(r.energy.netJ)}`,
    );
  const e = r.emissions;
  if (e) {
    const g = e.greenest;
    lines.push(
      `${gramsText(e.grams)} CO2e (${basisLabel(e.basis)}) at ${intensityText(e.intensity.gco2PerKwh)}${g ? `; ${gramsText(g.grams)} in ${g.provider} ${g.region} (${intensityText(g.gco2PerKwh)})` : ''}`,
    );
  } else if (r.emissionsNote) lines.push(r.emissionsNote);
  if (r.overlaps.length)
    lines.push(`Overlapped ${r.overlaps.map((o) => o.label).join(', ')}: their energy is in this figure too.`);
  for (const c of r.attribution?.components ?? [])
    lines.push(
      `Own share, ${c.component.toUpperCase()}: ${joulesText(c.energyJ)} (attributed over ${c.kind}: ${(c.share * 100).toFixed(0)}% of ${c.base === 'above idle' ? 'the energy above idle' : 'its energy'})`,
    );
  return lines.join('\n');
}
