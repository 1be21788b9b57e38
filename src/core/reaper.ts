// No process left behind by `carbonlens run`: on Linux this process becomes a child subreaper
// (prctl PR_SET_CHILD_SUBREAPER), so whatever the command starts and abandons is re-parented to
// us rather than to init, and can be found and ended when the command exits. Elsewhere, only
// the command's own process is ours to wait for (said in the docs).
import { readdirSync, readFileSync } from 'node:fs';

const PR_SET_CHILD_SUBREAPER = 36;

/** Makes this process the reaper of its descendants' orphans; false where that is not possible. */
export function becomeSubreaper(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const koffi = require('koffi') as typeof import('koffi');
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
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : Number(fields[1]); // a zombie is already gone
  } catch {
    return undefined;
  }
}

/** Whether `pid` runs: not gone and not a zombie waiting for its parent to reap it. */
export function isRunning(pid: number): boolean {
  return parentOf(pid) !== undefined;
}

/** Live processes whose parent is `pid` (Linux; empty elsewhere). */
export function childrenOf(pid = process.pid): number[] {
  if (process.platform !== 'linux') return [];
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if (parentOf(Number(name)) === pid) out.push(Number(name));
  }
  return out;
}

/** `pid` and every live descendant of it, parents first. */
export function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...childrenOf(tree[i]));
  return tree;
}
