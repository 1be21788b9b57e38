// Where the dynamic loader looks for shared libraries on Linux.
import { readdirSync, readFileSync } from 'node:fs';

/** Folders the Linux dynamic loader searches: LD_LIBRARY_PATH, ld.so.conf.d, the usual ones. */
export function librarySearchPath(env = process.env): string[] {
  const dirs = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  try {
    for (const f of readdirSync('/etc/ld.so.conf.d').filter((n) => n.endsWith('.conf'))) {
      dirs.push(
        ...readFileSync(`/etc/ld.so.conf.d/${f}`, 'utf8')
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l.startsWith('/')),
      );
    }
  } catch {
    // no ld.so.conf.d: the defaults below still apply
  }
  return [
    ...dirs,
    '/lib/x86_64-linux-gnu',
    '/usr/lib/x86_64-linux-gnu',
    '/lib/aarch64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/lib64',
    '/usr/lib64',
    '/lib',
    '/usr/lib',
    '/usr/local/lib',
  ];
}
