import { execFile } from 'node:child_process';
import type { SystemReport } from '../core/system/report';

/**
 * Runs `carbonlens info --json` in a child process. systeminformation spawns lspci and
 * nvidia-smi synchronously, which would freeze the extension host for up to seconds; in a
 * child it freezes nothing. The child dies with the timeout or the abort signal.
 */
export function loadSystemReport(cliPath: string, signal?: AbortSignal, timeoutMs = 30_000): Promise<SystemReport> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cliPath, 'info', '--json'],
      // In desktop VS Code process.execPath is Electron: this flag makes it a plain Node.
      {
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        timeout: timeoutMs,
        signal,
        maxBuffer: 4 * 1024 * 1024,
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        if (error) {
          const why =
            error.name === 'AbortError'
              ? 'cancelled'
              : error.killed
                ? `no answer within ${timeoutMs / 1000} s`
                : stderr.trim() || error.message;
          reject(new Error(`Reading the system inventory failed (${why}).`));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as SystemReport);
        } catch {
          reject(new Error(`Reading the system inventory failed: the system report printed no JSON.`));
        }
      },
    );
  });
}
