// `carbonlens run` ends what its command leaves running when the command exits, and passes TERM,
// INT and HUP on. A SIGKILL of carbonlens itself cannot be caught: for that, a small watcher
// process (Linux) holds the read end of a pipe from us, as nvidia-smi's supervisor does. It is
// started before the command and told the command's pid in the same breath as the command is
// spawned (the pid waits in the pipe if the watcher has not started yet), so no SIGKILL falls
// between the two. It notes, once a second, the command's process tree and the orphans
// re-parented to us (we are their subreaper); when the pipe closes without our "done" (we
// died), it ends them all, TERM then KILL, and exits. A pid is only ever signalled while it has
// the start time it was seen with.
import { type ChildProcess, spawn } from 'node:child_process';

const WATCHER = String.raw`
const fs = require('fs');
const [owner, ...skip] = process.argv.slice(1).map(Number);
let command = 0;
const ignored = new Set([...skip, process.pid]);
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => {});
const stat = (pid) => {
  try {
    const s = fs.readFileSync('/proc/' + pid + '/stat', 'latin1');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return f[0] === 'Z' ? undefined : { ppid: Number(f[1]), start: f[19] };
  } catch { return undefined; }
};
const known = new Map();
const note = () => {
  const children = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(name);
    if (!s) continue;
    if (!children.has(s.ppid)) children.set(s.ppid, []);
    children.get(s.ppid).push(Number(name));
  }
  const roots = [...(command ? [command] : []), ...(children.get(owner) || []).filter((p) => p !== command && !ignored.has(p))];
  for (let i = 0; i < roots.length; i++) {
    const pid = roots[i];
    const s = stat(pid);
    if (!s || ignored.has(pid)) continue;
    if (!known.has(pid)) known.set(pid, s.start);
    roots.push(...(children.get(pid) || []));
  }
};
const alive = () => [...known].filter(([pid, start]) => stat(pid)?.start === start).map(([pid]) => pid);
const send = (signal) => { for (const pid of alive()) { try { process.kill(pid, signal); } catch {} } };
note();
const timer = setInterval(note, 1000);
let done = false;
let buffered = '';
process.stdin.on('data', (d) => {
  const lines = (buffered + d).split('\n');
  buffered = lines.pop();
  for (const line of lines) {
    if (line === 'done') done = true;
    else if (/^\d+$/.test(line)) { command = Number(line); note(); }
  }
});
process.stdin.on('end', () => {
  clearInterval(timer);
  if (done) process.exit(0);
  note();
  send('SIGTERM');
  let waited = 0;
  const check = setInterval(() => {
    waited += 100;
    if (alive().length && waited < 3000) return;
    clearInterval(check);
    send('SIGKILL');
    process.exit(0);
  }, 100);
});
`;

export interface Supervisor {
  /** The watcher's pid: our child, not one the command left behind. */
  pid?: number;
  /** Call as soon as spawn() returns the command's pid, before anything else. */
  watch(pid: number): void;
  /** The command ended and was dealt with: the watcher leaves without ending anything. */
  release(): void;
}

const NONE: Supervisor = { watch: () => undefined, release: () => undefined };

/**
 * Starts the watcher, before the command (Linux; a no-op elsewhere). `skip`: our own children
 * (nvidia-smi's supervisor), never the command's.
 */
export function superviseCommand(skip: Iterable<number> = []): Supervisor {
  if (process.platform !== 'linux') return NONE;
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, ['-e', WATCHER, String(process.pid), ...[...skip].map(String)], {
      stdio: ['pipe', 'ignore', 'ignore'],
      // Its own session: a Ctrl-C or a signal to our process group is not for it.
      detached: true,
    });
  } catch {
    return NONE;
  }
  child.on('error', () => undefined);
  child.stdin?.on('error', () => undefined);
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return {
    pid: child.pid,
    watch: (pid) => {
      if (child.stdin?.writable) child.stdin.write(`${pid}\n`);
    },
    release: () => {
      if (child.stdin?.writable) child.stdin.end('done\n');
    },
  };
}
