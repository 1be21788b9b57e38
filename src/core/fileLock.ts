// A lock file between processes, holding the owner's pid; a lock whose process is gone is
// taken over.
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { monotonicMs } from './clock';

export type Release = () => void;

/** rmSync(file, { force: true }) without its first use loading Node's rimraf (a CLI's start-up). */
function removeIfThere(file: string): void {
  try {
    unlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/**
 * Takes the lock, or says which live process holds it (pid 0: it changed hands while we looked,
 * try again).
 */
export function tryLock(lock: string): { release: Release } | { heldBy: number } {
  for (let attempt = 0; attempt < 2; attempt++) {
    // The pid is in the file before the file has the lock's name (a link is atomic): another
    // process never reads an empty lock and takes it for a stale one.
    const tmp = `${lock}.${process.pid}.tmp`;
    try {
      // Inside the try: a full disk creates the file and fails the write; it is removed below.
      writeFileSync(tmp, String(process.pid));
      linkSync(tmp, lock);
      return { release: () => removeIfThere(lock) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let pid = 0;
      try {
        pid = Number(readFileSync(lock, 'utf8'));
      } catch {
        continue; // released between the two calls
      }
      if (pid && pid !== process.pid && isAlive(pid)) return { heldBy: pid };
      removeIfThere(lock);
    } finally {
      removeIfThere(tmp);
    }
  }
  // Other processes took and released it between our steps twice over: it is busy, not stale.
  return { heldBy: 0 };
}

/** Waits (blocking, in short steps) up to `timeoutMs` for the lock: for short critical sections. */
export function lockWaiting(lock: string, timeoutMs = 10_000): Release {
  const deadline = monotonicMs() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    const got = tryLock(lock);
    if ('release' in got) return got.release;
    if (monotonicMs() > deadline)
      throw new Error(
        `${lock} is held ${got.heldBy ? `by process ${got.heldBy} ` : ''}for more than ${timeoutMs / 1000} s.`,
      );
    Atomics.wait(pause, 0, 0, 5);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
