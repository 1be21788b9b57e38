// The hub as the CLI sees it: HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, the cache folder, and
// consent to download asked on the terminal (or given with --yes).
import * as path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { HubClient, type DownloadPlan, type SnapshotOptions } from '../core/models/hub';
import { cacheDir } from './cacheDir';
import { askParent, emitEvent, type ConsentEvent } from './events';

export const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;

export function hubFromEnv(offline: boolean, env = process.env): HubClient {
  return new HubClient({
    endpoint: env.HF_ENDPOINT || undefined,
    token: env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined,
    cacheDir: path.join(cacheDir(env), 'hub'),
    offline: offline || env.HF_HUB_OFFLINE === '1' || env.HF_HUB_OFFLINE === 'true',
  });
}

/**
 * Asks for a download: --yes answers for the user; with --events the parent process asks (and
 * shows `event`); otherwise the terminal; without one, the answer is no.
 */
export async function confirmDownload(
  what: string,
  event: ConsentEvent,
  how: { yes: boolean; events: boolean; err: (t: string) => void },
): Promise<boolean> {
  if (how.events && !how.yes) return askParent(event);
  if (how.yes) {
    how.err(`Downloading ${what}.`);
    return true;
  }
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    how.err(`Needs ${what}. Pass --yes to allow the download.`);
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`Download ${what}? [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/**
 * A download's progress, at most once a second and at its end: with --events a line for the
 * editor's progress bar, else a line on the terminal.
 */
export function downloadProgress(
  events: boolean,
  err: (t: string) => void,
): (file: string, doneBytes: number, totalBytes?: number) => void {
  let lastPrint = 0;
  return (file, doneBytes, totalBytes) => {
    const now = Date.now();
    if (now - lastPrint < 1000 && doneBytes !== totalBytes) return;
    lastPrint = now;
    if (events) emitEvent({ event: 'download', file, doneBytes, missingBytes: totalBytes ?? doneBytes });
    else err(`  ${mb(doneBytes)}${totalBytes ? ` of ${mb(totalBytes)}` : ''} (${file})`);
  };
}

/**
 * Downloads ask first: --yes answers for the user; with --events the parent process asks;
 * otherwise the terminal; without one, the answer is no.
 */
export function downloadOptions(
  yes: boolean,
  signal: AbortSignal,
  err: (t: string) => void,
  events = false,
): SnapshotOptions {
  const progress = downloadProgress(events, err);
  return {
    signal,
    confirm: (plan: DownloadPlan) =>
      confirmDownload(
        `${plan.repo.type === 'dataset' ? 'dataset ' : ''}${plan.repo.id}: ${plan.files.length} file(s), ${mb(plan.missingBytes)} to download into ${plan.folder}`,
        {
          event: 'consent',
          repo: plan.repo.id,
          kind: plan.repo.type,
          files: plan.files.length,
          bytes: plan.missingBytes,
          folder: plan.folder,
        },
        { yes, events, err },
      ),
    onProgress: ({ file, doneBytes, missingBytes }) => progress(file, doneBytes, missingBytes),
  };
}
