// The pixels of a plain PNG (8-bit grey, RGB or RGBA, not interlaced, no chunk that could change
// them: no palette, transparency key, gamma, colour profile or EXIF), decoded in JavaScript with
// zlib. For such a file PNG decoding has one answer, so the bytes are sharp's (tested against it),
// at a fraction of a libvips call's fixed cost: a 32x32 PNG took sharp 1.7 ms on the H100
// machine's cores, mostly that cost. Any other PNG gives undefined and goes to sharp. It must stay
// self-contained: preparation workers get it as source text (prepareWorker.ts).

export interface PlainPixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** The decoded pixels, or undefined when the file is not a plain PNG (sharp decodes those). */
export function decodePlainPng(bytes: Uint8Array, inflate: (data: Uint8Array) => Uint8Array): PlainPixels | undefined {
  const signature = [137, 80, 78, 71, 13, 10, 26, 10];
  if (bytes.length < 33 || signature.some((b, i) => bytes[i] !== b)) return undefined;
  const u32 = (at: number) =>
    ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
  // Chunks that do not change the pixels; any other (PLTE, tRNS, gAMA, cHRM, sRGB, iCCP, sBIT, eXIf, ...) goes to sharp.
  const harmless = new Set(['IDAT', 'IEND', 'tEXt', 'zTXt', 'iTXt', 'tIME', 'pHYs']);
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Uint8Array[] = [];
  let at = 8;
  let ended = false;
  while (at + 8 <= bytes.length && !ended) {
    const length = u32(at);
    const type = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!);
    const body = at + 8;
    if (body + length + 4 > bytes.length) return undefined;
    if (type === 'IHDR') {
      if (at !== 8 || length !== 13) return undefined;
      width = u32(body);
      height = u32(body + 4);
      const [depth, colour, compression, filter, interlace] = bytes.subarray(body + 8, body + 13);
      channels = colour === 0 ? 1 : colour === 2 ? 3 : colour === 6 ? 4 : 0;
      if (depth !== 8 || channels === 0 || compression !== 0 || filter !== 0 || interlace !== 0) return undefined;
    } else if (!harmless.has(type)) return undefined;
    else if (type === 'IDAT') idat.push(bytes.subarray(body, body + length));
    else if (type === 'IEND') ended = true;
    at = body + length + 4;
  }
  if (!ended || width === 0 || height === 0 || idat.length === 0) return undefined;
  const joined = new Uint8Array(idat.reduce((n, c) => n + c.length, 0));
  idat.reduce((o, c) => (joined.set(c, o), o + c.length), 0);
  let raw: Uint8Array;
  try {
    raw = inflate(joined);
  } catch {
    return undefined; // damaged: sharp says how
  }
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) return undefined;
  const data = new Uint8Array(height * stride);
  const bpp = channels;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = y * stride;
    const up = out - stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? data[out + i - bpp]! : 0;
      const b = y > 0 ? data[up + i]! : 0;
      const c = y > 0 && i >= bpp ? data[up + i - bpp]! : 0;
      let v = line[i]!;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) return undefined;
      data[out + i] = v & 255;
    }
  }
  return { data, width, height, channels };
}
