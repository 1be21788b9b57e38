// Image preparation on every core: workers (one per core but one unless told) that each read, decode,
// resize and normalise one image at a time (prepareWorker.ts) into the batch, so the main thread
// only hands out work and the model's calls never wait behind JavaScript loops.
// Workers are processes of their own by default, as PyTorch's DataLoader workers are: on a
// 16-core H100 machine, threads of one process stalled each other (sharp's calls took 10x longer
// at 16 threads than at 1) and preparation stopped at about 450 images/s whatever their number.
// On Linux each process runs on a CPU of its own (cpuPinning.ts).
// A process writes its images into the batch's file in memory (/dev/shm where there is one),
// which this process reads once the batch is complete. Threads (`kind: 'threads'`) write into
// shared memory, and the one that finishes a batch copies it out (onnxruntime-node does not
// take shared memory) and hands the copy over without another.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, ftruncateSync, openSync, readFileSync, rmSync, statfsSync, unlinkSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RawImage } from '@huggingface/transformers';
import { allowedCpus, workerCpu } from './cpuPinning';
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

/** source: [width, height] of the batch's images when they are resized on the model's device. */
type Config = PlainImageConfig & { bytes: boolean; source?: [number, number] };

/** A worker's answer: the batch (from the thread that finished it), the size its images had (null: several), whether one was not of config.source's size. */
interface Reply {
  buffer?: ArrayBuffer;
  size: [number, number] | null;
  miss: boolean;
}

/**
 * Images resized on the model's device have at most this many times the model's pixels; larger
 * ones are resized here. Sending a larger image costs the bus and the device more than its resize
 * costs a worker: on the H100 machine, 640x480 JPEGs for a 224x224 ViT-B/16 ran 1,554 images/s
 * end to end resized on the GPU (29 MB a batch of 32 crossing) against 2,035 resized on the
 * workers, while 32x32 PNGs ran 3,821 against 3,258 (bench/results/pipeline-cuda.json).
 */
export const DEVICE_RESIZE_MAX_RATIO = 1;
/**
 * Messages a worker holds at once: the one it prepares and the next, so that it does not wait for
 * this thread between them. (Every share of every batch in flight went to a worker at once before:
 * one could hold three shares while another had none.)
 */
const JOBS_PER_WORKER = 2;
/** glibc's malloc settings that keep buffers of an image's or a batch's size on the heap. */
const KEEP_LARGE_BUFFERS = { mmapThreshold: 32 * 1024 ** 2, trimThreshold: 256 * 1024 ** 2 };

/**
 * glibc's allocator in each worker process: buffers of an image's size (a 640x480 JPEG decodes to
 * 0.9 MB) from the heap and kept there, rather than a fresh mmap per image whose pages fault in one
 * by one and go back to the system when it is freed. On the 2-vCPU VM this cut the page faults
 * from ~180 to ~90 an image (the process tree, start-up included) and raised preparation of
 * 640x480 JPEGs by 22-25% (1 and 2 workers, docs/benchmarks.md). The user's own GLIBC_TUNABLES
 * follow and win; other C libraries ignore the variable.
 */
export function workerTunables(own = process.env.GLIBC_TUNABLES): string {
  const { mmapThreshold, trimThreshold } = KEEP_LARGE_BUFFERS;
  const ours = `glibc.malloc.mmap_threshold=${mmapThreshold}:glibc.malloc.trim_threshold=${trimThreshold}`;
  return own ? `${ours}:${own}` : ours;
}

let tunedHere: boolean | undefined;

/**
 * The same settings in this process, which reads every batch into a buffer of its own (4.8 MB for
 * 32 images of 224x224): through mallopt, as the process has started. A fresh mmap per batch, and
 * its munmap, cost this process a third of a core at 300 images/s on the 2-vCPU VM, and the TLB
 * shootdowns of each munmap slowed the workers beside it (docs/benchmarks.md). Once a process;
 * not where the user's GLIBC_TUNABLES set malloc's thresholds, nor without glibc (mallopt then
 * does not load). True when set.
 */
export function keepLargeBuffersHere(own = process.env.GLIBC_TUNABLES): boolean {
  if (process.platform !== 'linux' || /glibc\.malloc\.(mmap|trim)_threshold/.test(own ?? '')) return false;
  tunedHere ??= mallopt();
  return tunedHere;
}

function mallopt(): boolean {
  try {
    const koffi = require('koffi') as typeof import('koffi');
    const set = koffi.load('libc.so.6').func('int mallopt(int, int)');
    const M_TRIM_THRESHOLD = -1;
    const M_MMAP_THRESHOLD = -3;
    return (
      set(M_MMAP_THRESHOLD, KEEP_LARGE_BUFFERS.mmapThreshold) === 1 &&
      set(M_TRIM_THRESHOLD, KEEP_LARGE_BUFFERS.trimThreshold) === 1
    );
  } catch {
    return false; // musl, or no koffi: the C library's defaults stay
  }
}

type Message =
  /** To a process: its share of a batch, whose file it writes. */
  | { id: number; file: string; config: Config; items: { source: Source; offset: number }[] }
  /** To a thread: one image, and the batch's shared tensor with how many of its images are written (the last writer hands it over). */
  | {
      id: number;
      source: Source;
      offset: number;
      config: Config;
      out: SharedArrayBuffer;
      written: SharedArrayBuffer;
      count: number;
    };

interface Job {
  id: number;
  message: Message;
  resolve(reply: Reply): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker | ChildProcess;
  jobs: Map<number, Job>;
  /** A process's CPU, once it has said (null: the kernel places it). */
  cpu?: number | null;
}

export type WorkerKind = 'processes' | 'threads';

/**
 * Where a process's batches go: memory-backed files where the system has room for them (a
 * container's /dev/shm is often 64 MB), else the temporary folder (the page cache keeps them).
 */
function batchFolder(): string {
  try {
    const { bavail, bsize } = statfsSync('/dev/shm');
    if (bavail * bsize >= 1024 ** 3) return '/dev/shm';
  } catch {
    // none here
  }
  return tmpdir();
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
  readonly kind: WorkerKind;
  private batches = 0;
  private folder: string | undefined;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;
  private readonly totals: PrepareSteps = { images: 0, read: 0, decode: 0, resize: 0, normalise: 0 };
  /** The size the last batch's images all had, when the model's device resizes such images. */
  private deviceSource: [number, number] | undefined;
  private largestItem = 0;
  /** Batches asked for with `resizeOnDevice` so far: how many were resized on the device, how many here. */
  readonly resizes = { device: 0, here: 0 };
  /** Workers started so far, and how many of those said they run on a CPU of their own (cpuPinning.ts). */
  readonly workers = { started: 0, pinned: 0 };
  private readonly cpus = allowedCpus();

  /**
   * One worker a core but one, left to the model's calls (at least one worker), processes,
   * unless told (CARBONLENS_PREPARE_THREADS and CARBONLENS_PREPARE_WORKERS=threads|processes:
   * diagnostic overrides, for scaling runs).
   */
  constructor(
    threads = Number(process.env.CARBONLENS_PREPARE_THREADS) || Math.max(1, availableParallelism() - 1),
    kind: WorkerKind = process.env.CARBONLENS_PREPARE_WORKERS === 'threads' ? 'threads' : 'processes',
  ) {
    if (!(threads >= 1 && Number.isInteger(threads)))
      throw new RangeError(`Threads must be a whole number >= 1, not ${threads}.`);
    this.threads = threads;
    this.kind = kind;
  }

  /** The batch's pixel values, NCHW float32, as the processor makes them. */
  async pixelValues(inputs: readonly unknown[], config: PlainImageConfig): Promise<Float32Array> {
    return new Float32Array((await this.batch(inputs, config, false)).buffer!);
  }

  /**
   * The batch's RGB bytes, NHWC uint8, for a model that rescales and normalises them itself:
   * resized to the model's size, or with `resizeOnDevice` (a model that resizes too, byteInput.ts)
   * at the size the images have while a batch's images all have one (the last batch's), as
   * decoded. Images of several sizes, or larger than the model's (DEVICE_RESIZE_MAX_RATIO), are
   * resized here.
   */
  async pixelBytes(
    inputs: readonly unknown[],
    config: PlainImageConfig,
    resizeOnDevice = false,
  ): Promise<{ data: Uint8Array; width: number; height: number }> {
    const source = resizeOnDevice ? this.deviceSource : undefined;
    if (source) {
      const r = await this.batch(inputs, config, true, source);
      if (!r.miss) {
        this.resizes.device++;
        return { data: new Uint8Array(r.buffer!), width: source[0], height: source[1] };
      }
      this.deviceSource = undefined; // sizes differ: resized here until a batch has one size again
    }
    const r = await this.batch(inputs, config, true);
    if (resizeOnDevice) {
      this.resizes.here++;
      this.deviceSource = deviceSource(r.size, config);
    }
    return { data: new Uint8Array(r.buffer!), width: config.width, height: config.height };
  }

  /** The most bytes one prepared image has held so far, or will hold at the size the device now resizes from. */
  largestItemBytes(): number {
    const next = this.deviceSource ? 3 * this.deviceSource[0] * this.deviceSource[1] : 0;
    return Math.max(this.largestItem, next);
  }

  private async batch(
    inputs: readonly unknown[],
    config: PlainImageConfig,
    bytes: boolean,
    source?: [number, number],
  ): Promise<Reply> {
    if (this.closed) throw new Error('The preparation workers were closed.');
    const [width, height] = source ?? [config.width, config.height];
    const size = 3 * width * height * (bytes ? 1 : 4);
    this.largestItem = Math.max(this.largestItem, size);
    const sources = inputs.map(sourceOf);
    const job: Config = { ...config, bytes, ...(source && { source }) };
    const at = (b: number) => (b * size) / (bytes ? 1 : 4);
    keepLargeBuffersHere();
    if (this.kind === 'processes') {
      this.folder ??= batchFolder();
      const file = join(this.folder, `carbonlens-batch-${process.pid}-${this.batches++}`);
      const length = inputs.length * size;
      const fd = openSync(file, 'w');
      try {
        ftruncateSync(fd, length);
      } finally {
        closeSync(fd);
      }
      let handed = false;
      try {
        // One message per worker a batch, not per image: this thread's time goes to the model.
        const shares = Math.min(this.threads, sources.length);
        const done = Array.from({ length: shares }, (_, k) =>
          this.submit((id) => ({
            id,
            file,
            config: job,
            items: sources.flatMap((source, b) => (b % shares === k ? [{ source, offset: at(b) }] : [])),
          })),
        );
        this.dispatch();
        const replies = await Promise.all(done);
        const reply = { size: oneSize(replies), miss: replies.some((r) => r.miss) };
        if (reply.miss) return reply;
        // A thread reads the file into memory of its own, hands that over without a copy, and
        // removes the file: reading it here took this thread most of its time (0.85 at 16 workers).
        handed = true;
        return { ...reply, buffer: await this.readBatch(file, length) };
      } finally {
        if (!handed) unlinkSync(file);
      }
    }
    const out = new SharedArrayBuffer(inputs.length * size);
    const written = new SharedArrayBuffer(4);
    const count = sources.length;
    const done = sources.map((source, b) =>
      this.submit((id) => ({ id, source, out, written, count, offset: at(b), config: job })),
    );
    this.dispatch();
    // onnxruntime-node refuses a tensor over shared memory ("Invalid argument"): the thread that
    // writes the batch's last image copies it into memory of its own and hands that over, with
    // no help from this thread (which onnxruntime-node's runs block) and no copy here.
    const replies = await Promise.all(done);
    return {
      buffer: replies.find((r) => r.buffer !== undefined)?.buffer,
      size: oneSize(replies),
      miss: replies.some((r) => r.miss),
    };
  }

  private reader: Worker | undefined;
  private readonly reads = new Map<number, { file: string; resolve(b: ArrayBuffer): void; reject(e: Error): void }>();

  private readBatch(file: string, length: number): Promise<ArrayBuffer> {
    if (!this.reader) {
      const reader = new Worker(READER_SOURCE, { eval: true });
      reader.on('message', (m: { id: number; buffer?: ArrayBuffer; error?: string }) => {
        const read = this.reads.get(m.id);
        this.reads.delete(m.id);
        if (this.reads.size === 0) reader.unref();
        if (m.buffer) read?.resolve(m.buffer);
        else read?.reject(new Error(`Reading a prepared batch failed: ${m.error}`));
      });
      reader.on('error', (e) => {
        for (const read of this.reads.values()) read.reject(e);
        this.reads.clear();
        this.reader = undefined;
      });
      this.reader = reader;
    }
    const id = this.nextId++;
    this.reader.ref();
    this.reader.postMessage({ id, file, length });
    return new Promise((resolve, reject) => this.reads.set(id, { file, resolve, reject }));
  }

  private submit(message: (id: number) => Message): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.queue.push({ id, message: message(id), resolve, reject });
    });
  }

  /** Where the time went so far (thread milliseconds per step, summed). */
  steps(): PrepareSteps {
    return { ...this.totals };
  }

  /** The workers' peak resident memory, summed (Linux: /proc; undefined elsewhere or for threads). */
  workersPeakRssBytes(): number | undefined {
    if (this.kind !== 'processes' || process.platform !== 'linux') return undefined;
    let total = 0;
    for (const { worker } of this.slots) {
      try {
        const hwm = readFileSync(`/proc/${(worker as ChildProcess).pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
        total += Number(hwm?.[1] ?? 0) * 1024;
      } catch {
        // gone already
      }
    }
    return total;
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.queue.splice(0), ...this.slots.flatMap((s) => [...s.jobs.values()])];
    for (const job of pending) job.reject(new Error('The preparation workers were closed.'));
    await this.reader?.terminate();
    for (const read of this.reads.values()) {
      read.reject(new Error('The preparation workers were closed.'));
      rmSync(read.file, { force: true }); // the reader may have gone before removing it
    }
    this.reads.clear();
    await Promise.all(
      this.slots.splice(0).map(async ({ worker }) => {
        if (worker instanceof Worker) await worker.terminate();
        else if (worker.exitCode === null && worker.signalCode === null) {
          const gone = new Promise((r) => worker.once('exit', r));
          ref(worker, true); // until it has gone
          worker.kill();
          await gone;
        }
      }),
    );
  }

  /**
   * Queued messages to the least busy workers, at most JOBS_PER_WORKER each: the rest wait here for
   * whichever worker is free first, so a slower worker, or one given a batch's larger shares, does
   * not leave the others idle. onnxruntime-node runs a model on this thread, blocking it: the
   * message each worker holds beyond its current one is its work meanwhile.
   */
  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.reduce<Slot | undefined>((a, s) => (!a || s.jobs.size < a.jobs.size ? s : a), undefined);
      if ((!slot || slot.jobs.size > 0) && this.slots.length < this.threads) slot = this.start();
      if (!slot || slot.jobs.size >= JOBS_PER_WORKER) break;
      const job = this.queue.shift()!;
      slot.jobs.set(job.id, job);
      ref(slot.worker, true); // busy: this process waits for it
      if (slot.worker instanceof Worker) slot.worker.postMessage(job.message);
      else slot.worker.send(job.message);
    }
  }

  private start(): Slot {
    const sharp = require.resolve('sharp');
    const cpu = this.kind === 'processes' ? workerCpu(this.workers.started, this.threads, this.cpus) : undefined;
    const koffi = cpu === undefined ? undefined : resolved('koffi');
    this.workers.started++;
    const worker =
      this.kind === 'threads'
        ? new Worker(PREPARE_WORKER_SOURCE, { eval: true, workerData: { sharp } })
        : spawn(process.execPath, ['-e', PREPARE_WORKER_SOURCE], {
            stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
            serialization: 'advanced',
            env: {
              ...process.env,
              CARBONLENS_SHARP: sharp,
              GLIBC_TUNABLES: workerTunables(),
              ...(koffi && { CARBONLENS_CPU: String(cpu), CARBONLENS_KOFFI: koffi }),
            },
          });
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
      (
        m: Partial<Reply> & {
          id: number;
          ms?: Omit<PrepareSteps, 'images'>;
          images?: number;
          cpu?: number | null;
          error?: string;
        },
      ) => {
        if (m.cpu !== undefined && slot.cpu === undefined) {
          slot.cpu = m.cpu;
          if (m.cpu !== null) this.workers.pinned++;
        }
        const job = slot.jobs.get(m.id);
        if (!job) return;
        slot.jobs.delete(m.id);
        if (slot.jobs.size === 0) ref(worker, false); // idle workers never keep this process alive
        if (m.error !== undefined) job.reject(new Error(`Preparing an image failed: ${m.error}`));
        else {
          this.totals.images += m.images ?? 1;
          for (const k of ['read', 'decode', 'resize', 'normalise'] as const) this.totals[k] += m.ms![k];
          job.resolve({ buffer: m.buffer, size: m.size ?? null, miss: !!m.miss });
        }
        this.dispatch();
      },
    );
    worker.on('error', fail);
    worker.on('exit', (code: number | null) => {
      if (slot.jobs.size > 0) fail(new Error(`A preparation worker stopped (exit code ${code}).`));
    });
    this.slots.push(slot);
    return slot;
  }
}

/** A package's entry point, or undefined where it is not installed. */
function resolved(name: string): string | undefined {
  try {
    return require.resolve(name);
  } catch {
    return undefined;
  }
}

/** The one size every reply's images had, or null. */
function oneSize(replies: Reply[]): [number, number] | null {
  const [a] = replies;
  return a?.size && replies.every((r) => r.size?.[0] === a.size![0] && r.size?.[1] === a.size![1]) ? a.size : null;
}

/** The size the model's device resizes from next: the batch's one size, unless it is the model's or too large. */
function deviceSource(size: [number, number] | null, config: PlainImageConfig): [number, number] | undefined {
  if (!size || (size[0] === config.width && size[1] === config.height)) return undefined;
  return size[0] * size[1] <= DEVICE_RESIZE_MAX_RATIO * config.width * config.height ? size : undefined;
}

/** A worker keeps this process alive only while it holds work. */
function ref(worker: Worker | ChildProcess, on: boolean): void {
  if (worker instanceof Worker) {
    if (on) worker.ref();
    else worker.unref();
    return;
  }
  const channel = worker.channel as { ref(): void; unref(): void } | undefined;
  if (on) {
    worker.ref();
    channel?.ref();
  } else {
    worker.unref();
    channel?.unref();
  }
}

/** The thread that reads a finished batch's file into memory of its own, hands it over, and removes the file. */
const READER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { closeSync, openSync, readSync, unlinkSync } = require('node:fs');
// The file is closed and removed before the batch is handed over: its owner may end this thread
// as soon as it has the batch.
parentPort.on('message', ({ id, file, length }) => {
  let buffer;
  let error;
  try {
    const fd = openSync(file, 'r');
    try {
      buffer = Buffer.allocUnsafeSlow(length).buffer; // every byte is read into it below
      let at = 0;
      while (at < length) {
        const n = readSync(fd, new Uint8Array(buffer, at), 0, length - at, at);
        if (n === 0) throw new Error(file + ' is short.');
        at += n;
      }
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    error = (e && e.message) || String(e);
  }
  try {
    unlinkSync(file);
  } catch {}
  if (error === undefined) parentPort.postMessage({ id, buffer }, [buffer]);
  else parentPort.postMessage({ id, error });
});
`;
