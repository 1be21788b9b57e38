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

/**
 * Accelerator names as configs write them, by the name the data uses and the provider whose
 * machine types they are (none: a generic name, `A100:8` in SkyPilot). 80 GB before 40 GB.
 */
const ACCELERATORS: [string, RegExp, string?][] = [
  ['tpu-v5e', /\b(ct5lp-hightpu|tpu-v5-lite-(?:podslice|device)|v5litepod|tpu-?v5e|v5e-\d+)\b/i, 'gcp'],
  ['tpu-v5p', /\b(ct5p-hightpu|tpu-v5p-slice|tpu-?v5p|v5p-\d+)\b/i, 'gcp'],
  ['tpu-v6e', /\b(ct6e-standard|tpu-v6e-slice|tpu-?v6e|v6e-\d+)\b/i, 'gcp'],
  ['tpu-v4', /\b(ct4p-hightpu|tpu-v4-podslice|tpu-?v4)\b/i, 'gcp'],
  ['h100', /\b(nvidia-h100(?:-mega)?-80gb|a3-(?:high|mega|edge)gpu)/i, 'gcp'],
  ['h100', /\bp5e?\.\d*xlarge\b/i, 'aws'],
  ['h100', /\bND\d+is?r?_H100/i, 'azure'],
  ['h100', /\bH100\b/i],
  ['a100-80gb', /\b(nvidia-a100-80gb|a2-ultragpu)/i, 'gcp'],
  ['a100-80gb', /\bp4de\.24xlarge\b/i, 'aws'],
  ['a100-80gb', /\bA100[-_]80GB\b/i],
  ['a100', /\b(nvidia-tesla-a100|a2-(?:high|mega)gpu)/i, 'gcp'],
  ['a100', /\bp4d\.24xlarge\b/i, 'aws'],
  ['a100', /\bNC\d+ads_A100/i, 'azure'],
  ['a100', /\bA100\b/i],
  ['l4', /\b(nvidia-l4|g2-standard-\d+)\b/i, 'gcp'],
  ['l4', /\bg6\.\d*xlarge\b/, 'aws'],
  ['l4', /\bL4\b/],
  ['t4', /\bnvidia-tesla-t4\b/i, 'gcp'],
  ['t4', /\bg4dn\.\d*xlarge\b/, 'aws'],
  ['t4', /\bNC\d+as_T4/i, 'azure'],
  ['t4', /\bT4\b/],
  ['a10g', /\bg5\.\d*xlarge\b/, 'aws'],
  ['a10g', /\bA10G\b/],
  ['v100', /\bnvidia-tesla-v100\b/i, 'gcp'],
  ['v100', /\bp3\.\d*xlarge\b/, 'aws'],
  ['v100', /\bV100\b/],
  ['inferentia2', /\binf2\.\d*xlarge\b/, 'aws'],
  ['trainium', /\btrn1n?\.\d*xlarge\b/, 'aws'],
];

/** The accelerators a text names for a provider (its machine and accelerator types, or generic names). */
export function acceleratorsIn(text: string, provider?: string): string[] {
  const found: string[] = [];
  for (const [name, re, only] of ACCELERATORS) {
    if (found.includes(name) || (only && provider && only !== provider)) continue;
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
