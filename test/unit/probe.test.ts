import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  probeNvidiaSmi,
  probeNvml,
  probePowerSources,
  probeRapl,
  type ProbeEnvironment,
} from '../../src/core/energy/probe';
import { fakeFs, type FakeTree } from './fakeFs';

function linux(tree: FakeTree, env: Record<string, string> = {}): ProbeEnvironment {
  return { platform: 'linux', sysfsRoot: '/sys', env, fs: fakeFs(tree) };
}

const PC = '/sys/class/powercap';

describe('RAPL probe', () => {
  it('lists readable package and dram domains, and ignores other powercap zones', async () => {
    const s = await probeRapl(
      linux({
        [`${PC}/intel-rapl:0/name`]: 'package-0\n',
        [`${PC}/intel-rapl:0/energy_uj`]: '123456789\n',
        [`${PC}/intel-rapl:0:0/name`]: 'dram\n',
        [`${PC}/intel-rapl:0:0/energy_uj`]: '42\n',
        [`${PC}/dtpm/name`]: 'dtpm',
      }),
    );
    assert.equal(s.state, 'ready');
    assert.equal(s.kind, 'measured');
    assert.match(s.detail, /package-0 \(intel-rapl:0\)/);
    assert.match(s.detail, /dram \(intel-rapl:0:0\)/);
    assert.doesNotMatch(s.detail, /dtpm/);
    assert.equal(s.fix, undefined);
  });

  it('says the counters are root-only and gives the exact fix when every one is denied', async () => {
    const s = await probeRapl(
      linux({
        [`${PC}/intel-rapl:0/name`]: 'package-0',
        [`${PC}/intel-rapl:0/energy_uj`]: { error: 'EACCES' },
        [`${PC}/intel-rapl:1/name`]: 'package-1',
        [`${PC}/intel-rapl:1/energy_uj`]: { error: 'EPERM' },
      }),
    );
    assert.equal(s.state, 'denied');
    assert.match(s.detail, /only root/);
    assert.match(s.fix ?? '', /sudo chmod a\+r \/sys\/class\/powercap\/intel-rapl:\*\/energy_uj/);
    assert.match(s.fix ?? '', /tmpfiles\.d/);
  });

  it('is ready when some domains are readable, and names the denied ones', async () => {
    const s = await probeRapl(
      linux({
        [`${PC}/intel-rapl:0/name`]: 'package-0',
        [`${PC}/intel-rapl:0/energy_uj`]: '1',
        [`${PC}/intel-rapl:0:0/name`]: 'dram',
        [`${PC}/intel-rapl:0:0/energy_uj`]: { error: 'EACCES' },
      }),
    );
    assert.equal(s.state, 'ready');
    assert.match(s.detail, /dram \(intel-rapl:0:0\): permission denied/);
  });

  it('reports absent for a machine without powercap, and for unreadable garbage', async () => {
    assert.equal((await probeRapl(linux({}))).state, 'absent');
    const garbage = await probeRapl(
      linux({ [`${PC}/intel-rapl:0/name`]: 'package-0', [`${PC}/intel-rapl:0/energy_uj`]: 'n/a' }),
    );
    assert.equal(garbage.state, 'absent');
    assert.match(garbage.detail, /unexpected value "n\/a"/);
  });

  it('is unsupported off Linux', async () => {
    const s = await probeRapl({ ...linux({}), platform: 'darwin' });
    assert.equal(s.state, 'unsupported');
    assert.match(s.detail, /estimated/);
  });
});

describe('NVML probe', () => {
  it('finds the library on LD_LIBRARY_PATH, but never in CUDA stubs', async () => {
    const stubOnly = await probeNvml(
      linux(
        { '/usr/local/cuda/lib64/stubs/libnvidia-ml.so.1': '' },
        { LD_LIBRARY_PATH: '/usr/local/cuda/lib64/stubs' },
      ),
    );
    assert.equal(stubOnly.state, 'absent');
    const found = await probeNvml(linux({ '/opt/nv/libnvidia-ml.so.1': '' }, { LD_LIBRARY_PATH: '/opt/nv' }));
    assert.equal(found.state, 'found');
    assert.match(found.detail, /\/opt\/nv\/libnvidia-ml\.so\.1/);
  });

  it('looks in System32 on Windows and says macOS has none', async () => {
    const win = await probeNvml({
      platform: 'win32',
      sysfsRoot: '',
      env: { SystemRoot: 'D:\\Win' },
      fs: fakeFs({ 'D:\\Win\\System32\\nvml.dll': '' }),
    });
    assert.equal(win.state, 'found');
    assert.equal((await probeNvml({ ...linux({}), platform: 'darwin' })).state, 'unsupported');
  });
});

describe('nvidia-smi probe', () => {
  it('needs an executable on PATH', async () => {
    assert.equal((await probeNvidiaSmi(linux({ '/usr/bin/nvidia-smi': '' }, { PATH: '/usr/bin' }))).state, 'absent');
    const s = await probeNvidiaSmi(linux({ '/usr/bin/nvidia-smi': { executable: true } }, { PATH: '/bin:/usr/bin' }));
    assert.equal(s.state, 'found');
    assert.equal(s.kind, 'sampled');
  });
});

describe('probePowerSources', () => {
  it('reports every source, one per name, on this real machine without throwing', async () => {
    const sources = await probePowerSources();
    assert.deepEqual(sources.map((s) => s.name).sort(), ['nvidia-smi', 'nvml', 'rapl']);
    for (const s of sources) assert.ok(s.detail.length > 0);
  });
});
