// The study's image set: a seeded sample of CIFAR-10's test split (10,000 images, 32x32),
// read from the hub's parquet copy of the dataset.
import { CIFAR10_CLASSES } from '../labels';
import type { HubClient, SnapshotOptions } from '../../models/hub';
import { checkAbort, sampleIndices, type EvalSet } from './evalSet';
import { readHubParquet, type HubParquetFile } from './hubParquet';
import { imageFromBytes } from './images';

export const CIFAR10_FILE: HubParquetFile = {
  dataset: 'uoft-cs/cifar10',
  path: 'plain_text/test-00000-of-00001.parquet',
};

export async function cifar10(
  hub: HubClient,
  samples: number,
  seed: number,
  options: SnapshotOptions,
): Promise<EvalSet> {
  const rows = await readHubParquet(hub, CIFAR10_FILE, ['img', 'label'], options);
  const items = [];
  for (const i of sampleIndices(rows.length, samples, seed)) {
    checkAbort(options.signal);
    const { img, label } = rows[i] as { img: { bytes: Uint8Array } | Uint8Array; label: number | bigint };
    const bytes = img instanceof Uint8Array ? img : img.bytes;
    const reference = CIFAR10_CLASSES[Number(label)];
    if (!bytes || !reference)
      throw new Error(`Row ${i} of ${CIFAR10_FILE.dataset} has no image or an unknown label (${label}).`);
    items.push({ id: `test[${i}]`, input: await imageFromBytes(bytes), reference });
  }
  return {
    name: 'cifar10',
    source: `${hub.endpoint}/datasets/${CIFAR10_FILE.dataset} (${CIFAR10_FILE.path})`,
    items,
    population: rows.length,
    seed,
  };
}
