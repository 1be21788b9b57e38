// Which CPU each preparation worker process is pinned to (cpuPinning.ts): the kernel's CPU lists
// read as the kernel writes them, the first allowed CPU left to the pool's owner, none pinned when
// workers outnumber the CPUs, and the pinning itself failing soft.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowedCpus, parseCpuList, pinThisProcess, workerCpu } from '../../src/core/models/cpuPinning';

describe('CPU pinning of preparation workers', { timeout: 30_000 }, () => {
  it("reads the kernel's CPU lists", () => {
    assert.deepEqual(parseCpuList('0'), [0]);
    assert.deepEqual(parseCpuList('0-3'), [0, 1, 2, 3]);
    assert.deepEqual(parseCpuList('0,2,5-7\n'), [0, 2, 5, 6, 7]);
    assert.deepEqual(parseCpuList(''), []);
    assert.deepEqual(parseCpuList('0-3,x'), []);
  });

  it("takes this process's allowed CPUs from its status, or says it cannot", () => {
    assert.deepEqual(
      allowedCpus('Name:\tnode\nCpus_allowed:\tf0\nCpus_allowed_list:\t4-7\nMems_allowed:\t1\n'),
      [4, 5, 6, 7],
    );
    assert.equal(allowedCpus('Name:\tnode\n'), undefined);
    assert.equal(allowedCpus('Cpus_allowed_list:\t\n'), undefined);
    if (process.platform === 'linux') assert.ok((allowedCpus()?.length ?? 0) >= 1);
  });

  it('gives the workers the CPUs after the first in turn, then the first, and none when they outnumber the CPUs', () => {
    const cpus = [4, 5, 6, 7];
    assert.deepEqual(
      [0, 1, 2].map((k) => workerCpu(k, 3, cpus)),
      [5, 6, 7],
    );
    assert.deepEqual(
      [0, 1, 2, 3].map((k) => workerCpu(k, 4, cpus)),
      [5, 6, 7, 4],
    );
    assert.equal(workerCpu(0, 1, [0]), 0);
    assert.equal(workerCpu(0, 5, cpus), undefined);
    assert.equal(workerCpu(0, 1, undefined), undefined);
  });

  it('says false, and pins nothing, without koffi or with a CPU the system does not have', () => {
    const noKoffi = () => {
      throw new Error('Cannot find module koffi');
    };
    assert.equal(
      pinThisProcess(0, noKoffi, () => ['1']),
      false,
    );
    if (process.platform !== 'linux') return;
    const koffi = () => require('koffi');
    const before = require('node:fs').readFileSync('/proc/self/status', 'utf8');
    assert.equal(
      pinThisProcess(4095, koffi, () => [String(process.pid)]),
      false,
    );
    assert.deepEqual(allowedCpus(), allowedCpus(before));
  });
});
