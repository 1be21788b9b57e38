// Who is speaking, on every metric's resource: the machine (host.name, host.id from
// /etc/machine-id where readable, as the host resource conventions give it), this process
// (service.instance.id, a random UUID: two runs pushing at once, or one after another, are two
// cumulative series, never one that goes down), CarbonLens's version, and what emitted it
// (carbonlens.command: monitor, run, bench or editor).
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomUuid } from '../randomUuid';

export type TelemetryCommand = 'monitor' | 'run' | 'bench' | 'compare' | 'editor';

/** The machine's id (systemd's /etc/machine-id, else D-Bus's), or undefined where unreadable. */
export function hostId(read: (path: string) => string = (p) => readFileSync(p, 'utf8')): string | undefined {
  for (const path of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      const id = read(path).trim();
      if (/^[0-9a-f]{32}$/i.test(id)) return id;
    } catch {
      // Not on this system (macOS, Windows, containers without it): go without.
    }
  }
  return undefined;
}

/** One process's resource attributes; a new service.instance.id on each call. */
export function processResource(command: TelemetryCommand, serviceName = 'carbonlens'): Record<string, string> {
  const id = hostId();
  return {
    'service.name': serviceName,
    'service.version': CARBONLENS_VERSION,
    'service.instance.id': randomUuid(),
    'host.name': hostname(),
    ...(id && { 'host.id': id }),
    'carbonlens.command': command,
  };
}
