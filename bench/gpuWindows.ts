// The same GPU work seen three ways: NVML's energy counter around the window (what CarbonLens
// uses), NVML power sampled at 10 Hz (instantaneous and the 1 s average), and nvidia-smi's
// `power.draw` sampled every second (what CodeCarbon-style tools see). Windows of 0.1, 1 and
// 10 s of fp32 matrix products (bench/gpu_load.py, PyTorch) after a 2 s idle baseline.
// Prints a table of mean energy per method and its ratio to the counter.
// Run on a machine with an NVIDIA GPU: node out/bench/gpuWindows.js
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Meter, type IdleBaseline } from '../src/core/energy/meter';
import { openNvmlSources } from '../src/core/energy/nvml';
import { SmiStream } from '../src/core/energy/nvidiaSmi';
import { probeNvidiaSmi, currentProbeEnvironment } from '../src/core/energy/probe';
import type { EnergySource } from '../src/core/energy/source';

const WINDOWS: [seconds: number, repeats: number][] = [
  [0.1, 8],
  [1, 5],
  [10, 2],
];

const { sources, binding, notes } = await openNvmlSources();
if (!binding || sources.length === 0) throw new Error(`No NVML GPU: ${notes.join(' ')}`);
const gpu = sources[0]!;
const smi = await probeNvidiaSmi(currentProbeEnvironment());
if (!smi.path) throw new Error('nvidia-smi not found');

const powerOnly = (id: string, detail: string, power: () => number | undefined): EnergySource => ({
  id,
  component: 'gpu',
  name: id,
  kind: 'sampled',
  detail,
  power,
});
const fast = new Meter(
  [
    gpu,
    powerOnly('nvml-instant-10Hz', 'NVML_FI_DEV_POWER_INSTANT at 10 Hz', () => gpu.power!() as number),
    powerOnly('nvml-usage-10Hz', 'nvmlDeviceGetPowerUsage at 10 Hz', () => binding.powerMw(0) / 1000),
  ],
  { intervalMs: 100, counterIntervalMs: 60_000 },
);
const stream = new SmiStream(smi.path, 'power.draw', 1000);
const slow = new Meter(
  [powerOnly('smi-power.draw-1s', 'nvidia-smi power.draw every 1 s', () => stream.latest(0)?.powerW)],
  { intervalMs: 1000 },
);

const load = spawn('python3', ['bench/gpu_load.py'], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: load.stdout! })[Symbol.asyncIterator]();
const expect = async (word: string) => {
  const { value } = await lines.next();
  if (!String(value).startsWith(word)) throw new Error(`gpu_load.py said "${value}", expected "${word}"`);
  return String(value);
};
await expect('ready');
await Promise.all([fast.start(), slow.start()]);
await new Promise((r) => setTimeout(r, 3000)); // nvidia-smi's first lines

const idleOf = async (ms: number): Promise<[IdleBaseline, IdleBaseline]> =>
  Promise.all([fast.measureIdle(ms), slow.measureIdle(ms)]);
const rows: { seconds: number; method: string; energyJ: number[]; netJ: number[] }[] = [];
const record = (seconds: number, method: string, energyJ: number, netJ: number) => {
  let row = rows.find((r) => r.seconds === seconds && r.method === method);
  if (!row) rows.push((row = { seconds, method, energyJ: [], netJ: [] }));
  row.energyJ.push(energyJ);
  row.netJ.push(netJ);
};

for (const [seconds, repeats] of WINDOWS) {
  for (let i = 0; i < repeats; i++) {
    const [idleFast, idleSlow] = await idleOf(2000);
    const [wf, ws] = await Promise.all([fast.begin(), slow.begin()]);
    load.stdin!.write(`${seconds}\n`);
    await expect('done');
    const [rf, rs] = await Promise.all([wf.end({ idle: idleFast }), ws.end({ idle: idleSlow })]);
    for (const s of [...rf.sources, ...rs.sources]) {
      const method = s.method === 'counter' ? 'NVML energy counter' : s.sourceId;
      record(seconds, method, s.energyJ, s.netEnergyJ ?? NaN);
    }
  }
}
load.stdin!.end();
fast.close();
slow.close();
stream.close();

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`GPU: ${gpu.name}. Each window: fp32 8192^2 matmuls for the stated time, after a 2 s idle baseline.`);
console.log('| window | method | energy J (mean) | idle-subtracted J | ratio to counter |');
console.log('|---|---|---|---|---|');
for (const [seconds] of WINDOWS) {
  const counter = rows.find((r) => r.seconds === seconds && r.method === 'NVML energy counter')!;
  for (const r of rows.filter((x) => x.seconds === seconds)) {
    console.log(
      `| ${seconds} s | ${r.method} | ${mean(r.energyJ).toFixed(2)} | ${mean(r.netJ).toFixed(2)} | ${(mean(r.energyJ) / mean(counter.energyJ)).toFixed(3)} |`,
    );
  }
}
