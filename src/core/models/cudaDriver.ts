// The NVIDIA driver's CUDA version and each GPU's compute capability, from the driver API
// (libcuda.so.1 / nvcuda.dll, called through koffi): what decides whether a library's kernels
// can run here (cudaKernels.ts). No context is created.

export interface CudaDriverFacts {
  /** cuDriverGetVersion's number: 13000 for CUDA 13.0. */
  version: number;
  /** Compute capability per visible GPU, in CUDA's order: [9, 0] for an H100. */
  gpus: [number, number][];
}

const COMPUTE_CAPABILITY_MAJOR = 75;
const COMPUTE_CAPABILITY_MINOR = 76;

/** The driver's facts, or undefined where there is no driver, no GPU it can see, or a call fails. */
export function cudaDriverFacts(): CudaDriverFacts | undefined {
  try {
    return readFacts();
  } catch {
    return undefined;
  }
}

function readFacts(): CudaDriverFacts | undefined {
  const koffi = require('koffi') as typeof import('koffi');
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load(process.platform === 'win32' ? 'nvcuda.dll' : 'libcuda.so.1');
  } catch {
    return undefined;
  }
  // Never unloaded: the CUDA library that runs next uses the same initialised driver.
  const int = koffi.out(koffi.pointer('int'));
  const init = lib.func('cuInit', 'int', ['unsigned int']);
  const driverVersion = lib.func('cuDriverGetVersion', 'int', [int]);
  const count = lib.func('cuDeviceGetCount', 'int', [int]);
  const device = lib.func('cuDeviceGet', 'int', [int, 'int']);
  const attribute = lib.func('cuDeviceGetAttribute', 'int', [int, 'int', 'int']);
  const out = (call: (box: [number | null]) => number): number | undefined => {
    const box: [number | null] = [null];
    return call(box) === 0 && box[0] !== null ? box[0] : undefined;
  };
  if (init(0) !== 0) return undefined;
  const version = out((b) => driverVersion(b));
  const n = out((b) => count(b));
  if (version === undefined || !n) return undefined;
  const gpus: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const dev = out((b) => device(b, i));
    if (dev === undefined) continue;
    const major = out((b) => attribute(b, COMPUTE_CAPABILITY_MAJOR, dev));
    const minor = out((b) => attribute(b, COMPUTE_CAPABILITY_MINOR, dev));
    if (major !== undefined && minor !== undefined) gpus.push([major, minor]);
  }
  return gpus.length ? { version, gpus } : undefined;
}
