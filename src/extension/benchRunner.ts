// Runs `carbonlens bench|compare --events` as a child process: the model never loads in the
// extension host, a cancelled run is a killed process (the CLI records nothing unless it
// finishes), and no child outlives the extension.
import { spawn, type ChildProcess } from 'node:child_process';
import type * as vscode from 'vscode';
import { isMessageRef, type MessageRef } from '../core/messages';
import type { BenchEvent } from '../protocol';

export interface CliResult {
  code: number | null;
  stdout: string;
  /** stderr lines that were not events: the CLI's messages, e.g. why it failed. */
  messages: string[];
  cancelled: boolean;
  /** Why it failed, from the message catalogue: the editor shows it in its own voice. */
  remedy?: MessageRef;
}

export interface CliRunOptions {
  env: Record<string, string | undefined>;
  onEvent?: (e: BenchEvent) => void;
  /** A download needs a yes: the person sees what and how big. */
  askConsent: (e: Extract<BenchEvent, { event: 'consent' }>) => Promise<boolean>;
  token?: vscode.CancellationToken;
}

const running = new Set<ChildProcess>();

/** Kills every benchmark still running (the extension is going away). */
export function killAllBenchmarks(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

export function runningBenchmarks(): number {
  return running.size;
}

export function runCli(cliPath: string, args: string[], options: CliRunOptions): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args, '--events'], {
      // In desktop VS Code process.execPath is Electron: this flag makes it a plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    running.add(child);
    let stdout = '';
    let pending = '';
    let cancelled = false;
    let remedy: MessageRef | undefined;
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
      let event: BenchEvent | undefined;
      if (line.startsWith('{')) {
        try {
          event = JSON.parse(line) as BenchEvent;
        } catch {
          event = undefined;
        }
      }
      if (!event?.event) {
        messages.push(line.replace(/^carbonlens: /, ''));
        return;
      }
      if (event.event === 'error') {
        if (isMessageRef(event.remedy)) remedy = event.remedy;
        return;
      }
      if (event.event === 'consent') {
        options.askConsent(event).then(
          (yes) => child.stdin.write(yes ? 'yes\n' : 'no\n'),
          () => child.stdin.write('no\n'),
        );
        return;
      }
      options.onEvent?.(event);
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
      running.delete(child);
      clearTimeout(killTimer);
      cancel?.dispose();
      resolve({ code, stdout, messages, cancelled, ...(remedy && { remedy }) });
    });
  });
}
