// `carbonlens run` ends what its command leaves running when the command exits, and passes TERM,
// INT and HUP on. A SIGKILL of carbonlens itself cannot be caught: for that, a small watcher
// shell (Linux, /bin/sh) holds the read end of a pipe from us, as nvidia-smi's supervisor does. It is
// started before the command and told the command's pid in the same breath as the command is
// spawned (the pid waits in the pipe if the watcher has not started yet), so no SIGKILL falls
// between the two. Once a second (our "tick" down the pipe) it notes the command's process tree
// and the orphans re-parented to us (we are their subreaper); when the pipe closes without our
// "done" (we died), it notes them once more, ends them all, TERM then KILL, and exits. A pid is
// only ever signalled while it has the start time it was seen with.
import { type ChildProcess, spawn } from 'node:child_process';

// POSIX sh, one process (a shell starts in a millisecond; a second Node, in a hundred, on the
// command's CPU; a ticker of its own was four more forks at every run's start): $1 is our pid, the
// rest are our own children to leave alone. Our lines (the command's pid, "tick" once a second,
// "done") arrive on its stdin, read in order; end of file without "done" means we died.
const WATCHER = `
owner=$1; shift
ignored=" $* $$ "
trap '' INT TERM HUP
command=0
known=' '
stat() {
  line=
  { read -r line < "/proc/$1/stat"; } 2>/dev/null || [ -n "$line" ] || return 1
  set -f; set -- \${line##*) }; set +f
  [ "$1" != Z ] || return 1
  st_ppid=$2; st_start=\${20}
}
# The children of $1, into k: the kernel's list per thread (a few reads), else every process's stat.
if [ -r /proc/$$/task/$$/children ]; then
  kids() {
    k=''
    for f in /proc/$1/task/*/children; do
      c=''
      { read -r c < "$f"; } 2>/dev/null
      k="$k $c"
    done
  }
else
  kids() {
    k=''
    for d in /proc/[0-9]*; do stat "\${d#/proc/}" && [ "$st_ppid" = "$1" ] && k="$k \${d#/proc/}"; done
  }
fi
note() {
  queue=''
  [ "$command" = 0 ] || queue=$command
  kids "$owner"
  for p in $k; do [ "$p" = "$command" ] || queue="$queue $p"; done
  while set -- $queue; [ $# -gt 0 ]; do
    p=$1; shift; queue="$*"
    case $ignored in *" $p "*) continue ;; esac
    stat "$p" || continue
    case $known in *" $p:"*) ;; *) known="$known$p:$st_start " ;; esac
    kids "$p"
    queue="$queue $k"
  done
}
alive() {
  living=''
  for k in $known; do stat "\${k%%:*}" && [ "$st_start" = "\${k#*:}" ] && living="$living \${k%%:*}"; done
  [ -n "$living" ]
}
send() { alive && kill -s "$1" $living 2>/dev/null; }
while read -r line; do
  case $line in
    tick) note ;;
    done) exit 0 ;;
    ''|*[!0-9]*) ;;
    *) command=$line; note ;;
  esac
done
note
send TERM
waited=0
while alive && [ $waited -lt 30 ]; do sleep 0.1; waited=$((waited + 1)); done
send KILL
`;

/** How often the watcher is told to note the command's processes, ms. */
const TICK_MS = 1000;

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
    child = spawn('/bin/sh', ['-c', WATCHER, 'carbonlens-watcher', String(process.pid), ...[...skip].map(String)], {
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
  let ticker: NodeJS.Timeout | undefined;
  const say = (line: string) => {
    if (child.stdin?.writable) child.stdin.write(`${line}\n`);
  };
  return {
    pid: child.pid,
    watch: (pid) => {
      say(String(pid));
      // Unref'd: the ticks never keep carbonlens running.
      ticker ??= setInterval(() => say('tick'), TICK_MS).unref();
    },
    release: () => {
      clearInterval(ticker);
      if (child.stdin?.writable) child.stdin.end('done\n');
    },
  };
}
