// Turns the $OUT of bench/pipeline/gpu-pipeline.sh (unpacked into DIR) into
// bench/results/pipeline-cuda.json (issue 33):   node bench/pipeline/summary.mjs DIR HERE.json
// HERE.json: the preparation threads measured on the 2-core development machine
// (out/bench/pipelineProfile.mjs's output, one JSON line each, with a `load` note added).
// Every GPU figure is from one run; each ratio compares figures of the same record or run.
// JPEG_DIR (and JPEG_COMMIT): a later run's bench-base-jpeg.json, the JPEG set as the product runs
// it, whose ratio (end to end over the model apart, one record) becomes the JPEG target's; the
// other JPEG figures stay with DIR's run, the one they are compared within.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, hereFile] = process.argv.slice(2);
if (!dir || !hereFile) throw new Error('usage: node bench/pipeline/summary.mjs DIR HERE.jsonl');
const read = (f, from = dir) => readFileSync(join(from, f), 'utf8');
const json = (f, from = dir) => JSON.parse(read(f, from));
const lines = (text) =>
  text
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));

const gpuJ = (x) => x.components.find((c) => c.component === 'gpu').jPerItem;
const fig = (x) => ({ images_per_s: x.itemsPerS, gpu_j_per_image: gpuJ(x), j_per_image: x.jPerItem, kind: x.kind });
const run = (name, from = dir) => {
  if (!existsSync(join(from, `${name}.json`)) || read(`${name}.json`, from).trim() === '') return undefined; // skipped or failed
  const record = json(`${name}.json`, from);
  const r = record.result;
  return {
    model: record.model.id,
    dataset: `${record.dataset.name}: ${record.dataset.items} items`,
    device: r.device,
    dtype: r.dtype,
    batch: r.batch,
    repeats: r.repeats.length,
    spread_percent: r.spreadPercent,
    preprocessing: r.runtime.preprocessing,
    memory: r.runtime.pipeline,
    end_to_end_pipelined: fig(r.summary),
    ...(r.phases && { model_apart: fig(r.phases.model), preparation_apart: fig(r.phases.preprocess) }),
    quality: r.quality.primary,
    gpu: record.machine.gpus[0],
  };
};

const runs = Object.fromEntries(
  [
    'bench-base-png',
    'bench-small-png',
    'bench-base-jpeg',
    'bench-small-jpeg',
    'bench-base-jpeg10k',
    'bench-base-png-resize-workers',
    'bench-base-jpeg-resize-workers',
    'bench-base-jpeg-resize-device',
  ].map((n) => [n.replace('bench-', ''), run(n)]),
);
const profile = (set) => lines(read(`profile-${set}.jsonl`));
const byThreads = (set, kind = 'processes') =>
  Object.fromEntries(
    profile(set)
      .filter((p) => p.measure === 'pool' && (p.kind ?? 'threads') === kind)
      .map((p) => [p.threads, p.images_per_s]),
  );
const here = lines(readFileSync(hereFile, 'utf8'));
const herePool = here.filter((p) => p.measure === 'pool' && (p.kind ?? 'threads') === 'processes');
// Measured in turns on a shared machine (scaling-here.sh): the median of each case, workers on
// how many cores (1: pinned to one).
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const hereAt = (workers, cores) =>
  median(herePool.filter((p) => p.threads === workers && p.cores === cores).map((p) => p.images_per_s));

const base = runs['base-png'];
// The 640x480 JPEGs as the product runs them (resized on the workers: preparePool.ts's
// DEVICE_RESIZE_MAX_RATIO) and resized in the graph on the GPU: the default run and a
// CARBONLENS_RESIZE=device one, or (runs made before the rule, when the default resized them on
// the GPU) a CARBONLENS_RESIZE=workers one and the default run.
const before = !!runs['base-jpeg-resize-workers'];
const jpeg = before ? runs['base-jpeg-resize-workers'] : runs['base-jpeg'];
const jpegOnGpu = before ? runs['base-jpeg'] : runs['base-jpeg-resize-device'];
const onGpu = (k) => k.endsWith('resize-device') || (!k.endsWith('resize-workers') && (k.includes('png') || before));
// Records made before the pool counted where it resized (2026-12-07) describe the device's branch
// of the rule for every CUDA run, the JPEG runs it resized on the workers too.
const jpegRun = /of the images' own size when a batch's images share one/.test(jpeg?.preprocessing ?? '')
  ? `${jpeg.preprocessing.match(/^\d+ \S+ processes|^\d+ threads/)?.[0]} (decode with sharp; bilinear resize byte-equal to transformers.js's, sharp's affine map) into one uint8 batch, the 640x480 images being larger than the model's input (DEVICE_RESIZE_MAX_RATIO); rescale and normalise on the model's device`
  : jpeg?.preprocessing;
const jpegLater = process.env.JPEG_DIR ? run('bench-base-jpeg', process.env.JPEG_DIR) : undefined;
const jpegTarget = jpegLater ?? jpeg;
const small = runs['small-png'];
const e2eRatio = small.end_to_end_pipelined.gpu_j_per_image / base.end_to_end_pipelined.gpu_j_per_image;
const modelRatio = small.model_apart.gpu_j_per_image / base.model_apart.gpu_j_per_image;
const versions = { ...json('versions.json'), ...json('node-versions.json') };
const result = {
  what: 'Issue 33: carbonlens bench on the CUDA provider, ViT-B/16 and a ViT-S/16-shaped export (random weights, fp16, batch 32): the model measured apart and the pipelined run end to end, in the same records (bench/pipeline/gpu-pipeline.sh)',
  command:
    'OUT=$OUT bash bench/pipeline/gpu-pipeline.sh; RUN_COMMIT=... [HERE_COMMIT=...] [JPEG_DIR=... JPEG_COMMIT=...] node bench/pipeline/summary.mjs $OUT bench/results/pipeline-here.jsonl',
  ...(process.env.RUN_COMMIT && { commit: process.env.RUN_COMMIT }),
  // HERE.jsonl may be measured at another commit than the GPU run (HERE_COMMIT).
  ...(process.env.HERE_COMMIT && { here_commit: process.env.HERE_COMMIT }),
  gpu: read('gpu.txt').trim().split('\n')[0],
  versions,
  end_to_end_vs_model_images_per_s: base.end_to_end_pipelined.images_per_s / base.model_apart.images_per_s,
  end_to_end_vs_model_gpu_j_per_image: base.end_to_end_pipelined.gpu_j_per_image / base.model_apart.gpu_j_per_image,
  jpeg_end_to_end_vs_model_images_per_s:
    jpegTarget?.end_to_end_pipelined.images_per_s / jpegTarget?.model_apart.images_per_s,
  ...(jpegLater && {
    jpeg_commit: process.env.JPEG_COMMIT,
    jpeg_later_run: jpegLater,
    jpeg_end_to_end_vs_model_images_per_s_in_the_run:
      jpeg?.end_to_end_pipelined.images_per_s / jpeg?.model_apart.images_per_s,
  }),
  jpeg_run: jpegLater ? jpegLater.preprocessing : jpegRun,
  jpeg_resized_on_gpu_end_to_end_vs_model_images_per_s:
    jpegOnGpu?.end_to_end_pipelined.images_per_s / jpegOnGpu?.model_apart.images_per_s,
  smaller_model_saving_kept: (1 - e2eRatio) / (1 - modelRatio),
  smaller_model_gpu_j_ratio: { end_to_end: e2eRatio, model_apart: modelRatio },
  prepare_scaling_2_vs_1_threads_here: hereAt(2, 2) / hereAt(1, 1),
  prepare_scaling_note:
    'preparation on two cores (2 workers, each on a CPU of its own as the pool places them) over one core (1 worker and its owner pinned to CPU 0 with taskset), 1,024 images after a warm-up batch for each worker; prepare_1_worker_both_cores_vs_one_core_here: 1 worker on CPU 1, its owner free to use both',
  prepare_1_worker_both_cores_vs_one_core_here: hereAt(1, 2) / hereAt(1, 1),
  prepare_here: herePool.map((p) => ({
    workers: p.threads,
    cores: p.cores,
    images_per_s: p.images_per_s,
    loadavg: p.loadavg,
  })),
  cpu_loop_scaling_2_vs_1_here: (() => {
    const loops = (t) =>
      median(here.filter((p) => p.measure === 'cpu loop' && p.threads === t).map((p) => p.loops_per_s));
    return loops(2) / loops(1);
  })(),
  prepare_here_load: here.find((p) => p.load)?.load,
  prepare_images_per_s_by_threads: { png: byThreads('png'), jpeg: byThreads('jpeg') },
  prepare_images_per_s_by_threads_of_one_process: {
    png: byThreads('png', 'threads'),
    jpeg: byThreads('jpeg', 'threads'),
  },
  memory: {
    bytes_per_batch: base.memory.bytesPerBatch,
    bytes_in_flight_pipelined: base.memory.bytesInFlight,
    workers_peak_rss_bytes_10000_images: runs['base-jpeg10k']?.memory.workersPeakRssBytes,
    bytes_prepared_ahead_when_measured_apart: base.memory.bytesPreparedAhead,
    peak_rss_bytes_10000_images: runs['base-jpeg10k']?.memory.peakRssBytes,
    peak_rss_bytes_4096_jpeg_items_measured_apart_too: jpeg?.memory.peakRssBytes,
  },
  resized_on_gpu_vs_workers_end_to_end_images_per_s: {
    png: base.end_to_end_pipelined.images_per_s / runs['base-png-resize-workers']?.end_to_end_pipelined.images_per_s,
    jpeg: jpegOnGpu?.end_to_end_pipelined.images_per_s / jpeg?.end_to_end_pipelined.images_per_s,
  },
  profile: { png: profile('png'), jpeg: profile('jpeg') },
  runs,
  notes: [
    'end_to_end: one metered window over the pipelined run (up to 3 batches prepared by worker processes while the model runs), as a deployment sees it; model_apart: the same model after every input was prepared, in a window of its own (what the model alone costs).',
    "GPU J/image is NVML's energy counter over the window, the board's idle draw included; 4,096 items (labels.csv rows over 1,024 files) run the model apart in about 0.8-1.1 s a window.",
    ...(process.env.RUN_NOTE ? [process.env.RUN_NOTE] : []),
  ],
};
const target = (value, op, bound) => ({
  value,
  target: `${op} ${bound}`,
  met: op === '>=' ? value >= bound : value <= bound,
});
result.targets = {
  end_to_end_vs_model_images_per_s: target(result.end_to_end_vs_model_images_per_s, '>=', 0.8),
  end_to_end_vs_model_gpu_j_per_image: target(result.end_to_end_vs_model_gpu_j_per_image, '<=', 1.25),
  jpeg_end_to_end_vs_model_images_per_s: target(result.jpeg_end_to_end_vs_model_images_per_s, '>=', 0.6),
  smaller_model_saving_kept: target(result.smaller_model_saving_kept, '>=', 0.85),
  prepare_scaling_2_vs_1_threads_here: target(result.prepare_scaling_2_vs_1_threads_here, '>=', 1.7),
};
writeFileSync('bench/results/pipeline-cuda.json', `${JSON.stringify(result, null, 1)}\n`);
const { profile: _p, runs: _r, versions: _v, ...headline } = result;
console.log(JSON.stringify(headline, null, 1));

// The tables docs/benchmarks.md shows, from the same figures.
const n = (x, d = 0) => (x === undefined ? '-' : x.toFixed(d));
const row = (label, r) =>
  r &&
  `| ${label} | ${n(r.end_to_end_pipelined.images_per_s)} | ${n(r.end_to_end_pipelined.gpu_j_per_image, 3)} | ${r.model_apart ? n(r.model_apart.images_per_s) : '-'} | ${r.model_apart ? n(r.model_apart.gpu_j_per_image, 3) : '-'} | ${r.preparation_apart ? n(r.preparation_apart.images_per_s) : '-'} |`;
console.log(
  [
    '',
    '| carbonlens bench, CUDA fp16, batch 32 | end to end img/s | end to end GPU J/img | model apart img/s | model apart GPU J/img | preparation apart img/s |',
    '| --- | --- | --- | --- | --- | --- |',
    ...[
      ['ViT-B/16, 32x32 PNGs', 'base-png'],
      ['ViT-S/16, 32x32 PNGs', 'small-png'],
      ['ViT-B/16, PNGs', 'base-png-resize-workers'],
      ['ViT-B/16, 640x480 JPEGs', 'base-jpeg'],
      ['ViT-S/16, 640x480 JPEGs', 'small-jpeg'],
      ['ViT-B/16, JPEGs', 'base-jpeg-resize-workers'],
      ['ViT-B/16, JPEGs', 'base-jpeg-resize-device'],
      ['ViT-B/16, 10,000 JPEG items', 'base-jpeg10k'],
    ]
      .filter(([, k]) => runs[k])
      .map(([label, k]) => row(`${label}, ${onGpu(k) ? 'resized on the GPU' : 'resized on the CPU workers'}`, runs[k])),
    jpegLater && row(`ViT-B/16, 640x480 JPEGs, resized on the CPU workers (at ${process.env.JPEG_COMMIT})`, jpegLater),
  ]
    .filter((l) => l !== undefined)
    .concat([
      '',
      '| workers | PNG img/s, processes | JPEG img/s, processes | PNG img/s, threads of one process | JPEG img/s, threads |',
      '| --- | --- | --- | --- | --- |',
      ...Object.keys(result.prepare_images_per_s_by_threads.png).map((t) => {
        const [p, q] = [result.prepare_images_per_s_by_threads, result.prepare_images_per_s_by_threads_of_one_process];
        return `| ${t} | ${n(p.png[t])} | ${n(p.jpeg[t])} | ${n(q.png[t])} | ${n(q.jpeg[t])} |`;
      }),
    ])
    .join('\n'),
);
