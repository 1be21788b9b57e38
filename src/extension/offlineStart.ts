// Run Benchmark without the hub. The hub is asked once a session per endpoint (3 s at most)
// whether it answers; when it does not, the first picker says why and leads with what runs here:
// a model on this machine (one used before, a model folder in the workspace, or one downloaded
// before) on a set CarbonLens draws or ships, in one pick, or two when the model is to be chosen. Device auto and the task's default
// sample size: each row says so.
import { basename, resolve } from 'node:path';
import type * as vscode from 'vscode';
import { setSize } from '../core/bench/datasets/setSize';
import { isFolder } from '../core/models/modelName';
import { cachedModels, hubUnreachable } from '../core/models/offline';
import { modelFoldersUnder, RANDOM_WEIGHTS_NOTE, randomWeights } from '../core/models/workspaceModels';
import { DEFAULT_SAMPLES, type Task } from '../core/models/tasks';

/**
 * Why the hub cannot be reached (undefined: it answers): `carbonlens.hub.offline`, or the hub's
 * silence, asked once a session for each endpoint (a changed setting is asked again). `checks`
 * keeps the answers: BenchRuns' (one per activation).
 */
export function hubOffline(
  checks: Map<string, Promise<string | undefined>>,
  endpoint: string,
  offlineSetting: boolean,
): Promise<string | undefined> {
  if (offlineSetting) return Promise.resolve('the setting carbonlens.hub.offline is on');
  const url = endpoint || 'https://huggingface.co';
  let why = checks.get(url);
  if (!why) {
    why = hubUnreachable(url);
    checks.set(url, why);
  }
  return why;
}

/**
 * The tasks whose default set needs nothing from the hub, and what that set is. The rows' labels
 * leave the task's name to the description: typing a task's name finds its own row.
 */
const HERE: Partial<Record<Task, { task: string; set: string; short: string }>> = {
  'image-to-text': {
    task: 'Image to text',
    short: 'words drawn here',
    set: 'single printed words drawn on this machine (built in)',
  },
  'text-generation': {
    task: 'Text generation',
    short: "CarbonLens's 100 questions",
    set: "CarbonLens's 100 short-answer questions, shipped with it",
  },
};

/** What a first run takes: the task's default sample size, within its built-in set. */
export const startSamples = (task: Task) => Math.min(DEFAULT_SAMPLES[task], setSize(task) ?? Number.POSITIVE_INFINITY);

export type StartItem = vscode.QuickPickItem & { start?: { task: Task; model?: string } };

/**
 * The rows that run offline, first: each model this machine has for a task with a built-in set
 * (the one used last, if a folder or downloaded, then the model folders in the workspace `roots`,
 * then the downloaded ones), then each such task with a model still to choose. `last` gives the
 * model used last per task. A model with random weights says so in its row.
 */
export function offlineStartItems(
  hubCache: string,
  last: (task: Task) => string | undefined,
  roots: readonly string[] = [],
): StartItem[] {
  const rows: StartItem[] = [];
  const choose: StartItem[] = [];
  for (const [task, here] of Object.entries(HERE) as [Task, (typeof HERE)[Task] & object][]) {
    const lastModel = last(task);
    const inWorkspace = new Set(modelFoldersUnder(roots, task));
    const models = [
      ...new Set([
        ...(lastModel && (isFolder(lastModel) || cachedModels(hubCache, task).includes(lastModel)) ? [lastModel] : []),
        ...inWorkspace,
        ...cachedModels(hubCache, task),
      ]),
    ].filter((m, i, all) => !isFolder(m) || all.findIndex((n) => isFolder(n) && resolve(n) === resolve(m)) === i);
    const plan = `${startSamples(task)} items on auto (the fastest device that works here)`;
    for (const model of models) {
      const folder = isFolder(model);
      const where = !folder
        ? 'downloaded before'
        : inWorkspace.has(model)
          ? 'in this workspace'
          : `the folder ${model}`;
      const random = folder && randomWeights(model);
      rows.push({
        label: `$(play) ${folder ? basename(model) : model} on ${here.short}`,
        description: `${here.task} · works offline${random ? ' · random weights' : ''}`,
        detail: `${where}${random ? ` (${RANDOM_WEIGHTS_NOTE})` : ''}; ${here.set}; ${plan}`,
        start: { task, model },
      });
    }
    choose.push({
      label: `$(play) A model of yours on ${here.short}…`,
      description: `${here.task} · works offline`,
      detail: `${here.set}, nothing to download; pick a model folder on this machine, then it runs ${plan}`,
      start: { task },
    });
  }
  return [...rows, ...choose];
}
