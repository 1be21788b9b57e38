// What the advisor knows about cloud places beyond their grid: the zones of a region, the zones
// that offer an accelerator (data/cloud-zones.csv, data/cloud-accelerators.csv), partitions a
// workload cannot cross, continents, and country names.
import { CLOUD_ACCELERATORS, CLOUD_ZONES } from '../../generated/cloudZones';
import { dataset } from '../carbon/datasets';

/** GovCloud, China and other sovereign clouds are separate partitions: no region of one serves another. */
export function partitionOf(provider: string, region: string): string {
  if (provider === 'aws') {
    if (region.startsWith('cn-')) return 'aws-cn';
    if (region.startsWith('us-gov-')) return 'aws-us-gov';
    if (/^us-iso[a-z]?-/.test(region)) return 'aws-iso';
    if (region.startsWith('eusc-')) return 'aws-eusc';
  }
  if (provider === 'azure') {
    if (/^(usgov|usdod)/.test(region)) return 'azure-us-gov';
    if (/^china/.test(region)) return 'azure-china';
    if (/^germany(central|northeast)$/.test(region)) return 'azure-germany';
  }
  return provider;
}

const CONTINENT: Record<string, string> = {
  USA: 'NA',
  CAN: 'NA',
  MEX: 'NA',
  BRA: 'SA',
  CHL: 'SA',
  BEL: 'EU',
  CHE: 'EU',
  DEU: 'EU',
  ESP: 'EU',
  FIN: 'EU',
  FRA: 'EU',
  GBR: 'EU',
  IRL: 'EU',
  ITA: 'EU',
  NLD: 'EU',
  NOR: 'EU',
  POL: 'EU',
  SWE: 'EU',
  CHN: 'AS',
  HKG: 'AS',
  IDN: 'AS',
  IND: 'AS',
  JPN: 'AS',
  KOR: 'AS',
  SGP: 'AS',
  TWN: 'AS',
  ARE: 'ME',
  BHR: 'ME',
  ISR: 'ME',
  QAT: 'ME',
  SAU: 'ME',
  ZAF: 'AF',
  AUS: 'OC',
  NZL: 'OC',
};

export const continentOf = (iso3: string): string | undefined => CONTINENT[iso3];

let names: Map<string, string> | undefined;
/** "CAN" -> "Canada" (Ember's names); the code itself when unknown. */
export function countryName(iso3: string): string {
  names ??= new Map(
    dataset('latest')
      .countries()
      .map((c) => [c.iso3, c.name]),
  );
  return names.get(iso3) ?? iso3;
}

/** The zones of a region, when data/cloud-zones.csv lists them. */
export function zonesOf(provider: string, region: string): readonly string[] | undefined {
  return CLOUD_ZONES.find(([p, r]) => p === provider && r === region)?.[2];
}

/** The zones that offer an accelerator, or undefined when the data does not cover it for this provider. */
export function acceleratorZones(provider: string, accelerator: string): readonly string[] | undefined {
  return CLOUD_ACCELERATORS.find(([p, a]) => p === provider && a === accelerator)?.[2];
}

export function acceleratorSource(provider: string, accelerator: string): string | undefined {
  return CLOUD_ACCELERATORS.find(([p, a]) => p === provider && a === accelerator)?.[3];
}

export function zonesSource(provider: string, region: string): string | undefined {
  return CLOUD_ZONES.find(([p, r]) => p === provider && r === region)?.[3];
}

/** Accelerator names as configs write them, by the name the data uses. Order matters: 80 GB before 40 GB. */
const ACCELERATORS: [string, RegExp][] = [
  ['tpu-v5e', /\b(ct5lp-hightpu|tpu-v5-lite-(?:podslice|device)|v5litepod|tpu-?v5e|v5e-\d+)\b/i],
  ['tpu-v5p', /\b(ct5p-hightpu|tpu-v5p-slice|tpu-?v5p|v5p-\d+)\b/i],
  ['tpu-v6e', /\b(ct6e-standard|tpu-v6e-slice|tpu-?v6e|v6e-\d+)\b/i],
  ['tpu-v4', /\b(ct4p-hightpu|tpu-v4-podslice|tpu-?v4)\b/i],
  [
    'h100',
    /\b(nvidia-h100(?:-mega)?-80gb|a3-(?:high|mega|edge)gpu|h100|p5\.\d*xlarge|p5e?\.48xlarge|ND\d+is?r?_H100)/i,
  ],
  ['a100-80gb', /\b(nvidia-a100-80gb|a2-ultragpu|a100[-_]80gb|p4de\.24xlarge)/i],
  ['a100', /\b(nvidia-tesla-a100|a2-(?:high|mega)gpu|a100|p4d\.24xlarge)/i],
  ['l4', /\b(nvidia-l4|g2-standard-\d+|g6\.\d*xlarge|L4)\b/],
  ['t4', /\b(nvidia-tesla-t4|g4dn\.\d*xlarge|T4)\b/],
  ['a10g', /\b(g5\.\d*xlarge|A10G)\b/],
  ['v100', /\b(nvidia-tesla-v100|p3\.\d*xlarge|V100)\b/],
  ['inferentia2', /\binf2\.\d*xlarge\b/],
  ['trainium', /\btrn1n?\.\d*xlarge\b/],
];

/** The accelerators a text names (machine types, accelerator types, TPU types). */
export function acceleratorsIn(text: string): string[] {
  const found: string[] = [];
  for (const [name, re] of ACCELERATORS) {
    if (name === 'a100' && found.includes('a100-80gb')) continue;
    if (re.test(text)) found.push(name);
  }
  return found;
}

const ACCELERATOR_LABEL: Record<string, string> = {
  'tpu-v5e': 'TPU v5e',
  'tpu-v5p': 'TPU v5p',
  'tpu-v6e': 'TPU v6e',
  'tpu-v4': 'TPU v4',
  h100: 'H100',
  'a100-80gb': 'A100 80GB',
  a100: 'A100',
  l4: 'L4',
  t4: 'T4',
  a10g: 'A10G',
  v100: 'V100',
  inferentia2: 'Inferentia2',
  trainium: 'Trainium',
};
export const acceleratorLabel = (a: string) => ACCELERATOR_LABEL[a] ?? a;
