import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CIFAR10_CLASSES, cifar10Mapping, imagenetIndexToCifar10, predictCifar10 } from '../../src/core/bench/labels';
import { IMAGENET_TO_CIFAR10 } from '../../src/generated/imagenetCifar10';

const imagenetLabels = () => {
  const labels: Record<string, string> = {};
  for (let i = 0; i < 1000; i++) labels[i] = `class ${i}`;
  labels[281] = 'tabby, tabby cat';
  labels[404] = 'airliner';
  labels[134] = 'crane';
  labels[517] = 'crane';
  return labels;
};

describe('ImageNet-1k to CIFAR-10', () => {
  it('maps known ImageNet classes and leaves the rest out', () => {
    assert.equal(imagenetIndexToCifar10(281), 'cat');
    assert.equal(imagenetIndexToCifar10(404), 'airplane');
    assert.equal(imagenetIndexToCifar10(207), 'dog'); // golden retriever
    assert.equal(imagenetIndexToCifar10(30), 'frog');
    assert.equal(imagenetIndexToCifar10(717), undefined); // pickup: CIFAR's classes exclude it
    assert.equal(imagenetIndexToCifar10(999), undefined);
  });

  it('covers all ten classes with ranges that do not overlap', () => {
    assert.deepEqual(new Set(IMAGENET_TO_CIFAR10.map((r) => r[2])), new Set(CIFAR10_CLASSES));
    const seen = new Set<number>();
    for (const [first, last] of IMAGENET_TO_CIFAR10) {
      for (let i = first; i <= last; i++) {
        assert.ok(!seen.has(i), `index ${i} is mapped twice`);
        seen.add(i);
      }
    }
  });

  it('reads CIFAR-10 models by name and ImageNet models by index', () => {
    const cifar = cifar10Mapping(Object.fromEntries(CIFAR10_CLASSES.map((c, i) => [i, c.toUpperCase()])));
    assert.equal(cifar?.kind, 'cifar10');
    assert.equal(cifar?.toCifar10('TRUCK'), 'truck');
    const imagenet = cifar10Mapping(imagenetLabels())!;
    assert.equal(imagenet.kind, 'imagenet-1k');
    assert.equal(imagenet.toCifar10('tabby, tabby cat'), 'cat');
    assert.equal(imagenet.toCifar10('crane'), undefined, 'a name shared by a bird and a machine counts for neither');
    assert.equal(cifar10Mapping({ 0: 'positive', 1: 'negative' }), null);
  });

  it('predicts the class with the most probability mass', () => {
    const mapping = cifar10Mapping(Object.fromEntries(CIFAR10_CLASSES.map((c, i) => [i, c])))!;
    assert.equal(
      predictCifar10(
        [
          { label: 'cat', score: 0.4 },
          { label: 'dog', score: 0.35 },
        ],
        mapping,
      ),
      'cat',
    );
    const imagenet = cifar10Mapping(imagenetLabels())!;
    const scores = [
      { label: 'airliner', score: 0.3 },
      { label: 'class 151', score: 0.2 },
      { label: 'class 152', score: 0.2 },
    ];
    assert.equal(predictCifar10(scores, imagenet), 'dog', 'two dog breeds outweigh one airliner');
  });
});
