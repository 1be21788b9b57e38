// No process left behind by `carbonlens run`: on Linux this process becomes a child subreaper
// (prctl PR_SET_CHILD_SUBREAPER), so whatever the command starts and abandons is re-parented to
// us rather than to init, and can be found and ended when the command exits. Elsewhere, only
// the command's own process is ours to wait for (said in the docs).
import { readdirSync } from 'node:fs';
import { readProc } from './procfs';

const PR_SET_CHILD_SUBREAPER = 36;

/**
 * koffi's native module for this platform, where its package is there (packaged beside koffi,
 * scripts/package.mjs): about half of `require('koffi')`'s time is its JavaScript (platform and
 * libc detection, deprecation wrappers), which one call to prctl does not need, and `carbonlens
 * run` pays it at every start. Else koffi itself.
 */
function koffiNative(): typeof import('koffi') {
  const pkg = ['@koromix', `koffi-${process.platform}-${process.arch}`].join('/');
  // Computed names: esbuild leaves them to Node. The glibc build first, as that package's
  // index.js does after reading Node's ELF header to tell glibc from musl (3-4 ms of each start):
  // where it does not load (musl), the index.js decides.
  for (const name of [`${pkg}/${process.platform}_${process.arch}/koffi.node`, pkg, 'koffi'])
    try {
      return require(name);
    } catch {
      // the next
    }
  throw new Error('koffi is not installed.');
}

/** Makes this process the reaper of its descendants' orphans; false where that is not possible. */
export function becomeSubreaper(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const koffi = koffiNative();
    const prctl = koffi
      .load('libc.so.6')
      .func('int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long)');
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) === 0;
  } catch {
    return false;
  }
}

/** The pid's parent, from /proc/PID/stat (the field after the parenthesised name). */
function parentOf(pid: number): number | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[0] === 'Z' ? undefined : Number(fields[1]); // a zombie is already gone
}

/** Whether `pid` runs: not gone and not a zombie waiting for its parent to reap it. */
export function isRunning(pid: number): boolean {
  return parentOf(pid) !== undefined;
}

/** Live processes whose parent is `pid` (Linux; empty elsewhere). */
export function childrenOf(pid = process.pid): number[] {
  if (process.platform !== 'linux') return [];
  const candidates =
    listedChildren(pid) ??
    readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  return candidates.filter((child) => parentOf(child) === pid);
}

/**
 * The children the kernel lists for each of `pid`'s threads (/proc/PID/task/TID/children): a few
 * small reads where reading every process's stat costs one per process. Undefined where the
 * kernel keeps no such list (built without CONFIG_PROC_CHILDREN).
 */
function listedChildren(pid: number): number[] | undefined {
  try {
    const out: number[] = [];
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const listed = readProc(`/proc/${pid}/task/${tid}/children`);
      if (listed === undefined) return undefined;
      for (const child of listed.split(' ')) if (child.trim()) out.push(Number(child));
    }
    return out;
  } catch {
    return undefined;
  }
}

/** `pid` and every live descendant of it, parents first. */
export function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...childrenOf(tree[i]));
  return tree;
}
