import { availableParallelism } from 'node:os';
import { runtimeFolder, useRuntime } from '../core/models/cudaProvider';
import { cacheDir } from './cacheDir';
import type { main as Main } from './main';

/** Runs the command line in `process.argv` through `main`, after the process-wide set-up below. */
export function start(main: typeof Main): void {
  // sharp decodes and resizes images on libuv's pool (4 threads unless set): transformers.js's
  // processors here, and the preparation workers when they are threads of this process
  // (CARBONLENS_PREPARE_WORKERS=threads), one sharp call each. Before the pool's first use.
  process.env.UV_THREADPOOL_SIZE ??= String(availableParallelism() + 4);

  // onnxruntime-node with the CUDA provider, when one was installed (`carbonlens cuda-provider
  // install`, or the editor's command): before anything loads onnxruntime-node.
  useRuntime(process.env.CARBONLENS_ORT_DIR || runtimeFolder(cacheDir()));

  // `carbonlens regions | head`: a reader that stops early is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });

  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
