// The packages `carbonlens llama install` fetches, read from package-lock.json: node-llama-cpp,
// every package it needs at run time (its dependencies' closure, each at the place the lock puts
// it, so that the same tree resolves the same way), and its prebuilt llama.cpp builds
// (@node-llama-cpp/<platform>), each with the lock's `integrity` (sha512). data/generate.mjs
// writes them to src/generated/llamaPackages.ts; the installer refuses a tarball that differs.
//   node scripts/llamaPackages.mjs     prints the list

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT_PACKAGE = 'node-llama-cpp';

/** The lock entry `name` resolves to from the entry at `from`, as Node walks up node_modules. */
function resolveIn(packages, name, from) {
  let at = from;
  for (;;) {
    const candidate = at ? `${at}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!at) return undefined;
    const i = at.lastIndexOf('/node_modules/');
    at = i >= 0 ? at.slice(0, i) : '';
  }
}

const nameOf = (key) => key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);

function entry(packages, key) {
  const p = packages[key];
  if (!/^sha512-[A-Za-z0-9+/]+={0,2}$/.test(p.integrity ?? ''))
    throw new Error(`package-lock.json: ${key} has no sha512 integrity (${p.integrity ?? 'none'})`);
  return {
    name: nameOf(key),
    version: p.version,
    integrity: p.integrity,
    ...(p.os && { os: p.os }),
    ...(p.cpu && { cpu: p.cpu }),
  };
}

/** { version, runtime: [{ path, name, version, integrity }] (node-llama-cpp first), builds: [{ name, version, integrity, os, cpu }] }. */
export function llamaPackages(lock) {
  const packages = lock.packages ?? {};
  const rootKey = `node_modules/${ROOT_PACKAGE}`;
  const root = packages[rootKey];
  if (!root) throw new Error(`package-lock.json has no ${rootKey}`);
  const seen = new Set();
  const stack = [rootKey];
  while (stack.length) {
    const key = stack.pop();
    if (seen.has(key)) continue;
    seen.add(key);
    const p = packages[key];
    const needed = [
      ...Object.keys(p.dependencies ?? {}),
      ...Object.keys(p.peerDependencies ?? {}).filter((d) => !p.peerDependenciesMeta?.[d]?.optional),
    ];
    for (const d of needed) {
      const found = resolveIn(packages, d, key);
      if (!found) throw new Error(`package-lock.json: ${d}, needed by ${key}, is not in the lock`);
      stack.push(found);
    }
  }
  // node-llama-cpp first, then the rest by place.
  const runtime = [rootKey, ...[...seen].filter((k) => k !== rootKey).sort()].map((key) => ({
    path: key.slice('node_modules/'.length),
    ...entry(packages, key),
  }));
  const builds = Object.keys(root.optionalDependencies ?? {})
    .filter((n) => n.startsWith('@node-llama-cpp/'))
    .sort()
    .map((n) => {
      const key = `node_modules/${n}`;
      if (!packages[key])
        throw new Error(`package-lock.json has no ${key} (an optional dependency of ${ROOT_PACKAGE})`);
      if (packages[key].version !== root.version)
        throw new Error(`package-lock.json: ${key} is ${packages[key].version}, not ${root.version}`);
      return entry(packages, key);
    });
  return { version: root.version, runtime, builds };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const list = llamaPackages(JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')));
  console.log(
    `node-llama-cpp ${list.version}: ${list.runtime.length} run-time packages, builds ${list.builds.map((b) => b.name).join(', ')}`,
  );
}
