// The hub as the CLI sees it: HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, the cache folder, and
// consent to download asked on the terminal (or given with --yes).
import * as path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { HubClient, type DownloadPlan, type SnapshotOptions } from '../core/models/hub';
import { cacheDir } from './carbonOptions';
import { askParent, emitEvent } from './events';

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;

export function hubFromEnv(offline: boolean, env = process.env): HubClient {
  return new HubClient({
    endpoint: env.HF_ENDPOINT || undefined,
    token: env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined,
    cacheDir: path.join(cacheDir(env), 'hub'),
    offline: offline || env.HF_HUB_OFFLINE === '1' || env.HF_HUB_OFFLINE === 'true',
  });
}

/**
 * Downloads ask first: --yes answers for the user; with --events the parent process asks;
 * otherwise the terminal; without one, the answer is no.
 */
export function downloadOptions(yes: boolean, signal: AbortSignal, err: (t: string) => void, events = false): SnapshotOptions {
  let lastPrint = 0;
  return {
    signal,
    confirm: async (plan: DownloadPlan) => {
      if (events && !yes) {
        return askParent({ event: 'consent', repo: plan.repo.id, kind: plan.repo.type, files: plan.files.length, bytes: plan.missingBytes, folder: plan.folder });
      }
      const what = `${plan.repo.type === 'dataset' ? 'dataset ' : ''}${plan.repo.id}: ${plan.files.length} file(s), ${mb(plan.missingBytes)} to download into ${plan.folder}`;
      if (yes) {
        err(`Downloading ${what}.`);
        return true;
      }
      if (!process.stdin.isTTY || !process.stderr.isTTY) {
        err(`Needs ${what}. Pass --yes to allow the download.`);
        return false;
      }
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await rl.question(`Download ${what}? [y/N] `)).trim());
      } finally {
        rl.close();
      }
    },
    onProgress: ({ file, doneBytes, missingBytes }) => {
      const now = Date.now();
      if (now - lastPrint < 1000 && doneBytes < missingBytes) return;
      lastPrint = now;
      if (events) emitEvent({ event: 'download', file, doneBytes, missingBytes });
      else err(`  ${mb(doneBytes)} of ${mb(missingBytes)} (${file})`);
    },
  };
}
