// History files survive a full disk, a file without its final newline, and a bad --out.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { appendRecord, CODECARBON_COLUMNS, RUNS_FILE } from '../../src/core/bench/report';
import { tryLock } from '../../src/core/fileLock';
import { sampleRecord } from '../support/sampleRecord';
import { tempDir } from '../support/tempDir';

const cli = join(resolve(__dirname, '../../..'), 'dist', 'cli.js');
const folder = () => tempDir('cl-adv-rec-');
const enospc = () => {
  throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
};

describe('history files', { timeout: 60_000 }, () => {
  it('a full disk while writing the JSONL leaves both files as they were', () => {
    const dir = folder();
    const csv = join(dir, 'emissions.csv');
    appendRecord(csv, sampleRecord());
    const before = [readFileSync(csv, 'utf8'), readFileSync(join(dir, RUNS_FILE), 'utf8')];
    let calls = 0;
    const failSecond = (fd: number, text: string) =>
      ++calls === 2 ? enospc() : require('node:fs').writeSync(fd, text);
    assert.throws(
      () => appendRecord(csv, sampleRecord(), failSecond),
      /Could not save the record to .*carbonlens-runs\.jsonl \(ENOSPC.*the file is as it was/,
    );
    assert.deepEqual([readFileSync(csv, 'utf8'), readFileSync(join(dir, RUNS_FILE), 'utf8')], before);
  });

  it('a short write is cut back, not left as half a line', () => {
    const dir = folder();
    const csv = join(dir, 'emissions.csv');
    appendRecord(csv, sampleRecord());
    const before = readFileSync(csv, 'utf8');
    const short = (fd: number, text: string) => require('node:fs').writeSync(fd, text.slice(0, 10));
    assert.throws(() => appendRecord(csv, sampleRecord(), short), /only 10 of \d+ bytes were written/);
    assert.equal(readFileSync(csv, 'utf8'), before);
    appendRecord(csv, sampleRecord());
    assert.equal(readFileSync(csv, 'utf8').trimEnd().split('\n').length, 3, 'the next row is whole, on its own line');
  });

  it('a CSV without its final newline gets one before the next row', () => {
    const dir = folder();
    const csv = join(dir, 'emissions.csv');
    writeFileSync(csv, `${CODECARBON_COLUMNS.join(',')}\n${'x,'.repeat(CODECARBON_COLUMNS.length - 1)}x`);
    appendRecord(csv, sampleRecord());
    const lines = readFileSync(csv, 'utf8').split('\n');
    assert.equal(lines.length, 4);
    assert.equal(lines[1], `${'x,'.repeat(CODECARBON_COLUMNS.length - 1)}x`);
    assert.match(lines[2]!, /^2026-01-02/);
  });

  it('bench checks --out before measuring: a missing folder, a folder, other columns', () => {
    const dir = folder();
    mkdirSync(join(dir, 'adir'));
    writeFileSync(join(dir, 'other.csv'), 'a,b,c\n1,2,3\n');
    const cases: [string, RegExp][] = [
      [join(dir, 'nope', 'e.csv'), /The folder of .*nope\/e\.csv does not exist/],
      [join(dir, 'adir'), /adir is a folder: --out takes a \.csv file/],
      [join(dir, 'other.csv'), /other\.csv exists with other columns/],
    ];
    for (const [out, message] of cases) {
      const r = spawnSync(
        process.execPath,
        [cli, 'bench', '--model', dir, '--task', 'image-classification', '--out', out],
        { encoding: 'utf8', timeout: 30_000 },
      );
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\.tmp/, "the message names the user's path");
    }
    assert.equal(readFileSync(join(dir, 'other.csv'), 'utf8'), 'a,b,c\n1,2,3\n');
    assert.ok(!existsSync(join(dir, 'nope')));
  });

  /** `carbonlens run --out OUT -- touch MARKER`: whether the command ran, and what was said. */
  const runWithOut = (dir: string, out: string) => {
    const marker = join(dir, 'ran');
    const r = spawnSync(process.execPath, [cli, 'run', '--idle-ms', '0', '--out', out, '--', 'touch', marker], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { ...r, ran: existsSync(marker) };
  };

  it('run checks every record target before the command starts', { skip: process.platform === 'win32' }, () => {
    const dir = folder();
    symlinkSync(join(dir, 'missing.csv'), join(dir, 'dangling.csv'));
    const histDir = join(dir, 'hist');
    mkdirSync(join(histDir, RUNS_FILE), { recursive: true });
    const cases: [string, RegExp][] = [
      ['', /--out is empty/],
      ['/dev/null', /\/dev\/null is not a regular file/],
      [join(dir, 'dangling.csv'), /dangling\.csv is a link to a missing file/],
      [join(histDir, 'e.csv'), /carbonlens-runs\.jsonl is a folder: the run history is kept/],
    ];
    for (const [out, message] of cases) {
      const r = runWithOut(dir, out);
      assert.equal(r.status, 2, `${out}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.ran, false, `${out}: the command did not run`);
    }
    assert.deepEqual(readdirSync(join(histDir, RUNS_FILE)), []);
  });

  it('read-only CSV or JSONL: refused before the command starts', {
    skip: process.getuid?.() === 0 ? 'root writes read-only files' : process.platform === 'win32',
  }, () => {
    for (const name of ['emissions.csv', RUNS_FILE]) {
      const dir = folder();
      writeFileSync(join(dir, name), '');
      chmodSync(join(dir, name), 0o444);
      const r = runWithOut(dir, join(dir, 'emissions.csv'));
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /is not writable/);
      assert.equal(r.ran, false);
    }
  });

  it('an existing empty CSV gets the header and the row', () => {
    const dir = folder();
    const csv = join(dir, 'emissions.csv');
    writeFileSync(csv, '');
    const r = runWithOut(dir, csv);
    assert.equal(r.status, 0, r.stderr);
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], CODECARBON_COLUMNS.join(','));
    assert.equal(lines.length, 2);
  });

  it('a CSV whose header starts with a UTF-8 byte order mark is ours', () => {
    const dir = folder();
    const csv = join(dir, 'emissions.csv');
    writeFileSync(csv, `\uFEFF${CODECARBON_COLUMNS.join(',')}\n`);
    appendRecord(csv, sampleRecord());
    assert.equal(readFileSync(csv, 'utf8').trimEnd().split('\n').length, 2);
  });

  it('a lock whose file cannot be written (a full disk) leaves no empty .tmp behind', () => {
    const dir = folder();
    const fs = require('node:fs') as { writeFileSync: typeof writeFileSync };
    const real = fs.writeFileSync;
    // What a full disk does: the file is created, the write fails.
    fs.writeFileSync = (path: Parameters<typeof writeFileSync>[0]) => {
      real(path, '');
      enospc();
    };
    try {
      assert.throws(() => tryLock(join(dir, 'emissions.csv.lock')), /ENOSPC/);
    } finally {
      fs.writeFileSync = real;
    }
    assert.deepEqual(readdirSync(dir), []);
  });
});
