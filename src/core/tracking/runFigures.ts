// A tracked run's figures as a person reads them: the status bar's flash and the panel's row.
// Both lead with the record's headline (trackedHeadline: the CSV's figure, on its basis) and name
// the basis beside the number; the other bases come on demand (the row's tooltips and columns).
import { basisGrams, basisLabel, trackedHeadline } from '../carbon/basis';
import { gramsText, joulesText } from '../units';
import type { TrackedRecord } from './trackedRecord';

/** The flash when a run ends: "1.2 kJ · 55.6 mg CO2e (own share), estimated". */
export function runSummaryText(r: TrackedRecord): string {
  const h = trackedHeadline(r);
  const co2 = h.grams !== undefined ? ` · ${gramsText(h.grams)} CO2e` : '';
  return `${joulesText(h.energyJ)}${co2} (${basisLabel(h.basis)}), ${r.energy.kind}`;
}

export interface RunRowFigures {
  /** The Energy cell: the headline and its basis. */
  energy: string;
  /** The CO2e cell: the headline's gCO2e and its basis, or why there is none. */
  co2: string;
  /** Hover text: the figure on every basis known. */
  others: string;
}

/** The panel row's headline cells for a run. */
export function runRowFigures(r: TrackedRecord): RunRowFigures {
  const h = trackedHeadline(r);
  const label = basisLabel(h.basis);
  const e = r.emissions;
  const grams = (j: number) => (e ? ` (${gramsText(basisGramsOf(j, r))} CO2e)` : '');
  const others = [
    `Machine total: ${joulesText(r.energy.totalJ)}${grams(r.energy.totalJ)}`,
    ...(r.energy.netJ !== undefined ? [`Above idle: ${joulesText(r.energy.netJ)}${grams(r.energy.netJ)}`] : []),
    ...(h.basis === 'own share' ? [`Own share (attributed): ${joulesText(h.energyJ)}${grams(h.energyJ)}`] : []),
    `Shown: ${label}, the CSV's basis (tracking_mode ${h.basis === 'own share' ? 'process' : 'machine'}).`,
  ].join('\n');
  return {
    energy: `${joulesText(h.energyJ)} ${label}`,
    co2: h.grams !== undefined ? `${gramsText(h.grams)} ${label}` : 'location unknown',
    others,
  };
}

const basisGramsOf = (joules: number, r: TrackedRecord) =>
  basisGrams(joules, r.emissions!.intensity.gco2PerKwh, r.emissions!.pue);
