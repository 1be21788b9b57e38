import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cudaOrdinal,
  type GpuBoard,
  GpuSelectionError,
  gpuRequest,
  pciOrder,
  selectGpus,
} from '../../src/core/energy/gpuSelection';
import { gpuDetailText, gpuModelColumn, gpuShortText, meteringText } from '../../src/core/energy/gpuText';

/** Four boards of one model; NVML's order is not PCI bus order (board 0 sits on the highest bus). */
const board = (index: number, bus: string, name = 'NVIDIA H100'): GpuBoard => ({
  index,
  name,
  uuid: `GPU-${index + 1}000fade-1111-4222-8333-00000000000${index}`,
  pciBusId: `00000000:${bus}:00.0`,
});
const four = [board(0, '4A'), board(1, '1B'), board(2, '2C'), board(3, '3D')];
const env = (visible?: string, order?: string) =>
  gpuRequest(undefined, '--gpu', {
    ...(visible !== undefined && { CUDA_VISIBLE_DEVICES: visible }),
    ...(order !== undefined && { CUDA_DEVICE_ORDER: order }),
  });
const metered = (boards: readonly GpuBoard[], visible?: string, order?: string) =>
  selectGpus(boards, env(visible, order)).metered.map((b) => b.index);

describe('GPU selection from CUDA_VISIBLE_DEVICES', { timeout: 10_000 }, () => {
  it('meters every board when it is unset, none when it is empty or -1', () => {
    assert.deepEqual(metered(four), [0, 1, 2, 3]);
    assert.match(selectGpus(four, env()).basis, /^CUDA_VISIBLE_DEVICES is not set, so a run may use any GPU$/);
    assert.deepEqual(metered(four, ''), []);
    assert.deepEqual(selectGpus(four, env('')).leftOut.length, 4);
    assert.deepEqual(metered(four, '-1'), []);
  });

  it('reads indices in PCI bus order, the list giving CUDA its order', () => {
    assert.deepEqual(
      pciOrder(four).map((b) => b.index),
      [1, 2, 3, 0],
    );
    // One model: CUDA's default FASTEST_FIRST cannot tell them apart, so it is PCI bus order too.
    assert.deepEqual(metered(four, '0'), [1]);
    assert.deepEqual(metered(four, '0', 'PCI_BUS_ID'), [1]);
    assert.deepEqual(metered(four, '3,0', 'PCI_BUS_ID'), [0, 1]);
    assert.match(selectGpus(four, env('0', 'PCI_BUS_ID')).basis, /CUDA_VISIBLE_DEVICES=0 \(indices in PCI bus order/);
  });

  it('stops at the first entry that names no board, as CUDA does', () => {
    const m = selectGpus(four, env('0,7,2', 'PCI_BUS_ID'));
    assert.deepEqual(
      m.metered.map((b) => b.index),
      [1],
    );
    assert.match(m.notes[0]!, /entry '7' names no GPU of this machine: CUDA ignores it and what follows \(2\)/);
    assert.deepEqual(metered(four, '0,2,-1,1', 'PCI_BUS_ID'), [1, 3]);
  });

  it('takes UUIDs, unique prefixes of them, and MIG devices (of both formats) to their board', () => {
    assert.deepEqual(metered(four, 'GPU-3000fade-1111-4222-8333-000000000002'), [2]);
    assert.deepEqual(metered(four, 'gpu-4000,GPU-1'), [0, 3]);
    assert.match(selectGpus(four, env('GPU-3000fade')).basis, /\(UUIDs\)/);
    const mig: GpuBoard[] = [four[0]!, { ...four[1]!, mig: true, migDevices: ['MIG-2abc', 'MIG-2abd'] }];
    const m = selectGpus(mig, env('MIG-2abd'));
    assert.deepEqual(m.metered, [
      { index: 1, name: 'NVIDIA H100', uuid: four[1]!.uuid, pciBusId: four[1]!.pciBusId, mig: true },
    ]);
    assert.match(m.notes.join(' '), /GPU 1 \(NVIDIA H100\) is in MIG mode: .*whole board.*every MIG instance/);
    assert.deepEqual(
      selectGpus(mig, env(`MIG-${four[1]!.uuid}/1/0`)).metered.map((b) => b.index),
      [1],
    );
    assert.deepEqual(metered(mig, 'MIG-9abc'), [], 'a MIG device no board has names none: CUDA stops there');
  });

  it('meters every board, and says why, when indices count in FASTEST_FIRST over different models', () => {
    const mixed = [board(0, '18', 'NVIDIA A100'), board(1, '28', 'Tesla T4')];
    const m = selectGpus(mixed, env('1'));
    assert.deepEqual(
      m.metered.map((b) => b.index),
      [0, 1],
    );
    assert.match(m.notes[0]!, /FASTEST_FIRST.*different models.*CUDA_DEVICE_ORDER=PCI_BUS_ID/);
    assert.deepEqual(metered(mixed, '1', 'PCI_BUS_ID'), [1]);
    assert.deepEqual(metered(mixed, 'GPU-2'), [1], 'UUIDs do not depend on the order');
  });
});

describe("a benchmark's default: CUDA's device 0 alone", { timeout: 10_000 }, () => {
  const first = (boards: readonly GpuBoard[], visible?: string, order?: string) =>
    selectGpus(boards, { from: 'env', visible, order, firstOnly: true });

  it('is the first board of CUDA_VISIBLE_DEVICES, or of PCI bus order when it is unset', () => {
    assert.deepEqual(
      first(four).metered.map((b) => b.index),
      [1],
    );
    assert.match(first(four).basis, /^CUDA's device 0, where the model runs \(CUDA_VISIBLE_DEVICES is not set\)$/);
    assert.deepEqual(
      first(four, '3,0', 'PCI_BUS_ID').metered.map((b) => b.index),
      [0],
    );
    assert.deepEqual(
      first(four, 'GPU-3000fade,GPU-1').metered.map((b) => b.index),
      [2],
    );
    assert.deepEqual(first(four, '').metered, []);
  });

  it('is every board, with a note, where CUDA puts the fastest of different models first', () => {
    const mixed = [board(0, '18', 'NVIDIA A100'), board(1, '28', 'Tesla T4')];
    const m = first(mixed);
    assert.equal(m.metered.length, 2);
    assert.match(m.notes.join(' '), /CUDA's device 0, which is the fastest.*every GPU is metered\. Give --gpu/);
    assert.deepEqual(
      first(mixed, undefined, 'PCI_BUS_ID').metered.map((b) => b.index),
      [0],
    );
  });
});

describe('GPU lists given by the user', { timeout: 10_000 }, () => {
  const list = (text: string) => selectGpus(four, gpuRequest(text, '--gpu', { CUDA_VISIBLE_DEVICES: '3' }));

  it('takes NVML indices and UUIDs over CUDA_VISIBLE_DEVICES, and all', () => {
    assert.deepEqual(
      list('2, 0').metered.map((b) => b.index),
      [0, 2],
    );
    assert.deepEqual(
      list('GPU-2000fade').metered.map((b) => b.index),
      [1],
    );
    assert.equal(list('2,0').basis, '--gpu 2,0');
    assert.equal(list('all').metered.length, 4);
    assert.deepEqual(
      selectGpus(four, gpuRequest('', '--gpu', { CUDA_VISIBLE_DEVICES: '3' })).metered.map((b) => b.index),
      [0],
      'an empty list is the environment: index 3 in PCI bus order is board 0',
    );
  });

  it('refuses malformed lists before anything is opened, and boards this machine lacks, listing its own', () => {
    for (const bad of ['x', '1,,2', '-1', '1;2', 'GPU-'])
      assert.throws(() => gpuRequest(bad, '--gpu'), GpuSelectionError, bad);
    assert.throws(
      () => list('7'),
      /--gpu 7: no such GPU\. This machine's GPUs \(NVML index, name, UUID\): 0 NVIDIA H100 \(GPU-1000fade/,
    );
    assert.throws(() => list('GPU-9'), /--gpu GPU-9: no such GPU/);
    const twins = [board(0, '18'), { ...board(1, '28'), uuid: 'GPU-1000fadf-0000-0000-0000-000000000000' }];
    assert.throws(() => selectGpus(twins, gpuRequest('GPU-1000fad', '--gpu')), /more than one GPU's UUID starts so/);
    assert.throws(() => selectGpus([], gpuRequest('0', '--gpu')), /NVML lists no GPU/);
  });
});

describe('CUDA ordinal of a board (bench --gpu)', { timeout: 10_000 }, () => {
  it('is its place in PCI bus order when CUDA_VISIBLE_DEVICES is unset', () => {
    assert.deepEqual(cudaOrdinal(four, 0, {}), { ordinal: 3 });
    assert.deepEqual(cudaOrdinal(four, 1, { CUDA_DEVICE_ORDER: 'PCI_BUS_ID' }), { ordinal: 0 });
    const mixed = [board(0, '18', 'NVIDIA A100'), board(1, '28', 'Tesla T4')];
    assert.deepEqual(cudaOrdinal(mixed, 1, {}), { ordinal: 1, env: { CUDA_DEVICE_ORDER: 'PCI_BUS_ID' } });
  });

  it("is its place in CUDA_VISIBLE_DEVICES's list, and an error when CUDA cannot see it", () => {
    assert.deepEqual(cudaOrdinal(four, 2, { CUDA_VISIBLE_DEVICES: 'GPU-4000fade,GPU-3000fade' }), { ordinal: 1 });
    assert.throws(
      () => cudaOrdinal(four, 0, { CUDA_VISIBLE_DEVICES: 'GPU-4000fade' }),
      /GPU 0 is not one CUDA may use here \(CUDA_VISIBLE_DEVICES=GPU-4000fade\): choose one of 3/,
    );
    const mixed = [board(0, '18', 'NVIDIA A100'), board(1, '28', 'Tesla T4')];
    assert.throws(() => cudaOrdinal(mixed, 0, { CUDA_VISIBLE_DEVICES: '0' }), /FASTEST_FIRST/);
  });
});

describe('GPU metering in words', { timeout: 10_000 }, () => {
  it("gives CodeCarbon's gpu_model for the boards metered, and names those left out", () => {
    assert.equal(gpuModelColumn(selectGpus(four, env())), '4 x NVIDIA H100');
    const two = selectGpus(four, gpuRequest('2', '--gpu'));
    assert.equal(gpuModelColumn(two), '1 x NVIDIA H100 (GPU 2; not metered: GPU 0, 1, 3)');
    assert.equal(meteringText(two), 'GPU 2 of 4 metered, GPU 0, 1, 3 not: --gpu 2');
    assert.equal(gpuShortText(two), 'GPU 2 of 4');
    assert.equal(
      gpuDetailText(two),
      'GPUs metered: NVIDIA H100 #2.\nNot metered: NVIDIA H100 #0, NVIDIA H100 #1, NVIDIA H100 #3.\nWhy: --gpu 2.',
    );
    assert.equal(gpuShortText(selectGpus(four, env())), 'all 4 GPUs');
    assert.equal(
      meteringText(selectGpus(four, env())),
      'all 4 GPUs metered: CUDA_VISIBLE_DEVICES is not set, so a run may use any GPU',
    );
    assert.equal(gpuModelColumn(selectGpus(four, env(''))), 'no GPU metered (not metered: 4 x NVIDIA H100)');
    const mixed = [board(0, '18', 'NVIDIA A100'), board(1, '28', 'Tesla T4'), board(2, '38', 'NVIDIA A100')];
    assert.equal(gpuModelColumn(selectGpus(mixed, env())), '2 x NVIDIA A100, 1 x Tesla T4');
  });
});
