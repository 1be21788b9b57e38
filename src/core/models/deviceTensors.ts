// Memory on a session's device and onnxruntime tensors over it, owned and freed together: the
// fixed buffers a captured decode step reads and writes (ortStaticDecode.ts, ortSeq2SeqStatic.ts).
import type { DeviceMemory } from './deviceMemory';
import { ELEMENT_BYTES, type OrtDirect, type OrtTensor } from './ortDirect';

export class DeviceTensors {
  private readonly addresses: bigint[] = [];
  private readonly tensors: OrtTensor[] = [];
  constructor(
    private readonly ort: OrtDirect,
    readonly memory: DeviceMemory,
  ) {}

  /** `bytes` of zeroed memory; its address. */
  alloc(bytes: number): bigint {
    const address = this.memory.alloc(bytes);
    this.addresses.push(address);
    return address;
  }

  /** A tensor over memory at `address` (this set's: it must outlive the tensor). */
  over(address: bigint, type: number, dims: number[]): OrtTensor {
    const t = this.ort.tensorOver(this.memory.device, address, type, dims);
    this.tensors.push(t);
    return t;
  }

  /** A tensor over new zeroed memory. */
  tensor(type: number, dims: number[]): OrtTensor {
    return this.over(this.alloc(dims.reduce((x, y) => x * y, 1) * ELEMENT_BYTES[type]!), type, dims);
  }

  /** Releases the tensors, then frees the memory. */
  release(): void {
    for (const t of this.tensors.splice(0)) t.release();
    for (const a of this.addresses.splice(0)) this.memory.free(a);
  }
}
