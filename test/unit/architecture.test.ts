import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const root = path.resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
}

describe('architecture', () => {
  it('src/core never imports vscode, so the CLI and tests can use all of it', () => {
    const files = sources('src/core');
    assert.ok(files.length > 0);
    const offenders = files.filter((f) =>
      /from ['"]vscode['"]|require\(['"]vscode['"]\)/.test(readFileSync(path.join(root, f), 'utf8')),
    );
    assert.deepEqual(offenders, []);
  });

  it('the webview never imports vscode or extension modules', () => {
    for (const f of sources('webview')) {
      const text = readFileSync(path.join(root, f), 'utf8');
      assert.doesNotMatch(text, /from ['"]vscode['"]/, f);
      assert.doesNotMatch(text, /from ['"]\.\.\/src\/extension/, f);
    }
  });
});
