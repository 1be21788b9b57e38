// Reads entries out of a .tgz (an npm package tarball) as it streams: gzip, then the 512-byte
// tar headers (ustar, with GNU long names, and pax headers' paths). Only the wanted entries are
// written; sizes are bounded so that a crafted archive cannot fill the disk.
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';

export class ArchiveError extends Error {}

/**
 * Writes each entry that `target` maps to a file (archive path -> file to write, or undefined to
 * skip it) and returns the archive paths written. An entry over `maxEntryBytes` stops the read.
 */
export async function extractTgz(
  file: string,
  target: (name: string) => string | undefined,
  maxEntryBytes: number,
): Promise<string[]> {
  const written: string[] = [];
  let buffer: Buffer = Buffer.alloc(0);
  let remaining = 0; // bytes of the current entry's data still to come
  let padding = 0;
  let out: WriteStream | undefined;
  let longName: string | undefined;
  let collectName: Buffer[] | undefined;
  let pax = false;
  const finished: Promise<void>[] = [];

  // node:zlib loads here, not with the CLI (most commands unpack nothing).
  const { createGunzip } = require('node:zlib') as typeof import('node:zlib');
  const input = createReadStream(file).pipe(createGunzip());
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      for (;;) {
        if (remaining > 0) {
          const take = Math.min(remaining, buffer.length);
          if (take === 0) break;
          const part = buffer.subarray(0, take);
          if (out && !out.write(part)) await new Promise<void>((r) => out!.once('drain', () => r()));
          collectName?.push(Buffer.from(part));
          buffer = buffer.subarray(take);
          remaining -= take;
          if (remaining > 0) break;
          if (out) {
            const closing = out;
            finished.push(new Promise((r, j) => closing.end(() => r()).on('error', j)));
            out = undefined;
          }
          if (collectName) {
            const text = Buffer.concat(collectName).toString('utf8');
            // A pax header's records ("<length> path=<name>\n"): only the path is read.
            longName = pax ? (/(?:^|\n)\d+ path=([^\n]*)\n/.exec(text)?.[1] ?? longName) : text.replace(/\0.*$/s, '');
            collectName = undefined;
          }
        }
        if (padding > 0) {
          const skip = Math.min(padding, buffer.length);
          buffer = buffer.subarray(skip);
          padding -= skip;
          if (padding > 0) break;
        }
        if (buffer.length < 512) break;
        const header = buffer.subarray(0, 512);
        buffer = buffer.subarray(512);
        if (header.every((b) => b === 0)) continue; // the end blocks
        const field = (at: number, len: number) =>
          header
            .subarray(at, at + len)
            .toString('utf8')
            .replace(/\0.*$/s, '');
        const size = Number.parseInt(field(124, 12).trim() || '0', 8);
        if (!Number.isSafeInteger(size) || size < 0) throw new ArchiveError('a tar header has no valid size');
        const type = field(156, 1) || '0';
        const prefix = field(345, 155);
        const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
        if (type !== 'x') longName = undefined;
        remaining = size;
        padding = (512 - (size % 512)) % 512;
        pax = type === 'x';
        if (type === 'L' || type === 'x') collectName = size > 0 ? [] : undefined;
        else if ((type === '0' || type === '7') && target(name)) {
          if (size > maxEntryBytes)
            throw new ArchiveError(`${name} is ${size} bytes, beyond the ${maxEntryBytes} allowed`);
          out = createWriteStream(target(name)!, { mode: 0o755 });
          written.push(name);
          if (size === 0) {
            finished.push(new Promise((r) => out!.end(() => r())));
            out = undefined;
          }
        }
      }
    }
  } catch (e) {
    out?.destroy();
    if (e instanceof ArchiveError) throw e;
    throw new ArchiveError(`not a readable .tgz (${(e as Error).message})`);
  }
  if (remaining > 0) {
    out?.destroy();
    throw new ArchiveError('the archive ends in the middle of an entry');
  }
  await Promise.all(finished);
  return written;
}
