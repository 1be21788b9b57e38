import { type GpuBoard, type GpuRequest, GpuSelectionError, gpuRequest, selectGpus } from './gpuSelection';
import { currentProbeEnvironment, nvmlCandidates, type ProbeEnvironment } from './probe';
import type { EnergySource, OpenedSources } from './source';

/**
 * NVIDIA GPUs through NVML, loaded with koffi on first use (never at activation).
 * Windows use the board's total energy counter (`nvmlDeviceGetTotalEnergyConsumption`, mJ since
 * the driver loaded, Volta and newer): exact for any window length, like Zeus. The live view
 * reads instantaneous power (`NVML_FI_DEV_POWER_INSTANT`) where the driver has it, else
 * `nvmlDeviceGetPowerUsage`, which Ampere and newer average over one second.
 */

export class NvmlError extends Error {
  constructor(
    readonly fn: string,
    readonly code: number,
    text: string,
  ) {
    super(`${fn} failed: ${text} (NVML error ${code})`);
  }
}
export const NVML_ERROR_NOT_SUPPORTED = 3;

/** The NVML calls CarbonLens makes; koffi implements it, tests pass a fake. */
export interface NvmlBinding {
  readonly libraryPath: string;
  deviceCount(): number;
  name(index: number): string;
  /** `GPU-...`; optional: fakes may lack it. */
  uuid?(index: number): string;
  /** `00000000:3B:00.0` (nvmlDeviceGetPciInfo_v3). */
  pciBusId?(index: number): string;
  /** Whether MIG mode is on, and the MIG devices' UUIDs; undefined where the board has no MIG. */
  mig?(index: number): { enabled: boolean; devices: string[] } | undefined;
  /** mW; `nvmlDeviceGetPowerUsage`. */
  powerMw(index: number): number;
  /** mW from NVML_FI_DEV_POWER_INSTANT; undefined where the driver lacks the field. */
  instantPowerMw(index: number): number | undefined;
  /** mJ since the driver loaded. Async: on some VMs one call takes milliseconds. */
  totalEnergyMj(index: number): Promise<number>;
  utilization(index: number): { gpuPercent: number; memoryPercent: number };
  memory(index: number): { usedBytes: number; totalBytes: number };
  powerLimitMw(index: number): number;
  /**
   * SM utilisation per process since `sinceUs` (NVML's CPU timestamp, µs), from
   * `nvmlDeviceGetProcessUtilization`; optional: fakes and old drivers may lack it.
   */
  processUtilization?(index: number, sinceUs: bigint): { pid: number; smUtil: number; timeStampUs: bigint }[];
  shutdown(): void;
}

/** sizeof(nvmlProcessUtilizationSample_t): pid (u32, padded to 8), timeStamp (u64), sm, mem, enc, dec (u32). */
const PROCESS_SAMPLE_SIZE = 32;
const NVML_ERROR_INSUFFICIENT_SIZE = 7;
const NVML_ERROR_NOT_FOUND = 6;

const NVML_FI_DEV_POWER_INSTANT = 186;
/** sizeof(nvmlPciInfo_t), v3, is 68 (busIdLegacy[16], five unsigned ints, busId[32]); room to spare. */
const PCI_INFO_SIZE = 128;
/** sizeof(nvmlFieldValue_t): fieldId, scopeId (u32), timestamp, latencyUsec (i64), valueType, nvmlReturn (i32), value (8-byte union). */
const FIELD_VALUE_SIZE = 40;

/**
 * The value of an nvmlFieldValue_t by its valueType (nvml.h's nvmlValueType_t): 0 double,
 * 1 unsigned int, 2 unsigned long (8 bytes on LP64, 4 on Windows), 3 unsigned long long,
 * 4 signed long long, 5 signed int, 6 unsigned short; undefined for a type nvml.h does not define.
 */
export function fieldValue(field: Buffer, platform: NodeJS.Platform = process.platform): number | undefined {
  const at = 32;
  switch (field.readInt32LE(24)) {
    case 0:
      return field.readDoubleLE(at);
    case 1:
      return field.readUInt32LE(at);
    case 2:
      return platform === 'win32' ? field.readUInt32LE(at) : Number(field.readBigUInt64LE(at));
    case 3:
      return Number(field.readBigUInt64LE(at));
    case 4:
      return Number(field.readBigInt64LE(at));
    case 5:
      return field.readInt32LE(at);
    case 6:
      return field.readUInt16LE(at);
    default:
      return undefined;
  }
}

type Koffi = typeof import('koffi');
type Library = ReturnType<Koffi['load']>;

/** NVML's functions as koffi calls them; those an older driver lacks are undefined. */
function declareFunctions(koffi: Koffi, lib: Library) {
  const device = koffi.pointer(koffi.opaque());
  const uint = 'unsigned int';
  const ull = 'unsigned long long';
  const out = (t: string | ReturnType<typeof koffi.opaque>) => koffi.out(koffi.pointer(t));
  const fn = {
    init: lib.func('nvmlInit_v2', 'int', []),
    shutdown: lib.func('nvmlShutdown', 'int', []),
    errorString: lib.func('nvmlErrorString', 'const char *', ['int']),
    count: lib.func('nvmlDeviceGetCount_v2', 'int', [out(uint)]),
    handle: lib.func('nvmlDeviceGetHandleByIndex_v2', 'int', [uint, out(device)]),
    name: lib.func('nvmlDeviceGetName', 'int', [device, 'void *', uint]),
    power: lib.func('nvmlDeviceGetPowerUsage', 'int', [device, out(uint)]),
    energy: lib.func('nvmlDeviceGetTotalEnergyConsumption', 'int', [device, out(ull)]),
    utilization: lib.func('nvmlDeviceGetUtilizationRates', 'int', [
      device,
      out(koffi.struct({ gpu: uint, memory: uint })),
    ]),
    memory: lib.func('nvmlDeviceGetMemoryInfo', 'int', [
      device,
      out(koffi.struct({ total: ull, free: ull, used: ull })),
    ]),
    powerLimit: lib.func('nvmlDeviceGetEnforcedPowerLimit', 'int', [device, out(uint)]),
    fieldValues: lib.func('nvmlDeviceGetFieldValues', 'int', [device, 'int', 'void *']),
  };
  // A board's identity, for choosing boards: optional, so an old driver without one still meters.
  const optionalFunc = (name: string, args: Parameters<typeof lib.func>[3]) => {
    try {
      return lib.func(name, 'int', args);
    } catch {
      return undefined;
    }
  };
  const uuidFn = optionalFunc('nvmlDeviceGetUUID', [device, 'void *', uint]);
  // nvmlPciInfo_t is read as bytes: its busId (32 chars) is at offset 36.
  const pciInfoFn = optionalFunc('nvmlDeviceGetPciInfo_v3', [device, 'void *']);
  // MIG calls exist from R450 on: without them, no board is said to be in MIG mode.
  let migFn:
    | {
        mode: ReturnType<typeof lib.func>;
        max: ReturnType<typeof lib.func>;
        handle: ReturnType<typeof lib.func>;
      }
    | undefined;
  try {
    migFn = {
      mode: lib.func('nvmlDeviceGetMigMode', 'int', [device, out(uint), out(uint)]),
      max: lib.func('nvmlDeviceGetMaxMigDeviceCount', 'int', [device, out(uint)]),
      handle: lib.func('nvmlDeviceGetMigDeviceHandleByIndex', 'int', [device, uint, out(device)]),
    };
  } catch {
    migFn = undefined;
  }
  // Older drivers lack it: then no per-process figures, and attribution says so.
  let processUtilizationFn: ReturnType<typeof lib.func> | undefined;
  try {
    // The count goes in (the buffer's room) and comes out (the samples): inout, not out.
    processUtilizationFn = lib.func('nvmlDeviceGetProcessUtilization', 'int', [
      device,
      'void *',
      koffi.inout(koffi.pointer(uint)),
      ull,
    ]);
  } catch {
    processUtilizationFn = undefined;
  }
  return { fn, uuidFn, pciInfoFn, migFn, processUtilizationFn };
}

type Functions = ReturnType<typeof declareFunctions>;

/** A board's MIG mode and its MIG devices' UUIDs; undefined where the board does not say. */
function migOf(m: NonNullable<Functions['migFn']>, uuidFn: Functions['uuidFn'], board: unknown) {
  const box = <T>(): [T | null] => [null];
  const [current, pendingMode, max] = [box<number>(), box<number>(), box<number>()];
  if (m.mode(board, current, pendingMode) !== 0) return undefined;
  if (current[0] !== 1) return { enabled: false, devices: [] };
  const devices: string[] = [];
  if (m.max(board, max) === 0)
    for (let k = 0; k < Number(max[0]); k++) {
      const h = box<unknown>();
      // An empty slot answers NOT_FOUND: skipped.
      if (m.handle(board, k, h) !== 0) continue;
      const buf = Buffer.alloc(96);
      if (uuidFn?.(h[0], buf, buf.length) === 0)
        devices.push(buf.toString('utf8', 0, Math.max(0, buf.indexOf(0))).trim());
    }
  return { enabled: true, devices };
}

/** The processes' SM utilisation samples on a board since `sinceUs` (sized by a first call). */
function processSamples(
  call: NonNullable<Functions['processUtilizationFn']>,
  check: (name: string, code: number) => void,
  board: unknown,
  sinceUs: bigint,
) {
  const count = [0];
  let code = call(board, null, count, sinceUs);
  // NOT_FOUND: no process used the GPU since then.
  if (code === NVML_ERROR_NOT_FOUND || (code === 0 && count[0] === 0)) return [];
  if (code !== NVML_ERROR_INSUFFICIENT_SIZE && code !== 0) check('nvmlDeviceGetProcessUtilization', code);
  const buf = Buffer.alloc(PROCESS_SAMPLE_SIZE * Math.max(1, count[0]!));
  code = call(board, buf, count, sinceUs);
  if (code === NVML_ERROR_NOT_FOUND) return [];
  check('nvmlDeviceGetProcessUtilization', code);
  return Array.from({ length: count[0]! }, (_, i) => ({
    pid: buf.readUInt32LE(i * PROCESS_SAMPLE_SIZE),
    timeStampUs: buf.readBigUInt64LE(i * PROCESS_SAMPLE_SIZE + 8),
    smUtil: buf.readUInt32LE(i * PROCESS_SAMPLE_SIZE + 16),
  }));
}

/**
 * A board's energy counter, mJ, read on koffi's worker thread (the call can take a while); kept in
 * `pending` until it settles, so that NVML is not unloaded under it.
 */
function energyCounter(fn: Functions['fn'], board: unknown, pending: Set<Promise<number>>): Promise<number> {
  const call = new Promise<number>((resolve, reject) => {
    const v: [number | bigint | null] = [null];
    fn.energy.async(board, v, (err: unknown, code: number) => {
      pending.delete(call);
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else if (code !== 0)
        reject(new NvmlError('nvmlDeviceGetTotalEnergyConsumption', code, String(fn.errorString(code))));
      else resolve(Number(v[0]));
    });
  });
  pending.add(call);
  return call;
}

/** A board's PCI bus id, from nvmlPciInfo_t read as bytes: busId (32 chars) at offset 36, else the legacy one. */
function pciBusIdOf(
  pciInfoFn: NonNullable<Functions['pciInfoFn']>,
  check: (name: string, code: number) => void,
  board: unknown,
): string {
  const buf = Buffer.alloc(PCI_INFO_SIZE);
  check('nvmlDeviceGetPciInfo_v3', pciInfoFn(board, buf));
  const at = (offset: number, length: number) => {
    const s = buf.subarray(offset, offset + length);
    return s.toString('utf8', 0, s.indexOf(0) < 0 ? length : s.indexOf(0)).trim();
  };
  return at(36, 32) || at(0, 16);
}

/** Loads libnvidia-ml / nvml.dll and initialises it; throws an Error that says why not. */
export async function loadNvmlBinding(libraryPath: string): Promise<NvmlBinding> {
  // require, not import(): koffi is a native CommonJS module, loaded here on first use only.
  const koffi = require('koffi') as typeof import('koffi');
  const lib = koffi.load(libraryPath);
  const { fn, uuidFn, pciInfoFn, migFn, processUtilizationFn } = declareFunctions(koffi, lib);
  let closed = false;
  const check = (name: string, code: number) => {
    if (code !== 0) throw new NvmlError(name, code, String(fn.errorString(code) ?? 'unknown error'));
  };
  try {
    check('nvmlInit_v2', fn.init());
  } catch (e) {
    lib.unload();
    throw e;
  }
  const box = <T>(): [T | null] => [null];

  const handles: unknown[] = [];
  const handle = (index: number) => {
    // A call into an unloaded library would crash the process: refuse it instead.
    if (closed) throw new Error('NVML has been shut down.');
    if (handles[index] === undefined) {
      const h = box<unknown>();
      check('nvmlDeviceGetHandleByIndex_v2', fn.handle(index, h));
      handles[index] = h[0];
    }
    return handles[index];
  };
  const uintOut = (call: typeof fn.power, name: string, index: number) => {
    const v = box<number>();
    check(name, call(handle(index), v));
    return Number(v[0]);
  };
  const text = (call: (buf: Buffer) => number, name: string, size = 96) => {
    const buf = Buffer.alloc(size);
    check(name, call(buf));
    return buf.toString('utf8', 0, Math.max(0, buf.indexOf(0))).trim();
  };
  const field = Buffer.alloc(FIELD_VALUE_SIZE);
  const pending = new Set<Promise<number>>();
  let instantSupported = true;

  return {
    libraryPath,
    deviceCount() {
      const n = box<number>();
      check('nvmlDeviceGetCount_v2', fn.count(n));
      return Number(n[0]);
    },
    name: (index) => text((b) => fn.name(handle(index), b, b.length), 'nvmlDeviceGetName'),
    ...(uuidFn && {
      uuid: (index: number) => text((b) => uuidFn(handle(index), b, b.length), 'nvmlDeviceGetUUID'),
    }),
    ...(pciInfoFn && { pciBusId: (index: number) => pciBusIdOf(pciInfoFn, check, handle(index)) }),
    ...(migFn && { mig: (index: number) => migOf(migFn, uuidFn, handle(index)) }),
    powerMw: (index) => uintOut(fn.power, 'nvmlDeviceGetPowerUsage', index),
    instantPowerMw(index) {
      if (!instantSupported) return undefined;
      field.fill(0);
      field.writeUInt32LE(NVML_FI_DEV_POWER_INSTANT, 0);
      const code = fn.fieldValues(handle(index), 1, field);
      const fieldCode = field.readInt32LE(28);
      if (code !== 0 || fieldCode !== 0) {
        instantSupported = false; // an older driver: say so once through `undefined`, then stop asking
        return undefined;
      }
      return fieldValue(field);
    },
    totalEnergyMj: (index) => energyCounter(fn, handle(index), pending),
    ...(processUtilizationFn && {
      processUtilization: (index: number, sinceUs: bigint) =>
        processSamples(processUtilizationFn, check, handle(index), sinceUs),
    }),
    utilization(index) {
      const v = box<{ gpu: number; memory: number }>();
      check('nvmlDeviceGetUtilizationRates', fn.utilization(handle(index), v));
      return { gpuPercent: v[0]!.gpu, memoryPercent: v[0]!.memory };
    },
    memory(index) {
      const v = box<{ total: number | bigint; used: number | bigint }>();
      check('nvmlDeviceGetMemoryInfo', fn.memory(handle(index), v));
      return { usedBytes: Number(v[0]!.used), totalBytes: Number(v[0]!.total) };
    },
    powerLimitMw: (index) => uintOut(fn.powerLimit, 'nvmlDeviceGetEnforcedPowerLimit', index),
    shutdown() {
      if (closed) return;
      closed = true;
      // An energy read may still be running on koffi's worker thread: unload after it settles.
      void Promise.allSettled(pending).then(() => {
        fn.shutdown();
        lib.unload();
      });
    },
  };
}

/**
 * Finds and loads NVML, lists its boards, and opens one source per board the request selects
 * (default: the environment's CUDA_VISIBLE_DEVICES). No NVML: no sources and a note saying
 * why. A list naming no board of this machine throws a GpuSelectionError.
 */
export async function openNvmlSources(
  probe: ProbeEnvironment = currentProbeEnvironment(),
  load: (path: string) => Promise<NvmlBinding> = loadNvmlBinding,
  request: GpuRequest = gpuRequest(undefined, '', probe.env),
): Promise<OpenedSources & { binding?: NvmlBinding }> {
  const failures: string[] = [];
  for (const file of nvmlCandidates(probe)) {
    if (!(await probe.fs.exists(file))) continue;
    let binding: NvmlBinding;
    try {
      binding = await load(file);
    } catch (e) {
      failures.push(`${file}: ${(e as Error).message}`);
      continue;
    }
    try {
      const boards = nvmlBoards(binding);
      if (boards.length === 0) {
        binding.shutdown();
        return { sources: [], notes: [`NVML loaded from ${file} but reports no GPU.`] };
      }
      const gpus = selectGpus(boards, request);
      const sources = await nvmlSources(
        binding,
        gpus.metered.map((b) => b.index),
      );
      if (sources.length === 0) binding.shutdown();
      return { sources, notes: gpus.notes, gpus, ...(sources.length > 0 && { binding }) };
    } catch (e) {
      binding.shutdown();
      if (e instanceof GpuSelectionError) throw e;
      failures.push(`${file}: ${(e as Error).message}`);
    }
  }
  return { sources: [], notes: failures.length ? [`NVML could not be used (${failures.join('; ')}).`] : [] };
}

/** Every board NVML lists, with its UUID, PCI bus id and MIG mode where the driver gives them. */
export function nvmlBoards(nvml: NvmlBinding): GpuBoard[] {
  const optional = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch {
      return undefined;
    }
  };
  return Array.from({ length: nvml.deviceCount() }, (_, index): GpuBoard => {
    const uuid = nvml.uuid && optional(() => nvml.uuid!(index));
    const pciBusId = nvml.pciBusId && optional(() => nvml.pciBusId!(index));
    const mig = nvml.mig && optional(() => nvml.mig!(index));
    return {
      index,
      name: nvml.name(index),
      ...(uuid && { uuid }),
      ...(pciBusId && { pciBusId }),
      ...(mig?.enabled && { mig: true, migDevices: mig.devices }),
    };
  });
}

/** One source per board in `indices` (default: every board). */
export async function nvmlSources(
  nvml: NvmlBinding,
  indices: readonly number[] = Array.from({ length: nvml.deviceCount() }, (_, i) => i),
): Promise<EnergySource[]> {
  const sources: EnergySource[] = [];
  let open = indices.length;
  for (const index of indices) {
    const name = nvml.name(index);
    // Pre-Volta boards have no energy counter: their windows are power x time, and say so.
    const hasCounter = await nvml.totalEnergyMj(index).then(
      () => true,
      (e) => {
        if (e instanceof NvmlError && e.code === NVML_ERROR_NOT_SUPPORTED) return false;
        throw e;
      },
    );
    const instant = nvml.instantPowerMw(index) !== undefined;
    // NVML's timestamps are µs of CPU time since the epoch: only samples from now on.
    let lastProcessSample = BigInt(Date.now()) * 1000n;
    const powerField = instant
      ? 'instantaneous power (NVML_FI_DEV_POWER_INSTANT)'
      : 'power from nvmlDeviceGetPowerUsage';
    sources.push({
      id: `nvml:${index}`,
      component: 'gpu',
      name: `${name} #${index}`,
      kind: hasCounter ? 'measured' : 'sampled',
      detail: hasCounter
        ? `NVML total energy counter of GPU ${index} for windows; ${powerField} for the live view.`
        : `GPU ${index} has no NVML energy counter (pre-Volta): windows integrate ${powerField}.`,
      power: () => ((instant ? nvml.instantPowerMw(index) : undefined) ?? nvml.powerMw(index)) / 1000,
      ...(hasCounter && { energy: async () => (await nvml.totalEnergyMj(index)) / 1000 }),
      ...(nvml.processUtilization && {
        processUtilization() {
          try {
            // Each call returns what happened since the previous one: one sample per busy process.
            const samples = nvml.processUtilization!(index, lastProcessSample);
            for (const x of samples) if (x.timeStampUs > lastProcessSample) lastProcessSample = x.timeStampUs;
            return samples.map(({ pid, smUtil }) => ({ pid, smUtil }));
          } catch {
            return undefined;
          }
        },
      }),
      stats() {
        const util = nvml.utilization(index);
        const mem = nvml.memory(index);
        return {
          utilizationPercent: util.gpuPercent,
          memoryUsedBytes: mem.usedBytes,
          memoryTotalBytes: mem.totalBytes,
          powerLimitW: nvml.powerLimitMw(index) / 1000,
        };
      },
      // The last GPU closed shuts NVML down.
      close: () => void (--open === 0 && nvml.shutdown()),
    });
  }
  return sources;
}
