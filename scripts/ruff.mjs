// Ruff, from Astral's own WebAssembly build on npm, over the Python under bench/: its lint rules
// (as `ruff check`) and its formatter (as `ruff format --check`, or `--write` to apply it).
// One tool for the Python peers without a Python package index. Exits 1 on any finding.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PositionEncoding, Workspace } from '@astral-sh/ruff-wasm-nodejs';

const write = process.argv.includes('--write');
const workspace = new Workspace(
  { 'line-length': 120, lint: { select: ['E', 'F', 'W', 'B', 'UP'], ignore: ['E402'] } },
  PositionEncoding.Utf16,
);
const files = readdirSync('bench', { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.py') && !f.includes('__pycache__'))
  .map((f) => join('bench', f))
  .sort();
let findings = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const formatted = workspace.format(text);
  if (formatted !== text) {
    if (write) writeFileSync(file, formatted);
    else {
      findings++;
      console.log(`${file}: not formatted as ruff format would (npm run format)`);
    }
  }
  for (const d of workspace.check(write ? formatted : text)) {
    findings++;
    console.log(`${file}:${d.start_location.row}:${d.start_location.column}: ${d.code} ${d.message}`);
  }
}
console.log(`ruff ${Workspace.version()}: ${files.length} files, ${findings} finding(s)`);
process.exitCode = findings ? 1 : 0;
