// News articles with reference summaries: a seeded sample of CNN/DailyMail 3.0.0's test split
// (11,490 articles; the highlights are the reference), from the hub's parquet copy.
import type { HubClient, SnapshotOptions } from '../../models/hub';
import { sampleIndices, type EvalSet } from './evalSet';
import { readHubParquet, type HubParquetFile } from './hubParquet';

export const CNN_DAILYMAIL_FILE: HubParquetFile = {
  dataset: 'abisee/cnn_dailymail',
  path: '3.0.0/test-00000-of-00001.parquet',
};

export async function cnnDailymail(
  hub: HubClient,
  samples: number,
  seed: number,
  options: SnapshotOptions,
): Promise<EvalSet> {
  const rows = await readHubParquet(hub, CNN_DAILYMAIL_FILE, ['id', 'article', 'highlights'], options);
  const items = sampleIndices(rows.length, samples, seed).map((i) => {
    const { id, article, highlights } = rows[i] as { id?: string; article: string; highlights: string };
    return { id: String(id ?? `test[${i}]`), input: article, reference: highlights };
  });
  return {
    name: 'cnn_dailymail',
    source: `${hub.endpoint}/datasets/${CNN_DAILYMAIL_FILE.dataset} (${CNN_DAILYMAIL_FILE.path})`,
    items,
    population: rows.length,
    seed,
  };
}
