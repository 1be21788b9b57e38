// code-server: the real VS Code server with its Node extension host, from the npm registry.
// Installed by `npm run setup` (and `npm start`) into .vscode-test/ (a cache, never a project
// dependency); tests only look for it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CHROMIUM_PATHS, installSystemPackages, requireSystemPackages } from './systemPackages.mjs';

export const CODE_SERVER_VERSION = process.env.CARBONLENS_CODE_SERVER_VERSION ?? '4.100.3';
export const repoRoot = resolve(import.meta.dirname, '../..');
const cacheDir = resolve(repoRoot, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`);

const entryPath = join(cacheDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

/** The code-server launcher; throws, naming the set-up step, when it is not installed. */
export function codeServerEntry() {
  if (!existsSync(entryPath))
    throw new Error(`code-server ${CODE_SERVER_VERSION} is not installed in ${cacheDir}: run 'npm run setup' first.`);
  return entryPath;
}

/** Installs code-server once (set-up only); returns its launcher. */
export function installCodeServer(log = console.log) {
  const bin = entryPath;
  if (existsSync(bin)) return bin;
  installSystemPackages(['libkrb5-dev', 'ripgrep'], 'Installing code-server', log);
  log(`Installing code-server ${CODE_SERVER_VERSION} into ${cacheDir} (once; about a minute)...`);
  seedRipgrep(log);
  mkdirSync(cacheDir, { recursive: true });
  const started = Date.now();
  const r = spawnSync(
    'npm',
    [
      'install',
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--prefix',
      cacheDir,
      `code-server@${CODE_SERVER_VERSION}`,
    ],
    {
      stdio: 'inherit',
      // code-server's postinstall refuses to run as root without unsafe-perm.
      env: { ...process.env, npm_config_yes: 'true', npm_config_unsafe_perm: 'true' },
    },
  );
  if (r.status !== 0 || !existsSync(bin)) {
    rmSync(cacheDir, { recursive: true, force: true }); // no half-installed cache next time
    throw new Error(
      `Installing code-server failed (npm exit ${r.status}). It needs the npm registry, a C++ toolchain (make, g++, python3) ` +
        `and libkrb5-dev; the output above says which step broke.`,
    );
  }
  log(`code-server installed in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  return bin;
}

/**
 * @vscode/ripgrep downloads rg from GitHub during install; offline, that fails. When the
 * machine has ripgrep, put it where that installer looks first.
 */
function seedRipgrep(log) {
  if (platform() !== 'linux' || arch() !== 'x64') return;
  const rg = spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).stdout.trim();
  const cache = join(tmpdir(), 'vscode-ripgrep-cache-1.15.11');
  const tarball = join(cache, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz');
  if (!rg || existsSync(tarball)) return;
  const staging = mkdtempSync(join(tmpdir(), 'rg-'));
  copyFileSync(rg, join(staging, 'rg'));
  mkdirSync(cache, { recursive: true });
  spawnSync('tar', ['-czf', tarball, '-C', staging, 'rg']);
  rmSync(staging, { recursive: true, force: true });
  log(`Seeded @vscode/ripgrep's download cache with ${rg}.`);
}

export function findChromium() {
  requireSystemPackages(['chromium'], 'Driving the VS Code workbench');
  return [process.env.CHROME_PATH, ...CHROMIUM_PATHS].find((c) => c && existsSync(c));
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
    server.on('error', reject);
  });
}

/**
 * Starts code-server on 127.0.0.1 with throw-away user data. Returns its base URL and a stop()
 * that ends the whole process group, so no extension host outlives the run.
 */
export async function startCodeServer({ port, dataDir, env = {} }) {
  const entry = codeServerEntry();
  mkdirSync(dataDir, { recursive: true });
  const args = [
    entry,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--user-data-dir',
    join(dataDir, 'user'),
    '--extensions-dir',
    join(dataDir, 'extensions'),
  ];
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, XDG_CONFIG_HOME: join(dataDir, 'config'), XDG_DATA_HOME: join(dataDir, 'data'), ...env },
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  // Detached, it has its own process group: end it with us, Ctrl-C included.
  process.once('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, stop, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  stop();
  throw new Error(`code-server did not answer on ${url}/healthz within 60 s: ${stderr}`);
}

/** The workbench URL that opens `folder` with the extension (and optionally tests) loaded. */
export function workbenchUrl(base, folder, { extensionTestsPath, extensionDevelopmentPath = repoRoot } = {}) {
  const payload = [
    ['extensionDevelopmentPath', `vscode-remote://remote${extensionDevelopmentPath}`],
    ['skipWelcome', 'true'],
  ];
  if (extensionTestsPath) payload.push(['extensionTestsPath', `vscode-remote://remote${extensionTestsPath}`]);
  return `${base}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** Headless Chromium, as the integration and smoke tests drive it. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: findChromium(),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Opens `url` (a workbench with extension tests), prints the host's `[host] ` lines, and waits
 * until the suite has written `resultsFile`, the host has exited, or `timeoutMs` has passed.
 * Returns false on a timeout.
 */
export async function runHostSuite(browser, url, resultsFile, timeoutMs = 300_000) {
  const page = await browser.newPage();
  let exited = false;
  await page.exposeFunction('codeAutomationExit', () => (exited = true));
  await page.exposeFunction('codeAutomationLog', (_level, message) => {
    // The workbench's own log is noise here; the extension host's console is the test output.
    const text = Array.isArray(message) ? message.join(' ') : String(message);
    if (text.startsWith('[host] ')) console.log(text.replace(/^\[host\] /gm, ''));
  });
  await page.goto(url);
  const deadline = Date.now() + timeoutMs;
  while (!exited && !existsSync(resultsFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  // The results file is written just before the host reports its exit: give it that moment.
  if (existsSync(resultsFile)) await new Promise((r) => setTimeout(r, 250));
  await page.close();
  return exited || existsSync(resultsFile);
}
