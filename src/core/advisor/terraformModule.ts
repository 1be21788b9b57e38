// The files of a Terraform file's module, whose uses give its variables a role: the other .tf and
// .tfvars files of its folder, and, for a .tfvars file in a folder with no .tf file of its own
// (sample-tfvars/, tfvars_examples/), the .tf files of the folder above, where the module that
// reads it lives. Nothing is read outside `root` (compared by real path): not a link that leads
// out of it, not a folder above it.
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import type { RelatedFile } from './advise';

export interface ModuleReader {
  /** The real path of the folder the files must stay in; without it only the file's own folder is read. */
  root?: string;
  maxBytes: number;
  /** Folder -> its files, shared across the files of one scan. */
  cache?: Map<string, RelatedFile[]>;
  /** The text of a file open in an editor (as edited), instead of the disk's. */
  open?: (path: string) => string | undefined;
}

const TERRAFORM = /\.(tf|tfvars)$/i;

function inside(root: string | undefined, path: string): boolean {
  if (root === undefined) return true;
  try {
    const real = realpathSync(path);
    return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
  } catch {
    return false;
  }
}

function folderFiles(dir: string, reader: ModuleReader): RelatedFile[] {
  const hit = reader.cache?.get(dir);
  if (hit) return hit;
  const files: RelatedFile[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir).sort();
  } catch {
    // an unreadable folder: the file is read alone
  }
  for (const name of names) {
    if (!TERRAFORM.test(name)) continue;
    const path = join(dir, name);
    if (!inside(reader.root, path)) continue;
    const open = reader.open?.(path);
    if (open !== undefined) {
      files.push({ fileName: path, text: open });
      continue;
    }
    try {
      if (statSync(path).size <= reader.maxBytes) files.push({ fileName: path, text: readFileSync(path, 'utf8') });
    } catch {
      // unreadable: the module is read without it
    }
  }
  reader.cache?.set(dir, files);
  return files;
}

/** The other files of `file`'s module (empty for a file that is not Terraform, or outside `root`). */
export function terraformModuleFiles(file: string, reader: ModuleReader): RelatedFile[] {
  if (!TERRAFORM.test(file)) return [];
  const dir = dirname(file);
  if (!inside(reader.root, dir)) return [];
  const own = folderFiles(dir, reader).filter((f) => f.fileName !== file);
  if (!/\.tfvars$/i.test(file) || own.some((f) => /\.tf$/i.test(f.fileName)) || reader.root === undefined) return own;
  const parent = dirname(dir);
  if (parent === dir || !inside(reader.root, parent)) return own;
  return [...own, ...folderFiles(parent, reader).filter((f) => /\.tf$/i.test(f.fileName))];
}
