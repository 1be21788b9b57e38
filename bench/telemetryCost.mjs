// What metering costs, against peers, in one run (`node bench/telemetryCost.mjs [seconds]`, after
// `npm run build` and `npm run setup`):
//  1. `carbonlens run --idle-ms 0 -- true` against `node -e 0` (the Node start every CLI pays)
//     and against `true` alone: the wall time `run` adds;
//  2. `carbonlens monitor --prometheus` at 1 Hz, scraped each second, against Debian's
//     prometheus-node-exporter scraped the same way: CPU per second of each process (utime +
//     stime from /proc) and the median scrape latency. Linux only.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'dist', 'cli.js');
const seconds = Number(process.argv[2] ?? 20);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const wall = (cmd, args) => {
  const t = performance.now();
  execFileSync(cmd, args, { stdio: 'ignore', cwd: '/tmp' });
  return performance.now() - t;
};
const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
const cpuSeconds = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks;
};
const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

// 1. run's own cost.
const runs = { node: [], run: [], true: [] };
for (let i = 0; i < 7; i++) {
  runs.true.push(wall('true', []));
  runs.node.push(wall(process.execPath, ['-e', '0']));
  runs.run.push(
    wall(process.execPath, [cli, 'run', '--idle-ms', '0', '--out', '/tmp/carbonlens-bench.csv', '--', 'true']),
  );
}
const [t, n, r] = [median(runs.true), median(runs.node), median(runs.run)];
console.log(`run -- true: ${r.toFixed(0)} ms median of 7; node -e 0: ${n.toFixed(0)} ms; true: ${t.toFixed(1)} ms`);
console.log(
  `  adds ${(r - t).toFixed(0)} ms to the command (${(r - n).toFixed(0)} ms beyond starting Node); target <= 150 ms`,
);

// 2. the exporter against node exporter, each scraped once a second.
async function scraped(name, start, url) {
  const child = start();
  try {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      try {
        if ((await fetch(url)).ok) break;
      } catch {
        await new Promise((res) => setTimeout(res, 100));
      }
    }
    const c0 = cpuSeconds(child.pid);
    const t0 = performance.now();
    const latencies = [];
    for (let i = 0; i < seconds; i++) {
      const s = performance.now();
      await (await fetch(url)).text();
      latencies.push(performance.now() - s);
      await new Promise((res) => setTimeout(res, 1000 - (performance.now() - s)));
    }
    const cpu = (cpuSeconds(child.pid) - c0) / ((performance.now() - t0) / 1000);
    console.log(`${name}: ${(cpu * 100).toFixed(2)}% of a core, scrape median ${median(latencies).toFixed(2)} ms`);
    return { cpu, scrape: median(latencies) };
  } finally {
    child.kill('SIGTERM');
  }
}
const p1 = await freePort();
const ours = await scraped(
  'carbonlens monitor --prometheus (1 Hz)',
  () => spawn(process.execPath, [cli, 'monitor', '--prometheus', `127.0.0.1:${p1}`], { stdio: 'ignore' }),
  `http://127.0.0.1:${p1}/metrics`,
);
const p2 = await freePort();
const peer = await scraped(
  'prometheus-node-exporter',
  () =>
    spawn(
      join(root, '.vscode-test/prometheus/root/usr/bin/prometheus-node-exporter'),
      [`--web.listen-address=127.0.0.1:${p2}`],
      {
        stdio: 'ignore',
      },
    ),
  `http://127.0.0.1:${p2}/metrics`,
);
console.log(
  `ratio carbonlens / node exporter: CPU ${(ours.cpu / peer.cpu).toFixed(2)}, scrape ${(ours.scrape / peer.scrape).toFixed(2)}; targets: <= 1% of a core, <= 5 ms a scrape`,
);
