import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { runMain } from './runMain';

const run = runMain;

describe('carbonlens CLI', () => {
  it('prints help and version', async () => {
    const help = await run('--help');
    assert.equal(help.code, 0);
    assert.match(help.out, /Usage: carbonlens <command>/);
    assert.match(help.out, /info \[--json\]/);
    const version = await run('--version');
    assert.match(version.out.trim(), /^\d+\.\d+\.\d+$/);
  });

  it('rejects an unknown command or option with exit code 2 and a hint', async () => {
    const unknown = await run('frobnicate');
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /unknown command 'frobnicate'.*--help/);
    const inherited = await run('toString');
    assert.equal(inherited.code, 2);
    assert.match(inherited.err, /unknown command 'toString'/);
    const badOption = await run('info', '--jsno');
    assert.equal(badOption.code, 2);
    assert.match(badOption.err, /--jsno.*carbonlens info --help/);
  });

  it('names the near miss, takes ocr for image-to-text, and gives 2 for anything named that does not exist', async () => {
    const typo = await runMain('bench', '--smaples', '3');
    assert.equal(typo.code, 2);
    assert.match(typo.err, /Unknown option '--smaples'\. Did you mean --samples\?/);
    assert.match((await runMain('benhc')).err, /Did you mean 'bench'\?/);
    const task = await runMain('bench', '--task', 'ocer', '--model', 'x');
    assert.match(task.err, /Did you mean ocr\? Run/);
    // A wrong path or set is a command-line mistake (2), like a wrong task, not a failed run (1).
    const model = await runMain('bench', '--task', 'ocr', '--model', '/no/such/model', '--idle-ms', '0');
    assert.equal(model.code, 2, model.err);
    assert.match(model.err, /neither a folder nor a hub model id/);
    assert.match((await runMain('--help')).out, /Exit codes:\n {2}0 {4}done/);
    // The intensity dataset has one name everywhere; the old one still works in estimate.
    const a = await runMain(
      'estimate',
      '--energy-kwh',
      '1',
      '--country',
      'DE',
      '--intensity-dataset',
      'codecarbon',
      '--json',
    );
    const b = await runMain('estimate', '--energy-kwh', '1', '--country', 'DE', '--dataset', 'codecarbon', '--json');
    assert.equal(JSON.parse(a.out).dataset, 'codecarbon');
    assert.equal(JSON.parse(b.out).intensity_g_per_kwh, JSON.parse(a.out).intensity_g_per_kwh);
  });

  it('info --json describes this machine', async () => {
    const r = await run('info', '--json');
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out);
    assert.ok(report.inventory.cpu.logicalCores >= 1);
    assert.ok(report.inventory.memory.totalBytes > 0);
    assert.ok(Array.isArray(report.inventory.gpus));
    assert.equal(report.sources.length, 3);
    for (const s of report.sources) {
      assert.ok(['gpu', 'cpu', 'ram'].includes(s.component));
      assert.ok(['measured', 'sampled', 'estimated'].includes(s.kind));
    }
    const text = await run('info');
    assert.doesNotMatch(
      text.out,
      /\b(CPU CPU|RAM RAM|GPU GPU)\b/,
      'a source named after its component is not prefixed twice',
    );
  });

  it('the built dist/cli.js runs as an executable', () => {
    const cli = path.resolve(__dirname, '../../../dist/cli.js');
    const r = spawnSync(process.execPath, [cli, 'info'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^OS: /m);
    assert.match(r.stdout, /Power sources:/);
  });
});
