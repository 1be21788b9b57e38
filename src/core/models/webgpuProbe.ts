// Whether onnxruntime's WebGPU provider finds a device, asked in a child process: Dawn, Vulkan
// and Mesa print their warnings (XDG_RUNTIME_DIR, a missing ICD, build paths) straight to the
// process's stderr, so `--device auto` probes where that noise can be caught and summed up in
// one line, and the run itself never prints it.
import { execFile } from 'node:child_process';

/** A one-node ONNX graph (Relu on a float[1]), written with test/fixtures/tiny-models/onnx.mjs. */
const RELU_ONNX =
  'CAgSE2NhcmJvbmxlbnMtZml4dHVyZXM6SQoUCgF4EgF5GgZSZWx1X3kiBFJlbHUSD2NhcmJvbmxlbnNfdGlueVoPCgF4EgoKCAgBEgQKAggBYg8KAXkSCgoICAESBAoCCAFCBAoAEBE=';

const SCRIPT = `
const ort = require(process.env.CL_ORT);
(async () => {
  const s = await ort.InferenceSession.create(Buffer.from(process.env.CL_MODEL, 'base64'), { executionProviders: ['webgpu'] });
  await s.run({ x: new ort.Tensor('float32', new Float32Array([1]), [1]) });
  process.stdout.write('ok');
  process.exit(0);
})().catch((e) => { process.stdout.write('failed: ' + String(e && e.message || e).split('\\n')[0]); process.exit(1); });
`;

/** What the child said, in one short phrase: the adapter failure and Dawn's first warning, without paths. */
export function summariseWebgpuNoise(stderr: string, stdout: string): string {
  const warning = /^Warning: (.+)$/m
    .exec(stderr)?.[1]
    ?.replace(/\s*\(?\/\S+\)?/g, '')
    .trim();
  if (/adapter/i.test(stdout) || /adapter/i.test(stderr))
    return `no WebGPU adapter${warning ? ` (${warning.replace(/\.$/, '')})` : ''}`;
  const failed = /^failed: (.*)$/m.exec(stdout)?.[1]?.replace(/^\/\S+:\d+ /, '');
  return (failed ?? warning ?? stderr.trim().split('\n').pop() ?? 'it did not start').slice(0, 160);
}

let cached: Promise<string | undefined> | undefined;

/** Undefined when WebGPU ran a graph; else why not, in a few words. Asked once per process. */
export function webgpuUnavailable(timeoutMs = 30_000): Promise<string | undefined> {
  cached ??= new Promise((resolve) => {
    let ort: string;
    try {
      ort = require.resolve('onnxruntime-node');
    } catch {
      resolve('onnxruntime-node is not installed');
      return;
    }
    execFile(
      process.execPath,
      ['-e', SCRIPT],
      { env: { ...process.env, CL_ORT: ort, CL_MODEL: RELU_ONNX }, timeout: timeoutMs, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (!error && stdout === 'ok') resolve(undefined);
        else resolve(error?.killed ? `no answer within ${timeoutMs / 1000} s` : summariseWebgpuNoise(stderr, stdout));
      },
    );
  });
  return cached;
}
