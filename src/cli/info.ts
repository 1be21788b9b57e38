import { parseArgs } from 'node:util';
import { openEnergySources } from '../core/energy/openSources';
import { probePowerSources } from '../core/energy/probe';
import { summariseSource } from '../core/energy/source';
import { collectInventory } from '../core/system/inventory';
import { formatSystemReport, type SystemReport } from '../core/system/report';

export const INFO_HELP = `Usage: carbonlens info [--json]

Lists the CPU, GPUs and memory, which power sources (NVML, nvidia-smi, RAPL) this user can
read, with the fix when one is denied, and what the meter reads for each component once it has
opened them (a counter, power samples or a model).

  --json    one JSON object: { inventory, sources: [{ component, name, kind, state, detail, fix?, path? }],
            meter: { sources: [{ id, component, name, kind, detail }], notes, gpus? } }
`;

export async function runInfo(args: string[], out: (text: string) => void): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
  // systeminformation is loaded here, not at the top: `carbonlens --help` should stay instant.
  const si = await import('systeminformation');
  const [inventory, sources, opened] = await Promise.all([
    collectInventory(si),
    probePowerSources(),
    openEnergySources(),
  ]);
  for (const s of opened.sources) s.close?.();
  const report: SystemReport = {
    inventory,
    sources,
    meter: {
      sources: opened.sources.map(summariseSource),
      notes: opened.notes,
      ...(opened.gpus && { gpus: opened.gpus }),
    },
  };
  out(values.json ? JSON.stringify(report, null, 2) : formatSystemReport(report).join('\n'));
  return 0;
}
