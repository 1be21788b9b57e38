import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { GpuRequest } from '../../src/core/energy/gpuSelection';
import { openNvidiaSmiSources, parseMigList, parseSmiLine, parseSmiListing } from '../../src/core/energy/nvidiaSmi';
import type { OpenedSources } from '../../src/core/energy/source';
import { isAlive, killIfAlive, pidFrom, processGone, waitFor } from '../support/waitFor';
import { tempDir } from '../support/tempDir';

const cli = join(__dirname, '../../../dist/cli.js');

/**
 * A fake nvidia-smi: FAKE_SMI=ok (two GPUs), old-driver (rejects power.draw.instant),
 * hang (lists GPUs, then streams nothing), malformed (garbage between good lines), broken.
 */
const dir = tempDir('carbonlens-smi-');
const exe = join(dir, 'nvidia-smi');
writeFileSync(
  exe,
  `#!${process.execPath}
const mode = process.env.FAKE_SMI || 'ok';
const args = process.argv.slice(2);
const query = args.find((a) => a.startsWith('--query-gpu=')) || '';
if (mode === 'broken') { console.error('NVIDIA-SMI has failed because it couldn\\'t communicate with the NVIDIA driver.'); process.exit(9); }
if (mode === 'old-driver' && query.includes('power.draw.instant')) { console.log('Field "power.draw.instant" is not a valid field to query.'); process.exit(2); }
if (args[0] === '-L') {
  console.log('GPU 0: Fake GPU A (UUID: GPU-aaaa0000-1111-4222-8333-000000000000)');
  console.log('GPU 1: Fake GPU B (UUID: GPU-bbbb0000-1111-4222-8333-000000000001)');
  console.log('  MIG 1g.10gb     Device  0: (UUID: MIG-bbbbc0de-1111-4222-8333-000000000001)');
  process.exit(0);
}
const lms = args.indexOf('-lms');
if (lms < 0) {
  // The listing: index, name, power, then uuid, pci.bus_id and mig.mode.current when asked.
  const ids = query.includes('uuid');
  const mig = query.includes('mig.mode');
  console.log('0, Fake GPU A, 80.00' + (ids ? ', GPU-aaaa0000-1111-4222-8333-000000000000, 00000000:18:00.0' : '') + (mig ? ', Disabled' : ''));
  console.log('1, Fake GPU B, [N/A]' + (ids ? ', GPU-bbbb0000-1111-4222-8333-000000000001, 00000000:3B:00.0' : '') + (mig ? ', Enabled' : ''));
  process.exit(0);
}
require('fs').writeFileSync(process.env.FAKE_SMI_PID, String(process.pid));
if (mode === 'stubborn') process.on('SIGTERM', () => {});
if (mode === 'hang' || mode === 'stubborn') setInterval(() => {}, 1000);
else {
  let n = 0;
  setInterval(() => {
    n++;
    if (mode === 'malformed') console.log('garbage, , ,\\n0, [N/A], 1, 2, 3, 4\\n\\u0000\\u0001');
    console.log('0, ' + (100 + n) + '.50, 37, 1024, 81920, 700.00');
    console.log('1, 60.25, 0, 0, 81920, [N/A]');
  }, Number(args[lms + 1]));
}
`,
);
chmodSync(exe, 0o755);

const ALL: GpuRequest = { from: 'all' };

async function open(mode: string, intervalMs = 50, request = ALL) {
  process.env.FAKE_SMI = mode;
  process.env.FAKE_SMI_PID = join(dir, `${mode}.pid`);
  rmSync(process.env.FAKE_SMI_PID, { force: true });
  return openNvidiaSmiSources(exe, intervalMs, request);
}

/** Opens the stream, runs the test, and always closes it and waits for the fake to end. */
async function withStream(
  mode: string,
  body: (opened: OpenedSources, pid: number) => Promise<void>,
  intervalMs?: number,
  request?: GpuRequest,
) {
  const opened = await open(mode, intervalMs, request);
  let pid: number | undefined;
  try {
    pid = await pidFrom(join(dir, `${mode}.pid`));
    await body(opened, pid);
  } finally {
    for (const s of opened.sources) s.close!();
    if (pid !== undefined) await processGone(pid).finally(() => killIfAlive(pid));
  }
}

describe('nvidia-smi lines', { timeout: 10_000 }, () => {
  it('parses the listing with and without UUIDs and bus ids, and MIG devices under their board', () => {
    assert.deepEqual(
      parseSmiListing('0, NVIDIA H100, 70.1, GPU-ab12, 00000000:18:00.0, Disabled\n1, NVIDIA H100, [N/A]'),
      [
        { index: 0, name: 'NVIDIA H100', uuid: 'GPU-ab12', pciBusId: '00000000:18:00.0' },
        { index: 1, name: 'NVIDIA H100' },
      ],
    );
    const migs = parseMigList(
      'GPU 0: A100 (UUID: GPU-a)\n  MIG 3g.40gb Device 0: (UUID: MIG-a0)\n  MIG 3g.40gb Device 1: (UUID: MIG-a1)\nGPU 1: A100 (UUID: GPU-b)',
    );
    assert.deepEqual([...migs], [['GPU-a', ['MIG-a0', 'MIG-a1']]]);
  });

  it('parses a full line and rejects malformed ones', () => {
    const ok = parseSmiLine('0, 126.45, 3, 1024, 143771, 700.00', 5);
    assert.deepEqual(ok, {
      index: 0,
      reading: {
        powerW: 126.45,
        utilizationPercent: 3,
        memoryUsedBytes: 1024 * 2 ** 20,
        memoryTotalBytes: 143771 * 2 ** 20,
        powerLimitW: 700,
        at: 5,
      },
    });
    assert.equal(parseSmiLine('1, [N/A], 0, 0, 0, 0', 0), undefined);
    assert.equal(parseSmiLine('x, 1, 0, 0, 0, 0', 0), undefined);
    assert.equal(parseSmiLine('0, 1, 0', 0), undefined);
    assert.equal(parseSmiLine('', 0), undefined);
    assert.equal(parseSmiLine('0, 50.0, [N/A], [N/A], [N/A], [N/A]', 0)?.reading.utilizationPercent, undefined);
  });
});

describe('nvidia-smi stream', {
  timeout: 60_000,
  skip: process.platform === 'win32' && 'the fake is a POSIX script',
}, () => {
  it('streams both GPUs from one child process, sampled, and ends it on close', async () => {
    await withStream('ok', async ({ sources, notes }, pid) => {
      assert.deepEqual(
        sources.map((s) => [s.id, s.name, s.kind]),
        [
          ['nvidia-smi:0', 'Fake GPU A #0', 'sampled'],
          ['nvidia-smi:1', 'Fake GPU B #1', 'sampled'],
        ],
      );
      assert.match(notes[0]!, /power\.draw\.instant, sampled/);
      await waitFor('a reading of GPU 0', async () => ((await sources[0]!.power!()) ?? 0) > 100);
      await waitFor('a reading of GPU 1', () => sources[1]!.power!() === 60.25);
      assert.equal(sources[0]!.stats!().powerLimitW, 700);
      assert.ok(isAlive(pid));
    });
  });

  it('streams only the boards asked for: a MIG device (from nvidia-smi -L) is its board, metered whole', async () => {
    await withStream(
      'ok',
      async ({ sources, gpus, notes }) => {
        assert.deepEqual(
          sources.map((s) => s.id),
          ['nvidia-smi:1'],
        );
        assert.deepEqual(gpus!.metered, [
          {
            index: 1,
            name: 'Fake GPU B',
            uuid: 'GPU-bbbb0000-1111-4222-8333-000000000001',
            pciBusId: '00000000:3B:00.0',
            mig: true,
          },
        ]);
        assert.deepEqual(
          gpus!.leftOut.map((b) => b.index),
          [0],
        );
        assert.match(notes.join(' '), /GPU 1 \(Fake GPU B\) is in MIG mode/);
        await waitFor('a reading of GPU 1', () => sources[0]!.power!() === 60.25);
      },
      50,
      { from: 'env', visible: 'MIG-bbbbc0de-1111-4222-8333-000000000001', order: undefined },
    );
  });

  it('falls back to power.draw on a driver without power.draw.instant, and says it is averaged', async () => {
    await withStream('old-driver', async ({ sources }) => {
      assert.match(sources[0]!.detail, /power\.draw \(a one-second average/);
      await waitFor('a reading', async () => ((await sources[0]!.power!()) ?? 0) > 100);
    });
  });

  it('skips malformed lines and keeps the good ones', async () => {
    await withStream('malformed', async ({ sources }) => {
      await waitFor('a reading among the garbage', async () => ((await sources[0]!.power!()) ?? 0) > 100);
    });
  });

  it('gives no figure (not a stale one) from a child that hangs, and still ends it', async () => {
    await withStream('hang', async ({ sources }) => assert.equal(sources[0]!.power!(), undefined), 20);
  });

  it('ends a child that ignores SIGTERM (SIGKILL after a grace period)', async () => {
    await withStream('stubborn', async ({ sources }) => assert.equal(sources[0]!.power!(), undefined));
  });

  // The CLI with the fake first on PATH (no NVML on a test machine, so nvidia-smi is the GPU source).
  function monitor(mode: string, ...args: string[]) {
    const pidFile = join(dir, `cli-${mode}.pid`);
    rmSync(pidFile, { force: true });
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH}`, FAKE_SMI: mode, FAKE_SMI_PID: pidFile };
    const child = spawn(process.execPath, [cli, 'monitor', '--interval-ms', '50', ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    return { child, pidFile, exited, output: () => out };
  }

  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`leaves no nvidia-smi behind when the CLI gets ${signal}, even one that ignores SIGTERM`, async () => {
      const run = monitor('stubborn');
      let pid: number | undefined;
      try {
        pid = await pidFrom(run.pidFile);
        await waitFor('the monitor to start sampling', () => /^time /m.test(run.output()));
        run.child.kill(signal);
        const code = await run.exited;
        if (signal === 'SIGTERM') {
          assert.equal(code, 0, 'SIGTERM ends a monitor like Ctrl-C, with its summary');
          assert.match(run.output(), /^Energy over /m);
        }
        await processGone(pid);
      } finally {
        run.child.kill('SIGKILL');
        killIfAlive(pid);
      }
    });
  }

  it('monitor --duration ends on time even when nvidia-smi ignores SIGTERM', async () => {
    const run = monitor('stubborn', '--duration', '0.5');
    let pid: number | undefined;
    try {
      pid = await pidFrom(run.pidFile);
      assert.equal(await run.exited, 0);
      await processGone(pid);
    } finally {
      run.child.kill('SIGKILL');
      killIfAlive(pid);
    }
  });

  it('opens nothing and says why when nvidia-smi fails', async () => {
    const { sources, notes } = await open('broken');
    assert.deepEqual(sources, []);
    assert.match(notes[0]!, /could not list the GPUs: NVIDIA-SMI has failed/);
  });
});
