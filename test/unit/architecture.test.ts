import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CONFIG_DEFAULTS } from '../../src/extension/configDefaults';

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

  it('the editor and the command line are two shells over the core: neither imports the other', () => {
    for (const [dir, other] of [
      ['src/extension', 'cli'],
      ['src/cli', 'extension'],
    ] as const) {
      const offenders = sources(dir).filter((f) =>
        new RegExp(`from ['"]\\.\\./${other}/`).test(readFileSync(path.join(root, f), 'utf8')),
      );
      assert.deepEqual(offenders, [], `${dir} imports from src/${other}`);
    }
  });

  it('the editor keeps no state at module level: activate() builds it, and it goes with the extension', () => {
    const files = sources('src/extension');
    assert.ok(files.length > 20, 'the sources were found');
    const offenders = files.flatMap((f) =>
      readFileSync(path.join(root, f), 'utf8')
        .split('\n')
        .map((line, i) => ({ line, where: `${f}:${i + 1}` }))
        // A top-level let, a top-level collection, or a static field that is not readonly.
        .filter(({ line }) =>
          /^(export )?(let|var) |^(export )?const \w+ = new (Set|Map|WeakMap|Array)\b|^\s+(private |protected |public )?static (?!readonly|get |async |[\w$]+\s*[(<])/.test(
            line,
          ),
        )
        .map(({ where, line }) => `${where}: ${line.trim()}`),
    );
    assert.deepEqual(offenders, []);
  });

  it('every setting package.json declares has its default in configDefaults.ts, the same one', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    const declared = pkg.contributes.configuration.properties as Record<string, { default?: unknown }>;
    assert.deepEqual(
      Object.keys(declared).sort(),
      Object.keys(CONFIG_DEFAULTS)
        .map((key) => `carbonlens.${key}`)
        .sort(),
      'the settings package.json declares are the ones configDefaults.ts has',
    );
    for (const [key, value] of Object.entries(CONFIG_DEFAULTS))
      assert.deepEqual(declared[`carbonlens.${key}`]?.default, value, key);
  });
});
