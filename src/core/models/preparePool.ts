// Image preparation on every core: worker threads (one per core unless told) that each read,
// decode, resize and normalise one image at a time (prepareWorker.ts) straight into the batch's
// shared tensor, so the main thread only hands out work and the model's calls never wait
// behind JavaScript loops. The thread that finishes a batch copies it out of shared memory (which
// onnxruntime-node does not take) and hands the copy over without another.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RawImage } from '@huggingface/transformers';
import type { PlainImageConfig } from './fastClassifier';
import { ImageFile } from './imageInput';
import { PREPARE_WORKER_SOURCE } from './prepareWorker';

/** Milliseconds spent in each step, summed over the images prepared (thread time, not wall time). */
export interface PrepareSteps {
  images: number;
  read: number;
  decode: number;
  resize: number;
  normalise: number;
}

type Source =
  | { path: string }
  | { data: Uint8Array | Uint8ClampedArray; width: number; height: number; channels: number };

interface Message {
  id: number;
  source: Source;
  /** The batch: its tensor, and how many of its images are written (the last writer hands it over). */
  out: SharedArrayBuffer;
  written: SharedArrayBuffer;
  count: number;
  offset: number;
  config: PlainImageConfig & { bytes: boolean };
}

interface Job {
  id: number;
  message: Message;
  resolve(buffer?: ArrayBuffer): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
}

const sourceOf = (input: unknown): Source => {
  if (input instanceof ImageFile) return { path: input.path };
  const image = input as RawImage;
  if (!image || !(image.data instanceof Uint8Array || image.data instanceof Uint8ClampedArray))
    throw new TypeError('An image input must be a RawImage or an ImageFile.');
  return { data: image.data, width: image.width, height: image.height, channels: image.channels };
};

export class PreparePool {
  readonly threads: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;
  private readonly totals: PrepareSteps = { images: 0, read: 0, decode: 0, resize: 0, normalise: 0 };

  /** One thread a core unless told (CARBONLENS_PREPARE_THREADS: a diagnostic override, for scaling runs). */
  constructor(threads = Number(process.env.CARBONLENS_PREPARE_THREADS) || availableParallelism()) {
    if (!(threads >= 1 && Number.isInteger(threads)))
      throw new RangeError(`Threads must be a whole number >= 1, not ${threads}.`);
    this.threads = threads;
  }

  /** The batch's pixel values, NCHW float32, as the processor makes them. */
  async pixelValues(inputs: readonly unknown[], config: PlainImageConfig): Promise<Float32Array> {
    return new Float32Array(await this.batch(inputs, config, false));
  }

  /** The batch's resized RGB bytes, NHWC uint8, for a model that rescales and normalises them itself. */
  async pixelBytes(inputs: readonly unknown[], config: PlainImageConfig): Promise<Uint8Array> {
    return new Uint8Array(await this.batch(inputs, config, true));
  }

  private async batch(inputs: readonly unknown[], config: PlainImageConfig, bytes: boolean): Promise<ArrayBuffer> {
    if (this.closed) throw new Error('The preparation threads were closed.');
    const size = 3 * config.width * config.height * (bytes ? 1 : 4);
    const out = new SharedArrayBuffer(inputs.length * size);
    const written = new SharedArrayBuffer(4);
    const sources = inputs.map(sourceOf);
    const job = { ...config, bytes };
    const count = sources.length;
    const done = sources.map((source, b) =>
      this.submit((id) => ({ id, source, out, written, count, offset: (b * size) / (bytes ? 1 : 4), config: job })),
    );
    this.dispatch();
    // onnxruntime-node refuses a tensor over shared memory ("Invalid argument"): the thread that
    // writes the batch's last image copies it into memory of its own and hands that over, with
    // no help from this thread (which onnxruntime-node's runs block) and no copy here.
    return (await Promise.all(done)).find((b) => b !== undefined)!;
  }

  private submit(message: (id: number) => Message): Promise<ArrayBuffer | undefined> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.queue.push({ id, message: message(id), resolve, reject });
    });
  }

  /** Where the time went so far (thread milliseconds per step, summed). */
  steps(): PrepareSteps {
    return { ...this.totals };
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.queue.splice(0), ...this.slots.flatMap((s) => [...s.jobs.values()])];
    for (const job of pending) job.reject(new Error('The preparation threads were closed.'));
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  /**
   * Every waiting image to the least busy thread at once: onnxruntime-node runs a model on this
   * thread, blocking it, and the threads must have their work before that.
   */
  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.reduce<Slot | undefined>((a, s) => (!a || s.jobs.size < a.jobs.size ? s : a), undefined);
      if ((!slot || slot.jobs.size > 0) && this.slots.length < this.threads) slot = this.start();
      if (!slot) break;
      const job = this.queue.shift()!;
      slot.jobs.set(job.id, job);
      slot.worker.ref(); // busy: the process waits for it
      slot.worker.postMessage(job.message);
    }
  }

  private start(): Slot {
    const worker = new Worker(PREPARE_WORKER_SOURCE, { eval: true, workerData: { sharp: require.resolve('sharp') } });
    const slot: Slot = { worker, jobs: new Map() };
    const fail = (e: Error) => {
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      for (const job of slot.jobs.values()) job.reject(e);
      slot.jobs.clear();
      if (!this.closed) this.dispatch();
    };
    worker.on(
      'message',
      (m: { id: number; ms?: Omit<PrepareSteps, 'images'>; buffer?: ArrayBuffer; error?: string }) => {
        const job = slot.jobs.get(m.id);
        if (!job) return;
        slot.jobs.delete(m.id);
        if (slot.jobs.size === 0) worker.unref(); // idle threads never keep the process alive
        if (m.error !== undefined) job.reject(new Error(`Preparing an image failed: ${m.error}`));
        else {
          this.totals.images++;
          for (const k of ['read', 'decode', 'resize', 'normalise'] as const) this.totals[k] += m.ms![k];
          job.resolve(m.buffer);
        }
        this.dispatch();
      },
    );
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (slot.jobs.size > 0) fail(new Error(`A preparation thread stopped (exit code ${code}).`));
    });
    this.slots.push(slot);
    return slot;
  }
}
