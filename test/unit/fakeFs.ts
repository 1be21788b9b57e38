import * as path from 'node:path';
import type { ProbeFs } from '../../src/core/energy/probe';

/** A file is its content, or an errno code that reading it throws (EACCES, EIO...). */
export type FakeTree = Record<string, string | { error: string } | { executable: true }>;

function errno(code: string, file: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${file}`), { code });
}

/** An in-memory file system: running as root, real chmod 000 files would still be readable. */
export function fakeFs(tree: FakeTree): ProbeFs {
  return {
    async readdir(dir) {
      const prefix = dir.endsWith('/') ? dir : `${dir}/`;
      const names = new Set<string>();
      for (const file of Object.keys(tree)) {
        if (file.startsWith(prefix)) names.add(file.slice(prefix.length).split('/')[0]!);
      }
      if (names.size === 0) throw errno('ENOENT', dir);
      return [...names];
    },
    async readFile(file) {
      const entry = tree[path.posix.normalize(file)];
      if (entry === undefined) throw errno('ENOENT', file);
      if (typeof entry === 'object' && 'error' in entry) throw errno(entry.error, file);
      if (typeof entry === 'object') return '';
      return entry;
    },
    async exists(file, executable) {
      const entry = tree[file];
      if (entry === undefined) return false;
      return !executable || (typeof entry === 'object' && 'executable' in entry);
    },
  };
}
