import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { waitFor } from '../support/waitFor';

const cli = path.resolve(__dirname, '../../../dist/cli.js');
const runCli = (...args: string[]) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('carbonlens monitor', { timeout: 120_000 }, () => {
  it('--json: the sources with their kinds, and energy per component and in total', () => {
    const r = runCli('monitor', '--duration', '0.6', '--interval-ms', '50', '--json');
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.ok(j.sources.length >= 2);
    for (const s of j.sources) {
      assert.ok(['gpu', 'cpu', 'ram'].includes(s.component));
      assert.ok(['measured', 'sampled', 'estimated'].includes(s.kind));
      assert.ok(s.name && s.detail);
    }
    assert.ok(j.duration_s >= 0.6 && j.duration_s < 5, `duration ${j.duration_s}`);
    assert.equal(j.interval_ms, 50);
    const parts = Object.entries(j.energy_j).filter(([k]) => k !== 'total');
    assert.ok(parts.length >= 2);
    assert.ok(Math.abs((j.energy_j.total as number) - parts.reduce((s, [, v]) => s + (v as number), 0)) < 1e-6);
    assert.ok(j.energy_j.ram > 0, 'RAM draws power in any model');
  });

  it('prints live lines and a summary; Ctrl-C ends it early and cleanly', {
    skip: process.platform === 'win32' && 'no SIGINT to a child on Windows',
  }, async () => {
    const child = spawn(process.execPath, [cli, 'monitor', '--interval-ms', '100'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise((r) => child.on('exit', r));
    let code: unknown;
    try {
      await waitFor('three live lines', () => out.split('\n').filter((l) => /^\d\d:\d\d:\d\d /.test(l)).length >= 3);
      child.kill('SIGINT');
      code = await exited;
    } finally {
      child.kill('SIGKILL');
    }
    assert.equal(code, 0, out);
    assert.match(out, /^Sources:/);
    assert.ok(out.split('\n').filter((l) => /^\d\d:\d\d:\d\d /.test(l)).length >= 3, out);
    assert.match(out, /Energy over \d+\.\d s: .*ram [\d.]+ J \(estimated\|measured\)|Energy over \d+\.\d s: .*total/);
  });

  it("adds the run's emissions at a given place, with the figure's source", () => {
    const r = runCli('monitor', '--duration', '0.3', '--region', 'europe-north1', '--pue', '1.1', '--json');
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    const expected = (j.energy_j.total / 3.6e6) * j.emissions.intensity_g_per_kwh * 1.1;
    assert.ok(Math.abs(j.emissions.grams - expected) < 1e-12, `${j.emissions.grams} vs ${expected}`);
    assert.deepEqual([j.emissions.location, j.emissions.year, j.emissions.pue], ['gcp europe-north1', 2024, 1.1]);
    assert.ok(j.energy_j.cpu > 0, 'a window opened at once still has a CPU figure');
    const bad = runCli('monitor', '--duration', '0.3', '--country', 'Atlantis');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /Unknown country 'Atlantis'/);
  });

  it('rejects a bad duration or interval with exit code 2', () => {
    assert.equal(runCli('monitor', '--duration', '-1').status, 2);
    const r = runCli('monitor', '--interval-ms', '2');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--interval-ms must be a whole number from 10 to 3,600,000/);
  });
});
