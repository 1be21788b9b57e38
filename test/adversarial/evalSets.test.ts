// The user's .jsonl sets: a `null` line, a list or a number is a message naming the file and the
// line, never JavaScript's own text; a UTF-8 byte order mark (as editors on Windows write) is
// not "line 1 is not JSON".
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { answerJsonl } from '../../src/core/bench/datasets/shortAnswers';
import { DatasetError, summaryJsonl } from '../../src/core/bench/datasets/userSets';
import { UserError } from '../../src/core/userError';
import { tempDir } from '../support/tempDir';

const file = (text: string) => {
  const path = join(tempDir('cl-adv-set-'), 'set.jsonl');
  writeFileSync(path, text);
  return path;
};
const qa = JSON.stringify({ prompt: 'Capital of France?', answer: 'Paris' });
const sum = JSON.stringify({ text: 'A long text.', summary: 'Short.' });

describe('.jsonl evaluation sets of the wrong shape', { timeout: 30_000 }, () => {
  for (const [what, read, good] of [
    ['questions', answerJsonl, qa],
    ['summaries', summaryJsonl, sum],
  ] as const) {
    for (const [bad, message] of [
      ['null', /line 2 is null, not an object/],
      ['[1, 2]', /line 2 is a list, not an object/],
      ['7', /line 2 is a number, not an object/],
      ['{"prompt":', /line 2 is not JSON/],
    ] as const) {
      it(`${what}: a line ${bad}`, () => {
        const path = file(`${good}\n${bad}\n`);
        assert.throws(
          () => read(path, 1, 1),
          (e: Error) => {
            assert.ok(e instanceof DatasetError, String(e));
            assert.ok(e instanceof UserError && e.kind === 'dataset', 'one error shape: kind, message');
            assert.match(e.message, message);
            assert.ok(e.message.startsWith(path), 'names the file');
            assert.doesNotMatch(e.message, /Cannot read|TypeError|reading '/);
            return true;
          },
        );
      });
    }

    it(`${what}: a UTF-8 byte order mark before line 1`, () => {
      const set = read(file(`\uFEFF${good}\n`), 1, 1);
      assert.equal(set.items.length, 1);
    });
  }
});
