import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { answerJsonl, builtInShortAnswers } from '../../src/core/bench/datasets/shortAnswers';
import { DatasetError, imageFolder, summaryJsonl } from '../../src/core/bench/datasets/userSets';
import { encodePng } from '../../src/core/diffusion/png';
import { ImageFile } from '../../src/core/models/imageInput';
import { tempDir } from '../support/tempDir';

function folder(labels: string, images: string[]): string {
  const dir = tempDir('cl-set-');
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
    const notImage = folder('file,label\na.png,cat\nnotes.png,dog\n', ['a.png']);
    writeFileSync(join(notImage, 'notes.png'), 'not a picture');
    await assert.rejects(imageFolder(notImage, 10, 1), (e: Error) => {
      assert.ok(e instanceof DatasetError);
      assert.match(e.message, /labels\.csv line 3: notes\.png is not an image/);
      return true;
    });
  });

  it('keeps images as files until their batch is prepared', async () => {
    const dir = folder('file,label\na.png,cat\n', ['a.png']);
    const set = await imageFolder(dir, 10, 1);
    assert.ok(set.items[0]!.input instanceof ImageFile);
    assert.equal((set.items[0]!.input as ImageFile).path, join(dir, 'a.png'));
  });

  it('reads a JSONL set of texts and summaries, and says which line is wrong', () => {
    const dir = tempDir('cl-set-');
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

describe('question sets for text generation', () => {
  it("draws CarbonLens's short answers reproducibly by seed", () => {
    const a = builtInShortAnswers(10, 4);
    assert.equal(a.population, 100);
    assert.equal(a.items.length, 10);
    assert.deepEqual(
      builtInShortAnswers(10, 4).items.map((i) => i.id),
      a.items.map((i) => i.id),
    );
    assert.notDeepEqual(
      builtInShortAnswers(10, 5).items.map((i) => i.id),
      a.items.map((i) => i.id),
    );
    assert.throws(() => builtInShortAnswers(101, 1), /has 100 questions\. Ask for at most that many/);
  });

  it('reads a .jsonl of prompts and answers, and names the line that is wrong', () => {
    const dir = tempDir('cl-qa-');
    const good = join(dir, 'qa.jsonl');
    writeFileSync(
      good,
      '{"prompt": "2+2?", "answer": 4}\n\n{"question": "Capital of Peru?", "answer": "Lima", "id": "peru"}\n',
    );
    const set = answerJsonl(good, 2, 1);
    assert.equal(set.name, 'qa.jsonl');
    assert.deepEqual(set.items.map((i) => [i.input, i.reference]).sort(), [
      ['2+2?', '4'],
      ['Capital of Peru?', 'Lima'],
    ]);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"prompt": "a", "answer": "b"}\n{"prompt": "c"}\n');
    assert.throws(
      () => answerJsonl(bad, 1, 1),
      (e: Error) => e instanceof DatasetError && /line 2 needs a "prompt" and an "answer"/.test(e.message),
    );
    writeFileSync(bad, 'not json\n');
    assert.throws(() => answerJsonl(bad, 1, 1), /line 1 is not JSON/);
    writeFileSync(bad, '\n');
    assert.throws(() => answerJsonl(bad, 1, 1), /has no questions/);
    assert.throws(() => answerJsonl(dir, 1, 1), /is not a file/);
  });
});
