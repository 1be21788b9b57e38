// A .tgz writer (ustar) for tests that play an npm registry.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** ustar's name field holds 100 bytes; longer paths put their folders in the 155-byte prefix. */
function splitName(name: string): [string, string] {
  if (Buffer.byteLength(name) <= 100) return ['', name];
  for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100) return [prefix, rest];
  }
  throw new Error(`${name}: too long for a ustar header`);
}

export function tgz(files: Record<string, Uint8Array | string>, level?: number): Buffer {
  const blocks: Buffer[] = [];
  for (const [path, content] of Object.entries(files)) {
    const data = Buffer.from(content);
    const [prefix, name] = splitName(path);
    const h = Buffer.alloc(512);
    h.write(name, 0);
    h.write('0000755\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    h.write(prefix, 345);
    const sum = h.reduce((t, b) => t + b, 0);
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks), level === undefined ? {} : { level });
}

/** An installed package's folder as npm packs it (under package/), its node_modules left out. */
export function tgzOfFolder(dir: string): Buffer {
  const files: Record<string, Buffer> = {};
  const walk = (at: string, rel: string) => {
    for (const e of readdirSync(at, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(join(at, e.name), `${rel}${e.name}/`);
      } else if (e.isFile()) files[`package/${rel}${e.name}`] = readFileSync(join(at, e.name));
    }
  };
  walk(dir, '');
  return tgz(files, 1);
}
