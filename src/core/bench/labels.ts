// Maps a classifier's labels to CIFAR-10's ten classes: a model trained on CIFAR-10 by name,
// an ImageNet-1k model through data/imagenet-cifar10.csv (indices 0-999, documented there).
import { CIFAR10_CLASSES, IMAGENET_TO_CIFAR10 } from '../../generated/imagenetCifar10';

export { CIFAR10_CLASSES };
export type Cifar10Class = (typeof CIFAR10_CLASSES)[number];

const CIFAR_ALIASES: Record<string, Cifar10Class> = { plane: 'airplane', car: 'automobile' };

export function imagenetIndexToCifar10(index: number): Cifar10Class | undefined {
  const row = IMAGENET_TO_CIFAR10.find(([first, last]) => index >= first && index <= last);
  return row?.[2] as Cifar10Class | undefined;
}

export interface LabelMapping {
  kind: 'cifar10' | 'imagenet-1k';
  /** The CIFAR-10 class a model label stands for, or undefined when it stands for none. */
  toCifar10(label: string): Cifar10Class | undefined;
}

/**
 * How to read a model's labels as CIFAR-10 classes, from its config's id2label; null when the
 * labels are neither CIFAR-10's nor ImageNet-1k's 1000.
 */
export function cifar10Mapping(id2label: Readonly<Record<string, string>>): LabelMapping | null {
  const entries = Object.entries(id2label).map(([i, label]) => [Number(i), label] as const);
  const byName = (label: string) => {
    const name = label.trim().toLowerCase();
    return (CIFAR10_CLASSES as readonly string[]).includes(name) ? (name as Cifar10Class) : CIFAR_ALIASES[name];
  };
  const named = entries.filter(([, label]) => byName(label));
  if (
    named.length >= CIFAR10_CLASSES.length &&
    new Set(named.map(([, l]) => byName(l))).size === CIFAR10_CLASSES.length
  ) {
    return { kind: 'cifar10', toCifar10: byName };
  }
  if (entries.length !== 1000) return null;
  // ImageNet repeats a few names ("crane" is a bird and a machine): a label counts only when
  // every index that bears it maps to the same class.
  const classes = new Map<string, Set<Cifar10Class | undefined>>();
  for (const [index, label] of entries) {
    const set = classes.get(label) ?? new Set();
    set.add(imagenetIndexToCifar10(index));
    classes.set(label, set);
  }
  return {
    kind: 'imagenet-1k',
    toCifar10: (label) => {
      const set = classes.get(label);
      return set && set.size === 1 ? [...set][0] : undefined;
    },
  };
}

/** The CIFAR-10 class with the most probability mass among a prediction's labels. */
export function predictCifar10(
  scores: readonly { label: string; score: number }[],
  mapping: LabelMapping,
): Cifar10Class | undefined {
  const mass = new Map<Cifar10Class, number>();
  for (const { label, score } of scores) {
    const c = mapping.toCifar10(label);
    if (c) mass.set(c, (mass.get(c) ?? 0) + score);
  }
  let best: Cifar10Class | undefined;
  for (const [c, m] of mass) if (best === undefined || m > mass.get(best)!) best = c;
  return best;
}
