// Model folders a workspace holds (an export next to the code, or the demo workspace's generated
// model), found by a short walk: offline, Run Benchmark offers them first. A folder generated
// with random weights says so in its config.json, and the editor says so wherever it offers one.
import { type Dirent, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listFolder } from './modelName';
import { availableDtypes, type Task } from './tasks';

/** Tasks whose model reads images: their folders have an image processor, the others none. */
const IMAGE_IN: readonly Task[] = ['image-classification', 'image-to-text'];

/** Whether `folder` holds a model for `task`: config.json, the graphs the task needs, an image processor exactly when it reads images. */
export function fitsTask(folder: string, task: Task): boolean {
  let files: string[];
  try {
    files = listFolder(folder);
  } catch {
    return false;
  }
  if (!files.includes('config.json') || availableDtypes(task, files).length === 0) return false;
  return IMAGE_IN.includes(task) === files.includes('preprocessor_config.json');
}

/**
 * The folders under `roots` (each root and `depth` levels down; hidden folders and node_modules
 * skipped; at most `limit` folders read in all, so a large workspace costs little) that hold a
 * model for `task`, in walk order.
 */
export function modelFoldersUnder(roots: readonly string[], task: Task, { depth = 2, limit = 400 } = {}): string[] {
  const found: string[] = [];
  let budget = limit;
  const walk = (dir: string, level: number) => {
    if (budget-- <= 0) return;
    if (fitsTask(dir, task)) {
      found.push(dir);
      return; // a model's own subfolders (onnx/) hold no other model
    }
    if (level >= depth) return;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries)
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') walk(join(dir, e.name), level + 1);
  };
  for (const root of roots) walk(root, 0);
  return found;
}

/**
 * Whether a model folder says its weights are random (`"carbonlens_random_weights": true` in its
 * config.json, as CarbonLens's generated demo and test models have): its answers are nonsense and
 * its quality figures mean nothing; its energy and speed are real.
 */
export function randomWeights(folder: string): boolean {
  try {
    return JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')).carbonlens_random_weights === true;
  } catch {
    return false;
  }
}

/** What the editor adds wherever it offers or reports a random-weights model. */
export const RANDOM_WEIGHTS_NOTE =
  'random weights, a demo: its quality figures mean nothing; its energy and speed are real';
