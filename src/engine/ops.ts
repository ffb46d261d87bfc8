/**
 * The engine's operators over plain Float32Arrays (NHWC activations, HWIO filters as tfjs lays them out):
 * convolution forward (+bias, ReLU), its input and filter gradients, max pooling and its gradient, GEMM.
 * Each copies its inputs into the engine's shared memory, runs on all threads and writes the result into
 * the array that `out(length)` returns (asked for only after the inputs are copied, so a caller may hand
 * out a view of memory that allocating it could move, as the tfjs wasm backend's heap does).
 */
import type { Engine } from "./engine";

export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

/** A pooling window's geometry: a convolution's without the channel counts, which pooling keeps. */
export type PoolGeometry = Omit<ConvGeometry, "inChannels" | "outChannels"> & { channels: number };

export type Activation = "linear" | "relu" | "sigmoid";
export type OutFn = (length: number) => Float32Array;

const newArray: OutFn = (n) => new Float32Array(n);

const round4 = (v: number): number => Math.max(4, Math.round(v / 4) * 4);
const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
const up = (v: number, m: number): number => Math.ceil(v / m) * m;

/** Output positions per chunk, so that a thread's working set (input rows or im2col block) stays in L2. */
export function chunkRows(kind: "filter" | "input" | "implicit", K: number, CO: number): number {
  if (kind === "implicit") return clamp(round4(65536 / K), 64, 1024);
  if (kind === "filter") return clamp(round4(131072 / K), 64, 1024);
  return clamp(round4(49152 / Math.max(K, CO)), 16, 512);
}

function checkLength(what: string, arr: Float32Array, n: number): void {
  if (arr.length !== n) throw new Error(`engine: ${what} has ${arr.length} values, expected ${n}`);
}

function convParams(g: ConvGeometry, ptrs: { a: number; w: number; bias: number; y: number }, mode: number, scratch: number, stride: number, mc: number, aux = 0, auxStride = 0): number[] {
  return [
    ptrs.a, ptrs.w, ptrs.bias, ptrs.y,
    g.batch, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, g.outChannels,
    g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, g.padTop, g.padLeft,
    mode, scratch, stride, mc, aux, auxStride,
  ];
}

/** Packs B[k, j] = src[k·rs + j·cs] (K×N) into the kernel's 8-column panels; returns the panel buffer. */
function packB(e: Engine, src: number, rs: number, cs: number, K: number, N: number): number {
  const dst = e.alloc(K * up(N, 8) * 4);
  // Small filters on one thread: waking the workers would cost more than the copy.
  e.run("pack_b", [src, rs, cs, K, N, dst], K * N >= 65536 ? e.threads : 1);
  return dst;
}

function validateConv(g: ConvGeometry): void {
  for (const [k, v] of Object.entries(g)) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`engine: convolution ${k} must be a non-negative integer, got ${v}`);
  }
}

/** Padded sizes: (OH−1)·S + F, or more where the input extends past the last window. */
function paddedGeometry(g: ConvGeometry, channels: number): ConvGeometry {
  const Hp = Math.max((g.outHeight - 1) * g.strideHeight + g.filterHeight, g.padTop + g.inHeight);
  const Wp = Math.max((g.outWidth - 1) * g.strideWidth + g.filterWidth, g.padLeft + g.inWidth);
  return { ...g, inHeight: Hp, inWidth: Wp, inChannels: channels, padTop: 0, padLeft: 0 };
}

/**
 * Copies `src` (NHWC, g's input) into engine memory with its padding made explicit (zeros), so that every
 * tap of every output position is in bounds; the copy-in and the padding are one pass. With `channels` > C
 * the extra channels are zero too (done by the wasm `pad_input`, on all threads).
 */
function placePadded(e: Engine, g: ConvGeometry, src: Float32Array, channels = g.inChannels): { xp: number; gp: ConvGeometry } {
  const gp = paddedGeometry(g, channels);
  const { batch: N, inHeight: H, inWidth: W, inChannels: C, padTop: PT, padLeft: PL } = g;
  const { inHeight: Hp, inWidth: Wp } = gp;
  if (Hp === H && Wp === W && PT === 0 && PL === 0 && channels === C) return { xp: e.put(src), gp };
  if (channels !== C) {
    const px = e.put(src);
    const xp = e.alloc(N * Hp * Wp * channels * 4);
    e.run("pad_input", [px, xp, N, H, W, C, Hp, Wp, PT, PL, channels]);
    return { xp, gp };
  }
  const xp = e.alloc(N * Hp * Wp * C * 4);
  const view = e.f32(xp, N * Hp * Wp * C);
  const rowLen = Wp * C;
  const left = PL * C;
  const mid = W * C;
  for (let n = 0; n < N; n++) {
    for (let yp = 0; yp < Hp; yp++) {
      const d = (n * Hp + yp) * rowLen;
      const y0 = yp - PT;
      if (y0 < 0 || y0 >= H) {
        view.fill(0, d, d + rowLen);
        continue;
      }
      if (left > 0) view.fill(0, d, d + left);
      const s0 = (n * H + y0) * W * C;
      view.set(src.subarray(s0, s0 + mid), d + left);
      if (left + mid < rowLen) view.fill(0, d + left + mid, d + rowLen);
    }
  }
  return { xp, gp };
}

/**
 * Convolution as an implicit GEMM over an explicitly padded input (`placePadded`): no im2col pass; shared
 * by the forward pass, the stride-1 input gradient and the transposed convolution's input gradient.
 */
function convForwardPlaced(e: Engine, gp: ConvGeometry, xp: number, bp: number, bias: number, relu: boolean): number {
  const y = e.alloc(gp.batch * gp.outHeight * gp.outWidth * gp.outChannels * 4);
  const mc = chunkRows("implicit", gp.filterWidth * gp.inChannels, gp.outChannels);
  const stride = 64 + (mc + 4) * 4 + gp.filterHeight * gp.filterWidth * gp.inChannels * 4 + 64;
  const scratch = e.alloc(stride * e.threads);
  e.run("conv_fwd_implicit", convParams(gp, { a: xp, w: bp, bias, y }, relu ? 2 : 0, scratch, stride, mc));
  return y;
}

/** y = act(conv2d(x, w) + bias), NHWC input, HWIO filter [FH, FW, C, CO]. */
export function conv2dForward(
  e: Engine,
  x: Float32Array,
  w: Float32Array,
  g: ConvGeometry,
  opts: { bias?: Float32Array; activation?: Activation; out?: OutFn } = {},
): Float32Array {
  validateConv(g);
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  checkLength("conv2d input", x, g.batch * g.inHeight * g.inWidth * g.inChannels);
  checkLength("conv2d filter", w, K * g.outChannels);
  if (opts.bias) checkLength("conv2d bias", opts.bias, g.outChannels);
  e.reset();
  const { xp, gp } = placePadded(e, g, x);
  const pw = e.put(w);
  const bp = packB(e, pw, g.outChannels, 1, K, g.outChannels);
  let pb = 0;
  if (opts.bias) {
    pb = e.zeros(up(g.outChannels, 8));
    e.f32(pb, g.outChannels).set(opts.bias);
  }
  const act = opts.activation ?? "linear";
  const n = g.batch * g.outHeight * g.outWidth * g.outChannels;
  const y = convForwardPlaced(e, gp, xp, bp, pb, act === "relu");
  const out = (opts.out ?? newArray)(n);
  out.set(e.f32(y, n));
  if (act === "sigmoid") for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-out[i]));
  return out;
}

/**
 * dx of a convolution given dy (shape [N, OH, OW, CO]) and the filter. Stride 1: a convolution of dy with the
 * filter rotated 180° (no scatter, every thread independent). Otherwise GEMM + col2im, on all threads when
 * windows do not overlap (the U-Net's 2×2 stride-2 transposed convolution) and on one thread when they do.
 */
export function conv2dBackpropInput(e: Engine, dy: Float32Array, w: Float32Array, g: ConvGeometry, opts: { out?: OutFn } = {}): Float32Array {
  validateConv(g);
  const { filterHeight: FH, filterWidth: FW, inChannels: C, outChannels: CO } = g;
  const K = FH * FW * C;
  checkLength("conv2dBackpropInput dy", dy, g.batch * g.outHeight * g.outWidth * CO);
  checkLength("conv2dBackpropInput filter", w, K * CO);
  const n = g.batch * g.inHeight * g.inWidth * C;
  e.reset();
  let dx: number;
  if (g.strideHeight === 1 && g.strideWidth === 1) {
    const pw = e.put(w);
    const flipped = e.alloc(K * CO * 4);
    e.run("flip_filter", [pw, flipped, FH, FW, C, CO], K * CO >= 65536 ? e.threads : 1);
    const bp = packB(e, flipped, C, 1, FH * FW * CO, C);
    const gt: ConvGeometry = {
      batch: g.batch,
      inHeight: g.outHeight,
      inWidth: g.outWidth,
      inChannels: CO,
      outHeight: g.inHeight,
      outWidth: g.inWidth,
      outChannels: C,
      filterHeight: FH,
      filterWidth: FW,
      strideHeight: 1,
      strideWidth: 1,
      padTop: FH - 1 - g.padTop,
      padLeft: FW - 1 - g.padLeft,
    };
    const { xp, gp } = placePadded(e, gt, dy);
    dx = convForwardPlaced(e, gp, xp, bp, 0, false);
  } else {
    const pdy = e.put(dy);
    const pw = e.put(w);
    const bp = packB(e, pw, 1, CO, CO, K); // Wᵀ: B[co, k] = W[k·CO + co]
    dx = e.zeros(n);
    const mc = chunkRows("input", K, CO);
    const stride = 64 + up(mc, 4) * CO * 4 + mc * K * 4 + 64;
    const scratch = e.alloc(stride * e.threads);
    const overlap = g.strideHeight < FH || g.strideWidth < FW;
    e.run("conv_bwd_input_col2im", convParams(g, { a: pdy, w: bp, bias: 0, y: dx }, 0, scratch, stride, mc), overlap ? 1 : e.threads);
  }
  const out = (opts.out ?? newArray)(n);
  out.set(e.f32(dx, n));
  return out;
}

/** dW [FH, FW, C, CO] of a convolution from its input x and dy. */
export function conv2dBackpropFilter(e: Engine, x: Float32Array, dy: Float32Array, g: ConvGeometry, opts: { out?: OutFn } = {}): Float32Array {
  validateConv(g);
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const CO = g.outChannels;
  checkLength("conv2dBackpropFilter input", x, g.batch * g.inHeight * g.inWidth * g.inChannels);
  checkLength("conv2dBackpropFilter dy", dy, g.batch * g.outHeight * g.outWidth * CO);
  e.reset();
  const n = K * CO;
  // Implicit GEMM: runs of 8 channels of a tap are contiguous in the padded input (channels padded with
  // zeros to a multiple of 8 when needed: the 11-feature input layer computes 16 and keeps 11, still
  // ~3× faster than its im2col); per-thread dWᵀ partials, summed and transposed at the end.
  const Cp = up(g.inChannels, 8);
  if (Cp <= 2 * g.inChannels) {
    const { xp, gp } = placePadded(e, g, x, Cp);
    const pdy = e.put(dy);
    const Kp = g.filterHeight * g.filterWidth * Cp;
    const rows = g.batch * g.outHeight;
    const R = Math.max(1, Math.round(128 / Math.max(1, g.outWidth)));
    const threads = Math.max(1, Math.min(e.threads, Math.ceil(rows / R)));
    const partStride = up(Kp * CO * 4, 64);
    const parts = e.zeros((partStride / 4) * threads);
    const stride = 64 + R * 8 + 64;
    const scratch = e.alloc(stride * threads);
    e.run("conv_bwd_filter_implicit", convParams(gp, { a: xp, w: pdy, bias: 0, y: parts }, 0, scratch, stride, R, parts + partStride, partStride), threads);
    const dw = e.alloc(n * 4);
    e.run("reduce_transpose", [dw, parts, partStride, threads, K, CO, g.inChannels, Cp]);
    const out = (opts.out ?? newArray)(n);
    out.set(e.f32(dw, n));
    return out;
  }
  // im2col path for 1–3 channels, where padding to 8 would more than double the work.
  const px = e.put(x);
  const pdy = e.put(dy);
  const dw = e.zeros(n);
  const M = g.batch * g.outHeight * g.outWidth;
  const mc = chunkRows("filter", K, CO);
  const nch = Math.ceil(M / mc);
  const threads = Math.max(1, Math.min(e.threads, nch));
  const partStride = up(n * 4, 64);
  const parts = threads > 1 ? e.zeros((partStride / 4) * (threads - 1)) : 0;
  const stride = 64 + up(K, 4) * mc * 4 + mc * up(CO, 8) * 4 + 64;
  const scratch = e.alloc(stride * threads);
  e.run("conv_bwd_filter", convParams(g, { a: px, w: pdy, bias: 0, y: dw }, 0, scratch, stride, mc, parts, partStride), threads);
  if (threads > 1) e.run("reduce_add", [dw, parts, partStride, threads - 1, n]);
  const out = (opts.out ?? newArray)(n);
  out.set(e.f32(dw, n));
  return out;
}

function poolParams(g: PoolGeometry, x: number, y: number, dx: number): number[] {
  return [x, y, dx, g.batch, g.inHeight, g.inWidth, g.channels, g.outHeight, g.outWidth, g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, g.padTop, g.padLeft];
}

/** Max pooling (NHWC), padding taps ignored. */
export function maxPool(e: Engine, x: Float32Array, g: PoolGeometry, opts: { out?: OutFn } = {}): Float32Array {
  checkLength("maxPool input", x, g.batch * g.inHeight * g.inWidth * g.channels);
  e.reset();
  const px = e.put(x);
  const n = g.batch * g.outHeight * g.outWidth * g.channels;
  const py = e.alloc(n * 4);
  e.run("maxpool_fwd", poolParams(g, px, py, 0));
  const out = (opts.out ?? newArray)(n);
  out.set(e.f32(py, n));
  return out;
}

/** Gradient of max pooling: dy routed to the first maximum of each window of x. */
export function maxPoolGrad(e: Engine, dy: Float32Array, x: Float32Array, g: PoolGeometry, opts: { out?: OutFn } = {}): Float32Array {
  const nx = g.batch * g.inHeight * g.inWidth * g.channels;
  checkLength("maxPoolGrad input", x, nx);
  checkLength("maxPoolGrad dy", dy, g.batch * g.outHeight * g.outWidth * g.channels);
  e.reset();
  const px = e.put(x);
  const pdy = e.put(dy);
  const overlap = g.strideHeight < g.filterHeight || g.strideWidth < g.filterWidth;
  if (!overlap && g.strideHeight === g.filterHeight && g.strideWidth === g.filterWidth) {
    // Windows tile the image: every covered dx is written, so zero only what they leave out.
    const covers = g.padTop === 0 && g.padLeft === 0 && g.outHeight * g.strideHeight === g.inHeight && g.outWidth * g.strideWidth === g.inWidth;
    const pdx = covers ? e.alloc(nx * 4) : e.zeros(nx);
    e.run("maxpool_bwd_tiled", poolParams(g, px, pdy, pdx));
    const out = (opts.out ?? newArray)(nx);
    out.set(e.f32(pdx, nx));
    return out;
  }
  const pdx = e.zeros(nx);
  e.run("maxpool_bwd", poolParams(g, px, pdy, pdx), overlap ? 1 : e.threads);
  const out = (opts.out ?? newArray)(nx);
  out.set(e.f32(pdx, nx));
  return out;
}

/** Column sums of a row-major [rows × cols] matrix (e.g. a bias gradient: dy summed over N, H, W). */
export function columnSum(e: Engine, x: Float32Array, rows: number, cols: number, opts: { out?: OutFn } = {}): Float32Array {
  checkLength("columnSum input", x, rows * cols);
  e.reset();
  const px = e.put(x);
  // Small sums stay on one thread: waking the others costs more than they would save.
  const threads = Math.max(1, Math.min(e.threads, Math.ceil(rows / 16384)));
  const parts = e.alloc(threads * cols * 4);
  e.run("col_sum", [px, parts, rows, cols], threads);
  const p = e.f32(parts, threads * cols);
  const out = (opts.out ?? newArray)(cols);
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let t = 0; t < threads; t++) s += p[t * cols + c];
    out[c] = s;
  }
  return out;
}

/**
 * C = A·B for row-major A [M×K] and B [K×N] (benchmarks and tests of the GEMM core), run as the 1×1
 * convolution it is: rows of A are "pixels", so the implicit kernel reads A in place.
 */
export function gemm(e: Engine, a: Float32Array, b: Float32Array, M: number, N: number, K: number, opts: { out?: OutFn } = {}): Float32Array {
  checkLength("gemm A", a, M * K);
  checkLength("gemm B", b, K * N);
  const g: ConvGeometry = {
    batch: 1, inHeight: 1, inWidth: M, inChannels: K, outHeight: 1, outWidth: M, outChannels: N,
    filterHeight: 1, filterWidth: 1, strideHeight: 1, strideWidth: 1, padTop: 0, padLeft: 0,
  };
  return conv2dForward(e, a, b, g, { out: opts.out });
}
