// SIGKILL of `carbonlens run` cannot be caught: its watcher (a child that outlives it) ends the
// command and what the command started, as TERM, INT and HUP already do.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { isRunning } from '../../src/core/reaper';
import { killIfAlive, waitFor } from '../support/waitFor';
import { tempDir } from '../support/tempDir';

const cli = join(resolve(__dirname, '../../..'), 'dist', 'cli.js');

describe('carbonlens run killed with SIGKILL', {
  timeout: 120_000,
  skip: process.platform !== 'linux' ? 'the watcher is Linux only' : false,
}, () => {
  it("ends the command's processes, a background one included", async () => {
    const dir = tempDir('cl-adv-kill-');
    const pids = join(dir, 'pids');
    // The shell, a sleep in the background and one in the foreground: three processes.
    const script = `sleep 300 & echo $! >> ${pids}; sleep 300 & echo $! >> ${pids}; echo $$ >> ${pids}; wait`;
    const run = spawn(
      process.execPath,
      [cli, 'run', '--idle-ms', '0', '--out', join(dir, 'e.csv'), '--', 'sh', '-c', script],
      { stdio: 'ignore' },
    );
    let started: number[] = [];
    try {
      started = await waitFor(
        'the command to start its processes',
        () => {
          const list = existsSync(pids) ? readFileSync(pids, 'utf8').trim().split('\n').filter(Boolean) : [];
          return list.length === 3 ? list.map(Number) : undefined;
        },
        45_000,
      );
      assert.ok(started.every(isRunning));
      run.kill('SIGKILL');
      await waitFor('the command and its children to be ended', () => !started.some(isRunning), 45_000);
    } finally {
      killIfAlive(run.pid);
      for (const pid of started) killIfAlive(pid);
    }
  });
});
