// `npm start`: the extension in a real VS Code, on the demo workspace. Desktop VS Code when
// `code` and a display are there; otherwise code-server on localhost, with the URL printed.
import { spawn, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { freePort, repoRoot, startCodeServer, workbenchUrl } from './codeServer.mjs';
import { ensureDemoModel } from './demoModel.mjs';

const demo = resolve(repoRoot, 'test/fixtures/demo-workspace');
// A first benchmark needs a model; offline, a fresh clone has none: a tiny one with random weights.
const demoModel = ensureDemoModel(demo);
if (demoModel.made)
  console.log(`Made ${demoModel.dir}: a tiny demo model with random weights, for a first benchmark offline.`);

function desktopCode() {
  if (process.env.CARBONLENS_USE_CODE_SERVER) return undefined;
  const hasDisplay = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  const which = spawnSync(process.platform === 'win32' ? 'where' : 'which', ['code'], { encoding: 'utf8' });
  return hasDisplay && which.status === 0 ? which.stdout.split(/\r?\n/)[0] : undefined;
}

const code = desktopCode();
if (code) {
  console.log(`Opening ${demo} in desktop VS Code with CarbonLens loaded from ${repoRoot}.`);
  spawn(code, [`--extensionDevelopmentPath=${repoRoot}`, demo], {
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
} else {
  const wanted = Number(process.env.CARBONLENS_PORT ?? 0);
  const port = wanted || (await freePort());
  const server = await startCodeServer({ port, dataDir: join(repoRoot, '.vscode-test', 'code-server-data') });
  console.log(`\nCarbonLens is running in code-server (VS Code in the browser, bound to 127.0.0.1 only).`);
  console.log(`Open:\n\n  ${workbenchUrl(server.url, demo)}\n`);
  console.log('Over SSH, forward the port first (ssh -L <port>:127.0.0.1:<port> host). Ctrl-C stops it.');
  server.child.on('exit', (status) => {
    console.log(`code-server exited (${status}).`);
    process.exit(status ?? 1);
  });
}
