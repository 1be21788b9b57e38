// Runs `carbonlens bench|compare --events` as a child process: the model never loads in the
// extension host, a cancelled run is a killed process (the CLI records nothing unless it
// finishes), and no child outlives the extension.
import { spawn, type ChildProcess } from 'node:child_process';
import type * as vscode from 'vscode';
import { toArgs, type BenchRequest } from '../core/bench/request';
import { parseBenchEvent, type BenchEvent, type BenchFailure } from '../protocol';

export interface CliResult {
  code: number | null;
  stdout: string;
  /** stderr lines that were not events: the CLI's messages, for the log. */
  messages: string[];
  cancelled: boolean;
  /** Why it failed, as the CLI's typed event: shown as is (absent when the CLI died without one). */
  failure?: BenchFailure;
}

export interface CliRunOptions {
  env: Record<string, string | undefined>;
  onEvent?: (e: BenchEvent) => void;
  /** A download needs a yes: the person sees what and how big. */
  askConsent: (e: Extract<BenchEvent, { event: 'consent' }>) => Promise<boolean>;
  token?: vscode.CancellationToken;
  /** Where the child is kept while it runs (killed if the extension goes first). */
  children: Set<ChildProcess>;
}

/** Runs a benchmark request (bench or compare) with --events. */
export const runBenchCli = (cliPath: string, request: BenchRequest, options: CliRunOptions): Promise<CliResult> =>
  runCli(cliPath, toArgs(request), options);

/** Runs `carbonlens ARGS --events`: progress, consent and failure arrive as typed events. */
export function runCli(cliPath: string, args: string[], options: CliRunOptions): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args, '--events'], {
      // In desktop VS Code process.execPath is Electron: this flag makes it a plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    options.children.add(child);
    let stdout = '';
    let pending = '';
    let cancelled = false;
    let failure: BenchFailure | undefined;
    const messages: string[] = [];
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      pending += d;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line) onLine(line);
      }
    });
    function onLine(line: string) {
      const event = parseBenchEvent(line);
      if (!event) messages.push(line.replace(/^carbonlens: /, ''));
      else if (event.event === 'failed') failure = event;
      else if (event.event === 'consent')
        options.askConsent(event).then(
          (yes) => child.stdin.write(yes ? 'yes\n' : 'no\n'),
          () => child.stdin.write('no\n'),
        );
      else options.onEvent?.(event);
    }
    // Ctrl-C first: the CLI stops after the current batch and exits; a kill if it does not.
    let killTimer: NodeJS.Timeout | undefined;
    const cancel = options.token?.onCancellationRequested(() => {
      cancelled = true;
      child.kill('SIGINT');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
    });
    child.on('error', (e) => messages.push(e.message));
    child.on('close', (code) => {
      options.children.delete(child);
      clearTimeout(killTimer);
      cancel?.dispose();
      resolve({ code, stdout, messages, cancelled, ...(failure && { failure }) });
    });
  });
}
