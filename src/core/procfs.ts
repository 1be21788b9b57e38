// Small procfs files (/proc/PID/stat, /proc/PID/task/TID/children), read the cheap way: open, one
// read into a buffer kept for it, close. readFileSync adds an fstat, a 64 KB buffer (procfs gives
// no size) and a second read; `carbonlens run` reads a few dozen of these at its start and end,
// and the process-set tracker more at every sample.
import { closeSync, openSync, readSync } from 'node:fs';

const buffer = Buffer.alloc(4096);

/** The file's text, or undefined when it cannot be read (the process or thread is gone). */
export function readProc(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    let text = '';
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      text += buffer.toString('latin1', 0, n);
      if (n < buffer.length) return text; // procfs hands over what fits in one read
    }
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
