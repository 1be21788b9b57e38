// The Debian packages the real-VS-Code tests need. `npm run setup` installs them (as root on
// Debian/Ubuntu); tests only check, and name the set-up command when something is missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const sh = (cmd) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
const has = (cmd) => sh(`command -v ${cmd}`).status === 0;
const dpkgHas = (pkg) =>
  !has('dpkg') || sh(`dpkg -s ${pkg} 2>/dev/null | grep -q '^Status: install ok installed'`).status === 0;

export const CHROMIUM_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

const PACKAGES = {
  // Headless Chromium drives the workbench.
  chromium: () => Boolean(process.env.CHROME_PATH) || CHROMIUM_PATHS.some((p) => existsSync(p)),
  // code-server's install builds its kerberos module and fetches rg from GitHub unless seeded.
  'libkrb5-dev': () => dpkgHas('libkrb5-dev'),
  ripgrep: () => has('rg'),
  // Pulls in what Mesa's software Vulkan (lavapipe) links against: LLVM, libdrm, the X libraries.
  'mesa-vulkan-drivers': () => dpkgHas('mesa-vulkan-drivers'),
};

export const missingSystemPackages = (names) =>
  process.platform === 'linux' ? names.filter((n) => !PACKAGES[n]()) : [];

/** For tests: throws, naming the set-up step, when a package is missing. */
export function requireSystemPackages(names, why) {
  const missing = missingSystemPackages(names);
  if (missing.length)
    throw new Error(
      `${why} needs ${missing.join(', ')}: run 'npm run setup' first (it installs them as root on Debian/Ubuntu), or set CHROME_PATH to a Chromium.`,
    );
}

/** For `npm run setup`: installs what is missing, as root with apt-get; otherwise says the command. */
export function installSystemPackages(names, why, log = console.log) {
  const missing = missingSystemPackages(names);
  if (missing.length === 0) return;
  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0 || !has('apt-get')) {
    throw new Error(
      `${why} needs ${missing.join(', ')}. Install them (Debian/Ubuntu: sudo ${command}), or set CHROME_PATH to a Chromium.`,
    );
  }
  log(`Installing ${missing.join(', ')} (${why})...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const cmd of ['apt-get update -qq', `${command} -qq`]) {
    const r = spawnSync('sh', ['-c', cmd], { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (r.status !== 0) throw new Error(`'${cmd}' failed (exit ${r.status}).`);
  }
}
