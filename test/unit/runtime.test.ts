import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { summariseWebgpuNoise } from '../../src/core/models/webgpuProbe';
import {
  cudaProviderInstalled,
  deviceCandidates,
  failureReason,
  loadPipeline,
  pipelineOptions,
  type Device,
  type TaskPipeline,
} from '../../src/core/models/runtime';
import { tempDir } from '../support/tempDir';

function fakeFactory(fails: Partial<Record<Device, string>>, created: Device[] = [], deviceIds: unknown[] = []) {
  return async (_task: string, _folder: string, device: Device, _dtype: string, cudaDeviceId?: number) => {
    created.push(device);
    deviceIds.push(cudaDeviceId);
    if (fails[device]) throw new Error(fails[device]);
    const pipe = (async () => [{ label: device, score: 1 }]) as unknown as TaskPipeline;
    pipe.dispose = async () => undefined;
    return pipe;
  };
}

describe('device choice', () => {
  it('auto tries CUDA only with its provider, and the platform-specific ones only on their platform', () => {
    const linux = deviceCandidates(
      'auto',
      'linux',
      () => false,
      () => true,
    );
    assert.deepEqual(
      linux.map((c) => c.device),
      ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'],
    );
    assert.deepEqual(
      linux.filter((c) => !c.unavailable).map((c) => c.device),
      ['webgpu', 'cpu'],
    );
    assert.deepEqual(
      deviceCandidates('auto', 'win32', () => true)
        .filter((c) => !c.unavailable)
        .map((c) => c.device),
      ['cuda', 'dml', 'webgpu', 'cpu'],
    );
    assert.deepEqual(
      deviceCandidates('auto', 'darwin', () => false)
        .filter((c) => !c.unavailable)
        .map((c) => c.device),
      ['coreml', 'webgpu', 'cpu'],
    );
    const noVulkan = deviceCandidates(
      'auto',
      'linux',
      () => false,
      () => false,
    ).find((c) => c.device === 'webgpu');
    assert.match(noVulkan!.unavailable!, /no Vulkan loader/);
  });

  it('runs the model on the CUDA device chosen (bench --gpu): onnxruntime deviceId, on cuda only', async () => {
    const created: Device[] = [];
    const ids: unknown[] = [];
    await loadPipeline('image-classification', '/m', 'auto', 'fp32', {
      factory: fakeFactory({ cuda: 'no CUDA here' }, created, ids),
      cuda: () => true,
      vulkan: () => false,
      platform: 'linux',
      cudaDeviceId: 3,
    });
    assert.deepEqual(created, ['cuda', 'cpu']);
    assert.deepEqual(ids, [3, undefined], 'the CPU gets no CUDA device');
    assert.deepEqual(pipelineOptions('cuda', 'fp16', 3), {
      device: 'cuda',
      dtype: 'fp16',
      session_options: { executionProviders: [{ name: 'cuda', deviceId: 3 }] },
    });
    assert.deepEqual(pipelineOptions('cuda', 'fp32'), { device: 'cuda', dtype: 'fp32' });
    assert.deepEqual(pipelineOptions('webgpu', 'fp32', 3), { device: 'webgpu', dtype: 'fp32' });
  });

  it('falls back past a device that fails to load, saying why', async () => {
    const created: Device[] = [];
    const loaded = await loadPipeline('image-classification', '/m', 'auto', 'fp32', {
      factory: fakeFactory({ webgpu: 'Failed to get a WebGPU adapter' }, created),
      cuda: () => false,
      vulkan: () => true,
      platform: 'linux',
    });
    assert.equal(loaded.device, 'cpu');
    assert.deepEqual(created, ['webgpu', 'cpu']);
    assert.match(loaded.attempts.find((a) => a.device === 'webgpu')!.reason!, /WebGPU adapter/);
    assert.match(loaded.attempts.find((a) => a.device === 'cuda')!.reason!, /CUDA provider is not installed/);
  });

  it("skips WebGPU under auto when the child probe finds no device, in one line and without Dawn's noise", async () => {
    const created: Device[] = [];
    const loaded = await loadPipeline('image-classification', '/m', 'auto', 'fp32', {
      factory: fakeFactory({}, created),
      cuda: () => false,
      platform: 'linux',
      webgpu: async () => 'no WebGPU adapter',
    });
    assert.deepEqual(created, ['cpu']);
    assert.equal(
      loaded.attempts.find((a) => a.device === 'webgpu')!.reason,
      'no WebGPU adapter; skipped (probed in a child process)',
    );
    // What onnxruntime 1.30 and Dawn print on a VM with Mesa's software Vulkan (seen here).
    const noise =
      'error: XDG_RUNTIME_DIR is invalid or not set in the environment.\nWarning: Vulkan shaderUniform*ArrayDynamicIndexing required.\n - While initializing adapter (backend=BackendType::Vulkan)\n    at InitializeImpl (/build/Release/_deps/dawn-src/src/dawn/native/vulkan/PhysicalDeviceVk.cpp:253)';
    const failed =
      'failed: /onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 ... Failed to get a WebGPU adapter: No supported adapters';
    assert.equal(
      summariseWebgpuNoise(noise, failed),
      'no WebGPU adapter (Vulkan shaderUniform*ArrayDynamicIndexing required)',
    );
    assert.equal(summariseWebgpuNoise('', 'failed: Cannot find module x'), 'Cannot find module x');
  });

  it('falls back when a device loads but fails its first inference', async () => {
    const loaded = await loadPipeline('image-classification', '/m', 'auto', 'fp32', {
      factory: fakeFactory({}),
      cuda: () => false,
      vulkan: () => true,
      platform: 'linux',
      probe: async (p) => {
        const [first] = (await p([])) as { label: string }[];
        if (first.label === 'webgpu') throw new Error('kernel not implemented');
      },
    });
    assert.equal(loaded.device, 'cpu');
    assert.equal(loaded.attempts.find((a) => a.device === 'webgpu')!.reason, 'kernel not implemented');
  });

  it('never falls back from a device the user named', async () => {
    const created: Device[] = [];
    await assert.rejects(
      loadPipeline('summarization', '/m', 'webgpu', 'fp32', {
        factory: fakeFactory({ webgpu: 'no adapter' }, created),
      }),
      /did not run on webgpu \(webgpu: no adapter\)\. Try --device auto or --device cpu/,
    );
    assert.deepEqual(created, ['webgpu']);
    await assert.rejects(
      loadPipeline('summarization', '/m', 'auto', 'fp32', {
        factory: fakeFactory({ webgpu: 'x', cpu: 'y' }),
        cuda: () => false,
        platform: 'linux',
      }),
      /No device could run the model/,
    );
  });

  it("finds onnxruntime-node's CUDA provider library next to its binding", () => {
    const root = tempDir('cl-ort-');
    const bin = join(root, 'bin', 'napi-v6', process.platform, process.arch);
    mkdirSync(bin, { recursive: true });
    mkdirSync(join(root, 'dist'));
    const resolve = () => join(root, 'dist', 'index.js');
    assert.equal(cudaProviderInstalled(resolve), false);
    writeFileSync(
      join(bin, process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so'),
      '',
    );
    assert.equal(cudaProviderInstalled(resolve), process.platform === 'linux' || process.platform === 'win32');
  });

  it("shortens onnxruntime's assertion messages to their reason", () => {
    const e = new Error(
      '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::X::Init() adapter_result.status == Success was false. Failed to get a WebGPU adapter: none\nmore',
    );
    assert.equal(failureReason(e), 'Failed to get a WebGPU adapter: none');
  });
});
