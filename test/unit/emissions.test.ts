import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareRegions, emissionsGrams, JOULES_PER_KWH, project } from '../../src/core/carbon/emissions';
import { resolveIntensity } from '../../src/core/carbon/intensity';
import { paperRegionRows } from '../../src/generated/intensityTables';

const close = (a: number, b: number, tol = 1e-9) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} != ${b}`);

describe('Emissions', () => {
  it('is energy x intensity x PUE, with units checked', () => {
    close(emissionsGrams(2, 100), 200);
    close(emissionsGrams(2, 100, 1.1), 220);
    close(emissionsGrams(3.6e6 / JOULES_PER_KWH, 400), 400); // 3.6 MJ is 1 kWh
    assert.throws(() => emissionsGrams(1, 100, 0.9), /PUE must be >= 1/);
    assert.throws(() => emissionsGrams(-1, 100), /Energy must be >= 0/);
  });

  it('projects requests per day to kWh and kg per day and year', () => {
    const p = project(0.001, 1_000_000, 400, 1.2);
    close(p.kwhPerDay, 1000);
    close(p.kwhPerYear, 365_000);
    close(p.kgPerDay, 480);
    close(p.kgPerYear, 175_200);
  });
});

describe("The study's arithmetic (Table II intensities, Table III energies)", () => {
  const at = (location: string) => resolveIntensity({ location }, { dataset: 'gcp-2021' });

  it('maps its locations to Google Cloud regions with its 2021 figures', () => {
    assert.equal(paperRegionRows().length, 23);
    assert.deepEqual([at('Oregon').region, at('Oregon').gco2PerKwh], ['us-west1', 60]);
    assert.deepEqual([at('Salt Lake City').region, at('Salt Lake City').gco2PerKwh], ['us-west3', 448]);
    assert.deepEqual([at('Las Vegas').region, at('Las Vegas').gco2PerKwh], ['us-west4', 365]);
    assert.deepEqual([at('Toronto').gco2PerKwh, at('Mumbai').gco2PerKwh], [29, 670]);
  });

  it('ViT-Base/384 on 100 images (0.1229 kWh): 82.3 g in Mumbai, 3.56 g in Toronto, ~23x apart', () => {
    const mumbai = emissionsGrams(0.1229, at('Mumbai').gco2PerKwh);
    const toronto = emissionsGrams(0.1229, at('Toronto').gco2PerKwh);
    close(mumbai, 82.343, 1e-6);
    close(toronto, 3.5641, 1e-6);
    assert.equal((mumbai / toronto).toFixed(1), '23.1');
  });

  it('ranks its regions like its table, with savings against Mumbai', () => {
    const rows = compareRegions(0.1229, { dataset: 'gcp-2021', from: at('Mumbai') });
    assert.equal(rows.length, 23);
    assert.equal(rows[0]!.figure.location, 'Toronto');
    assert.equal(rows.at(-1)!.figure.location, 'Mumbai');
    close(rows[0]!.savingPercent!, (1 - 29 / 670) * 100);
    assert.equal(rows.at(-1)!.savingPercent, 0);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1]!.figure.gco2PerKwh <= rows[i]!.figure.gco2PerKwh);
  });

  it("10 million stable-diffusion-2-1 images a day at 0.01438 kWh each are 143,800 kWh a day (not the text's 14,380)", () => {
    close(project(0.01438, 10_000_000, 0).kwhPerDay, 143_800, 1e-9);
  });

  it('compares a provider, or a list of regions, and leaves savings out without a reference', () => {
    const aws = compareRegions(1, { providers: ['aws'] });
    assert.equal(aws.length, 27);
    assert.ok(aws.every((r) => r.figure.provider === 'aws' && r.savingPercent === undefined));
    const two = compareRegions(1, {
      regions: ['us-west1', 'asia-south1'],
      from: resolveIntensity({ region: 'us-west1' }),
    });
    assert.deepEqual(
      two.map((r) => r.figure.region),
      ['us-west1', 'asia-south1'],
    );
    assert.ok(two[1]!.savingPercent! < 0, 'a dirtier region has a negative saving');
  });
});

describe('Emissions of a meter window', () => {
  it('converts each component and the idle-subtracted total, J to kWh', async () => {
    const { windowEmissions } = await import('../../src/core/carbon/emissions');
    const w = {
      startedAt: 0,
      durationS: 10,
      sources: [],
      components: [
        { component: 'gpu' as const, energyJ: 3.6e6, meanPowerW: 3.6e5, netEnergyJ: 1.8e6, kind: 'measured' as const },
        { component: 'cpu' as const, energyJ: 1.8e6, meanPowerW: 1.8e5, netEnergyJ: 0, kind: 'estimated' as const },
      ],
      totalJ: 5.4e6,
      netJ: 1.8e6,
      kind: 'estimated' as const,
    };
    const e = windowEmissions(w, 100, 1.5);
    close(e.grams, 1.5 * 100 * 1.5);
    close(e.netGrams!, 0.5 * 100 * 1.5);
    assert.deepEqual(
      e.components.map((c) => [c.component, Number(c.grams.toFixed(6)), c.kind]),
      [
        ['gpu', 150, 'measured'],
        ['cpu', 75, 'estimated'],
      ],
    );
  });
});
