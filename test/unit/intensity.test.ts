import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataset, DATASET_NAMES } from '../../src/core/carbon/datasets';
import { searchPlaces } from '../../src/core/carbon/placeSearch';
import {
  LookupError,
  parseCoordinates,
  resolveIntensity,
  resolvePlace,
  zoneToRegion,
} from '../../src/core/carbon/intensity';

describe('Embedded datasets', () => {
  it('holds every cloud region, country and subnational row of the CSVs, with source and year', () => {
    const latest = dataset('latest');
    const count = (p: string) => latest.regions().filter((r) => r.provider === p).length;
    assert.deepEqual([count('gcp'), count('aws'), count('azure')], [44, 27, 46]);
    assert.equal(latest.countries().length, 214);
    assert.equal(latest.subnational().length, 74);
    assert.equal(dataset('codecarbon').regions().length, 94);
    assert.equal(dataset('codecarbon').countries().length, 213);
    assert.equal(dataset('gcp-2021').regions().length, 23);
    for (const name of DATASET_NAMES) {
      for (const r of dataset(name).regions()) assert.ok(r.source && r.gco2PerKwh >= 0, `${name} ${r.region}`);
    }
  });

  it("uses CodeCarbon's figure where its JSON stores 0: computed from the mix", () => {
    // core/emissions.py _global_energy_mix_to_emissions_rate: "if energy_mix.get('carbon_intensity')"
    // is falsy, sum share x carbon_intensity_per_source.json (hydroelectricity 26 g/kWh).
    const caf = dataset('codecarbon')
      .countries()
      .find((c) => c.iso3 === 'CAF')!;
    assert.equal(caf.gco2PerKwh, 26);
    assert.equal(resolveIntensity({ country: 'CF' }, { dataset: 'codecarbon' }).gco2PerKwh, 26);
  });

  it("labels CodeCarbon's pre-3.0 AWS and Azure figures with their vintage", () => {
    // CodeCarbon PR #350 (2023-05-16) removed them; 3.x falls back to the country or state figure.
    const old = dataset('codecarbon')
      .regions()
      .filter((r) => r.provider !== 'gcp');
    assert.equal(old.length, 54);
    for (const r of old) assert.match(r.source, /^CodeCarbon before 3\.0 .*2016-2019.*country or US state figure/);
    assert.match(dataset('codecarbon').description, /before 3\.0/);
  });
});

describe('Intensity lookup', () => {
  it('finds cloud regions by id, and zones by their region', () => {
    assert.equal(resolveIntensity({ region: 'us-west1' }).gco2PerKwh, 79.23);
    const zone = resolveIntensity({ region: 'us-west4-a' });
    assert.deepEqual(
      [zone.provider, zone.region, zone.location, zone.year, zone.scope],
      ['gcp', 'us-west4', 'Las Vegas', 2024, 'cloud-region'],
    );
    assert.equal(resolveIntensity({ region: 'us-east-1a' }).region, 'us-east-1');
    assert.equal(resolveIntensity({ region: 'WestEurope' }).provider, 'azure');
    assert.equal(zoneToRegion('us-gov-west-1b'), 'us-gov-west-1');
    assert.equal(zoneToRegion('westeurope'), undefined);
  });

  it('finds places by name, ignoring case and accents, and says when a name is ambiguous', () => {
    assert.equal(resolveIntensity({ location: 'sao paulo' }, { provider: 'gcp' }).region, 'southamerica-east1');
    assert.equal(resolveIntensity({ location: 'Mumbai' }, { provider: 'aws' }).region, 'ap-south-1');
    assert.equal(resolveIntensity({ location: 'Quebec' }).scope, 'subnational');
    assert.equal(resolveIntensity({ location: 'SE3' }).gco2PerKwh, 18);
    assert.throws(
      () => resolveIntensity({ location: 'Oregon' }),
      (e: LookupError) =>
        e instanceof LookupError &&
        /matches 3 places/.test(e.message) &&
        e.candidates.some((c) => c.startsWith('gcp us-west1')) &&
        e.candidates.some((c) => c.startsWith('aws us-west-2')),
    );
  });

  it('finds countries by alpha-2, alpha-3 and name, UK included', () => {
    const de = resolveIntensity({ country: 'de' });
    assert.deepEqual([de.countryIso3, de.location, de.scope], ['DEU', 'Germany', 'country']);
    assert.equal(resolveIntensity({ country: 'DEU' }).gco2PerKwh, de.gco2PerKwh);
    assert.equal(resolveIntensity({ country: 'germany' }).gco2PerKwh, de.gco2PerKwh);
    assert.equal(resolveIntensity({ country: 'UK' }).countryIso3, 'GBR');
    assert.equal(resolveIntensity({ country: 'XK' }).countryIso3, 'XKX');
    assert.notEqual(resolveIntensity({ country: 'DE' }, { dataset: 'codecarbon' }).gco2PerKwh, de.gco2PerKwh);
  });

  it('lists close matches for unknown input, and nothing made up', () => {
    assert.throws(
      () => resolveIntensity({ region: 'us-wset1' }),
      (e: LookupError) => e.candidates[0]!.startsWith('gcp us-west1'),
    );
    assert.throws(
      () => resolveIntensity({ location: 'Oregn' }),
      (e: LookupError) => e.candidates.some((c) => c.includes('Oregon')),
    );
    assert.throws(
      () => resolveIntensity({ country: 'Germani' }),
      (e: LookupError) => e.candidates.some((c) => c.includes('Germany')),
    );
    assert.throws(() => resolveIntensity({ region: 'mars-north1' }), /No region 'mars-north1'/);
    assert.throws(() => resolveIntensity({ country: 'DE' }, { dataset: 'gcp-2021' }), /has no country figures/);
  });

  it('takes an explicit intensity as given, and rejects a negative one', () => {
    const f = resolveIntensity({ intensity: 250 });
    assert.deepEqual([f.gco2PerKwh, f.scope, f.dataset], [250, 'explicit', 'explicit']);
    assert.throws(() => resolveIntensity({ intensity: -1 }), LookupError);
  });

  it('resolves a free-text setting: region, then country code, then place; coordinates need live data', () => {
    assert.equal(resolvePlace('europe-west9').region, 'europe-west9');
    assert.equal(resolvePlace('FR').countryIso3, 'FRA');
    assert.equal(resolvePlace('Quebec').scope, 'subnational');
    assert.throws(() => resolvePlace(''), /No location is set/);
    assert.throws(() => resolvePlace('45.5,-73.6'), /need live intensity/);
    assert.deepEqual(parseCoordinates('45.5, -73.6'), { lat: 45.5, lon: -73.6 });
    assert.equal(parseCoordinates('95,0'), undefined);
  });
});

describe('Place search (Set Location and --place)', () => {
  const kinds = (text: string) => searchPlaces(text).map((c) => `${c.kind}: ${c.value}`);

  it('offers the country behind a city of cloud regions, and countries and states as places', () => {
    const paris = kinds('Paris');
    assert.ok(paris.includes('country: FR'), paris.join(' | '));
    assert.ok(paris.includes('cloud region: aws eu-west-3'), paris.join(' | '));
    assert.equal(kinds('Germany')[0], 'country: DE');
    assert.equal(kinds('California')[0], 'region of a country: California (CA), USA');
    assert.equal(kinds('FR')[0], 'country: FR');
    assert.equal(kinds('SE3')[0], 'region of a country: SE3 - Sweden Bidding Zone 3 (Southern Sweden), SWE');
    assert.deepEqual(kinds('Lyon'), [], 'an unknown place is not guessed');
  });

  it('gives values that resolve, through the same code as the CLI, to the figure shown', () => {
    for (const text of ['Paris', 'Germany', 'California', 'Quebec', 'Texas', 'us-east', 'Sweden', 'Mumbai']) {
      for (const c of searchPlaces(text)) {
        const f = resolvePlace(c.value);
        assert.deepEqual(
          [f.gco2PerKwh, f.location, f.region],
          [c.figure.gco2PerKwh, c.figure.location, c.figure.region],
          c.value,
        );
      }
    }
    // Every region of a country resolves alone, named with its country.
    for (const s of dataset('latest').subnational())
      assert.equal(resolvePlace(`${s.region}, ${s.countryIso3}`).location, s.region);
    assert.equal(resolvePlace('aws eu-west-3').region, 'eu-west-3');
  });

  it('says what to try for a place it does not know, and lists choices without a stray question mark', () => {
    assert.throws(() => resolvePlace('Lyon'), /No place named 'Lyon'.*--country FR/);
    assert.throws(
      () => resolvePlace('Paris'),
      (e: Error) => /matches \d places/.test(e.message) && !e.message.endsWith('?'),
    );
  });
});
