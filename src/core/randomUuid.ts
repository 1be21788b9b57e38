// Random (version 4) UUIDs for run ids and telemetry instances, from the kernel's random bytes
// (/dev/urandom, as node:crypto draws them) where there is such a device: loading node:crypto
// costs `carbonlens run` 4 ms of its start. Elsewhere (Windows), node:crypto's.
import { closeSync, openSync, readSync } from 'node:fs';

export function randomUuid(): string {
  const bytes = Buffer.alloc(16);
  try {
    const fd = openSync('/dev/urandom', 'r');
    try {
      if (readSync(fd, bytes) !== bytes.length) throw new Error('short read');
    } finally {
      closeSync(fd);
    }
  } catch {
    return (require('node:crypto') as typeof import('node:crypto')).randomUUID();
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
