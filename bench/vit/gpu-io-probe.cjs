// What onnxruntime-node 1.30's WebGPU provider allows for keeping tensors on the GPU: outputs
// left on the device (preferredOutputLocation), a WebGPU device for GPU inputs, graph capture.
// Each probe runs in its own process (a failure may abort it). On the GPU machine:
//   source bench/vit/device-setup.sh; /tmp/node bench/vit/gpu-io-probe.cjs /tmp/vit-base/onnx/model_fp16.onnx
const { spawnSync } = require('node:child_process');
const probes = {
  outputsOnGpu: `const s = await ort.InferenceSession.create(file, { executionProviders: ['webgpu'], preferredOutputLocation: 'gpu-buffer' });
    const out = await s.run({ [s.inputNames[0]]: input });
    const t = out[s.outputNames[0]]; const data = await t.getData(); return { location: t.location, values: data.length };`,
  webgpuDevice: `await ort.InferenceSession.create(file, { executionProviders: ['webgpu'] }); return { envWebgpu: Object.keys(ort.env.webgpu ?? {}), device: typeof (ort.env.webgpu && ort.env.webgpu.device) };`,
  graphCapture: `const s = await ort.InferenceSession.create(file, { executionProviders: ['webgpu'], freeDimensionOverrides: { batch_size: 32 }, extra: { 'ep.webgpuexecutionprovider.enableGraphCapture': '1' } });
    const t0 = performance.now(); for (let i = 0; i < 20; i++) await s.run({ [s.inputNames[0]]: input }); return { runs: 20, ms_per_run: (performance.now() - t0) / 20 };`,
};
const [file, only] = process.argv.slice(2);
if (only) {
  const ort = require('onnxruntime-node');
  const input = new ort.Tensor('float32', new Float32Array(32 * 3 * 224 * 224).fill(0.1), [32, 3, 224, 224]);
  new Function('ort', 'file', 'input', `return (async () => { ${probes[only]} })()`)(ort, file, input).then(
    (r) => console.log(JSON.stringify({ probe: only, ok: true, ...r })),
    (e) =>
      console.log(JSON.stringify({ probe: only, ok: false, error: String(e.message).split('\n')[0].slice(0, 300) })),
  );
} else {
  for (const name of Object.keys(probes)) {
    const r = spawnSync(process.execPath, [__filename, file, name], { encoding: 'utf8', timeout: 120_000 });
    const line = r.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop();
    console.log(
      line ??
        JSON.stringify({
          probe: name,
          ok: false,
          exit: r.status,
          signal: r.signal,
          stderr: r.stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 300),
        }),
    );
  }
}
