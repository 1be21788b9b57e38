// One basis per figure. A run's energy can be counted three ways: the machine's total over the
// window, the machine's energy above its idle baseline, or the run's own share (its processes'
// part, CodeCarbon's "process" tracking mode). The headline figure of a record, the one the status
// bar's flash, the panel's row, the CSV's `energy_consumed` and `emissions`, the JSONL's
// `emissions.grams` and the exports all give, is on one basis, chosen here and named beside it:
// the run's own share where it was attributed (the CSV's anchor, as CodeCarbon's process mode),
// else the machine's total (CodeCarbon's machine mode). The other bases are shown on demand.
import type { BenchResult } from '../bench/harness';
import type { TrackedRecord } from '../tracking/trackedRecord';

export type Basis = 'own share' | 'machine total';

export interface Headline {
  basis: Basis;
  /** Energy on the basis, J (IT energy, before PUE). */
  energyJ: number;
  /** Each component's energy on the basis: its own share where attributed, else the machine's. */
  componentJ: (component: string) => number | undefined;
}

interface ComponentJ {
  component: string;
  energyJ: number;
}

/**
 * The headline of a window: with `own` (attributed components), the own share, machine figures
 * kept for components without a share (said in the attribution's notes); else the machine total.
 */
export function headline(
  machine: { totalJ: number; components: readonly ComponentJ[] },
  own?: readonly ComponentJ[],
): Headline {
  const machineJ = (c: string) => machine.components.find((x) => x.component === c)?.energyJ;
  if (!own?.length) return { basis: 'machine total', energyJ: machine.totalJ, componentJ: machineJ };
  const ownJ = (c: string) => own.find((x) => x.component === c)?.energyJ ?? machineJ(c);
  return {
    basis: 'own share',
    energyJ: machine.components.reduce((t, c) => t + (ownJ(c.component) ?? 0), 0),
    componentJ: ownJ,
  };
}

/** gCO2e of `joules` at an intensity and PUE, as emissionsGrams and the CSV count them (a negative energy is none). */
export const basisGrams = (joules: number, gco2PerKwh: number, pue: number) =>
  (Math.max(0, joules) / 3.6e6) * gco2PerKwh * pue;

/** The measured run's headline energy (the median repeat, end to end) and its basis. */
export function benchHeadline(result: Pick<BenchResult, 'summary' | 'items'>, attribution?: 'process'): Headline {
  const s = result.summary;
  const perRun = (cs: readonly { component: string; jPerItem: number }[]) =>
    cs.map((c) => ({ component: c.component, energyJ: c.jPerItem * result.items }));
  const own = attribution === 'process' && s.own ? perRun(s.own.components) : undefined;
  return headline({ totalJ: s.energyJ, components: perRun(s.components) }, own);
}

/**
 * A record's headline energy, its gCO2e and their basis: the figures the flash, the panel, the CSV
 * and the JSONL share. Records written before the basis was kept have their grams recomputed.
 */
export function trackedHeadline(r: TrackedRecord): Headline & { grams?: number } {
  const h = headline(r.energy, r.attribution?.components);
  const e = r.emissions;
  if (!e) return h;
  return { ...h, grams: e.basis === h.basis ? e.grams : basisGrams(h.energyJ, e.intensity.gco2PerKwh, e.pue) };
}

/** "own share" / "machine total": the words beside a headline number. */
export const basisLabel = (basis: Basis | undefined): string => basis ?? 'machine total';
