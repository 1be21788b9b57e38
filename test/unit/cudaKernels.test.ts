// Whether a CUDA library's kernels run on a GPU and driver, read from its `.nv_fatbin`: a small
// ELF written here with cubins and PTX of known architectures and ISA versions, and the real
// llama.cpp CUDA build where npm installed it.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { driverForPtx, type KernelImage, kernelImages, kernelsMismatch } from '../../src/core/models/cudaKernels';
import { cudaBuildMismatch } from '../../src/core/models/llamaPackages';
import { cudaBuildLibrary } from '../../src/core/models/llamaStore';
import { tempDir } from '../support/tempDir';

const dir = tempDir('carbonlens-fatbin-');

/** An ELF64 file whose `.nv_fatbin` holds `images`, in two containers, as nvcc lays them out. */
function elfWithFatbin(images: KernelImage[]): Buffer {
  const entry = (i: KernelImage) => {
    const payload = Buffer.alloc(24, 0xab);
    const h = Buffer.alloc(64);
    h.writeUInt16LE(i.kind === 'ptx' ? 1 : 2, 0);
    h.writeUInt32LE(64, 4);
    h.writeBigUInt64LE(BigInt(payload.length), 8);
    h.writeUInt16LE(i.version[1], 24);
    h.writeUInt16LE(i.version[0], 26);
    h.writeUInt32LE(i.arch, 28);
    return Buffer.concat([h, payload]);
  };
  const container = (list: KernelImage[]) => {
    const body = Buffer.concat(list.map(entry));
    const h = Buffer.alloc(16);
    h.writeUInt32LE(0xba55ed50, 0);
    h.writeUInt16LE(1, 4);
    h.writeUInt16LE(16, 6);
    h.writeBigUInt64LE(BigInt(body.length), 8);
    return Buffer.concat([h, body]);
  };
  const half = Math.ceil(images.length / 2);
  const fatbin = Buffer.concat([container(images.slice(0, half)), container(images.slice(half))]);
  const names = Buffer.from('\0.shstrtab\0.nv_fatbin\0');
  const namesAt = 64;
  const fatbinAt = 128;
  const sectionsAt = fatbinAt + fatbin.length;
  const section = (name: number, offset: number, size: number) => {
    const s = Buffer.alloc(64);
    s.writeUInt32LE(name, 0);
    s.writeBigUInt64LE(BigInt(offset), 0x18);
    s.writeBigUInt64LE(BigInt(size), 0x20);
    return s;
  };
  const header = Buffer.alloc(64);
  header.writeUInt32BE(0x7f454c46, 0);
  header[4] = 2; // 64-bit
  header[5] = 1; // little-endian
  header.writeBigUInt64LE(BigInt(sectionsAt), 0x28);
  header.writeUInt16LE(64, 0x3a);
  header.writeUInt16LE(3, 0x3c);
  header.writeUInt16LE(1, 0x3e);
  return Buffer.concat([
    header,
    Buffer.concat([names, Buffer.alloc(64 - names.length)]),
    fatbin,
    Buffer.concat([section(0, 0, 0), section(1, namesAt, names.length), section(11, fatbinAt, fatbin.length)]),
  ]);
}

// As node-llama-cpp 3.21.1's CUDA 13 build: cubins for Ampere, Ada and Blackwell, PTX (CUDA 13.1's ISA 9.1) for the rest.
const build: KernelImage[] = [
  { kind: 'ptx', arch: 75, version: [9, 1] },
  { kind: 'ptx', arch: 90, version: [9, 1] },
  { kind: 'cubin', arch: 86, version: [1, 8] },
  { kind: 'cubin', arch: 89, version: [1, 8] },
  { kind: 'cubin', arch: 120, version: [1, 8] },
];

describe('the kernels in a CUDA library', { timeout: 30_000 }, () => {
  it('are read from its fatbin, each kind, architecture and version once', () => {
    const file = join(dir, 'libkernels.so');
    writeFileSync(file, elfWithFatbin([...build, build[0]!]));
    const sort = (l: KernelImage[]) => [...l].sort((a, b) => a.arch - b.arch);
    assert.deepEqual(sort(kernelImages(file)), sort(build));
  });

  it('are none in a library without a fatbin, or in a file that is not ELF', () => {
    const plain = join(dir, 'plain.so');
    writeFileSync(plain, elfWithFatbin([])); // a fatbin section with empty containers
    assert.deepEqual(kernelImages(plain), []);
    const text = join(dir, 'text.so');
    writeFileSync(text, 'not an ELF file at all, just text long enough to read a header from it........');
    assert.deepEqual(kernelImages(text), []);
  });

  it('run from a cubin of the same major architecture at or below the GPU, whatever the driver', () => {
    assert.equal(kernelsMismatch(build, [8, 6], 13000), undefined);
    assert.equal(kernelsMismatch(build, [8, 9], 13000), undefined);
    assert.equal(kernelsMismatch(build, [12, 0], 13000), undefined);
  });

  it('run from PTX only where the driver compiles its ISA', () => {
    assert.equal(kernelsMismatch(build, [9, 0], 13010), undefined);
    assert.equal(kernelsMismatch(build, [8, 0], 13020), undefined); // sm_75's PTX, on Ampere
    const why = kernelsMismatch(build, [9, 0], 13000);
    assert.match(why ?? '', /sm_90/);
    assert.match(why ?? '', /CUDA 13\.1 or newer/);
    assert.match(why ?? '', /this driver is CUDA 13\.0/);
    assert.match(why ?? '', /kernels for sm_86, sm_89, sm_120/);
  });

  it('do not run on a GPU older than every image', () => {
    assert.match(kernelsMismatch(build, [7, 0], 13010) ?? '', /no PTX for sm_70 or older/);
  });

  it("map each PTX ISA to the first driver that compiles it (NVIDIA's release history)", () => {
    assert.equal(driverForPtx([9, 1]), 13010);
    assert.equal(driverForPtx([9, 0]), 13000);
    assert.equal(driverForPtx([8, 5]), 12050);
    assert.equal(driverForPtx([8, 6]), 12070);
    assert.equal(driverForPtx([8, 8]), 12090);
    assert.equal(driverForPtx([7, 8]), 11080);
  });

  it("say why llama.cpp's CUDA build is skipped, and what to do", () => {
    const file = join(dir, 'libggml-cuda.so');
    writeFileSync(file, elfWithFatbin(build));
    const why = cudaBuildMismatch(file, {
      version: 13000,
      gpus: [
        [8, 9],
        [9, 0],
      ],
    });
    assert.match(why ?? '', /cannot run on this GPU: .*sm_90.*A newer NVIDIA driver runs it/);
    assert.equal(cudaBuildMismatch(file, { version: 13010, gpus: [[9, 0]] }), undefined);
    assert.equal(cudaBuildMismatch(file, undefined), undefined, 'no driver: nothing to tell');
    assert.equal(cudaBuildMismatch(undefined, { version: 13000, gpus: [[9, 0]] }), undefined);
  });

  it("are read from the CUDA build npm installed, each cubin's own GPU running it", (t) => {
    const real = cudaBuildLibrary(13);
    if (!real) return t.skip("node-llama-cpp's CUDA build is not installed here");
    const images = kernelImages(real);
    assert.ok(images.some((i) => i.kind === 'cubin') && images.some((i) => i.kind === 'ptx'), JSON.stringify(images));
    for (const i of images) assert.ok(i.arch >= 50 && i.arch < 200, `sm_${i.arch}`);
    for (const i of images.filter((c) => c.kind === 'cubin'))
      assert.equal(kernelsMismatch(images, [Math.floor(i.arch / 10), i.arch % 10], 0), undefined);
  });
});
