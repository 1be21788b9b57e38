// The devices a model can run on, by the names the CLI and the editor use. A module of its own,
// so that the editor and the bench request check a device without loading the runtime.
export const DEVICES = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
export type Device = (typeof DEVICES)[number];
export type DeviceChoice = Device | 'auto';
export const isDeviceChoice = (s: string): s is DeviceChoice =>
  s === 'auto' || (DEVICES as readonly string[]).includes(s);
