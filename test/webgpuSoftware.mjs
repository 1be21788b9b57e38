// WebGPU without a GPU, for tests: Mesa's software Vulkan driver (lavapipe) from Debian
// bookworm-backports (bookworm's own Mesa 22.3 is too old for Dawn), unpacked by `npm run setup`
// into a cache folder, never installed over the system's. Its libraries (LLVM, X) come with
// bookworm's mesa-vulkan-drivers package, installed as root like the integration tests' packages.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canFetchDebs, fetchDebs } from './debPackages.mjs';
import { installSystemPackages } from './integration/systemPackages.mjs';

const BACKPORTS = [
  'mesa-vulkan-drivers/bookworm-backports',
  'libdrm2/bookworm-backports',
  'libdrm-amdgpu1/bookworm-backports',
  'libvulkan1',
];
const sh = (cmd, cwd) => spawnSync('sh', ['-c', cmd], { cwd, encoding: 'utf8' });

function paths(ROOT) {
  const lib = join(ROOT, 'root', 'usr', 'lib', 'x86_64-linux-gnu');
  const icd = join(ROOT, 'lvp_icd.json');
  return { lib, icd, env: { LD_LIBRARY_PATH: lib, VK_ICD_FILENAMES: icd, VK_DRIVER_FILES: icd } };
}

/**
 * For tests: the environment that makes onnxruntime-node's WebGPU provider find lavapipe, or
 * { skip: reason } when `npm run setup` has not put it in ROOT.
 */
export function lavapipeEnv(ROOT) {
  const { icd, env } = paths(ROOT);
  return existsSync(icd)
    ? { env }
    : { skip: `software WebGPU (lavapipe) is not set up in ${ROOT}: run 'npm run setup' (Debian bookworm on x64)` };
}

/**
 * For `npm run setup`: fetches lavapipe into ROOT; { env } when ready, or { skip: reason } where
 * this machine cannot have it (not Debian, no root, offline).
 */
export function installLavapipe(ROOT, log = () => {}) {
  const { lib, icd, env } = paths(ROOT);
  if (existsSync(icd)) return { env };
  if (!canFetchDebs()) {
    return { skip: 'software WebGPU needs Debian bookworm on x64 (lavapipe from bookworm-backports)' };
  }
  try {
    installSystemPackages(['mesa-vulkan-drivers'], 'Software WebGPU (lavapipe)', log);
  } catch (e) {
    return { skip: e.message };
  }
  const failed = fetchDebs(ROOT, BACKPORTS, log);
  if (failed) return { skip: failed };
  const missing = sh(
    `LD_LIBRARY_PATH='${lib}' ldd '${join(lib, 'libvulkan_lvp.so')}' | grep 'not found'`,
  ).stdout.trim();
  if (missing) return { skip: `lavapipe lacks libraries: ${missing.replace(/\s+/g, ' ')}` };
  const json = JSON.parse(readFileSync(join(ROOT, 'root', 'usr', 'share', 'vulkan', 'icd.d', 'lvp_icd.json'), 'utf8'));
  json.ICD.library_path = join(lib, 'libvulkan_lvp.so');
  writeFileSync(icd, JSON.stringify(json));
  return { env };
}
