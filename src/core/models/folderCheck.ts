// A model folder is read by onnxruntime and transformers.js, which trust what they open: a
// model file linked to /dev/zero or a pipe reads without end. Every file the model needs is
// checked first: a regular file, of a size a model file can have.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ModelFileError } from '../bench/promptFit';

/** Far above any model's JSON file (a large tokenizer.json is about 20 MB). */
export const MAX_JSON_BYTES = 512 * 1024 * 1024;

/** Throws a ModelFileError naming the first file of `folder` (and onnx/) that is not a plain file. */
export function checkModelFolder(folder: string): void {
  for (const dir of [folder, join(folder, 'onnx')]) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue; // a missing onnx/ is reported by the loader, which knows what it wanted
    }
    for (const name of names) {
      const path = join(dir, name);
      let st: ReturnType<typeof statSync>;
      try {
        st = statSync(path);
      } catch (e) {
        throw new ModelFileError(
          `${relative(folder, path)} in ${folder} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): download the model again.`,
        );
      }
      if (st.isDirectory()) continue;
      if (!st.isFile())
        throw new ModelFileError(
          `${relative(folder, path)} in ${folder} is not a regular file (a device, pipe or socket): a model file must be a file; download the model again.`,
        );
      if (name.endsWith('.json') && st.size > MAX_JSON_BYTES)
        throw new ModelFileError(
          `${relative(folder, path)} in ${folder} is ${Math.round(st.size / 1024 / 1024)} MB, far above any model's JSON file: not read.`,
        );
    }
  }
}
