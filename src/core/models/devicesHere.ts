// The devices a model can run on here, each checked as `--device auto` checks it before trying:
// the platform, the CUDA provider and its libraries, the Vulkan loader, and WebGPU probed in a
// child process. `carbonlens devices` prints them; the editor's device picker offers the usable
// ones and lists the others with the reason.
import { prepareCuda } from './cudaPreload';
import { type Device, deviceCandidates } from './runtime';
import { webgpuUnavailable } from './webgpuProbe';

export interface DeviceHere {
  device: Device;
  usable: boolean;
  /** Why it cannot run here. */
  why?: string;
}

export interface DeviceProbes {
  platform?: NodeJS.Platform;
  cuda?: () => boolean;
  vulkan?: () => boolean;
  /** Why WebGPU cannot run here (undefined: it ran a graph). */
  webgpu?: () => Promise<string | undefined>;
  /** Why the CUDA libraries cannot be loaded (undefined: they can). */
  cudaLibraries?: () => string | undefined;
}

export async function devicesHere(probes: DeviceProbes = {}): Promise<DeviceHere[]> {
  const out: DeviceHere[] = [];
  for (const { device, unavailable } of deviceCandidates('auto', probes.platform, probes.cuda, probes.vulkan)) {
    let why = unavailable;
    if (!why && device === 'webgpu') why = await (probes.webgpu ?? webgpuUnavailable)();
    if (!why && device === 'cuda') why = (probes.cudaLibraries ?? (() => prepareCuda().unavailable))();
    out.push({ device, usable: !why, ...(why && { why }) });
  }
  return out;
}
