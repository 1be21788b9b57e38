// The user's own evaluation data: a folder of images with labels.csv (file,label), for image
// classification and OCR (each image decoded when its batch is prepared: ImageFile); a JSONL
// file of {text, summary} lines, for summarization.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { checkAbort, sampleIndices, type EvalSet } from './evalSet';
import { ImageFile } from '../../models/imageInput';
import { UserError } from '../../userError';

export class DatasetError extends UserError {
  constructor(message: string) {
    super(message, 'dataset');
    this.name = 'DatasetError';
  }
}

/** labels.csv's rows with the line each starts on (RFC 4180: quoted fields may hold commas, quotes and newlines). */
function labelRows(csv: string): { fields: Record<string, string>; line: number }[] {
  let rows: { record: Record<string, string>; raw: string; info: { lines: number } }[];
  try {
    rows = parse(readFileSync(csv, 'utf8'), {
      bom: true,
      columns: (header: string[]) => {
        const names = header.map((h) => h.trim());
        if (!names.includes('file') || !names.includes('label'))
          throw new DatasetError(`${csv} needs a header with the columns "file" and "label".`);
        return names;
      },
      info: true,
      raw: true,
      relax_column_count: true,
      skip_empty_lines: true,
    });
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    throw new DatasetError(`${csv} is not a valid CSV file: ${(e as Error).message}`);
  }
  // info.lines is the line a record ends on; its raw text carries skipped blank lines before it
  // and its line break after it, and between them the newlines inside quoted fields.
  const inner = (raw: string) =>
    raw
      .replace(/^[\r\n]+/, '')
      .replace(/\r?\n$/, '')
      .match(/\n/g)?.length ?? 0;
  return rows.map((r) => ({ fields: r.record, line: r.info.lines - inner(r.raw) }));
}

export async function imageFolder(path: string, samples: number, seed: number, signal?: AbortSignal): Promise<EvalSet> {
  const folder = resolve(path);
  const csv = join(folder, 'labels.csv');
  if (!existsSync(csv))
    throw new DatasetError(`${path} has no labels.csv: add one with a header "file,label" and a line per image.`);
  const rows = labelRows(csv);
  if (rows.length === 0) throw new DatasetError(`${csv} has a header but no images.`);
  const items = [];
  for (const i of sampleIndices(rows.length, samples, seed)) {
    checkAbort(signal);
    const { fields, line } = rows[i]!;
    const file = fields.file?.trim();
    const reference = fields.label;
    if (!file || reference === undefined) throw new DatasetError(`${csv} line ${line} lacks a file or a label.`);
    const image = join(folder, file);
    if (!existsSync(image)) throw new DatasetError(`${csv} line ${line}: ${file} does not exist in ${path}.`);
    // The header only: a file that is not an image fails here, before anything is measured;
    // decoding is part of each batch's preparation (ImageFile).
    const { default: sharp } = await import('sharp');
    try {
      await sharp(image).metadata();
    } catch (e) {
      throw new DatasetError(`${csv} line ${line}: ${file} is not an image (${(e as Error).message}).`);
    }
    items.push({ id: file, input: new ImageFile(image), reference });
  }
  return { name: basename(folder), source: folder, items, population: rows.length, seed };
}

const TEXT_KEYS = ['text', 'article', 'document'];
const SUMMARY_KEYS = ['summary', 'highlights', 'reference'];

/**
 * The objects of a .jsonl file, one per non-blank line, with their line numbers: a UTF-8 byte
 * order mark is skipped; a line that is not JSON, or JSON but not an object (`null`, a number,
 * a list), is a DatasetError naming the file and the line.
 */
export function jsonlObjects(path: string, shape: string): { value: Record<string, unknown>; line: number }[] {
  const file = resolve(path);
  if (!existsSync(file) || !statSync(file).isFile()) throw new DatasetError(`${path} is not a file.`);
  const out: { value: Record<string, unknown>; line: number }[] = [];
  for (const [i, text] of readFileSync(file, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .entries()) {
    if (!text.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new DatasetError(`${path} line ${i + 1} is not JSON: each line is one ${shape} object.`);
    }
    if (!value || typeof value !== 'object' || Array.isArray(value))
      throw new DatasetError(
        `${path} line ${i + 1} is ${value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`}, not an object: each line is one ${shape} object.`,
      );
    out.push({ value: value as Record<string, unknown>, line: i + 1 });
  }
  return out;
}

export function summaryJsonl(path: string, samples: number, seed: number): EvalSet {
  const file = resolve(path);
  const records = jsonlObjects(path, '{"text", "summary"}').map(({ value, line: n }, i) => {
    const text = TEXT_KEYS.map((k) => value[k]).find((v) => typeof v === 'string');
    const summary = SUMMARY_KEYS.map((k) => value[k]).find((v) => typeof v === 'string');
    if (typeof text !== 'string' || typeof summary !== 'string')
      throw new DatasetError(`${path} line ${n} needs a "text" and a "summary" string.`);
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
