#!/usr/bin/env node
// Builds one VSIX per platform, each with only that platform's native runtimes, and a universal
// one without any. Run after `npm run build` (`npm run package` does both):
//   node scripts/package.mjs [target ...]      (default: every target below)
// For each target: the files .vscodeignore allows (as `vsce ls` lists them) are staged in
// out/package/<target>/, the runtime packages go to its dist/node_modules/ (the bundles
// require onnxruntime-node, sharp and koffi; Node finds them there first), pruned to the
// target's binaries, then `vsce package --target` writes out/vsix/carbonlens-<version>-<target>.vsix.
// Packages of other platforms than this one come from the npm registry (`npm pack`), cached
// in .cache/packages/.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const vsce = join(dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

export const TARGETS = ['linux-x64', 'linux-arm64', 'win32-x64', 'darwin-arm64', 'universal'];
/** The largest VSIX we accept for a target, in MB. */
const BUDGET_MB = { 'linux-x64': 40 };

/** The runtime packages a platform's bundles require, with their platform halves. */
function runtimePackages(target) {
  const [os, arch] = target.split('-');
  const vipsInside = os === 'win32'; // sharp's Windows package carries libvips itself
  return [
    'onnxruntime-node',
    'onnxruntime-common',
    'sharp',
    ...deps('sharp'),
    `@img/sharp-${os}-${arch}`,
    ...(vipsInside ? [] : [`@img/sharp-libvips-${os}-${arch}`]),
    'koffi',
    `@koromix/koffi-${os}-${arch}`,
  ];
}

const manifest = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'));
function deps(name) {
  const seen = new Set();
  const walk = (n) => {
    for (const d of Object.keys(manifest(n).dependencies ?? {})) {
      if (!seen.has(d)) {
        seen.add(d);
        walk(d);
      }
    }
  };
  walk(name);
  return [...seen];
}

/** The version the installed parent pins for a platform package. */
function pinnedVersion(name) {
  for (const parent of ['sharp', 'koffi']) {
    const v = manifest(parent).optionalDependencies?.[name];
    if (v) return v;
  }
  throw new Error(`No parent package pins ${name}.`);
}

/** A package's folder: the installed one, or one fetched from the registry for another platform. */
function packageDir(name) {
  const installed = join(root, 'node_modules', name);
  if (existsSync(join(installed, 'package.json'))) return installed;
  const version = pinnedVersion(name);
  const cache = join(root, '.cache', 'packages');
  const dir = join(cache, `${name.replace('/', '+')}@${version}`);
  if (!existsSync(join(dir, 'package.json'))) {
    mkdirSync(cache, { recursive: true });
    const file = execFileSync('npm', ['pack', `${name}@${version}`, '--silent', '--pack-destination', cache], {
      cwd: cache,
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .pop();
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-xzf', join(cache, file), '-C', dir, '--strip-components=1']);
    rmSync(join(cache, file));
  }
  return dir;
}

/** What never ships: sources, types, maps, docs, other platforms' binaries, install scripts. */
function keep(name, target, rel) {
  const [os, arch] = target.split('-');
  // libvips' README is its licence notice: each bundled library and its licence.
  if (name.includes('sharp-libvips') && rel === 'README.md') return true;
  if (
    /\.(ts|mts|cts|map|cc|hh|c|h|md|markdown)$/i.test(rel) &&
    !/^(license|notice|thirdpartynotices)/i.test(rel.split('/').pop())
  )
    return false;
  if (/(^|\/)(docs?|test|tests|example|examples)(\/|$)/.test(rel)) return false;
  if (name === 'onnxruntime-node') {
    if (rel.startsWith('script/')) return false;
    if (rel.startsWith('bin/')) return rel.startsWith(`bin/napi-v6/${os}/${arch}/`);
  }
  if (name === 'koffi' && /^(lib|vendor|src\/(?!koffi\/))/.test(rel)) return false;
  return true;
}

function copyPackage(name, target, into) {
  const from = packageDir(name);
  const to = join(into, name);
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const abs = join(dir, entry.name);
      const rel = relative(from, abs).replace(/\\/g, '/');
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(abs);
      } else if (keep(name, target, rel)) {
        mkdirSync(dirname(join(to, rel)), { recursive: true });
        cpSync(abs, join(to, rel));
      }
    }
  };
  walk(from);
}

const UNIVERSAL_NOTE = `> **This is the universal package.** It has no native runtimes: benchmarks (onnxruntime-node,
> sharp) do not run and NVIDIA power is read through \`nvidia-smi\` only (no NVML, which needs
> koffi). Live power, the carbon figures and the advisor work. Install the package for your
> platform (linux-x64, linux-arm64, win32-x64, darwin-arm64) for everything.

`;

function stage(target) {
  const dir = join(root, 'out', 'package', target);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const listed = execFileSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter(Boolean);
  for (const f of listed) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(root, f), join(dir, f));
  }
  const { scripts: _s, devDependencies: _d, allowScripts: _a, dependencies: _deps, ...manifestOut } = pkg;
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifestOut, null, 2)}\n`);
  writeFileSync(join(dir, '.vscodeignore'), '');
  const native = target !== 'universal';
  if (native) for (const name of runtimePackages(target)) copyPackage(name, target, join(dir, 'dist', 'node_modules'));
  else writeFileSync(join(dir, 'README.md'), UNIVERSAL_NOTE + readFileSync(join(dir, 'README.md'), 'utf8'));
  writeFileSync(join(dir, 'dist', 'platform.json'), `${JSON.stringify({ target, nativeRuntimes: native }, null, 2)}\n`);
  return dir;
}

function size(path) {
  return statSync(path).size / 1024 ** 2;
}

export function packageTarget(target) {
  if (!TARGETS.includes(target)) throw new Error(`Unknown target ${target}: one of ${TARGETS.join(', ')}.`);
  if (!existsSync(join(root, 'dist', 'cli.js'))) throw new Error('dist/ is missing: run `npm run build` first.');
  const dir = stage(target);
  const out = join(root, 'out', 'vsix', `${pkg.name}-${pkg.version}-${target}.vsix`);
  mkdirSync(dirname(out), { recursive: true });
  rmSync(out, { force: true });
  const args = [
    vsce,
    'package',
    '--no-dependencies',
    '--allow-missing-repository',
    '--no-rewrite-relative-links',
    '-o',
    out,
    ...(target === 'universal' ? [] : ['--target', target]),
  ];
  const run = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`vsce package failed for ${target}: ${run.stderr || run.stdout}`);
  const files = execFileSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: dir, encoding: 'utf8' })
    .trim()
    .split('\n');
  const forbidden = files.filter((f) => /^(src|test|webview|bench)\/|(^|\/)fixtures\/|\.ts$|\.map$/.test(f));
  if (forbidden.length)
    throw new Error(`${target}: sources, tests or maps in the package: ${forbidden.slice(0, 5).join(', ')}`);
  // llama.cpp's GPU builds (node-llama-cpp's CUDA build alone is 181 MB) are fetched on demand
  // (`carbonlens llama install`, the editor's Download llama.cpp), never shipped.
  const gpuBuilds = files.filter((f) => /(^|\/)@node-llama-cpp\/[^/]*-(cuda|cuda-ext|vulkan)\//.test(f));
  if (gpuBuilds.length)
    throw new Error(`${target}: llama.cpp GPU builds in the package: ${gpuBuilds.slice(0, 3).join(', ')}`);
  const mb = size(out);
  const budget = BUDGET_MB[target];
  if (budget && mb > budget) throw new Error(`${target}: ${mb.toFixed(1)} MB is over the ${budget} MB budget.`);
  return { target, path: out, mb, files: files.length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const targets = process.argv.slice(2).length ? process.argv.slice(2) : TARGETS;
  for (const t of targets) {
    const r = packageTarget(t);
    console.log(
      `${r.target}: ${relative(root, r.path)}, ${r.mb.toFixed(1)} MB, ${r.files} files${BUDGET_MB[t] ? ` (budget ${BUDGET_MB[t]} MB)` : ''}`,
    );
  }
}
