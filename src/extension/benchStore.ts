// Where the extension's results live: the extension's global storage holds emissions.csv
// (CodeCarbon format) and carbonlens-runs.jsonl, for benchmarks and tracked runs, and the
// download cache.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRuns } from '../core/bench/history';
import type { BenchRecord } from '../core/bench/record';
import { appendRecord, RUNS_FILE } from '../core/bench/report';
import { runtimeFolder } from '../core/models/cudaProvider';
import { llamaFolder } from '../core/models/llamaStore';
import type { TrackedRecord } from '../core/tracking/trackedRecord';

export class BenchStore {
  constructor(readonly dir: string) {}

  get csv(): string {
    return join(this.dir, 'emissions.csv');
  }

  /** Text-to-image benchmarks write their PNGs here (beside emissions.csv, as the CLI does). */
  get imagesDir(): string {
    return join(this.dir, 'images');
  }

  get cache(): string {
    return join(this.dir, 'cache');
  }

  /** onnxruntime-node with the CUDA provider, once installed (see core/models/cudaProvider). */
  get ortRuntime(): string {
    return runtimeFolder(this.dir);
  }

  /** node-llama-cpp and llama.cpp's builds, once fetched (see core/models/llamaInstall). */
  get llamaRuntime(): string {
    return llamaFolder(this.dir);
  }

  /** Adds a tracked run to emissions.csv and carbonlens-runs.jsonl. */
  async append(record: TrackedRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    appendRecord(this.csv, record);
  }

  async records(): Promise<{ records: BenchRecord[]; tracked: TrackedRecord[]; skipped: number }> {
    try {
      return parseRuns(await readFile(join(this.dir, RUNS_FILE), 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], tracked: [], skipped: 0 };
      throw e;
    }
  }
}
