// The benchmarks this editor runs and what their pickers keep a while: the CLI children (each
// killed when the extension goes), the runs' cancellation sources (Cancel Benchmark), whether
// the hub answers and the devices here. One per activation, owned by CarbonLens and disposed
// with it, so that no state outlives the extension or leaks from one activation to the next.
import type { ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';
import type { DeviceHere } from '../core/models/devicesHere';

export class BenchRuns implements vscode.Disposable {
  /** The CLI's child processes still running. */
  readonly children = new Set<ChildProcess>();
  /** Why the hub cannot be reached (undefined: it answers), per endpoint: asked once a session (offlineStart.ts). */
  readonly hubChecks = new Map<string, Promise<string | undefined>>();
  /** `carbonlens devices --json`'s answer, kept ten minutes. */
  devices: { at: number; cliPath: string; devices: Promise<DeviceHere[] | undefined> } | undefined;
  /** The runs in progress: the notification's Cancel, or CarbonLens: Cancel Benchmark, stops them. */
  private readonly inProgress = new Set<vscode.CancellationTokenSource>();

  /** A run starts: it can be cancelled until `finished`. */
  started(cts: vscode.CancellationTokenSource): void {
    this.inProgress.add(cts);
    this.runningChanged();
  }

  finished(cts: vscode.CancellationTokenSource): void {
    this.inProgress.delete(cts);
    this.runningChanged();
  }

  /** Cancels every run in progress; how many there were. */
  cancelAll(): number {
    for (const cts of this.inProgress) cts.cancel();
    return this.inProgress.size;
  }

  /** Kills every child still running (the extension is going away). */
  dispose(): void {
    for (const child of this.children) child.kill('SIGKILL');
    this.children.clear();
  }

  /** Cancel Benchmark is in the palette only while one runs. */
  private runningChanged(): void {
    void vscode.commands.executeCommand('setContext', 'carbonlens.benchmarkRunning', this.inProgress.size > 0);
  }
}
