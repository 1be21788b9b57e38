import { availableParallelism } from 'node:os';
import { runtimeFolder, useRuntime } from '../core/models/cudaProvider';
import { llamaFolder, useLlama } from '../core/models/llamaStore';
import { cacheDir } from './cacheDir';
import { flushed } from './output';
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
  // node-llama-cpp and llama.cpp's builds, when fetched (`carbonlens llama install`, or the editor).
  useLlama(process.env.CARBONLENS_LLAMA_DIR || llamaFolder(cacheDir()));

  const args = process.argv.slice(2);
  main(args).then(async (code) => {
    process.exitCode = code;
    // `run`, which scripts wrap around every step, awaits all it started (its command, the
    // telemetry push, the record's files; the watcher was told "done" and is not waited for):
    // once its output has left, it exits without Node's tear-down of a heap nothing reads again
    // (5-10 ms of each run). 'exit' handlers still run.
    if (args[0] === 'run') {
      await flushed();
      process.exit(code);
    }
  });
}
