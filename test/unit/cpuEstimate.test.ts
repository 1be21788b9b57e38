import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cpuEstimateSource,
  cpuPowerModel,
  matchCpuTdp,
  PER_THREAD_WATTS,
  type CpuTimes,
} from '../../src/core/energy/cpuEstimate';
import { ramEstimateSource, RAM_WATTS_PER_GB } from '../../src/core/energy/ramEstimate';
import { CPU_TDP_SKIPPED_ROWS, cpuTdpTable } from '../../src/generated/cpuTdp';

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
    const src = cpuEstimateSource('Intel(R) Core(TM) i7-9700K CPU @ 3.60GHz', 8, {
      read: () => times.shift()!,
      close() {},
    });
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
  it('is 0.375 W per GB, constant, and labelled estimated', () => {
    const src = ramEstimateSource(32 * 1024 ** 3);
    assert.equal(src.kind, 'estimated');
    assert.equal(src.power!(), 32 * RAM_WATTS_PER_GB);
    assert.match(src.detail, /0\.375 W per GB/);
  });
});
