// Tests wait for a condition under a deadline, never for a fixed time: on a busy machine a
// child may take seconds to start, and a fixed sleep either races or wastes time.
import { existsSync, readFileSync } from 'node:fs';
import { isAlive } from '../../src/core/fileLock';

export { isAlive };

const POLL_MS = 10;

/** Resolves with check()'s first truthy value; rejects naming `what` once `timeoutMs` has passed. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 15_000,
): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** The pid a child wrote to `file` once it started. */
export const pidFrom = (file: string, timeoutMs?: number) =>
  waitFor(
    `a pid in ${file}`,
    () => (existsSync(file) ? Number(readFileSync(file, 'utf8')) || undefined : undefined),
    timeoutMs,
  );

export const processGone = (pid: number, timeoutMs?: number) =>
  waitFor(`process ${pid} to end`, () => !isAlive(pid), timeoutMs);

/** A test's last resort: whatever a failed assertion left running is ended. */
export function killIfAlive(pid: number | undefined) {
  if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
}
