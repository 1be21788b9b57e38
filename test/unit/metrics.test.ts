import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  characterErrorRate,
  editDistance,
  exactAnswer,
  firstLine,
  normalisedAnswer,
  normaliseAnswer,
  meanInterval,
  rouge,
  rougeL,
  rougeN,
  rougeTokens,
  wilsonInterval,
} from '../../src/core/bench/metrics';

const close = (actual: number, expected: number, digits = 4) =>
  assert.equal(actual.toFixed(digits), expected.toFixed(digits));

describe('metrics', () => {
  it('Wilson intervals match the published formula at the edges and in the middle', () => {
    // 0/10: upper bound z^2/(n+z^2) = 3.8415/13.8415; 5/10: 0.5 -+ 0.2634.
    const none = wilsonInterval(0, 10);
    close(none.low, 0);
    close(none.high, 0.2775);
    const half = wilsonInterval(5, 10);
    close(half.low, 0.2366);
    close(half.high, 0.7634);
    const all = wilsonInterval(20, 20);
    close(all.high, 1);
    close(all.low, 0.8389);
    assert.ok(Number.isNaN(wilsonInterval(0, 0).value));
  });

  it('mean intervals shrink with n and are absent for one value', () => {
    const m = meanInterval([1, 2, 3, 4]);
    close(m.value, 2.5);
    close(m.high - m.value, 1.959964 * Math.sqrt(1.666667 / 4), 3);
    assert.ok(Number.isNaN(meanInterval([3]).low));
  });

  it('edit distance and character error rate', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('naïve', 'naive'), 1);
    close(characterErrorRate(['kitten', 'abc'], ['sitting', 'abc']), 3 / 10);
  });

  it("ROUGE matches Google rouge-score's README example", () => {
    // rouge_score: target 'The quick brown fox jumps over the lazy dog',
    // prediction 'The quick brown dog jumps on the log.' -> rouge1 P 0.75 R 0.6667 F 0.7059,
    // rougeL P 0.625 R 0.5556 F 0.5882.
    const target = 'The quick brown fox jumps over the lazy dog';
    const prediction = 'The quick brown dog jumps on the log.';
    const r1 = rougeN(prediction, target, 1);
    close(r1.precision, 0.75);
    close(r1.recall, 0.6667);
    close(r1.f1, 0.7059);
    const rl = rougeL(prediction, target);
    close(rl.precision, 0.625);
    close(rl.recall, 0.5556);
    close(rl.f1, 0.5882);
    // Bigrams: the quick, quick brown are shared (2 of 7 predicted, 2 of 8 reference).
    close(rougeN(prediction, target, 2).f1, (2 * (2 / 7) * (2 / 8)) / (2 / 7 + 2 / 8));
  });

  it('tokenises like rouge-score and averages per item', () => {
    assert.deepEqual(rougeTokens("U.S. isn't 2024-ready!"), ['u', 's', 'isn', 't', '2024', 'ready']);
    const r = rouge(['a b c', 'x'], ['a b c', 'y']);
    close(r.rouge1.value, 0.5);
    assert.equal(rougeN('', 'a', 1).f1, 0);
  });
});

describe('short answers', () => {
  it('takes the first non-empty line of an answer', () => {
    assert.equal(firstLine('\n  Paris \nIt is in France.'), 'Paris');
    assert.equal(firstLine(''), '');
  });

  it('exact match allows surrounding space and one final full stop, nothing else', () => {
    assert.ok(exactAnswer(' 75.', '75'));
    assert.ok(!exactAnswer('75 apples', '75'));
    assert.ok(!exactAnswer('paris', 'Paris'), 'case counts in an exact match');
  });

  it("normalises as SQuAD's evaluation does: case, punctuation, articles, spaces", () => {
    assert.deepEqual(normaliseAnswer('The  Pacific, Ocean!'), ['pacific', 'ocean']);
    assert.deepEqual(normaliseAnswer('1,024'), ['1024']);
  });

  it('a normalised match finds the reference as whole words in a short first line', () => {
    assert.ok(normalisedAnswer('The answer is 42.', '42'));
    assert.ok(normalisedAnswer('The Pacific Ocean', 'Pacific'));
    assert.ok(normalisedAnswer('leonardo da vinci', 'Leonardo da Vinci'));
    assert.ok(!normalisedAnswer('420', '42'), 'whole words only');
    assert.ok(!normalisedAnswer('Da Vinci', 'Leonardo da Vinci'), 'every word of the reference');
    assert.ok(
      !normalisedAnswer('It could be 40 or 41 or 42 or 43 or 44 or more', '42'),
      'a line of more than eight words is not a short answer',
    );
    assert.ok(!normalisedAnswer('Paris', ''), 'an empty reference matches nothing');
    assert.ok(!normalisedAnswer('\n', 'Paris'));
  });
});
