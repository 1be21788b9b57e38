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
  const colOff = new Int32Array(ow);
  let ix = 1; // 0 * ia, displaced by the border's pixel
  for (let x = 0; x < ow; x++) {
    const fx = Math.floor(ix);
    if (fx >= 0 && fx <= w) {
      const jx = Math.trunc(ix);
      colX[x] = Math.trunc((ix - jx) * 4096);
      colOff[x] = jx * 3;
    } else colOff[x] = -1; // outside: libvips paints the background, black
    ix += ia;
  }
  // The input inside its black border.
  const stride = (w + 3) * 3;
  const pad = new Uint8Array((h + 3) * stride);
  for (let y = 0; y < h; y++) pad.set(src.subarray(y * w * 3, (y + 1) * w * 3), (y + 1) * stride + 3);
  const out = new Uint8Array(ow * oh * 3);
  for (let y = 0; y < oh; y++) {
    let iy = id * y;
    iy += 1;
    if (!(Math.floor(iy) >= 0 && Math.floor(iy) <= h)) continue;
    const jy = Math.trunc(iy);
    const Y = Math.trunc((iy - jy) * 4096);
    const Yd = 4096 - Y;
    const r0 = jy * stride;
    const r1 = r0 + stride;
    let q = y * ow * 3;
    for (let x = 0; x < ow; x++, q += 3) {
      const o = colOff[x];
      if (o < 0) continue;
      const X = colX[x];
      const c4 = (Y * X) >> 12;
      const c2 = (Yd * X) >> 12;
      const c3 = Y - c4;
      const c1 = Yd - c2;
      const p1 = r0 + o;
      const p3 = r1 + o;
      out[q] = (c1 * pad[p1] + c2 * pad[p1 + 3] + c3 * pad[p3] + c4 * pad[p3 + 3] + 2048) >> 12;
      out[q + 1] = (c1 * pad[p1 + 1] + c2 * pad[p1 + 4] + c3 * pad[p3 + 1] + c4 * pad[p3 + 4] + 2048) >> 12;
      out[q + 2] = (c1 * pad[p1 + 2] + c2 * pad[p1 + 5] + c3 * pad[p3 + 2] + c4 * pad[p3 + 5] + 2048) >> 12;
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
