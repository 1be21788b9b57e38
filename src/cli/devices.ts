// `carbonlens devices`: the devices a benchmark can run on here, and why each other one cannot.
import { parseArgs } from 'node:util';
import { devicesHere } from '../core/models/devicesHere';

export const DEVICES_HELP = `Usage: carbonlens devices [--json]

The devices 'bench --device' can use on this machine, each checked as --device auto checks it
(the platform, onnxruntime's CUDA provider and CUDA's libraries, the Vulkan loader; WebGPU runs
a one-node graph in a child process), and for each one that cannot, why.

  --json   [{ device, usable, why? }], in the order --device auto tries them
`;

export async function runDevices(args: string[], out: (text: string) => void): Promise<number> {
  const { values } = parseArgs({ args, strict: true, options: { json: { type: 'boolean' } } });
  const devices = await devicesHere();
  if (values.json) {
    out(JSON.stringify(devices, null, 2));
    return 0;
  }
  for (const d of devices) out(`${d.device.padEnd(7)} ${d.usable ? 'usable' : `no: ${d.why}`}`);
  return 0;
}
