// `--events`: machine-readable progress for a parent process (the extension). Each event is
// one JSON line on stderr; a download asks with a `consent` event and waits for "yes" or "no"
// on stdin, so the parent can show the size to the person and pass on their answer.
import { createInterface } from 'node:readline';
import type { BenchEvent } from '../protocol';

export type { BenchEvent };

export type ConsentEvent = Extract<BenchEvent, { event: 'consent' }>;

export const emitEvent = (e: BenchEvent) => void process.stderr.write(`${JSON.stringify(e)}\n`);

let answers: AsyncIterator<string> | undefined;

/** Emits the question and reads one answer line from stdin (end of input means no). */
export async function askParent(e: ConsentEvent): Promise<boolean> {
  answers ??= createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  emitEvent(e);
  const { value, done } = await answers.next();
  return !done && /^y(es)?$/i.test(String(value).trim());
}
