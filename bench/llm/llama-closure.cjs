// The package folders node-llama-cpp needs at run time (its dependencies, transitively, as npm
// laid them out under node_modules), one a line, for bench/llm/pack-llama-cuda.sh.
//   node bench/llm/llama-closure.cjs [ROOT]
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(process.argv[2] ?? '.');
const seen = new Set();
/** Where Node would find `name` from the package folder `from`. */
function locate(name, from) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === path.dirname(dir)) return undefined;
  }
}
function walk(dir) {
  if (seen.has(dir)) return;
  seen.add(dir);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  for (const name of Object.keys(pkg.dependencies ?? {})) {
    const found = locate(name, dir);
    if (!found) throw new Error(`${name} (a dependency of ${pkg.name}) is not installed under ${root}`);
    walk(found);
  }
}
walk(path.join(root, 'node_modules', 'node-llama-cpp'));
for (const dir of [...seen].sort()) console.log(path.relative(root, dir));
