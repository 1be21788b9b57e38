import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { type GpuBoard, type GpuRequest, gpuRequest, selectGpus } from './gpuSelection';
import type { EnergySource, OpenedSources } from './source';
import { monotonicMs } from '../clock';

/**
 * NVIDIA GPUs when NVML cannot be loaded: one long-running `nvidia-smi ... -lms N` child whose
 * CSV lines are parsed as they arrive (never a process per sample). nvidia-smi has no energy
 * counter, so windows are power x time: `sampled`. `power.draw.instant` is preferred;
 * `power.draw` (a one-second average on Ampere and newer) only where the driver lacks it.
 */

const FIELDS = ['index', 'POWER', 'utilization.gpu', 'memory.used', 'memory.total', 'power.limit'];
const LIST_TIMEOUT_MS = 15_000;

interface GpuLine {
  powerW: number;
  utilizationPercent?: number;
  memoryUsedBytes?: number;
  memoryTotalBytes?: number;
  powerLimitW?: number;
  at: number;
}

const num = (s: string | undefined) => {
  const v = Number(s?.trim());
  return s !== undefined && /^\s*[\d.]+\s*$/.test(s) && Number.isFinite(v) ? v : undefined;
};

/** One line of `--format=csv,noheader,nounits` in FIELDS' order; undefined when malformed. */
export function parseSmiLine(line: string, at: number): { index: number; reading: GpuLine } | undefined {
  const f = line.split(',');
  const index = num(f[0]);
  const powerW = num(f[1]);
  if (f.length !== FIELDS.length || index === undefined || !Number.isInteger(index) || powerW === undefined)
    return undefined;
  const mib = (s: string | undefined) => (num(s) === undefined ? undefined : num(s)! * 1024 * 1024);
  return {
    index,
    reading: {
      powerW,
      utilizationPercent: num(f[2]),
      memoryUsedBytes: mib(f[3]),
      memoryTotalBytes: mib(f[4]),
      powerLimitW: num(f[5]),
      at,
    },
  };
}

function run(exe: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(exe, args, { timeout: LIST_TIMEOUT_MS, windowsHide: true }, (err, stdout, stderr) => {
      if (err)
        reject(
          new Error(
            `${
              String(stderr || stdout)
                .trim()
                .split('\n')[0] || err.message
            }`,
          ),
        );
      else resolve(stdout);
    });
  });
}

/** One line of the listing: index, name, power, then uuid, pci.bus_id and mig.mode.current where asked. */
export function parseSmiListing(listing: string): GpuBoard[] {
  return listing
    .split('\n')
    .map((l) => l.split(',').map((s) => s.trim()))
    .filter((f) => f.length >= 2 && /^\d+$/.test(f[0]!))
    .map((f): GpuBoard => {
      const [index, name, , uuid, pciBusId, mig] = f;
      return {
        index: Number(index),
        name: name!,
        ...(uuid?.startsWith('GPU-') && { uuid }),
        ...(pciBusId && /^[0-9a-f]+:[0-9a-f]+:[0-9a-f]+\.[0-9a-f]$/i.test(pciBusId) && { pciBusId }),
        ...(mig === 'Enabled' && { mig: true }),
      };
    });
}

/** `nvidia-smi -L`'s MIG lines, each under its GPU's line: the MIG devices' UUIDs per board UUID. */
export function parseMigList(text: string): Map<string, string[]> {
  const byBoard = new Map<string, string[]>();
  let board: string | undefined;
  for (const line of text.split('\n')) {
    const gpu = /^GPU \d+:.*\(UUID: (GPU-[^)\s]+)\)/.exec(line);
    const mig = /^\s+MIG .*\(UUID: (MIG-[^)\s]+)\)/.exec(line);
    if (gpu) board = gpu[1];
    else if (mig && board) byBoard.set(board, [...(byBoard.get(board) ?? []), mig[1]!]);
  }
  return byBoard;
}

/** Lists the GPUs (one short process), selects those `request` asks for, then starts the stream. */
export async function openNvidiaSmiSources(
  exe: string,
  intervalMs: number,
  request: GpuRequest = gpuRequest(undefined, ''),
): Promise<OpenedSources> {
  let powerField = 'power.draw.instant';
  let listing: string;
  const list = (fields: string) => run(exe, [`--query-gpu=${fields}`, '--format=csv,noheader,nounits']);
  try {
    listing = await list('index,name,power.draw.instant,uuid,pci.bus_id,mig.mode.current');
  } catch (e) {
    if (!/not a valid field|invalid|unknown/i.test((e as Error).message)) {
      return { sources: [], notes: [`nvidia-smi could not list the GPUs: ${(e as Error).message}`] };
    }
    powerField = 'power.draw';
    try {
      listing = await list('index,name,power.draw,uuid,pci.bus_id');
    } catch (e2) {
      return { sources: [], notes: [`nvidia-smi could not list the GPUs: ${(e2 as Error).message}`] };
    }
  }
  const boards = parseSmiListing(listing);
  if (boards.length === 0) return { sources: [], notes: ['nvidia-smi lists no GPU.'] };
  if (boards.some((b) => b.mig)) {
    // MIG devices are named in CUDA_VISIBLE_DEVICES by their own UUIDs: `-L` lists them under their board.
    const migs = parseMigList(await run(exe, ['-L']).catch(() => ''));
    for (const b of boards) if (b.mig && b.uuid) b.migDevices = migs.get(b.uuid) ?? [];
  }
  const selection = selectGpus(boards, request);
  const gpus = boards.filter((b) => selection.metered.some((m) => m.index === b.index));
  if (gpus.length === 0) return { sources: [], notes: selection.notes, gpus: selection };

  const stream = new SmiStream(exe, powerField, intervalMs);
  let open = gpus.length;
  const averaged =
    powerField === 'power.draw' ? ' (a one-second average on Ampere and newer: short bursts are smoothed)' : '';
  const sources = gpus.map(
    ({ index, name }): EnergySource => ({
      id: `nvidia-smi:${index}`,
      component: 'gpu',
      name: `${name} #${index}`,
      kind: 'sampled',
      detail: `nvidia-smi ${powerField}${averaged}, streamed every ${intervalMs} ms by one child process; no energy counter, so windows are power x time.`,
      power: () => stream.latest(index)?.powerW,
      stats: () => {
        const { powerW: _, at: __, ...stats } = stream.latest(index) ?? { powerW: 0, at: 0 };
        return stats;
      },
      setInterval: (ms) => stream.restart(ms),
      close: () => void (--open === 0 && stream.close()),
    }),
  );
  const notes = [
    `NVML unavailable: GPU power comes from nvidia-smi's ${powerField}, sampled, not from an energy counter.`,
    ...selection.notes,
  ];
  return { sources, notes, gpus: selection };
}

/**
 * On POSIX nvidia-smi runs under a small shell that reads our end of a pipe: when that pipe
 * closes (we closed it, or this process died, even by SIGKILL) it sends SIGTERM, then SIGKILL
 * after a grace period, so no nvidia-smi outlives us, and one that ignores SIGTERM still ends.
 */
const SUPERVISOR = [
  'exec 3<&0',
  '"$@" 0</dev/null 3<&- & p=$!',
  '( cat >/dev/null; kill -TERM $p 2>/dev/null; i=0; while [ $i -lt 20 ] && kill -0 $p 2>/dev/null; do sleep 0.1; i=$((i+1)); done; kill -KILL $p 2>/dev/null ) 0<&3 3<&- >/dev/null 2>&1 &',
  'exec 3<&-',
  'wait $p',
].join('\n');

function spawnSupervised(exe: string, args: string[]): ChildProcess {
  if (process.platform === 'win32') return spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  return spawn('/bin/sh', ['-c', SUPERVISOR, 'nvidia-smi', exe, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Lets the child go: its supervisor ends it; nothing of it holds this process open. */
function release(child: ChildProcess) {
  if (child.stdin) child.stdin.destroy();
  else child.kill();
  child.stdout?.destroy();
  child.stderr?.destroy();
  child.unref();
}

/** The child process and the latest line per GPU. */
export class SmiStream {
  private child: ChildProcess | undefined;
  private readonly readings = new Map<number, GpuLine>();
  private closed = false;
  /** Lines that did not parse; kept for the log, never fatal. */
  malformedLines = 0;
  lastError: string | undefined;
  private readonly killOnExit = () => this.child && release(this.child);

  constructor(
    private readonly exe: string,
    private readonly powerField: string,
    private intervalMs: number,
  ) {
    process.once('exit', this.killOnExit);
    this.start();
  }

  private start() {
    const args = [
      `--query-gpu=${FIELDS.map((f) => (f === 'POWER' ? this.powerField : f)).join(',')}`,
      '--format=csv,noheader,nounits',
      `-lms`,
      String(this.intervalMs),
    ];
    const child = spawnSupervised(this.exe, args);
    this.child = child;
    child.stdin?.on('error', () => {});
    child.on('error', (e) => (this.lastError = e.message));
    child.stderr!.on('data', (d: Buffer) => (this.lastError = d.toString().trim().split('\n')[0]));
    // node:readline on use: only where nvidia-smi runs.
    (require('node:readline') as typeof import('node:readline'))
      .createInterface({ input: child.stdout! })
      .on('line', (line) => {
        const parsed = parseSmiLine(line, monotonicMs());
        if (parsed) this.readings.set(parsed.index, parsed.reading);
        else if (line.trim()) this.malformedLines++;
      });
    child.on('exit', (code) => {
      if (this.child === child && !this.closed) this.lastError ??= `nvidia-smi exited (${code})`;
      child.stdin?.destroy();
    });
  }

  /** The latest reading, or undefined when none is fresh (a hung or dead child gives gaps, not stale values). */
  latest(index: number): GpuLine | undefined {
    const r = this.readings.get(index);
    const staleAfter = Math.max(3 * this.intervalMs, 3000);
    return r && monotonicMs() - r.at <= staleAfter ? r : undefined;
  }

  restart(intervalMs: number) {
    if (this.closed || intervalMs === this.intervalMs) return;
    this.intervalMs = intervalMs;
    const old = this.child;
    this.child = undefined;
    if (old) release(old);
    this.start();
  }

  close() {
    this.closed = true;
    process.off('exit', this.killOnExit);
    if (this.child) release(this.child);
    this.child = undefined;
  }
}
