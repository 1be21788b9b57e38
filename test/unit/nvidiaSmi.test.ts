import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openNvidiaSmiSources, parseSmiLine } from '../../src/core/energy/nvidiaSmi';

/**
 * A fake nvidia-smi: FAKE_SMI=ok (two GPUs), old-driver (rejects power.draw.instant),
 * hang (lists GPUs, then streams nothing), malformed (garbage between good lines), broken.
 */
const dir = mkdtempSync(join(tmpdir(), 'carbonlens-smi-'));
const exe = join(dir, 'nvidia-smi');
writeFileSync(
  exe,
  `#!${process.execPath}
const mode = process.env.FAKE_SMI || 'ok';
const args = process.argv.slice(2);
const query = args.find((a) => a.startsWith('--query-gpu=')) || '';
if (mode === 'broken') { console.error('NVIDIA-SMI has failed because it couldn\\'t communicate with the NVIDIA driver.'); process.exit(9); }
if (mode === 'old-driver' && query.includes('power.draw.instant')) { console.log('Field "power.draw.instant" is not a valid field to query.'); process.exit(2); }
const lms = args.indexOf('-lms');
if (lms < 0) { console.log('0, Fake GPU A, 80.00\\n1, Fake GPU B, [N/A]'); process.exit(0); }
require('fs').writeFileSync(process.env.FAKE_SMI_PID, String(process.pid));
if (mode === 'hang') setInterval(() => {}, 1000);
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

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function open(mode: string, intervalMs = 50) {
  process.env.FAKE_SMI = mode;
  process.env.FAKE_SMI_PID = join(dir, `${mode}.pid`);
  return openNvidiaSmiSources(exe, intervalMs);
}

describe('nvidia-smi lines', () => {
  it('parses a full line and rejects malformed ones', () => {
    const ok = parseSmiLine('0, 126.45, 3, 1024, 143771, 700.00', 5);
    assert.deepEqual(ok, { index: 0, reading: { powerW: 126.45, utilizationPercent: 3, memoryUsedBytes: 1024 * 2 ** 20, memoryTotalBytes: 143771 * 2 ** 20, powerLimitW: 700, at: 5 } });
    assert.equal(parseSmiLine('1, [N/A], 0, 0, 0, 0', 0), undefined);
    assert.equal(parseSmiLine('x, 1, 0, 0, 0, 0', 0), undefined);
    assert.equal(parseSmiLine('0, 1, 0', 0), undefined);
    assert.equal(parseSmiLine('', 0), undefined);
    assert.equal(parseSmiLine('0, 50.0, [N/A], [N/A], [N/A], [N/A]', 0)?.reading.utilizationPercent, undefined);
  });
});

describe('nvidia-smi stream', { skip: process.platform === 'win32' && 'the fake is a POSIX script' }, () => {
  it('streams both GPUs from one child process, sampled, and kills it on close', async () => {
    const { sources, notes } = await open('ok');
    assert.deepEqual(
      sources.map((s) => [s.id, s.name, s.kind]),
      [
        ['nvidia-smi:0', 'Fake GPU A #0', 'sampled'],
        ['nvidia-smi:1', 'Fake GPU B #1', 'sampled'],
      ],
    );
    assert.match(notes[0]!, /power\.draw\.instant, sampled/);
    await sleep(300);
    assert.ok((await sources[0]!.power!())! > 100);
    assert.equal(sources[1]!.power!(), 60.25);
    assert.equal(sources[0]!.stats!().powerLimitW, 700);
    const pid = Number(readFileSync(join(dir, 'ok.pid'), 'utf8'));
    assert.ok(alive(pid));
    for (const s of sources) s.close!();
    await sleep(200);
    assert.ok(!alive(pid), 'the nvidia-smi child outlived its sources');
  });

  it('falls back to power.draw on a driver without power.draw.instant, and says it is averaged', async () => {
    const { sources } = await open('old-driver');
    assert.match(sources[0]!.detail, /power\.draw \(a one-second average/);
    await sleep(300);
    assert.ok((await sources[0]!.power!())! > 100);
    for (const s of sources) s.close!();
  });

  it('skips malformed lines and keeps the good ones', async () => {
    const { sources } = await open('malformed');
    await sleep(300);
    assert.ok((await sources[0]!.power!())! > 100);
    for (const s of sources) s.close!();
  });

  it('gives no figure (not a stale one) from a child that hangs, and still kills it', async () => {
    const { sources } = await open('hang', 20);
    await sleep(200);
    assert.equal(sources[0]!.power!(), undefined);
    const pid = Number(readFileSync(join(dir, 'hang.pid'), 'utf8'));
    for (const s of sources) s.close!();
    await sleep(200);
    assert.ok(!alive(pid));
  });

  it('opens nothing and says why when nvidia-smi fails', async () => {
    const { sources, notes } = await open('broken');
    assert.deepEqual(sources, []);
    assert.match(notes[0]!, /could not list the GPUs: NVIDIA-SMI has failed/);
  });
});
