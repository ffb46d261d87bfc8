/** Float64 reference implementations (direct loops, no im2col) the engine's kernels are checked against. */
import type { ConvGeometry, PoolGeometry } from "../../src/engine/ops";

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

export function randn(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r() * 2 - 1;
  return a;
}

/** Same output size and padding as tfjs computeConv2DInfo for 'same'/'valid'. */
export function geometry(batch: number, h: number, w: number, c: number, co: number, f: number, s: number, pad: "same" | "valid"): ConvGeometry {
  let oh: number, ow: number, pt: number, pl: number;
  if (pad === "same") {
    oh = Math.ceil(h / s);
    ow = Math.ceil(w / s);
    pt = Math.floor(Math.max(0, (oh - 1) * s + f - h) / 2);
    pl = Math.floor(Math.max(0, (ow - 1) * s + f - w) / 2);
  } else {
    oh = Math.ceil((h - f + 1) / s);
    ow = Math.ceil((w - f + 1) / s);
    pt = 0;
    pl = 0;
  }
  return { batch, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, outChannels: co, filterHeight: f, filterWidth: f, strideHeight: s, strideWidth: s, padTop: pt, padLeft: pl };
}

function forEachTap(g: ConvGeometry, fn: (xi: number, wi: number, yi: number) => void): void {
  const { batch: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO } = g;
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++)
        for (let ky = 0; ky < g.filterHeight; ky++) {
          const iy = oy * g.strideHeight - g.padTop + ky;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < g.filterWidth; kx++) {
            const ix = ox * g.strideWidth - g.padLeft + kx;
            if (ix < 0 || ix >= W) continue;
            for (let ci = 0; ci < C; ci++)
              for (let co = 0; co < CO; co++)
                fn(((n * H + iy) * W + ix) * C + ci, ((ky * g.filterWidth + kx) * C + ci) * CO + co, ((n * OH + oy) * OW + ox) * CO + co);
          }
        }
}

export function refConv(x: Float32Array, w: Float32Array, g: ConvGeometry, bias?: Float32Array, relu = false): Float64Array {
  const y = new Float64Array(g.batch * g.outHeight * g.outWidth * g.outChannels);
  forEachTap(g, (xi, wi, yi) => (y[yi] += x[xi] * w[wi]));
  if (bias) for (let i = 0; i < y.length; i++) y[i] += bias[i % g.outChannels];
  if (relu) for (let i = 0; i < y.length; i++) y[i] = Math.max(0, y[i]);
  return y;
}

export function refBackpropInput(dy: Float32Array, w: Float32Array, g: ConvGeometry): Float64Array {
  const dx = new Float64Array(g.batch * g.inHeight * g.inWidth * g.inChannels);
  forEachTap(g, (xi, wi, yi) => (dx[xi] += dy[yi] * w[wi]));
  return dx;
}

export function refBackpropFilter(x: Float32Array, dy: Float32Array, g: ConvGeometry): Float64Array {
  const dw = new Float64Array(g.filterHeight * g.filterWidth * g.inChannels * g.outChannels);
  forEachTap(g, (xi, wi, yi) => (dw[wi] += x[xi] * dy[yi]));
  return dw;
}

export function poolGeometry(batch: number, h: number, w: number, c: number, f: number, s: number): PoolGeometry {
  return { batch, inHeight: h, inWidth: w, channels: c, outHeight: Math.floor((h - f) / s) + 1, outWidth: Math.floor((w - f) / s) + 1, filterHeight: f, filterWidth: f, strideHeight: s, strideWidth: s, padTop: 0, padLeft: 0 };
}

/** Max pool and its gradient (first maximum in row-major window order, as tfjs cpu). */
export function refMaxPool(x: Float32Array, dy: Float32Array | null, g: PoolGeometry): { y: Float64Array; dx: Float64Array } {
  const { batch: N, inHeight: H, inWidth: W, channels: C, outHeight: OH, outWidth: OW } = g;
  const y = new Float64Array(N * OH * OW * C);
  const dx = new Float64Array(N * H * W * C);
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++)
        for (let c = 0; c < C; c++) {
          let m = -Infinity;
          let best = -1;
          for (let ky = 0; ky < g.filterHeight; ky++)
            for (let kx = 0; kx < g.filterWidth; kx++) {
              const iy = oy * g.strideHeight - g.padTop + ky;
              const ix = ox * g.strideWidth - g.padLeft + kx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              const i = ((n * H + iy) * W + ix) * C + c;
              if (x[i] > m) {
                m = x[i];
                best = i;
              }
            }
          const o = ((n * OH + oy) * OW + ox) * C + c;
          y[o] = m;
          if (dy && best >= 0) dx[best] += dy[o];
        }
  return { y, dx };
}

/** Largest |a−b| relative to the reference's scale (max |b|, at least 1). */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let err = 0;
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
  return err / scale;
}
