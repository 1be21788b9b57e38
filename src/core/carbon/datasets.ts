import {
  cloudRegionAltRows,
  cloudRegionRows,
  countryIntensityCodecarbonRows,
  countryIntensityRows,
  paperRegionRows,
  subnationalIntensityRows,
  type CloudRegionRow,
  type CountryIntensityRow,
  type SubnationalIntensityRow,
} from '../../generated/intensityTables';

export type {
  CloudProvider,
  CloudRegionRow,
  CountryIntensityRow,
  SubnationalIntensityRow,
} from '../../generated/intensityTables';

/**
 * A consistent set of grid intensities (gCO2e/kWh), each row with its own source and year.
 * - latest: Google Cloud 2024 (region-carbon-info), AWS and Azure via Cloud Carbon Footprint
 *   (2020-2021), countries from Ember (2022-2024), US states, Canadian provinces, Nordic zones.
 * - codecarbon: CodeCarbon's own tables (older cloud figures, OWID countries), for parity.
 * - gcp-2021: the study's Table II, Google Cloud's 2021 figures for 23 locations.
 */
export const DATASET_NAMES = ['latest', 'codecarbon', 'gcp-2021'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export interface IntensityDataset {
  name: DatasetName;
  description: string;
  regions(): readonly CloudRegionRow[];
  countries(): readonly CountryIntensityRow[];
  subnational(): readonly SubnationalIntensityRow[];
}

let gcp2021: readonly CloudRegionRow[] | undefined;
function gcp2021Regions(): readonly CloudRegionRow[] {
  gcp2021 ??= paperRegionRows().map((p) => ({
    provider: 'gcp',
    region: p.gcpRegion,
    location: p.location,
    countryIso3: cloudRegionRows().find((r) => r.provider === 'gcp' && r.region === p.gcpRegion)?.countryIso3 ?? '',
    gco2PerKwh: p.gco2PerKwh,
    cfePercent: null,
    year: 2021,
    source: p.source,
  }));
  return gcp2021;
}

const DATASETS: Record<DatasetName, IntensityDataset> = {
  latest: {
    name: 'latest',
    description:
      'Google Cloud 2024; AWS and Azure via Cloud Carbon Footprint (2020-2021); countries from Ember (2022-2024); US states (eGRID 2016), Canadian provinces (2023), Nordic zones',
    regions: cloudRegionRows,
    countries: countryIntensityRows,
    subnational: subnationalIntensityRows,
  },
  codecarbon: {
    name: 'codecarbon',
    description:
      "CodeCarbon's tables: Google Cloud as CodeCarbon 3.x has it (2023), AWS and Azure as CodeCarbon had them before 3.0 (figures of about 2016-2019; 3.x uses the country or state figure), OWID country figures (2021-2023)",
    regions: cloudRegionAltRows,
    countries: countryIntensityCodecarbonRows,
    subnational: subnationalIntensityRows,
  },
  'gcp-2021': {
    name: 'gcp-2021',
    description: "The study's Table II: Google Cloud's 2021 grid intensity for 23 locations",
    regions: gcp2021Regions,
    countries: () => [],
    subnational: () => [],
  },
};

export function isDatasetName(name: string): name is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(name);
}

export function dataset(name: DatasetName = 'latest'): IntensityDataset {
  return DATASETS[name];
}
