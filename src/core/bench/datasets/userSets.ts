// The user's own evaluation data: a folder of images with labels.csv (file,label), for image
// classification and OCR; a JSONL file of {text, summary} lines, for summarization.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { checkAbort, sampleIndices, type EvalSet } from './evalSet';
import { imageFromFile } from './images';

export class DatasetError extends Error {
  override name = 'DatasetError';
}

/** A minimal RFC 4180 reader: quoted fields may hold commas and doubled quotes. */
function csvRows(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const fields: string[] = [];
      const re = /\s*(?:"((?:[^"]|"")*)"|([^,]*))\s*(,|$)/gy;
      let m: RegExpExecArray | null;
      while ((m = re.exec(line)) && m[0] !== '') {
        fields.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2].trim());
        if (m[3] === '') break;
      }
      return fields;
    });
}

export async function imageFolder(path: string, samples: number, seed: number, signal?: AbortSignal): Promise<EvalSet> {
  const folder = resolve(path);
  const csv = join(folder, 'labels.csv');
  if (!existsSync(csv))
    throw new DatasetError(`${path} has no labels.csv: add one with a header "file,label" and a line per image.`);
  const [header, ...rows] = csvRows(readFileSync(csv, 'utf8'));
  const fileCol = header?.indexOf('file') ?? -1;
  const labelCol = header?.indexOf('label') ?? -1;
  if (fileCol < 0 || labelCol < 0) throw new DatasetError(`${csv} needs a header with the columns "file" and "label".`);
  const items = [];
  for (const i of sampleIndices(rows.length, samples, seed)) {
    checkAbort(signal);
    const file = rows[i][fileCol];
    const reference = rows[i][labelCol];
    if (!file || reference === undefined) throw new DatasetError(`${csv} line ${i + 2} lacks a file or a label.`);
    const image = join(folder, file);
    if (!existsSync(image)) throw new DatasetError(`${csv} line ${i + 2}: ${file} does not exist in ${path}.`);
    items.push({ id: file, input: await imageFromFile(image), reference });
  }
  return { name: basename(folder), source: folder, items, population: rows.length, seed };
}

const TEXT_KEYS = ['text', 'article', 'document'];
const SUMMARY_KEYS = ['summary', 'highlights', 'reference'];

export function summaryJsonl(path: string, samples: number, seed: number): EvalSet {
  const file = resolve(path);
  if (!existsSync(file) || !statSync(file).isFile()) throw new DatasetError(`${path} is not a file.`);
  const lines = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const records = lines.map((line, i) => {
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(line);
    } catch {
      throw new DatasetError(`${path} line ${i + 1} is not JSON.`);
    }
    const text = TEXT_KEYS.map((k) => value[k]).find((v) => typeof v === 'string');
    const summary = SUMMARY_KEYS.map((k) => value[k]).find((v) => typeof v === 'string');
    if (typeof text !== 'string' || typeof summary !== 'string')
      throw new DatasetError(`${path} line ${i + 1} needs a "text" and a "summary" string.`);
    return { id: String(value.id ?? i + 1), input: text, reference: summary };
  });
  return {
    name: basename(file),
    source: file,
    items: sampleIndices(records.length, samples, seed).map((i) => records[i]),
    population: records.length,
    seed,
  };
}
