// Memory a decoder owns on its session's device, addressed by integers: CUDA device memory through
// the CUDA runtime the CUDA provider already loads (libcudart, called through koffi), or host
// memory for the CPU (the same code path, testable here). Used where onnxruntime must find inputs
// and outputs at the same addresses run after run (CUDA graphs: ortStaticDecode.ts).
import type { OrtDevice } from './ortDirect';

export interface DeviceMemory {
  readonly device: OrtDevice;
  /** `bytes` of zeroed memory; its address. */
  alloc(bytes: number): bigint;
  free(address: bigint): void;
  write(address: bigint, data: ArrayBufferView): void;
  read(address: bigint, into: ArrayBufferView): void;
  /** Waits for the device's work so far (reads after a run see its results). */
  sync(): void;
}

type Koffi = typeof import('koffi');
type Fn = (...args: unknown[]) => unknown;

/** Host memory from koffi's allocator (the CPU's case). */
class HostMemory implements DeviceMemory {
  readonly device = 'cpu' as const;
  private readonly blocks = new Map<bigint, { pointer: unknown; bytes: number }>();
  constructor(private readonly koffi: Koffi) {}
  alloc(bytes: number): bigint {
    const pointer = this.koffi.alloc('uint8_t', Math.max(1, bytes));
    const address = this.koffi.address(pointer) as bigint;
    new Uint8Array(this.koffi.view(pointer, Math.max(1, bytes))).fill(0);
    this.blocks.set(address, { pointer, bytes });
    return address;
  }
  free(address: bigint): void {
    const block = this.blocks.get(address);
    if (!block) return;
    this.blocks.delete(address);
    this.koffi.free(block.pointer);
  }
  private view(address: bigint, bytes: number): Uint8Array {
    for (const [start, block] of this.blocks)
      if (address >= start && address + BigInt(bytes) <= start + BigInt(block.bytes)) {
        const offset = Number(address - start);
        return new Uint8Array(this.koffi.view(block.pointer, block.bytes)).subarray(offset, offset + bytes);
      }
    throw new Error(`no block holds ${bytes} bytes at 0x${address.toString(16)}`);
  }
  write(address: bigint, data: ArrayBufferView): void {
    this.view(address, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  read(address: bigint, into: ArrayBufferView): void {
    new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(this.view(address, into.byteLength));
  }
  sync(): void {}
}

/** CUDA device memory through libcudart (13, else 12). */
class CudaMemory implements DeviceMemory {
  readonly device = 'cuda' as const;
  private readonly fn: Record<string, Fn>;
  constructor(koffi: Koffi) {
    let lib: ReturnType<Koffi['load']> | undefined;
    const tried: string[] = [];
    for (const name of ['libcudart.so.13', 'libcudart.so.12', 'libcudart.so']) {
      try {
        lib = koffi.load(name);
        break;
      } catch (e) {
        tried.push(`${name}: ${(e as Error).message}`);
      }
    }
    if (!lib) throw new Error(`The CUDA runtime (libcudart) cannot be loaded (${tried.join('; ')}).`);
    const out = koffi.out(koffi.pointer('uint64_t'));
    this.fn = {
      malloc: lib.func('cudaMalloc', 'int', [out, 'size_t']) as Fn,
      free: lib.func('cudaFree', 'int', ['uint64_t']) as Fn,
      memset: lib.func('cudaMemset', 'int', ['uint64_t', 'int', 'size_t']) as Fn,
      toDevice: lib.func('cudaMemcpy', 'int', ['uint64_t', 'void *', 'size_t', 'int']) as Fn,
      toHost: lib.func('cudaMemcpy', 'int', ['void *', 'uint64_t', 'size_t', 'int']) as Fn,
      sync: lib.func('cudaDeviceSynchronize', 'int', []) as Fn,
      error: lib.func('cudaGetErrorString', 'const char *', ['int']) as Fn,
    };
  }
  private check(call: string, code: unknown): void {
    if (code !== 0) throw new Error(`${call} failed: ${String(this.fn.error!(code))} (CUDA error ${String(code)})`);
  }
  alloc(bytes: number): bigint {
    const address: [bigint] = [0n];
    this.check('cudaMalloc', this.fn.malloc!(address, Math.max(1, bytes)));
    this.check('cudaMemset', this.fn.memset!(address[0], 0, Math.max(1, bytes)));
    return BigInt(address[0]);
  }
  free(address: bigint): void {
    this.fn.free!(address);
  }
  write(address: bigint, data: ArrayBufferView): void {
    this.check('cudaMemcpy', this.fn.toDevice!(address, data, data.byteLength, 1 /* host to device */));
  }
  read(address: bigint, into: ArrayBufferView): void {
    this.check('cudaMemcpy', this.fn.toHost!(into, address, into.byteLength, 2 /* device to host */));
  }
  sync(): void {
    this.check('cudaDeviceSynchronize', this.fn.sync!());
  }
}

/** The memory of `device`. */
export function deviceMemory(device: OrtDevice): DeviceMemory {
  const koffi = require('koffi') as Koffi;
  return device === 'cuda' ? new CudaMemory(koffi) : new HostMemory(koffi);
}
