// `carbonlens scan` on a tree whose links loop: it ends, and reports each file once.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const cli = join(resolve(__dirname, '../../..'), 'dist', 'cli.js');

describe('scan and symbolic links', {
  timeout: 60_000,
  skip: process.platform === 'win32' ? 'symlinks need privileges on Windows' : false,
}, () => {
  it('follows no loop and reports a file reached through two links once', () => {
    const root = mkdtempSync(join(tmpdir(), 'cl-adv-scan-'));
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    writeFileSync(join(root, 'a', 'b', 'deploy.yaml'), 'model: google/vit-base-patch16-384\n');
    symlinkSync(root, join(root, 'a', 'b', 'up'));
    symlinkSync(join(root, 'a'), join(root, 'a', 'again'));
    symlinkSync('.', join(root, 'self'));
    const r = spawnSync(process.execPath, [cli, 'scan', root, '--json'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.error, undefined, 'scan ended');
    const findings = JSON.parse(r.stdout) as { file: string }[] | { findings: { file: string }[] };
    const list = Array.isArray(findings) ? findings : findings.findings;
    assert.equal(list.filter((f) => f.file.endsWith('deploy.yaml')).length, 1, r.stdout);
  });
});
