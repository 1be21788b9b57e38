import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from './tempDir';

/**
 * The stand-in libnvidia-ml.so.1 of test/fixtures/fake-nvml, compiled with the system's C
 * compiler into a fresh folder (put it first on LD_LIBRARY_PATH); `skip` says why not, for
 * the tests to report as skipped.
 */
export function buildFakeNvml(): { libDir?: string; skip: string | false } {
  if (process.platform !== 'linux') return { skip: 'Linux only' };
  try {
    const libDir = tempDir('carbonlens-nvml-');
    execFileSync(
      'cc',
      ['-shared', '-fPIC', '-O2', '-o', join(libDir, 'libnvidia-ml.so.1'), 'test/fixtures/fake-nvml/fake_nvml.c'],
      { stdio: 'pipe' },
    );
    return { libDir, skip: false };
  } catch (e) {
    return { skip: `no C compiler to build the fake NVML (${(e as Error).message.split('\n')[0]})` };
  }
}
