import { join } from 'node:path';
import { currentProbeEnvironment, type ProbeEnvironment } from './probe';
import type { EnergySource, OpenedSources } from './source';
import { monotonicMs } from '../clock';

/**
 * Linux powercap RAPL: cumulative energy counters in uJ per domain. Intel and AMD (Zen, kernel
 * 5.8+) both appear as `intel-rapl:N` (package N) and `intel-rapl:N:M` (its subdomains).
 * Packages go to the CPU, `dram` subdomains to RAM; `core`/`uncore` are inside their package and
 * `psys` covers the whole platform, so neither is added (that would count energy twice).
 * `intel-rapl-mmio:N` repeats a package through another interface: the first seen is kept.
 */

interface Domain {
  dir: string;
  /** `package-0`, or `package-0/dram` for a subdomain. */
  label: string;
  component: 'cpu' | 'ram';
  maxRangeUj: number;
  /** Whether max_energy_range_uj was there: without it, a counter going backwards is a fault. */
  rangeStated: boolean;
}

/** More than any one RAPL domain draws: a delta implying this much power is a fault. */
const MAX_PLAUSIBLE_W = 5000;

export async function openRaplSources(probe: ProbeEnvironment = currentProbeEnvironment()): Promise<OpenedSources> {
  if (probe.platform !== 'linux') return { sources: [], notes: [] };
  const powercap = join(probe.sysfsRoot, 'class', 'powercap');
  const entries = await probe.fs.readdir(powercap).catch(() => [] as string[]);
  // Plain intel-rapl before -mmio, so the MSR interface wins a duplicate.
  const zones = entries
    .filter((e) => /^intel-rapl(-mmio)?:\d+(:\d+)?$/.test(e))
    .sort((a, b) => Number(a.includes('mmio')) - Number(b.includes('mmio')) || a.localeCompare(b));
  const readName = async (zone: string) =>
    (await probe.fs.readFile(join(powercap, zone, 'name')).catch(() => '')).trim();

  const domains: Domain[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const zone of zones) {
    const name = await readName(zone);
    const parts = zone.split(':');
    let label: string;
    let component: 'cpu' | 'ram';
    if (parts.length === 2 && /^package-\d+$/.test(name)) {
      label = name;
      component = 'cpu';
    } else if (parts.length === 3 && name === 'dram') {
      const parent = await readName(`${parts[0]}:${parts[1]}`);
      label = `${parent || `package-${parts[1]}`}/dram`;
      component = 'ram';
    } else continue;
    if (seen.has(label)) continue;
    const dir = join(powercap, zone);
    try {
      const raw = await probe.fs.readFile(join(dir, 'energy_uj'));
      if (!/^\d+\s*$/.test(raw)) throw new Error(`unexpected value "${raw.trim().slice(0, 20)}"`);
      const range = Number((await probe.fs.readFile(join(dir, 'max_energy_range_uj')).catch(() => '')).trim());
      // Without a stated range a wrap cannot be told from a reset: 2^32 uJ is the smallest real one.
      const rangeStated = Number.isFinite(range) && range > 0;
      domains.push({ dir, label, component, maxRangeUj: rangeStated ? range : 2 ** 32, rangeStated });
      seen.add(label);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') continue; // the probe's note gives the fix, once
      notes.push(`RAPL ${label} (${zone}) cannot be read: ${(err as Error).message}.`);
    }
  }
  return { sources: domains.map((d) => raplSource(d, probe)), notes };
}

function raplSource(domain: Domain, probe: ProbeEnvironment): EnergySource {
  const file = join(domain.dir, 'energy_uj');
  let lastUj: number | undefined;
  let lastAt = 0;
  let totalUj = 0;
  const isDram = domain.component === 'ram';
  return {
    id: `rapl:${domain.label}`,
    component: domain.component,
    name: isDram ? `DRAM of CPU ${domain.label.split('/')[0]}` : `CPU ${domain.label}`,
    kind: 'measured',
    detail: `RAPL energy counter ${file} (wrap-around at ${domain.maxRangeUj} uJ handled).`,
    async energy() {
      const raw = (await probe.fs.readFile(file)).trim();
      const uj = Number(raw);
      if (!/^\d+$/.test(raw) || !Number.isSafeInteger(uj))
        throw new Error(`${file}: not a counter value ("${raw.slice(0, 20)}")`);
      const at = monotonicMs();
      if (lastUj !== undefined) {
        if (uj < lastUj && !domain.rangeStated)
          throw new Error(
            `${file} went backwards and states no max_energy_range_uj: a wrap cannot be told from a reset`,
          );
        const delta = uj >= lastUj ? uj - lastUj : uj + domain.maxRangeUj - lastUj;
        // A jump no CPU can draw (or beyond the counter's own range) is a fault, not energy.
        const seconds = (at - lastAt) / 1000;
        if (delta > domain.maxRangeUj || delta / 1e6 > MAX_PLAUSIBLE_W * Math.max(seconds, 1))
          throw new Error(
            `${file} jumped by ${delta} uJ in ${seconds.toFixed(3)} s (over ${MAX_PLAUSIBLE_W} W): not a plausible reading`,
          );
        totalUj += delta;
      }
      lastUj = uj;
      lastAt = at;
      return totalUj / 1e6;
    },
  };
}
