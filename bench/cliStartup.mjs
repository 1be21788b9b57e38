// Start-up cost of the carbonlens command: `carbonlens run --idle-ms 0 -- true` and
// `carbonlens --help`, whose work is next to nothing, against `node -e 0`, the floor any Node
// program pays. Paired: each round runs every case once, in an order that rotates, so a busy
// spell of the machine falls on all of them; the ratio is the median of the rounds' ratios.
// Target (issue 39): each <= 1.6x `node -e 0`. A benchmark, not a test: it prints met / NOT met.
// Variables that make every Node start do more (NODE_EXTRA_CA_CERTS: a certificate file read and
// parsed, ~40 ms on the 2-core VM) raise `node -e 0` too, and so lower the ratios: it says so, and
// BARE=1 times all four without them.
//   node bench/cliStartup.mjs              (after npm run build; RUNS=N rounds, default 21; BARE=1)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist/cli.js');
if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run npm run build first.');
const RUNS = Number(process.env.RUNS ?? 21);
const TARGET = 1.6;

const cases = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'carbonlens run --idle-ms 0 -- true', args: [cli, 'run', '--idle-ms', '0', '--', 'true'], target: true },
  { name: 'carbonlens --help', args: [cli, '--help'], target: true },
  // Not in the target: the command that loads the model bundle, for scale.
  { name: 'carbonlens bench --help', args: [cli, 'bench', '--help'] },
];

// run writes its records to the working folder: a temporary one, with its own cache.
const work = mkdtempSync(join(tmpdir(), 'cl-startup-'));
const HEAVY = ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS'].filter((v) => process.env[v]);
const bare = process.env.BARE === '1';
const env = { ...process.env, CARBONLENS_CACHE: join(work, 'cache') };
if (bare) for (const v of HEAVY) delete env[v];

function wallMs({ args, name }) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: work, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${name} exited ${r.status ?? r.signal}: ${r.stderr}`);
  return ms;
}

const loadBefore = loadavg()[0];
try {
  for (const c of cases) wallMs(c); // warm-up: the page cache, and the code cache (src/cli/codeCache.ts)
  const times = cases.map(() => []);
  for (let round = 0; round < RUNS; round++) {
    for (let k = 0; k < cases.length; k++) {
      const i = (round + k) % cases.length;
      times[i].push(wallMs(cases[i]));
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const peer = times[0];
  const nodeCache = typeof (await import('node:module')).enableCompileCache === 'function';
  console.log(
    `CLI start-up, ${RUNS} paired rounds, Node ${process.version} (code cache: ${nodeCache ? "Node's compile cache" : 'src/cli/codeCache.ts'}), ` +
      `${availableParallelism()} cores, load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after:`,
  );
  if (HEAVY.length)
    console.log(
      bare
        ? `  (${HEAVY.join(' and ')} unset for these runs: BARE=1)`
        : `  (${HEAVY.join(' and ')} set here: every Node start pays for it, node -e 0 included; BARE=1 unsets it)`,
    );
  console.log(`  ${'node -e 0'.padEnd(36)} ${median(peer).toFixed(1).padStart(7)} ms`);
  let met = true;
  for (let i = 1; i < cases.length; i++) {
    const ratio = median(times[i].map((t, r) => t / peer[r]));
    const verdict = cases[i].target ? `  (target <= ${TARGET}x: ${ratio <= TARGET ? 'met' : 'NOT met'})` : '';
    if (cases[i].target && ratio > TARGET) met = false;
    console.log(
      `  ${cases[i].name.padEnd(36)} ${median(times[i]).toFixed(1).padStart(7)} ms  ${ratio.toFixed(2)}x node -e 0${verdict}`,
    );
  }
  console.log(`Target ${met ? 'met' : 'NOT met'}.`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
