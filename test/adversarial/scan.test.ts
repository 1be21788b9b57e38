// `carbonlens scan` on a tree whose links loop: it ends, and reports each file once.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../support/tempDir';

const cli = join(resolve(__dirname, '../../..'), 'dist', 'cli.js');

describe('scan and symbolic links', {
  timeout: 60_000,
  skip: process.platform === 'win32' ? 'symlinks need privileges on Windows' : false,
}, () => {
  it('follows no loop and reports a file reached through two links once', () => {
    const root = tempDir('cl-adv-scan-');
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

  const scan = (root: string, options: { uid?: number; gid?: number } = {}) => {
    const r = spawnSync(process.execPath, [cli, 'scan', root, '--json'], {
      encoding: 'utf8',
      timeout: 30_000,
      ...options,
    });
    assert.equal(r.error, undefined, 'scan ended');
    assert.equal(r.status, 0, r.stderr);
    return { files: (JSON.parse(r.stdout) as { file: string }[]).map((f) => f.file), stderr: r.stderr };
  };

  it('never leaves the real path of its root: links to a sibling or to /proc/self are not followed', () => {
    const parent = tempDir('cl-adv-scan-');
    mkdirSync(join(parent, 'root'));
    mkdirSync(join(parent, 'sibling'));
    writeFileSync(join(parent, 'sibling', 'deploy.yaml'), 'model: google/vit-base-patch16-384\n');
    writeFileSync(join(parent, 'root', 'own.yaml'), 'model: google/vit-base-patch16-384\n');
    symlinkSync(join(parent, 'sibling'), join(parent, 'root', 'to-sibling'));
    symlinkSync(join(parent, 'sibling', 'deploy.yaml'), join(parent, 'root', 'file-outside.yaml'));
    symlinkSync('/proc/self', join(parent, 'root', 'proc'));
    const { files, stderr } = scan(join(parent, 'root'));
    assert.deepEqual(files, [join(parent, 'root', 'own.yaml')]);
    assert.match(stderr, /to-sibling: a link out of .*root \(to .*sibling\), not followed/);
    assert.match(stderr, /proc: a link out of .*root \(to \/proc\/\d+\), not followed/);
  });

  it('skips an unreadable file or folder with a note and scans the rest', () => {
    const root = tempDir('cl-adv-scan-');
    chmodSync(root, 0o755);
    for (const d of ['a', 'locked', 'z']) mkdirSync(join(root, d), { mode: 0o755 });
    writeFileSync(join(root, 'a', 'a.yaml'), 'model: google/vit-base-patch16-384\n', { mode: 0o644 });
    writeFileSync(join(root, 'z', 'z.yaml'), 'model: google/vit-base-patch16-384\n', { mode: 0o644 });
    writeFileSync(join(root, 'locked', 'l.yaml'), 'model: google/vit-base-patch16-384\n');
    writeFileSync(join(root, 'secret.yaml'), 'model: google/vit-base-patch16-384\n');
    chmodSync(join(root, 'locked'), 0o000);
    chmodSync(join(root, 'secret.yaml'), 0o000);
    // root reads anything: run the scan as nobody there.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const { files, stderr } = scan(root, asUser);
    assert.deepEqual(files.sort(), [join(root, 'a', 'a.yaml'), join(root, 'z', 'z.yaml')]);
    assert.match(stderr, /skipped .*locked: permission denied/);
    assert.match(stderr, /skipped .*secret\.yaml: permission denied/);
  });
});
