import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DatasetError, imageFolder, summaryJsonl } from '../../src/core/bench/datasets/userSets';
import { encodePng } from '../../src/core/diffusion/png';

function folder(labels: string, images: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'cl-set-'));
  for (const name of images) writeFileSync(join(dir, name), encodePng(new Uint8Array(4 * 4 * 3).fill(128), 4, 4));
  writeFileSync(join(dir, 'labels.csv'), labels);
  return dir;
}

describe("the user's evaluation sets", { timeout: 60_000 }, () => {
  it('reads labels.csv as RFC 4180: quoted commas, quotes and newlines, a BOM, CRLF, an empty last field', async () => {
    const dir = folder('\uFEFFfile,label\r\n"a, b.png","two\r\nlines"\r\nc.png,"say ""hi"""\r\n\r\nd.png,\r\n', [
      'a, b.png',
      'c.png',
      'd.png',
    ]);
    const set = await imageFolder(dir, 10, 1);
    const byId = Object.fromEntries(set.items.map((i) => [i.id, i.reference]));
    assert.deepEqual(byId, { 'a, b.png': 'two\r\nlines', 'c.png': 'say "hi"', 'd.png': '' });
    assert.equal(set.population, 3);
  });

  it('names the line of a bad row, counting quoted newlines', async () => {
    const dir = folder('file,label\n"a.png","x\ny"\nmissing.png,cat\n', ['a.png']);
    await assert.rejects(imageFolder(dir, 10, 1), (e: Error) => {
      assert.ok(e instanceof DatasetError);
      assert.match(e.message, /labels\.csv line 4: missing\.png does not exist/);
      return true;
    });
    const bad = folder('name,class\na.png,cat\n', ['a.png']);
    await assert.rejects(imageFolder(bad, 10, 1), /needs a header with the columns "file" and "label"/);
    const broken = folder('file,label\n"a.png,cat\n', ['a.png']);
    await assert.rejects(imageFolder(broken, 10, 1), /is not a valid CSV file/);
  });

  it('reads a JSONL set of texts and summaries, and says which line is wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cl-set-'));
    const file = join(dir, 'set.jsonl');
    writeFileSync(file, '{"text":"a","summary":"b"}\n\n{"article":"c","highlights":"d","id":"x"}\n');
    const set = summaryJsonl(file, 10, 1);
    assert.deepEqual(set.items.map((i) => [i.id, i.input, i.reference]).sort(), [
      ['1', 'a', 'b'],
      ['x', 'c', 'd'],
    ]);
    writeFileSync(file, '{"text":"a","summary":"b"}\n\n{"text":"a"}\n');
    assert.throws(() => summaryJsonl(file, 10, 1), /line 3 needs a "text" and a "summary"/);
  });
});
