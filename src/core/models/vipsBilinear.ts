// libvips's affine map with its bilinear interpolator, on 8-bit pixels, for a pure scale: the
// resize transformers.js's image processors do in Node (`sharp(...).affine([w1 / w0, 0, 0,
// h1 / h0], { interpolator: 'bilinear' })`), reproduced to the byte and about 4x faster than the
// sharp call (no pipeline to build, no thread hop). It follows libvips 8.18's
// resample/affine.c and interpolate.c step by step, in the same double arithmetic:
// - the inverse matrix as vips__transform_calc_inverse computes it (1 / det, then times d or a);
// - the input embedded in a black border, 1 pixel left and top, 2 right and bottom, and the
//   transform displaced by that pixel (idx = idy = -1);
// - a pure scale is generated in full-width strips, so each row starts its x coordinate at 0 and
//   adds the inverse scale once a pixel (the accumulated doubles are libvips's own);
// - bilinear weights in 12-bit fixed point, truncated as libvips truncates them, rounded at the end.
// Tested against sharp on 200 random sizes (test/unit/vipsBilinear.test.ts). It must stay
// self-contained: preparation workers get it as source text (prepareWorker.ts).

/** The RGB bytes of a w x h image resized to ow x oh, as sharp's affine bilinear map resizes them. */
export function vipsBilinearRgb(src: Uint8Array, w: number, h: number, ow: number, oh: number): Uint8Array {
  const a = ow / w;
  const d = oh / h;
  const tmp = 1.0 / (a * d);
  const ia = tmp * d;
  const id = tmp * a;
  // Every row's columns are the same: where each output pixel reads, and its x weight.
  const colX = new Int32Array(ow);
  const colJ = new Int32Array(ow); // the left column read, in the bordered input; -1 outside
  let ix = 1; // 0 * ia, displaced by the border's pixel
  for (let x = 0; x < ow; x++) {
    const fx = Math.floor(ix);
    if (fx >= 0 && fx <= w) {
      const jx = Math.trunc(ix);
      colX[x] = Math.trunc((ix - jx) * 4096);
      colJ[x] = jx;
    } else colJ[x] = -1; // outside: libvips paints the background, black
    ix += ia;
  }
  // The bordered input is read where it lies, without a copy: its row r and column c are the
  // input's r - 1 and c - 1, black outside the input.
  const row = w * 3;
  const black = new Uint8Array(row);
  const out = new Uint8Array(ow * oh * 3);
  for (let y = 0; y < oh; y++) {
    let iy = id * y;
    iy += 1;
    if (!(Math.floor(iy) >= 0 && Math.floor(iy) <= h)) continue;
    const jy = Math.trunc(iy);
    const Y = Math.trunc((iy - jy) * 4096);
    const Yd = 4096 - Y;
    const top = jy >= 1 ? src : black;
    const t0 = jy >= 1 ? (jy - 1) * row : 0;
    const bottom = jy < h ? src : black;
    const b0 = jy < h ? jy * row : 0;
    let q = y * ow * 3;
    for (let x = 0; x < ow; x++, q += 3) {
      const j = colJ[x];
      if (j < 0) continue;
      const X = colX[x];
      const c4 = (Y * X) >> 12;
      const c2 = (Yd * X) >> 12;
      const c3 = Y - c4;
      const c1 = Yd - c2;
      if (j >= 1 && j < w) {
        const p1 = t0 + (j - 1) * 3;
        const p3 = b0 + (j - 1) * 3;
        out[q] = (c1 * top[p1] + c2 * top[p1 + 3] + c3 * bottom[p3] + c4 * bottom[p3 + 3] + 2048) >> 12;
        out[q + 1] = (c1 * top[p1 + 1] + c2 * top[p1 + 4] + c3 * bottom[p3 + 1] + c4 * bottom[p3 + 4] + 2048) >> 12;
        out[q + 2] = (c1 * top[p1 + 2] + c2 * top[p1 + 5] + c3 * bottom[p3 + 2] + c4 * bottom[p3 + 5] + 2048) >> 12;
        continue;
      }
      // The first or last column: one of the two pixels is the border's.
      for (let k = 0; k < 3; k++) {
        const left = j >= 1 ? (j - 1) * 3 + k : -1;
        const right = j < w ? j * 3 + k : -1;
        const tl = left < 0 ? 0 : top[t0 + left];
        const tr = right < 0 ? 0 : top[t0 + right];
        const bl = left < 0 ? 0 : bottom[b0 + left];
        const br = right < 0 ? 0 : bottom[b0 + right];
        out[q + k] = (c1 * tl + c2 * tr + c3 * bl + c4 * br + 2048) >> 12;
      }
    }
  }
  return out;
}

/**
 * The same resize as taps a graph applies (byteInput.ts, on the model's device): for each output
 * row its first source row in the bordered input (the second is the next) and its 12-bit y
 * weight, and the same for columns. Pixels libvips paints black read the border, with weight 0.
 */
export function vipsBilinearTaps(
  w: number,
  h: number,
  ow: number,
  oh: number,
): { rows: BigInt64Array; y: Float32Array; cols: BigInt64Array; x: Float32Array } {
  const a = ow / w;
  const d = oh / h;
  const tmp = 1.0 / (a * d);
  const ia = tmp * d;
  const id = tmp * a;
  const cols = new BigInt64Array(ow);
  const x = new Float32Array(ow);
  let ix = 1;
  for (let c = 0; c < ow; c++) {
    const fx = Math.floor(ix);
    if (fx >= 0 && fx <= w) {
      const jx = Math.trunc(ix);
      x[c] = Math.trunc((ix - jx) * 4096);
      cols[c] = BigInt(jx);
    }
    ix += ia;
  }
  const rows = new BigInt64Array(oh);
  const y = new Float32Array(oh);
  for (let r = 0; r < oh; r++) {
    let iy = id * r;
    iy += 1;
    if (!(Math.floor(iy) >= 0 && Math.floor(iy) <= h)) continue;
    const jy = Math.trunc(iy);
    y[r] = Math.trunc((iy - jy) * 4096);
    rows[r] = BigInt(jy);
  }
  return { rows, y, cols, x };
}

/** Taps that keep an image of ow x oh as it is (each output pixel its own source pixel, weight 4096). */
export function identityTaps(ow: number, oh: number): ReturnType<typeof vipsBilinearTaps> {
  return {
    rows: BigInt64Array.from({ length: oh }, (_, r) => BigInt(r + 1)),
    y: new Float32Array(oh),
    cols: BigInt64Array.from({ length: ow }, (_, c) => BigInt(c + 1)),
    x: new Float32Array(ow),
  };
}
