import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  cpuEstimateSource,
  cpuPowerModel,
  cpuSockets,
  matchCpuTdp,
  PER_THREAD_WATTS,
  type CpuTimes,
} from '../../src/core/energy/cpuEstimate';
import {
  dimmModelWatts,
  estimateDimmCount,
  ramEstimateSource,
  RAM_WATTS_PER_GB,
} from '../../src/core/energy/ramEstimate';
import { CPU_TDP_SKIPPED_ROWS, cpuTdpTable } from '../../src/generated/cpuTdp';
import { tempDir } from '../support/tempDir';

describe('CPU TDP table', () => {
  it('holds the CodeCarbon rows with positive TDPs: four malformed and one zero left out', () => {
    assert.equal(CPU_TDP_SKIPPED_ROWS, 5);
    assert.equal(cpuTdpTable().length, 4903 - 5);
    assert.ok(cpuTdpTable().every((r) => r.tdpWatts > 0 && r.source.includes('codecarbon')));
  });

  it('matches brand strings as the OS reports them, model numbers exactly', () => {
    const tdp = (brand: string) => matchCpuTdp(brand)?.tdpWatts;
    assert.equal(tdp('Intel(R) Core(TM) i7-9700K CPU @ 3.60GHz'), 95);
    assert.equal(tdp('Intel(R) Core(TM) i7-9700 CPU @ 3.00GHz'), 65);
    assert.equal(tdp('Intel(R) Core(TM) i7-9700T CPU @ 2.00GHz'), 35);
    assert.equal(tdp('AMD EPYC 7763 64-Core Processor'), 280);
    assert.equal(tdp('Intel(R) Xeon(R) Gold 6126 CPU @ 2.60GHz'), 125);
  });

  it("finds what a scan of every row finds, for the table's own names and as the OS writes them", () => {
    // The scan it replaced: every row's words, normalised as the matcher does, against the brand's.
    const normalise = (s: string) =>
      s
        .toLowerCase()
        .replace(/\((r|tm|c)\)|[®™]/g, ' ')
        .replace(/@.*$/, ' ')
        .replace(/\b(cpu|processor|\d+-core|with radeon.*|w\/ radeon.*)\b/g, ' ')
        .split(/[\s,]+/)
        .filter(Boolean);
    const rows = cpuTdpTable().map((row) => ({ row, words: normalise(row.name) }));
    const scan = (brand: string) => {
      const words = new Set(normalise(brand));
      let best: { row: (typeof rows)[number]['row']; score: number } | undefined;
      for (const { row, words: rowWords } of rows) {
        if (!rowWords.some((w) => /\d/.test(w)) || !rowWords.every((w) => words.has(w))) continue;
        const score = rowWords.length * 1000 + row.name.length;
        if (!best || score > best.score) best = { row, score };
      }
      return best?.row;
    };
    const brands = rows
      .filter((_, i) => i % 25 === 0)
      .flatMap(({ row }) => [row.name, `${row.name.replace(' ', '(R) ')} CPU @ 2.40GHz`]);
    // Brands as the kernel gives them, whose short numbered words ("7", "9") stand alone.
    brands.push(
      'AMD Ryzen 7 5800X 8-Core Processor',
      'AMD Ryzen 9 7950X 16-Core Processor',
      'AMD EPYC 7763 64-Core Processor',
      'Intel(R) Core(TM) i7-9700K CPU @ 3.60GHz',
      'Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz',
      'Intel(R) Core(TM) Ultra 7 155H',
    );
    assert.ok(brands.length > 300);
    for (const brand of brands) assert.deepEqual(matchCpuTdp(brand), scan(brand), brand);
  });

  it('does not guess for a brand with no model number', () => {
    assert.equal(matchCpuTdp('Intel Xeon® Processor'), undefined);
    assert.equal(matchCpuTdp('Intel(R) Xeon(R) Processor'), undefined);
    assert.equal(matchCpuTdp(''), undefined);
  });
});

describe('CPU estimate', () => {
  it('is linear in load between 10% of TDP idle and the TDP, clamped', () => {
    assert.equal(cpuPowerModel(100, 0), 10);
    assert.ok(Math.abs(cpuPowerModel(100, 0.5) - 55) < 1e-9);
    assert.equal(cpuPowerModel(100, 1), 100);
    assert.equal(cpuPowerModel(100, 7), 100);
  });

  it('starts from the load since boot, then gives the load between readings', async () => {
    const times: CpuTimes[] = [
      { busy: 250, total: 1000 },
      { busy: 750, total: 2000 },
      { busy: 750, total: 2000 }, // same clock tick: holds the last figure
      { busy: 750, total: 3000 },
    ];
    const src = cpuEstimateSource(
      'Intel(R) Core(TM) i7-9700K CPU @ 3.60GHz',
      8,
      {
        read: () => times.shift()!,
        close() {},
      },
      1,
    );
    assert.equal(src.kind, 'estimated');
    assert.match(src.detail, /TDP 95 W/);
    assert.equal(await src.power!(), cpuPowerModel(95, 0.25));
    assert.equal(await src.power!(), cpuPowerModel(95, 0.5));
    assert.equal(await src.power!(), cpuPowerModel(95, 0.5));
    assert.equal(await src.power!(), cpuPowerModel(95, 0));
  });

  it('says so when the CPU is unknown, and uses the stated per-thread figure', async () => {
    const times: CpuTimes[] = [
      { busy: 0, total: 100 },
      { busy: 100, total: 200 },
    ];
    const src = cpuEstimateSource('Mystery CPU', 16, { read: () => times.shift()!, close() {} });
    assert.match(src.detail, /not in the TDP table/);
    assert.match(src.name, /model unknown/);
    await src.power!();
    assert.equal(await src.power!(), PER_THREAD_WATTS * 16); // fully loaded: the stand-in TDP
  });
});

describe('RAM estimate', () => {
  it("defaults to CodeCarbon 3.3's module model (ram.py _estimate_dimm_count, _calculate_ram_power)", () => {
    // CodeCarbon 3.3: "4GB = ... use 2 as minimum", 17-32 GB -> 4 DIMMs, 65-128 GB -> 8, larger:
    // at least 8 DIMMs of the largest common size <= total/8, at most 32; 5 W per DIMM on x86,
    // x0.9 from the 5th, x0.8 from the 9th, x0.7 from the 17th; minimum 2 DIMMs (10 W); ARM 1.5 W, min 3 W.
    const cases: [number, boolean, number, number][] = [
      [2, false, 1, 10],
      [8, false, 2, 10],
      [16, false, 2, 10],
      [24, false, 4, 20],
      [64, false, 4, 20],
      [128, false, 8, 38],
      [512, false, 8, 38],
      [1024, false, 8, 38],
      [2048, false, 16, 70],
      [8192, false, 32, 126],
      [16, true, 2, 3],
      [128, true, 8, 11.4],
    ];
    for (const [gb, arm, dimms, watts] of cases) {
      assert.equal(estimateDimmCount(gb), dimms, `${gb} GB`);
      assert.ok(
        Math.abs(dimmModelWatts(gb, arm) - watts) < 1e-9,
        `${gb} GB ${arm ? 'ARM' : 'x86'}: ${dimmModelWatts(gb, arm)}`,
      );
    }
    const src = ramEstimateSource(24 * 1024 ** 3, undefined, 'x64');
    assert.equal(src.kind, 'estimated');
    assert.equal(src.power!(), 20);
    assert.match(src.detail, /CodeCarbon 3\.x's module model: 24\.0 GB taken as 4 modules at 5 W/);
  });

  it('offers the 2.x rule, 0.375 W per GB, constant', () => {
    const src = ramEstimateSource(32 * 1024 ** 3, 'per-gb');
    assert.equal(src.power!(), 32 * RAM_WATTS_PER_GB);
    assert.match(src.detail, /0\.375 W per GB/);
  });
});

describe('CPU sockets', () => {
  it("counts distinct physical packages, as lscpu's Socket(s) does, and multiplies the TDP", () => {
    const root = tempDir('cl-sockets-');
    for (const [cpu, pkg] of [
      [0, 0],
      [1, 0],
      [2, 1],
      [3, 1],
    ]) {
      mkdirSync(join(root, `cpu${cpu}`, 'topology'), { recursive: true });
      writeFileSync(join(root, `cpu${cpu}`, 'topology', 'physical_package_id'), `${pkg}\n`);
    }
    mkdirSync(join(root, 'cpufreq')); // not a CPU
    assert.equal(cpuSockets(root), process.platform === 'linux' ? 2 : 1);
    assert.equal(cpuSockets(join(root, 'missing')), 1);
    const times = [
      { busy: 0, total: 100 },
      { busy: 100, total: 200 },
    ];
    const two = cpuEstimateSource(
      'Intel(R) Core(TM) i7-9700K CPU @ 3.60GHz',
      8,
      { read: () => times.shift()!, close() {} },
      2,
    );
    two.power!();
    assert.equal(two.power!(), 95 * 2, 'full load: twice the one-package TDP');
    assert.match(two.detail, /TDP 95 W .* x 2 sockets = 190 W/);
  });
});
