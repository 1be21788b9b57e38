import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataset, DATASET_NAMES } from '../../src/core/carbon/datasets';
import { searchPlaces } from '../../src/core/carbon/placeSearch';
import { sourceName } from '../../src/core/citations';
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
    assert.ok(kinds('California').includes('region of a country: California (CA), USA'));
    assert.equal(kinds('FR')[0], 'country: FR');
    assert.equal(kinds('SE3')[0], 'region of a country: SE3 - Sweden Bidding Zone 3 (Southern Sweden), SWE');
    assert.deepEqual(kinds('Lyon'), [], 'an unknown place is not guessed');
  });

  it('lists the cloud regions located in a state or country under it, after it', () => {
    const texas = searchPlaces('Texas');
    const dallas = texas.find((c) => c.value === 'gcp us-south1');
    assert.equal(dallas?.within, 'Texas (TX)', texas.map((c) => c.value).join(' | '));
    assert.ok(
      texas.findIndex((c) => c.value === 'Texas (TX), USA') < texas.indexOf(dallas!),
      'the state comes before what is in it',
    );
    const germany = kinds('Germany');
    assert.equal(germany[0], 'country: DE');
    for (const r of ['gcp europe-west3', 'aws eu-central-1', 'azure germanywestcentral'])
      assert.ok(germany.includes(`cloud region: ${r}`), `${r} in ${germany.join(' | ')}`);
    assert.equal(searchPlaces('Germany').find((c) => c.value === 'aws eu-central-1')?.within, 'Germany');
    // Not every region of the country's continent: only those in it.
    assert.ok(!germany.includes('cloud region: gcp europe-west9'));
  });

  it('puts the newest of several figures for one place first', () => {
    const oregon = searchPlaces('Oregon').filter((c) => !c.within && c.kind !== 'country');
    assert.deepEqual(
      oregon.map((c) => [c.value, c.figure.year]),
      [
        ['gcp us-west1', 2024],
        ['aws us-west-2', 2020],
        ['Oregon (OR), USA', 2016],
      ],
    );
  });

  it('resolves a country name to the country through every door, even where a cloud region shares it', () => {
    for (const f of [
      resolveIntensity({ location: 'France' }),
      resolveIntensity({ place: 'France' }),
      resolvePlace('France'),
      resolvePlace('germany'),
    ])
      assert.equal(f.scope, 'country', f.location);
    assert.equal(resolveIntensity({ location: 'aws us-west-2' }).region, 'us-west-2', '--location takes a region too');
  });

  it('names each source shortly, with its year, and never with a commit or a path', () => {
    assert.equal(sourceName(resolvePlace('FR').source, 2024), 'Ember 2024');
    assert.equal(sourceName(resolvePlace('aws us-west-2').source, 2020), 'Cloud Carbon Footprint, AWS 2020');
    assert.equal(sourceName(resolvePlace('gcp us-west1').source, 2024), 'Google Cloud 2024');
    for (const name of DATASET_NAMES) {
      const d = dataset(name);
      for (const r of [...d.regions(), ...d.countries(), ...d.subnational()]) {
        const short = sourceName(r.source, r.year);
        assert.ok(short.length <= 45 && !/[@/]|\.ts\b|\.json\b|\.csv\b/.test(short), `${short} for ${r.source}`);
        if (r.year) assert.ok(short.endsWith(String(r.year)), short);
      }
    }
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
    assert.throws(() => resolvePlace('Lyon'), /No place named 'Lyon'.*\(France or FR\)/);
    assert.throws(
      () => resolvePlace('Paris'),
      (e: Error) => /matches \d places/.test(e.message) && !e.message.endsWith('?'),
    );
  });
});
