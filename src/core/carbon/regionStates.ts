// The US state or Canadian province each North American cloud region stands in, as the
// subnational table names it ("Texas (TX)", "Quebec"): so a search for "Texas" lists gcp us-south1
// (Dallas) under the state. From the providers' region pages (city or state of each region);
// AWS GovCloud regions are left out: AWS does not publish their state.
const STATES: Readonly<Record<string, string>> = {
  'gcp us-central1': 'Iowa (IA)',
  'gcp us-central2': 'Oklahoma (OK)',
  'gcp us-east1': 'South Carolina (SC)',
  'gcp us-east2': 'Georgia (GA)',
  'gcp us-east4': 'Virginia (VA)',
  'gcp us-east5': 'Ohio (OH)',
  'gcp us-south1': 'Texas (TX)',
  'gcp us-west1': 'Oregon (OR)',
  'gcp us-west2': 'California (CA)',
  'gcp us-west3': 'Utah (UT)',
  'gcp us-west4': 'Nevada (NV)',
  'gcp northamerica-northeast1': 'Quebec',
  'gcp northamerica-northeast2': 'Ontario',
  'aws us-east-1': 'Virginia (VA)',
  'aws us-east-2': 'Ohio (OH)',
  'aws us-west-1': 'California (CA)',
  'aws us-west-2': 'Oregon (OR)',
  'aws ca-central-1': 'Quebec',
  'azure centralus': 'Iowa (IA)',
  'azure eastus': 'Virginia (VA)',
  'azure eastus2': 'Virginia (VA)',
  'azure eastus3': 'Georgia (GA)',
  'azure northcentralus': 'Illinois (IL)',
  'azure southcentralus': 'Texas (TX)',
  'azure westcentralus': 'Wyoming (WY)',
  'azure westus': 'California (CA)',
  'azure westus2': 'Washington (WA)',
  'azure westus3': 'Arizona (AZ)',
  'azure canadacentral': 'Ontario',
  'azure canadaeast': 'Quebec',
};

/** The state or province (as the subnational table names it) of a cloud region; undefined outside North America. */
export const regionState = (provider: string, region: string): string | undefined => STATES[`${provider} ${region}`];
