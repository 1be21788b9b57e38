// What a language model's key-value cache costs per token through onnxruntime-node when it
// lives in host memory (the Node binding has no device-resident tensors for CUDA): a graph that
// only appends one position to each of N cache tensors (Concat on the GPU), run as a decode step
// is run, with the cache fed in and read back every call. Same bytes as one tensor, for the
// share that is per-tensor overhead rather than bandwidth. Prints one JSON line per case.
//   node out/bench/cacheCopies.js [EP=cuda] [LAYERS=24] [KV_HEADS=2] [HEAD_DIM=64] [PAST=200]
import { useRuntime } from '../src/core/models/cudaProvider';
import { prepareCuda } from '../src/core/models/cudaPreload';
import { model, node, valueInfo } from '../test/fixtures/tiny-models/onnx.mjs';

const FLOAT16 = 10;
const [ep = 'cuda', layersArg = '24', headsArg = '2', dimArg = '64', pastArg = '200'] = process.argv.slice(2);
const [layers, heads, dim, past] = [layersArg, headsArg, dimArg, pastArg].map(Number) as [
  number,
  number,
  number,
  number,
];

/** N caches [1, heads, past, dim] in, each with one position appended out. */
function appendModel(tensors: number, width: number) {
  const names = Array.from({ length: tensors }, (_, i) => i);
  return model({
    nodes: names.map((i) => node('Concat', [`past_${i}`, 'step'], [`present_${i}`], { axis: 2 })),
    initializers: [],
    inputs: [
      ...names.map((i) => valueInfo(`past_${i}`, FLOAT16, [1, width, 'past', dim])),
      valueInfo('step', FLOAT16, [1, width, 1, dim]),
    ],
    outputs: names.map((i) => valueInfo(`present_${i}`, FLOAT16, [1, width, 'total', dim])),
  });
}

async function main() {
  if (process.env.CARBONLENS_ORT_DIR) useRuntime(process.env.CARBONLENS_ORT_DIR);
  if (ep === 'cuda') {
    const ready = prepareCuda();
    if (ready.unavailable) throw new Error(`CUDA: ${ready.unavailable}`);
  }
  const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  const cases = [
    { name: `${2 * layers} cache tensors (K and V of ${layers} layers)`, tensors: 2 * layers, width: heads },
    { name: 'the same bytes in one tensor', tensors: 1, width: heads * 2 * layers },
  ];
  for (const c of cases) {
    const session = await ort.InferenceSession.create(Buffer.from(appendModel(c.tensors, c.width)), {
      executionProviders: [ep],
    });
    const pastLen = past;
    const feeds: Record<string, import('onnxruntime-node').Tensor> = {
      step: new ort.Tensor('float16', new Uint16Array(c.width * dim), [1, c.width, 1, dim]),
    };
    for (let i = 0; i < c.tensors; i++)
      feeds[`past_${i}`] = new ort.Tensor('float16', new Uint16Array(c.width * pastLen * dim), [
        1,
        c.width,
        pastLen,
        dim,
      ]);
    for (let i = 0; i < 20; i++) await session.run(feeds);
    const runs = 200;
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) await session.run(feeds);
    const ms = (performance.now() - t0) / runs;
    const bytes = 2 * c.tensors * c.width * pastLen * dim * 2;
    console.log(
      JSON.stringify({
        ep,
        case: c.name,
        tensors_in: c.tensors,
        tensors_out: c.tensors,
        past_length: pastLen,
        mib_in_and_out: Number((bytes / 2 ** 20).toFixed(2)),
        ms_per_run: Number(ms.toFixed(3)),
      }),
    );
    await session.release();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
