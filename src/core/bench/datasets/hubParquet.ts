// Rows of a parquet file in a hub dataset, fetched (with consent) into the cache once.
import { join } from 'node:path';
import { HubError, type HubClient, type SnapshotOptions } from '../../models/hub';

export interface HubParquetFile {
  dataset: string;
  path: string;
  revision?: string;
}

export async function readHubParquet(
  hub: HubClient,
  file: HubParquetFile,
  columns: string[],
  options: SnapshotOptions,
): Promise<Record<string, unknown>[]> {
  const snapshot = await hub
    .snapshot(
      { id: file.dataset, type: 'dataset', revision: file.revision },
      () => ({ required: [file.path] }),
      options,
    )
    .catch((e: unknown) => {
      if (e instanceof HubError) e.subject = 'dataset';
      throw e;
    });
  const { asyncBufferFromFile, parquetReadObjects } = await import('hyparquet');
  const buffer = await asyncBufferFromFile(join(snapshot.folder, file.path));
  // utf8: false keeps binary columns (images) as bytes; string columns are still decoded.
  return parquetReadObjects({ file: buffer, columns, utf8: false });
}
