// The editor speaks its own language: its settings and commands, never the CLI's flags or
// environment variables. Every catalogued message is checked in the editor's voice, and every
// sentence the extension and the panel carry is scanned.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { main } from '../../src/cli/main';
import {
  asSentence,
  MESSAGE_EXAMPLES,
  MESSAGE_IDS,
  messageText,
  type MessageRef,
  voices,
} from '../../src/core/messages';

/** A flag (`--device`) or an environment variable name (`HF_ENDPOINT`, `ELECTRICITYMAPS_TOKEN`). */
const CLI_WORDS = /(?:^|[\s("'`])--[a-z][\w-]*|\b[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9]\b/;

const root = join(__dirname, '..', '..', '..');

/** The string literals of a source file that read as sentences (a space in them), comments left out. */
function sentences(file: string): string[] {
  const text = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[\s;{}])\/\/.*$/gm, '$1');
  const out: string[] = [];
  for (const m of text.matchAll(/'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\]|\\.)*)`/g)) {
    // A template's ${...} is code, not words.
    const s = (m[1] ?? m[2] ?? m[3] ?? '').replace(/\$\{[^}]*\}/g, '');
    if (/\s/.test(s.trim())) out.push(s);
  }
  return out;
}

describe("the editor's voice", { timeout: 30_000 }, () => {
  it('every catalogued message has an example, and its editor voice names no flag or environment variable', () => {
    for (const id of MESSAGE_IDS) {
      const examples = MESSAGE_EXAMPLES[id] as MessageRef['params'][];
      assert.ok(examples.length > 0, `${id} has no example`);
      for (const params of examples) {
        const ref = { id, params } as MessageRef;
        const v = voices(ref);
        const editor = [messageText(ref, 'editor'), ...v.controls.map((c) => c.label)].join(' | ');
        assert.doesNotMatch(editor, CLI_WORDS, `${id} in the editor: ${editor}`);
        assert.doesNotMatch(v.detail, CLI_WORDS, `${id}'s detail is shared by both voices`);
        assert.ok(v.cli && v.editor && v.cli !== v.editor, `${id} has two voices`);
        assert.ok(v.controls.length > 0, `${id} offers the editor a control`);
      }
    }
  });

  it('the messages that had the CLI voice in the editor have their editor remedy', () => {
    const hub = voices({ id: 'hubUnreachable', params: MESSAGE_EXAMPLES.hubUnreachable[1]! });
    assert.match(hub.cli, /HF_ENDPOINT.*--dataset/);
    assert.match(hub.editor, /carbonlens\.hub\.endpoint/);
    assert.deepEqual(
      hub.controls.map((c) => c.kind),
      ['pickFolder', 'setting'],
    );
    const forecast = voices({ id: 'noForecast', params: { location: 'France' } });
    assert.match(forecast.cli, /ELECTRICITYMAPS_TOKEN/);
    assert.ok(
      forecast.controls.some((c) => c.kind === 'command' && c.command === 'carbonlens.setElectricityMapsToken'),
    );
    const weights = voices({ id: 'weightsMissing', params: MESSAGE_EXAMPLES.weightsMissing[0]! });
    assert.deepEqual(weights.controls, [{ kind: 'retry', label: 'Run Again with fp32', set: { dtype: 'fp32' } }]);
  });

  it("the CLI says it in its voice, and with --events passes the reference for the editor's", async () => {
    const saved = { ...process.env };
    const cache = mkdtempSync(join(tmpdir(), 'carbonlens-voice-'));
    try {
      process.env.HF_ENDPOINT = 'http://127.0.0.1:9'; // nothing listens on the discard port
      process.env.CARBONLENS_CACHE = cache;
      const err: string[] = [];
      const code = await main(
        ['bench', '--task', 'image-classification', '--model', 'org/model', '--events', '--yes', '--samples', '2'],
        () => {},
        (t) => err.push(t),
      );
      assert.equal(code, 1);
      const event = err.map((l) => (l.startsWith('{') ? JSON.parse(l) : undefined)).find((e) => e?.event === 'failed');
      assert.equal(event?.remedy?.id, 'hubUnreachable', err.join('\n'));
      assert.equal(event?.kind, 'model');
      assert.match(event?.message, /^Cannot reach /);
      assert.match(event?.hint, /HF_ENDPOINT/);
      assert.match(err.at(-1)!, /^carbonlens: Cannot reach .* Check the network or HF_ENDPOINT/);
    } finally {
      process.env = saved;
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('a message that stands alone starts with a capital and ends with a full stop', () => {
    assert.equal(
      asSentence('the UK Carbon Intensity API answered HTTP 503'),
      'The UK Carbon Intensity API answered HTTP 503.',
    );
    assert.equal(asSentence('No forecast.'), 'No forecast.');
  });

  it('no sentence in the extension or the panel names a flag or an environment variable', () => {
    const files = [
      ...readdirSync(join(root, 'src/extension')).map((f) => join(root, 'src/extension', f)),
      ...readdirSync(join(root, 'webview')).map((f) => join(root, 'webview', f)),
    ].filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
    assert.ok(files.length > 20, 'the sources were found');
    const found = files.flatMap((f) =>
      sentences(f)
        .filter((s) => CLI_WORDS.test(s))
        .map((s) => `${f}: ${s}`),
    );
    assert.deepEqual(found, []);
  });
});
