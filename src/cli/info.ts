import { parseArgs } from 'node:util';
import { probePowerSources } from '../core/energy/probe';
import { collectInventory } from '../core/system/inventory';
import { formatSystemReport, type SystemReport } from '../core/system/report';

export const INFO_HELP = `Usage: carbonlens info [--json]

Lists the CPU, GPUs and memory, and which power sources (NVML, nvidia-smi, RAPL) this user can
read, with the fix when one is denied.

  --json    one JSON object: { inventory, sources: [{ component, name, kind, state, detail, fix? }] }
`;

export async function runInfo(args: string[], out: (text: string) => void): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
  // systeminformation is loaded here, not at the top: `carbonlens --help` should stay instant.
  const si = await import('systeminformation');
  const [inventory, sources] = await Promise.all([collectInventory(si), probePowerSources()]);
  const report: SystemReport = { inventory, sources };
  out(values.json ? JSON.stringify(report, null, 2) : formatSystemReport(report).join('\n'));
  return 0;
}
