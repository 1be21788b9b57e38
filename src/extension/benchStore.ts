// Where the extension's benchmarks live: the extension's global storage holds emissions.csv
// (CodeCarbon format), carbonlens-runs.jsonl and the download cache.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRuns } from '../core/bench/history';
import type { BenchRecord } from '../core/bench/record';
import { RUNS_FILE } from '../core/bench/report';

export class BenchStore {
  constructor(readonly dir: string) {}

  get csv(): string {
    return join(this.dir, 'emissions.csv');
  }

  get cache(): string {
    return join(this.dir, 'cache');
  }

  async records(): Promise<{ records: BenchRecord[]; skipped: number }> {
    try {
      return parseRuns(await readFile(join(this.dir, RUNS_FILE), 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], skipped: 0 };
      throw e;
    }
  }
}
