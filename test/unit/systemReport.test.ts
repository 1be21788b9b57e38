import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { loadSystemReport } from '../../src/extension/systemReport';
import { isAlive, killIfAlive, pidFrom, processGone } from '../support/waitFor';
import { tempDir } from '../support/tempDir';

/** A stand-in for dist/cli.js: a script whose behaviour each test chooses. */
function fakeCli(body: string): { file: string; pidFile: string } {
  const dir = tempDir('carbonlens-cli-');
  const pidFile = path.join(dir, 'pid');
  const file = path.join(dir, 'cli.js');
  writeFileSync(file, `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));\n${body}`);
  return { file, pidFile };
}

describe('loadSystemReport (the extension runs the CLI in a child process)', { timeout: 60_000 }, () => {
  it('returns the JSON the CLI prints', async () => {
    const { file } = fakeCli(
      `process.stdout.write(JSON.stringify({ inventory: { node: process.argv.slice(2).join(' ') }, sources: [] }));`,
    );
    const report = await loadSystemReport(file);
    assert.deepEqual(report, { inventory: { node: 'info --json' }, sources: [] });
  });

  it('says what went wrong when the CLI fails or prints no JSON', async () => {
    const failing = fakeCli(`console.error('boom: no /proc'); process.exit(3);`);
    await assert.rejects(loadSystemReport(failing.file), /Reading the system inventory failed \(boom: no \/proc\)/);
    const garbage = fakeCli(`console.log('not json');`);
    await assert.rejects(loadSystemReport(garbage.file), /printed no JSON/);
  });

  it('kills a CLI that hangs, and leaves no process behind', async () => {
    const { file, pidFile } = fakeCli(`setInterval(() => {}, 1000);`);
    await assert.rejects(loadSystemReport(file, undefined, 1000), /no answer within 1 s/);
    const pid = await pidFrom(pidFile);
    try {
      assert.equal(isAlive(pid), false, `child ${pid} is still running`);
    } finally {
      killIfAlive(pid);
    }
  });

  it('stops the child when cancelled', async () => {
    const { file, pidFile } = fakeCli(`setInterval(() => {}, 1000);`);
    const controller = new AbortController();
    const pending = loadSystemReport(file, controller.signal);
    const pid = await pidFrom(pidFile);
    try {
      controller.abort();
      await assert.rejects(pending, /cancelled/);
      await processGone(pid);
    } finally {
      killIfAlive(pid);
    }
  });
});
