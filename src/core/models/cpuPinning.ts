// Each preparation worker process on a CPU of its own (Linux). A worker's threads (its own, the
// libuv thread that hands an image to libvips, libvips's) then wake each other on one CPU, and
// the kernel has no other CPU to tell when the process unmaps memory. On the H100 machine
// (16 vCPUs), 640x480 JPEGs ran 2,420 and 2,241 images/s end to end pinned against 2,141 and
// 2,044 unpinned, in alternate runs (docs/benchmarks.md). The first CPU the process may use is
// left to it: its thread feeds the model's device.

/** The CPUs in a kernel CPU list ("0-3,8,10-11"), in order; empty when it reads as none. */
export function parseCpuList(list: string): number[] {
  const cpus: number[] = [];
  for (const part of list.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return [];
    const [first, last] = [Number(m[1]), Number(m[2] ?? m[1])];
    for (let c = first; c <= last; c++) cpus.push(c);
  }
  return cpus;
}

/** The CPUs this process may run on (Linux: its Cpus_allowed_list), or undefined where it cannot say. */
export function allowedCpus(status?: string): number[] | undefined {
  if (status === undefined) {
    if (process.platform !== 'linux') return undefined;
    try {
      status = require('node:fs').readFileSync('/proc/self/status', 'utf8') as string;
    } catch {
      return undefined;
    }
  }
  const list = /^Cpus_allowed_list:\s*(.*)$/m.exec(status)?.[1];
  const cpus = list === undefined ? [] : parseCpuList(list);
  return cpus.length > 0 ? cpus : undefined;
}

/**
 * The CPU the k-th worker started is pinned to: the allowed CPUs after the first, in turn, then
 * the first; none when workers outnumber the CPUs (the kernel places them) or none are known.
 */
export function workerCpu(k: number, workers: number, cpus: readonly number[] | undefined): number | undefined {
  if (!cpus || workers > cpus.length) return undefined;
  return cpus[(k + 1) % cpus.length];
}

/**
 * Run in the worker (as source text: it must stay self-contained): every thread of this process,
 * and so every thread they start, on `cpu`, through the C library's sched_setaffinity (koffi).
 * True when all were pinned; false, and the kernel's placement kept, when any could not be.
 */
export function pinThisProcess(
  cpu: number,
  koffi: () => { load(name: string): { func(signature: string): (...args: unknown[]) => number } },
  tasks: () => string[],
): boolean {
  try {
    const set = koffi().load('libc.so.6').func('int sched_setaffinity(int, size_t, const uint8_t *)');
    const mask = new Uint8Array(Math.max(128, (cpu >> 3) + 1));
    mask[cpu >> 3] = 1 << (cpu & 7);
    let all = true;
    for (const tid of tasks()) all = set(Number(tid), mask.length, mask) === 0 && all;
    return all;
  } catch {
    return false; // no koffi, no such CPU: the kernel places this process
  }
}
