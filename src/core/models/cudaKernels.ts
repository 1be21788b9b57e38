// Whether a CUDA library's kernels can run on this GPU with this driver, read from the library
// itself: the ELF section `.nv_fatbin` lists, per kernel image, either a compiled binary (cubin)
// for one architecture or PTX that the driver compiles on first use. A cubin runs on GPUs of its
// major architecture at or above its minor (sm_86 on 8.6 and 8.9); PTX runs on its architecture
// and newer, but only where the driver knows the PTX ISA it is written in: PTX from a newer
// toolkit than the driver's fails at the first kernel launch ("the provided PTX was compiled with
// an unsupported toolchain"), which llama.cpp answers with abort(). Checked before such a library
// loads, the failure becomes a fallback with its reason.
import { closeSync, openSync, readSync } from 'node:fs';

export interface KernelImage {
  kind: 'cubin' | 'ptx';
  /** The architecture as NVIDIA numbers it: 90 for sm_90. */
  arch: number;
  /** PTX's ISA version as [major, minor]; for cubins, the ELF ABI's. */
  version: [number, number];
}

const FATBIN_MAGIC = 0xba55ed50;

/** The kernel images of an ELF shared library, one per kind, architecture and version; [] where it has none. */
export function kernelImages(file: string): KernelImage[] {
  const fd = openSync(file, 'r');
  try {
    const read = (at: number, bytes: number) => {
      const b = Buffer.alloc(bytes);
      return b.subarray(0, readSync(fd, b, 0, bytes, at));
    };
    const section = fatbinSection(read);
    if (!section) return [];
    const seen = new Map<string, KernelImage>();
    for (let at = section.offset; at + 16 <= section.offset + section.size; ) {
      const header = read(at, 16);
      if (header.readUInt32LE(0) !== FATBIN_MAGIC) {
        at += 8; // containers are 8-byte aligned
        continue;
      }
      const end = at + header.readUInt16LE(6) + Number(header.readBigUInt64LE(8));
      for (let entry = at + header.readUInt16LE(6); entry + 32 <= end; ) {
        const e = read(entry, 32);
        const kind = e.readUInt16LE(0) === 1 ? 'ptx' : 'cubin';
        const image: KernelImage = {
          kind,
          arch: e.readUInt32LE(28),
          version: [e.readUInt16LE(26), e.readUInt16LE(24)],
        };
        seen.set(`${kind}:${image.arch}:${image.version}`, image);
        entry += e.readUInt32LE(4) + Number(e.readBigUInt64LE(8));
      }
      at = end;
    }
    return [...seen.values()];
  } finally {
    closeSync(fd);
  }
}

/** `.nv_fatbin`'s place in an ELF64 little-endian file. */
function fatbinSection(read: (at: number, bytes: number) => Buffer): { offset: number; size: number } | undefined {
  const ident = read(0, 64);
  if (ident.length < 64 || ident.readUInt32BE(0) !== 0x7f454c46 || ident[4] !== 2 || ident[5] !== 1) return undefined;
  const sectionsAt = Number(ident.readBigUInt64LE(0x28));
  const size = ident.readUInt16LE(0x3a);
  const count = ident.readUInt16LE(0x3c);
  const headers = read(sectionsAt, size * count);
  const names = headers.subarray(ident.readUInt16LE(0x3e) * size);
  const namesAt = Number(names.readBigUInt64LE(0x18));
  for (let i = 0; i < count; i++) {
    const h = headers.subarray(i * size, (i + 1) * size);
    const name = read(namesAt + h.readUInt32LE(0), 11).toString('latin1');
    if (name === '.nv_fatbin\0')
      return { offset: Number(h.readBigUInt64LE(0x18)), size: Number(h.readBigUInt64LE(0x20)) };
  }
  return undefined;
}

/**
 * The first CUDA release whose driver compiles PTX of ISA `major.minor` (NVIDIA's PTX release
 * history): ISA 7.x is CUDA 11.x and 9.x is 13.x, minor for minor; 8.0-8.5 are 12.0-12.5, 8.6 is
 * 12.7, 8.7 12.8, 8.8 12.9. As cuDriverGetVersion counts: 13010 for 13.1.
 */
export function driverForPtx([major, minor]: [number, number]): number {
  if (major === 8 && minor >= 6) return 12000 + (minor + 1) * 10;
  return (major + 4) * 1000 + minor * 10;
}

const cudaVersion = (v: number) => `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;

/**
 * Whether kernels `images` run on a GPU of compute capability `cc` ([9, 0]) under a driver of CUDA
 * `driver` (cuDriverGetVersion's number): undefined where they do, else why not, in a sentence.
 */
export function kernelsMismatch(images: KernelImage[], cc: [number, number], driver: number): string | undefined {
  const arch = cc[0] * 10 + cc[1];
  if (images.some((i) => i.kind === 'cubin' && Math.floor(i.arch / 10) === cc[0] && i.arch <= arch)) return undefined;
  const ptx = images.filter((i) => i.kind === 'ptx' && i.arch <= arch);
  if (ptx.some((i) => driverForPtx(i.version) <= driver)) return undefined;
  const cubins = images.filter((i) => i.kind === 'cubin').map((i) => `sm_${i.arch}`);
  const has = cubins.length ? `kernels for ${[...new Set(cubins)].join(', ')}` : 'no compiled kernels';
  if (!ptx.length) return `it has ${has} and no PTX for sm_${arch} or older: it cannot run on this GPU (sm_${arch})`;
  const needs = Math.min(...ptx.map((i) => driverForPtx(i.version)));
  return `it has ${has}; this GPU (sm_${arch}) needs its PTX, which only a driver of CUDA ${cudaVersion(needs)} or newer compiles, and this driver is CUDA ${cudaVersion(driver)}`;
}
