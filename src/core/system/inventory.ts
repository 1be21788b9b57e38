import type { Systeminformation } from 'systeminformation';

/** What the machine is made of: the inventory, not live readings. */
export interface SystemInventory {
  os: { platform: string; distro: string; release: string; arch: string };
  cpu: { brand: string; manufacturer: string; physicalCores: number; logicalCores: number; speedGHz: number | null };
  memory: { totalBytes: number };
  gpus: GpuInventory[];
  node: string;
}

export interface GpuInventory {
  vendor: string;
  model: string;
  /** Dedicated memory in MiB; null where the driver does not say (or memory is shared). */
  vramMiB: number | null;
  driverVersion: string | null;
}

/** "NVIDIA H200", not "NVIDIA Corporation NVIDIA H200": the vendor only when the model lacks it. */
export function gpuLabel(gpu: GpuInventory): string {
  const brand = gpu.vendor.split(/\s+/)[0] ?? '';
  return brand && gpu.model.toLowerCase().includes(brand.toLowerCase()) ? gpu.model : `${gpu.vendor} ${gpu.model}`;
}

/** The subset of `systeminformation` the inventory uses, so tests can pass a fake. */
export interface InventorySource {
  cpu(): Promise<Systeminformation.CpuData>;
  mem(): Promise<Systeminformation.MemData>;
  graphics(): Promise<Systeminformation.GraphicsData>;
  osInfo(): Promise<Systeminformation.OsData>;
}

/**
 * `systeminformation.graphics()` spawns lspci/nvidia-smi synchronously and can take seconds:
 * call this from the CLI process or another child, never from the extension host's thread.
 */
export async function collectInventory(si: InventorySource, nodeVersion = process.version): Promise<SystemInventory> {
  const [cpu, mem, graphics, os] = await Promise.all([si.cpu(), si.mem(), si.graphics(), si.osInfo()]);
  return {
    os: { platform: os.platform, distro: os.distro, release: os.release, arch: os.arch },
    cpu: {
      brand: [cpu.manufacturer, cpu.brand].filter(Boolean).join(' ').trim() || 'unknown CPU',
      manufacturer: cpu.manufacturer,
      physicalCores: cpu.physicalCores,
      logicalCores: cpu.cores,
      speedGHz: cpu.speed > 0 ? cpu.speed : null,
    },
    memory: { totalBytes: mem.total },
    gpus: graphics.controllers.map((c) => ({
      vendor: c.vendor || 'unknown vendor',
      model: c.model || c.name || 'unknown model',
      vramMiB: c.vramDynamic || c.vram == null || c.vram <= 0 ? null : c.vram,
      driverVersion: c.driverVersion || null,
    })),
    node: nodeVersion,
  };
}
