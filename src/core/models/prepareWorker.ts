// The code each preparation worker runs, a process of its own or a thread (preparePool.ts starts
// it from this text, so it travels inside every bundle and needs no file of its own): one image
// at a time, read, decoded as transformers.js's RawImage.read decodes it in Node (sharp: header,
// EXIF rotation, raw pixels, the header's channel count; plain PNGs in JavaScript, the same
// bytes: plainPng.ts), made RGB as its processor does, resized as its processor resizes (sharp's
// affine bilinear map, reproduced to the byte in vipsBilinear.ts, about 4x cheaper), rescaled
// and normalised into the batch's shared float32 tensor (NCHW) at the image's offset, or, with
// config.bytes, the resized RGB bytes as they are (NHWC, for a model that normalises them
// itself). It answers each message with how long each step took.
//
// Message in, to a process: { id, file (the batch's file), config: PlainImageConfig & { bytes },
//               items: [{ source: { path } | { data, width, height, channels }, offset }] }
//               (its share of the batch; offsets in elements: floats, or bytes);
//             to a thread: { id, source, offset, config, out: SharedArrayBuffer (the batch),
//               written: SharedArrayBuffer (an Int32 count), count }
//             config.source: [width, height] when the batch is resized on the model's device
//             (byteInput.ts): images of that size are written as decoded, NHWC bytes at their size.
// Message out: { id, ms: { read, decode, resize, normalise }, size ([width, height] its images
//               had, null when they differ), miss (an image was not of config.source's size),
//               images?, cpu? (a process: the CPU it is pinned to, or null), buffer? (the batch,
//               from the thread that wrote its last image) } or { id, error }

import { pinThisProcess } from './cpuPinning';
import { jpegHeader } from './jpegHeader';
import { decodePlainPng } from './plainPng';
import { vipsBilinearRgb } from './vipsBilinear';

export const PREPARE_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { closeSync, openSync, readFileSync, writeSync } = require('node:fs');
// A thread (worker_threads) or a process of its own (child_process, an IPC channel).
const port = parentPort || { on: (event, f) => process.on(event, f), postMessage: (m) => process.send(m) };
if (!parentPort) process.on('disconnect', () => process.exit(0)); // its owner is gone
// A process yields the CPU to its owner, whose thread feeds the model's device: under full load a
// starved feeder idles the GPU, which costs more than a slower preparation (nice 10; lowering a
// process's own priority needs no privilege).
if (!parentPort) try { require('node:os').setPriority(10); } catch {}
const sharp = require(workerData ? workerData.sharp : process.env.CARBONLENS_SHARP);
// One libvips thread per image: the workers are the parallelism, not each image's. No cache of
// operations and their images: each image is read once (it held 50 MB in each worker).
sharp.concurrency(1);
sharp.cache(false);
// A process on the CPU its owner gives it (cpuPinning.ts), with the threads it has started so far
// (libvips's among them); those it starts later inherit the CPU. null: placed by the kernel.
const pinThisProcess = ${pinThisProcess.toString()};
const cpu = parentPort || !process.env.CARBONLENS_CPU ? null : Number(process.env.CARBONLENS_CPU);
const pinned = cpu !== null && pinThisProcess(cpu, () => require(process.env.CARBONLENS_KOFFI), () => require('node:fs').readdirSync('/proc/self/task')) ? cpu : null;

// RawImage's channel conversions (transformers.js src/utils/image.js), on the same clamped bytes.
function toChannels(img, n) {
  if (img.channels === n) return img;
  const pixels = img.width * img.height;
  const out = new Uint8ClampedArray(pixels * n);
  const d = img.data;
  const c = img.channels;
  if (n === 1) {
    if (c !== 3 && c !== 4) throw new Error('Conversion failed due to unsupported number of channels: ' + c);
    for (let p = 0; p < pixels; p++)
      out[p] = Math.round(0.2989 * d[p * c] + 0.587 * d[p * c + 1] + 0.114 * d[p * c + 2]);
  } else if (n === 3 || n === 4) {
    if (c !== 1 && c !== 3 && c !== 4) throw new Error('Conversion failed due to unsupported number of channels: ' + c);
    for (let p = 0; p < pixels; p++) {
      for (let k = 0; k < 3; k++) out[p * n + k] = d[p * c + (c === 1 ? 0 : k)];
      if (n === 4) out[p * n + 3] = c === 4 ? d[p * c + 3] : 255;
    }
  } else throw new Error('Unsupported number of channels: ' + n);
  return { data: out, width: img.width, height: img.height, channels: n };
}

const decodePlainPng = ${decodePlainPng.toString()};
const jpegHeader = ${jpegHeader.toString()};
const { inflateSync } = require('node:zlib');

async function decode(bytes) {
  // Plain PNGs (most datasets' PNGs) have one decoding: in JavaScript, without libvips's fixed cost.
  const png = decodePlainPng(bytes, inflateSync);
  if (png) return { ...png, data: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length) };
  // A JPEG without EXIF whose header gives its channels: one call (jpegHeader.ts).
  const jpeg = jpegHeader(bytes);
  const fast = jpeg && !jpeg.exif && (jpeg.components === 1 || jpeg.components === 3);
  const img = sharp(bytes);
  const { channels } = fast ? { channels: jpeg.components } : await img.metadata();
  const { data, info } = await (fast ? img : img.rotate()).raw().toBuffer({ resolveWithObject: true });
  const image = { data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: info.channels };
  return channels !== undefined && channels !== info.channels ? toChannels(image, channels) : image;
}

const vipsBilinearRgb = ${vipsBilinearRgb.toString()};

// An image read and decoded (decode's work runs on libvips's threads), with how long each took:
// decode's time runs until this thread takes the image, so, decoded ahead, it includes the time
// this thread spent on the image before.
function load(source) {
  const t0 = performance.now();
  const bytes = source.path === undefined ? undefined : readFileSync(source.path);
  const t1 = performance.now();
  const loaded = (bytes ? decode(bytes) : Promise.resolve(source)).then((img) => ({ image: toChannels(img, 3), read: t1 - t0, decode: performance.now() - t1 }));
  loaded.catch(() => {}); // a next image's error is thrown when it is awaited, not before
  return loaded;
}

async function prepare({ source, out, file, offset, config }, loaded = load(source)) {
  const { image, read, decode: decoded } = await loaded;
  const t2 = performance.now();
  const size = [image.width, image.height];
  // config.source: the batch is resized on the model's device from this size; an image of
  // another size is not written, and the batch is prepared again with the resize here.
  if (config.source && (image.width !== config.source[0] || image.height !== config.source[1]))
    return { read, decode: decoded, resize: 0, normalise: 0, size, miss: true };
  const [width, height] = config.source || [config.width, config.height];
  const resized = image.width !== width || image.height !== height;
  const rgb = resized ? vipsBilinearRgb(image.data, image.width, image.height, width, height) : image.data;
  const plane = width * height;
  if (rgb.length !== plane * 3) throw new Error('Resized to ' + rgb.length / 3 + ' pixels, expected ' + plane + '.');
  const t3 = performance.now();
  let tensor = rgb; // normalised on the model's device (byteInput.ts): the bytes as they are, NHWC
  if (!config.bytes) {
    tensor = out ? new Float32Array(out, offset * 4, 3 * plane) : new Float32Array(3 * plane);
    for (let ch = 0; ch < 3; ch++) {
      const scale = config.rescale / config.std[ch];
      const shift = config.mean[ch] / config.std[ch];
      const o = ch * plane;
      for (let p = 0; p < plane; p++) tensor[o + p] = rgb[3 * p + ch] * scale - shift;
    }
  }
  if (out && config.bytes) new Uint8Array(out, offset, 3 * plane).set(rgb);
  if (!out) {
    // A process: the batch is a file in memory (/dev/shm) its owner reads once all are written.
    const fd = openSync(file, 'r+');
    try {
      writeSync(fd, new Uint8Array(tensor.buffer, tensor.byteOffset, tensor.byteLength), 0, tensor.byteLength, offset * (config.bytes ? 1 : 4));
    } finally {
      closeSync(fd);
    }
  }
  return { read, decode: decoded, resize: t3 - t2, normalise: performance.now() - t3, size, miss: false };
}

// The sizes a message's images had: their one size, or null when they differ.
function sizeOf(sizes) {
  return sizes.every((z) => z[0] === sizes[0][0] && z[1] === sizes[0][1]) ? sizes[0] : null;
}

// Threads: the batch out of shared memory into memory of its own, handed over without a copy,
// by the thread that writes its last image. Processes: their owner reads the file.
function finish(job, { size, miss, ...ms }) {
  const reply = { id: job.id, ms, size, miss };
  if (Atomics.add(new Int32Array(job.written), 0, 1) + 1 < job.count) return port.postMessage(reply);
  const buffer = new ArrayBuffer(job.out.byteLength);
  new Uint8Array(buffer).set(new Uint8Array(job.out));
  parentPort.postMessage({ ...reply, buffer }, [buffer]);
}

// A process's message holds its share of a batch (items); a thread's, one image.
async function prepareAll(job) {
  const ms = { read: 0, decode: 0, resize: 0, normalise: 0 };
  const sizes = [];
  let miss = false;
  // The next image is read and decoded (on libvips's threads) while this one is resized and
  // normalised here, so neither waits for the other's hand-offs between threads.
  let next = job.items.length ? load(job.items[0].source) : undefined;
  for (const [i, item] of job.items.entries()) {
    const loaded = next;
    next = i + 1 < job.items.length ? load(job.items[i + 1].source) : undefined;
    const one = await prepare({ source: item.source, offset: item.offset, file: job.file, config: job.config }, loaded);
    for (const k in ms) ms[k] += one[k];
    sizes.push(one.size);
    miss = miss || one.miss;
  }
  return { ms, size: sizeOf(sizes), miss };
}

// One message at a time, in the order given.
let chain = Promise.resolve();
port.on('message', (job) => {
  chain = chain.then(() =>
    (job.items ? prepareAll(job) : prepare(job)).then(
      (r) => (job.items ? port.postMessage({ id: job.id, ...r, images: job.items.length, cpu: pinned }) : finish(job, r)),
      (e) => port.postMessage({ id: job.id, error: (e && e.message) || String(e) }),
    ),
  );
});
`;
