// The GPUs `run` and `monitor` meter on a multi-GPU machine: the fake NVML serves four boards
// (GPU i draws 100 + 50 i W; GPU 1 has no energy counter), and CUDA_VISIBLE_DEVICES or --gpu
// chooses among them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { makeTextGenerator } from '../fixtures/tiny-models/make.mjs';
import { buildFakeNvml } from '../support/fakeNvml';
import { killIfAlive } from '../support/waitFor';
import { tempDir } from '../support/tempDir';

const cli = path.resolve(__dirname, '../../../dist/cli.js');
const work = tempDir('cl-gpus-');
const { libDir, skip } = buildFakeNvml();
const started: number[] = [];
after(() => {
  for (const pid of started) killIfAlive(pid);
});

interface Ran {
  code: number | null;
  out: string;
  err: string;
}

/** carbonlens ARGS with the fake NVML first on the library path, four boards, and `env` on top. */
function carbonlens(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['CUDA_VISIBLE_DEVICES', 'CUDA_DEVICE_ORDER']) delete base[k];
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...base,
      LD_LIBRARY_PATH: libDir!,
      FAKE_NVML_GPUS: '4',
      CARBONLENS_CACHE: path.join(work, 'cache'),
      ...env,
    },
  });
  started.push(child.pid!);
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

interface RunRecord {
  durationS: number;
  energy: { components: { component: string; energyJ: number }[]; sources: { name: string; energyJ: number }[] };
  gpus: { metered: { index: number; mig?: boolean }[]; leftOut: { index: number }[]; basis: string; notes: string[] };
}

let runs = 0;

/** `carbonlens run` of a half-second command, into a CSV of its own: its record (the JSONL's last line) and its row. */
async function runRecord(env: Record<string, string>, flags: string[] = []) {
  const out = path.join(work, `run-${++runs}.csv`);
  const ran = await carbonlens(['run', '--idle-ms', '0', '--out', out, ...flags, '--', 'sleep', '0.5'], env);
  assert.equal(ran.code, 0, ran.err);
  const lines = readFileSync(path.join(work, 'carbonlens-runs.jsonl'), 'utf8').trim().split('\n');
  const record = JSON.parse(lines[lines.length - 1]!) as RunRecord;
  const [header, ...rows] = readFileSync(out, 'utf8').trim().split('\n');
  const columns = header!.split(',');
  // The row's fields, the quoted gpu_model kept whole.
  const fields = rows[0]!.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((f) => f.replace(/,$/, '').replace(/^"|"$/g, ''));
  const csv = Object.fromEntries(columns.map((c, i) => [c, fields[i]]));
  return { record, csv, err: ran.err };
}

const gpuW = (r: RunRecord) => r.energy.components.find((c) => c.component === 'gpu')!.energyJ / r.durationS;
/**
 * Within 15%: on a busy machine a counter's read lands a few tens of ms after the window's edge
 * is stamped. Each board's power differs by 50 W, so a board too many or too few is still seen.
 */
const near = (r: RunRecord, watts: number) =>
  assert.ok(Math.abs(gpuW(r) - watts) < 0.15 * watts, `GPU power ${gpuW(r)} W, expected ~${watts} W`);

describe('the GPUs a run meters', { skip, timeout: 120_000 }, () => {
  it("CUDA_VISIBLE_DEVICES=2: only board 2's energy (200 W), the others named as left out", async () => {
    const { record, csv, err } = await runRecord({ CUDA_VISIBLE_DEVICES: '2' });
    assert.deepEqual(
      record.energy.sources.filter((s) => s.name.startsWith('Fake')).map((s) => s.name),
      ['Fake GPU #2'],
    );
    near(record, 200);
    assert.deepEqual(
      record.gpus.metered.map((b) => b.index),
      [2],
    );
    assert.deepEqual(
      record.gpus.leftOut.map((b) => b.index),
      [0, 1, 3],
    );
    assert.match(record.gpus.basis, /^CUDA_VISIBLE_DEVICES=2 /);
    assert.equal(csv.gpu_count, '1');
    assert.equal(csv.gpu_model, '1 x Fake GPU (GPU 2; not metered: GPU 0, 1, 3)');
    assert.match(err, /GPU 2 of 4 metered, GPU 0, 1, 3 not: CUDA_VISIBLE_DEVICES=2/);
  });

  it('every board when CUDA_VISIBLE_DEVICES is unset (700 W), in CodeCarbon\'s "4 x" form', async () => {
    const { record, csv } = await runRecord({});
    near(record, 700);
    assert.equal(record.gpus.leftOut.length, 0);
    assert.deepEqual([csv.gpu_count, csv.gpu_model], ['4', '4 x Fake GPU']);
  });

  it('UUIDs and their prefixes, in the order CUDA numbers them; PCI_BUS_ID order by bus id', async () => {
    const uuids = await runRecord({ CUDA_VISIBLE_DEVICES: 'GPU-4000fade,GPU-1000fade-1111-4222-8333-000000000000' });
    assert.deepEqual(
      uuids.record.gpus.metered.map((b) => b.index),
      [0, 3],
    );
    assert.deepEqual(
      uuids.record.energy.sources.filter((s) => s.name.startsWith('Fake')).map((s) => s.name),
      ['Fake GPU #0', 'Fake GPU #3'],
    );
    near(uuids.record, 350);
    // NVML's board 0 sits on the highest bus: CUDA's device 0 in PCI bus order is board 3.
    const pci = await runRecord({
      CUDA_VISIBLE_DEVICES: '0',
      CUDA_DEVICE_ORDER: 'PCI_BUS_ID',
      FAKE_NVML_BUS: '48,38,28,18',
    });
    assert.deepEqual(
      pci.record.gpus.metered.map((b) => b.index),
      [3],
    );
    near(pci.record, 250);
  });

  it('no GPU when CUDA_VISIBLE_DEVICES is empty; --gpu over it', async () => {
    const none = await runRecord({ CUDA_VISIBLE_DEVICES: '' });
    assert.equal(
      none.record.energy.components.find((c) => c.component === 'gpu'),
      undefined,
      'no GPU energy at all',
    );
    assert.deepEqual([none.csv.gpu_count, none.csv.gpu_model], ['0', 'no GPU metered (not metered: 4 x Fake GPU)']);
    const chosen = await runRecord({ CUDA_VISIBLE_DEVICES: '2' }, ['--gpu', '0']);
    assert.deepEqual(
      chosen.record.gpus.metered.map((b) => b.index),
      [0],
    );
    assert.equal(chosen.record.gpus.basis, '--gpu 0');
  });
});

describe('bad GPU lists and MIG', { skip, timeout: 120_000 }, () => {
  it('--gpu naming no board, or malformed, is a usage error (exit 2) that lists the boards', async () => {
    const missing = await carbonlens(['run', '--idle-ms', '0', '--gpu', '7', '--', 'true']);
    assert.equal(missing.code, 2);
    assert.match(
      missing.err,
      /--gpu 7: no such GPU\. This machine's GPUs \(NVML index, name, UUID\): 0 Fake GPU \(GPU-1000fade/,
    );
    const malformed = await carbonlens(['monitor', '--gpu', 'first', '--duration', '0.1']);
    assert.equal(malformed.code, 2);
    assert.match(malformed.err, /--gpu takes NVML indices or UUIDs/);
    const two = await carbonlens(['bench', '--model', 'x', '--task', 'ocr', '--gpu', '0,1']);
    assert.equal(two.code, 2);
    assert.match(two.err, /a benchmark runs on one GPU/);
  });

  it('a MIG device is metered as its whole board, and the record says so', async () => {
    const ran = await carbonlens(['monitor', '--json', '--duration', '0.2'], {
      FAKE_NVML_MIG: '2',
      CUDA_VISIBLE_DEVICES: 'MIG-300c0de1-1111-4222-8333-000000000002',
    });
    assert.equal(ran.code, 0, ran.err);
    const json = JSON.parse(ran.out) as { gpus: RunRecord['gpus']; sources: { id: string }[] };
    assert.deepEqual(json.gpus.metered, [
      {
        index: 2,
        name: 'Fake GPU',
        uuid: 'GPU-3000fade-1111-4222-8333-000000000002',
        pciBusId: '00000000:38:00.0',
        mig: true,
      },
    ]);
    assert.match(json.gpus.notes.join(' '), /GPU 2 \(Fake GPU\) is in MIG mode: .*whole board/);
    assert.deepEqual(
      json.sources.filter((s) => s.id.startsWith('nvml')).map((s) => s.id),
      ['nvml:2'],
    );
  });
});

describe('bench --gpu', { skip, timeout: 120_000 }, () => {
  it("meters the one board chosen (else CUDA's device 0), and refuses one not there or hidden from CUDA", async () => {
    const model = path.join(work, 'tiny-gen');
    makeTextGenerator(model);
    const set = path.join(work, 'qa.jsonl');
    writeFileSync(set, '{"prompt":"Capital of France?","answer":"Paris"}\n{"prompt":"2+2?","answer":"4"}\n');
    const out = path.join(work, 'bench.csv');
    const args = ['bench', '--model', model, '--task', 'llm', '--dataset', set, '--samples', '2'];
    const rest = ['--max-new-tokens', '2', '--idle-ms', '0', '--device', 'cpu', '--json', '--out', out];
    const ran = await carbonlens([...args, ...rest, '--gpu', '2']);
    assert.equal(ran.code, 0, ran.err);
    const record = JSON.parse(ran.out) as { gpus: RunRecord['gpus']; sources: { id: string }[] };
    assert.deepEqual(
      record.gpus.metered.map((b) => b.index),
      [2],
    );
    assert.equal(record.gpus.basis, '--gpu 2');
    assert.deepEqual(
      record.sources.filter((s) => s.id.startsWith('nvml')).map((s) => s.id),
      ['nvml:2'],
    );
    assert.match(readFileSync(out, 'utf8'), /,1,"1 x Fake GPU \(GPU 2; not metered: GPU 0, 1, 3\)",/);
    // Without --gpu the model runs on CUDA's device 0: the first board CUDA_VISIBLE_DEVICES lets it see.
    const byDefault = await carbonlens([...args, ...rest], { CUDA_VISIBLE_DEVICES: '3,1' });
    assert.equal(byDefault.code, 0, byDefault.err);
    const defaultGpus = (JSON.parse(byDefault.out) as { gpus: RunRecord['gpus'] }).gpus;
    assert.deepEqual(
      defaultGpus.metered.map((b) => b.index),
      [3],
    );
    assert.match(defaultGpus.basis, /^CUDA's device 0, where the model runs \(CUDA_VISIBLE_DEVICES=3,1\)/);
    const missing = await carbonlens([...args, ...rest, '--gpu', '9']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /--gpu 9: no such GPU/);
    const hidden = await carbonlens([...args, ...rest, '--gpu', '1'], { CUDA_VISIBLE_DEVICES: 'GPU-4000fade' });
    assert.equal(hidden.code, 2);
    assert.match(
      hidden.err,
      /GPU 1 is not one CUDA may use here \(CUDA_VISIBLE_DEVICES=GPU-4000fade\): choose one of 3/,
    );
  });
});
