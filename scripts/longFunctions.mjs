// Lists every function, method, function expression and arrow function over 80 lines of code
// (issue 39), with Biome's rule complexity/noExcessiveLinesPerFunction: biome.json turns it on for
// src/ (an error in `npm run lint`); this lists them all at once, longest first, for any paths.
// Biome counts each function on its own, nested ones too, without blank lines; getters, setters
// and constructors are not counted by the rule. (The TypeScript here is 7, the native compiler,
// which has no JavaScript API to walk the syntax with.)
//   node scripts/longFunctions.mjs [paths...]   (default src; exit code 1 when any is over)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const biome = join(dirname(createRequire(import.meta.url).resolve('@biomejs/biome/package.json')), 'bin', 'biome');
const paths = process.argv.slice(2);
const r = spawnSync(
  process.execPath,
  [
    biome,
    'lint',
    '--only=complexity/noExcessiveLinesPerFunction',
    '--reporter=json',
    ...(paths.length ? paths : ['src']),
  ],
  { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
);
let report;
try {
  report = JSON.parse(r.stdout);
} catch {
  console.error(`biome did not answer with JSON (exit ${r.status}): ${r.stderr}`);
  process.exit(2);
}
const long = report.diagnostics
  .filter((d) => d.category === 'lint/complexity/noExcessiveLinesPerFunction')
  .map((d) => ({
    lines: Number(/\((\d+)\)/.exec(d.message)?.[1]),
    where: `${d.location.path}:${d.location.start.line}`,
    span: d.location.end.line - d.location.start.line + 1,
  }))
  .sort((a, b) => b.lines - a.lines);
for (const f of long) console.log(`${String(f.lines).padStart(4)} lines of code (${f.span} with blanks)  ${f.where}`);
console.log(long.length ? `${long.length} function(s) over the limit.` : 'No function over the limit.');
process.exitCode = long.length ? 1 : 0;
