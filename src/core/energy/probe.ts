import { accessSync, constants as fsConstants, readdirSync, readFileSync } from 'node:fs';
import { join, posix, win32 } from 'node:path';
import type { Component, Provenance } from './provenance';

/**
 * Which hardware power sources this machine offers, and why the missing ones are missing.
 * It only looks (directory listings, one read per RAPL counter); the meter loads and reads them.
 */

export type SourceName = 'nvml' | 'nvidia-smi' | 'rapl';

/**
 * - ready: a reading was taken just now.
 * - found: present; it is loaded and verified when the meter starts.
 * - denied: present but not readable by this user (`fix` says what to do).
 * - absent: not on this machine.
 * - unsupported: does not exist on this platform.
 */
export type SourceState = 'ready' | 'found' | 'denied' | 'absent' | 'unsupported';

export interface PowerSourceStatus {
  component: Component;
  name: SourceName;
  /** What a reading from this source is, once it is read. */
  kind: Provenance;
  state: SourceState;
  detail: string;
  fix?: string;
  /** The library or executable found, where there is one. */
  path?: string;
}

export interface ProbeFs {
  readdir(dir: string): Promise<string[]>;
  readFile(file: string): Promise<string>;
  /** Resolves true when the file exists (and, for `executable`, may be run). */
  exists(file: string, executable?: boolean): Promise<boolean>;
}

export interface ProbeEnvironment {
  platform: NodeJS.Platform;
  /** Root of sysfs, `/sys` on a real machine; tests point it at a fake tree. */
  sysfsRoot: string;
  env: Record<string, string | undefined>;
  fs: ProbeFs;
}

/**
 * Node's file system for the probes, whose files are sysfs counters of a few bytes, folders of a
 * few entries and library paths: read synchronously (microseconds each) behind the promises of
 * ProbeFs, with no trip through libuv's thread pool per file (which also started the pool's
 * threads, and loaded node:fs/promises, at every `carbonlens run`).
 */
export const nodeProbeFs: ProbeFs = {
  readdir: async (dir) => readdirSync(dir),
  readFile: async (file) => readFileSync(file, 'utf8'),
  exists: async (file, executable) => {
    try {
      accessSync(file, executable ? fsConstants.X_OK : fsConstants.F_OK);
      return true;
    } catch {
      return false;
    }
  },
};

export function currentProbeEnvironment(): ProbeEnvironment {
  return { platform: process.platform, sysfsRoot: '/sys', env: process.env, fs: nodeProbeFs };
}

export async function probePowerSources(
  probe: ProbeEnvironment = currentProbeEnvironment(),
): Promise<PowerSourceStatus[]> {
  return Promise.all([probeNvml(probe), probeNvidiaSmi(probe), probeRapl(probe)]);
}

const RAPL_FIX_NOW = 'sudo chmod a+r /sys/class/powercap/intel-rapl:*/energy_uj';
const RAPL_FIX_PERSIST =
  "echo 'z /sys/class/powercap/intel-rapl:*/energy_uj 0444 - - -' | sudo tee /etc/tmpfiles.d/carbonlens-rapl.conf";

export async function probeRapl(probe: ProbeEnvironment): Promise<PowerSourceStatus> {
  const base = { component: 'cpu', name: 'rapl', kind: 'measured' } as const;
  if (probe.platform !== 'linux') {
    return {
      ...base,
      state: 'unsupported',
      detail: 'RAPL counters are read on Linux only; the CPU figure will be estimated.',
    };
  }
  const powercap = join(probe.sysfsRoot, 'class', 'powercap');
  let entries: string[];
  try {
    entries = await probe.fs.readdir(powercap);
  } catch {
    return {
      ...base,
      state: 'absent',
      detail: `${powercap} does not exist (no powercap driver: a VM, a container or an old kernel).`,
    };
  }
  const domains = entries.filter((e) => /^intel-rapl(-mmio)?:\d+(:\d+)?$/.test(e)).sort();
  if (domains.length === 0) {
    return {
      ...base,
      state: 'absent',
      detail: `No RAPL domains under ${powercap} (this CPU or VM does not expose them).`,
    };
  }
  const readable: string[] = [];
  const denied: string[] = [];
  const broken: string[] = [];
  for (const domain of domains) {
    const dir = join(powercap, domain);
    const name = (await probe.fs.readFile(join(dir, 'name')).catch(() => domain)).trim();
    const label = `${name} (${domain})`;
    try {
      const raw = (await probe.fs.readFile(join(dir, 'energy_uj'))).trim();
      if (/^\d+$/.test(raw)) readable.push(label);
      else broken.push(`${label}: unexpected value "${raw.slice(0, 20)}"`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') denied.push(label);
      else broken.push(`${label}: ${code ?? String(err)}`);
    }
  }
  if (readable.length > 0) {
    const notes = [...denied.map((d) => `${d}: permission denied`), ...broken];
    return {
      ...base,
      state: 'ready',
      detail: `Readable domains: ${readable.join(', ')}.${notes.length ? ` Not readable: ${notes.join('; ')}.` : ''}`,
    };
  }
  if (denied.length > 0) {
    return {
      ...base,
      state: 'denied',
      detail: `RAPL counters exist (${denied.join(', ')}) but only root may read them (Linux restricts them since 2020, CVE-2020-8694). The CPU figure will be estimated until they are readable.`,
      fix: `Run \`${RAPL_FIX_NOW}\` (until the next reboot), or make it permanent with \`${RAPL_FIX_PERSIST}\` and reboot.`,
    };
  }
  return { ...base, state: 'absent', detail: `RAPL domains could not be read: ${broken.join('; ')}.` };
}

export function nvmlCandidates(probe: ProbeEnvironment): string[] {
  const env = probe.env;
  if (probe.platform === 'win32') {
    const systemRoot = env.SystemRoot ?? env.SYSTEMROOT ?? 'C:\\Windows';
    const programFiles = env.ProgramFiles ?? env.PROGRAMFILES ?? 'C:\\Program Files';
    return [
      win32.join(systemRoot, 'System32', 'nvml.dll'),
      win32.join(programFiles, 'NVIDIA Corporation', 'NVSMI', 'nvml.dll'),
    ];
  }
  if (probe.platform !== 'linux') return [];
  const dirs = [
    ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/nvidia/lib64',
    '/usr/lib/wsl/lib',
  ];
  // CUDA's stubs/ folder holds a link-time stand-in that fails at run time: never a candidate.
  return [...new Set(dirs)]
    .filter((d) => !d.split(/[\\/]/).includes('stubs'))
    .map((d) => posix.join(d, 'libnvidia-ml.so.1'));
}

export async function probeNvml(probe: ProbeEnvironment): Promise<PowerSourceStatus> {
  const base = { component: 'gpu', name: 'nvml', kind: 'measured' } as const;
  const candidates = nvmlCandidates(probe);
  if (candidates.length === 0) {
    return { ...base, state: 'unsupported', detail: `NVIDIA's NVML does not exist on ${probe.platform}.` };
  }
  for (const file of candidates) {
    if (await probe.fs.exists(file)) {
      return {
        ...base,
        state: 'found',
        path: file,
        detail: `NVML library at ${file}; its energy counter is read when the meter starts.`,
      };
    }
  }
  return { ...base, state: 'absent', detail: 'No NVML library (no NVIDIA driver installed).' };
}

export async function probeNvidiaSmi(probe: ProbeEnvironment): Promise<PowerSourceStatus> {
  const base = { component: 'gpu', name: 'nvidia-smi', kind: 'sampled' } as const;
  if (probe.platform === 'darwin') {
    return { ...base, state: 'unsupported', detail: 'nvidia-smi does not exist on macOS.' };
  }
  const exe = probe.platform === 'win32' ? 'nvidia-smi.exe' : 'nvidia-smi';
  const separator = probe.platform === 'win32' ? ';' : ':';
  const dirs = (probe.env.PATH ?? probe.env.Path ?? '').split(separator).filter(Boolean);
  for (const dir of dirs) {
    const file = (probe.platform === 'win32' ? win32 : posix).join(dir, exe);
    if (await probe.fs.exists(file, probe.platform !== 'win32')) {
      return {
        ...base,
        state: 'found',
        path: file,
        detail: `${file}; used for power samples only when NVML cannot be loaded.`,
      };
    }
  }
  return { ...base, state: 'absent', detail: `${exe} is not on PATH.` };
}
