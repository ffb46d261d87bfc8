// @ts-nocheck -- AssemblyScript source (v128/f32/usize types), compiled by `npm run build:wasm`, not by tsc.
/**
 * WASM SIMD kernels for training the U-Net on the CPU: a register-blocked 4×8 GEMM on packed panels, and the
 * convolution/pooling operators built on it (im2col in chunks that stay in cache, so the first U-Net level at
 * batch 16 never needs its ~150 MB im2col matrix at once).
 *
 * Every operator is `op(params, tid, nt)`: all threads (the main one and the workers of src/engine/pool.ts)
 * call it with the same parameter block in shared memory and each takes its share of the work. Pointers are
 * byte offsets into the shared memory; the JS side lays the buffers out (src/engine/engine.ts).
 *
 * Built twice: with relaxed SIMD (`f32x4.relaxed_madd`, a fused multiply-add where the CPU has one) and
 * with plain SIMD128 (multiply then add) for engines without relaxed SIMD.
 */

function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

function P(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

function PU(p: usize, i: i32): usize {
  return <usize>load<u32>(p + (<usize>i << 2));
}

const MODE_ACCUMULATE: i32 = 1;
const MODE_RELU: i32 = 2;

/** Writes one 8-wide row of accumulators: + bias, + existing C, ReLU, partial-width tails via `tmp`. */
function storeRow(c: usize, v0: v128, v1: v128, ncols: i32, mode: i32, bias: usize, tmp: usize): void {
  if (bias != 0) {
    v0 = f32x4.add(v0, v128.load(bias));
    v1 = f32x4.add(v1, v128.load(bias, 16));
  }
  if (ncols == 8) {
    if (mode & MODE_ACCUMULATE) {
      v0 = f32x4.add(v0, v128.load(c));
      v1 = f32x4.add(v1, v128.load(c, 16));
    }
    if (mode & MODE_RELU) {
      const z = f32x4.splat(0);
      v0 = f32x4.max(v0, z);
      v1 = f32x4.max(v1, z);
    }
    v128.store(c, v0);
    v128.store(c, v1, 16);
    return;
  }
  v128.store(tmp, v0);
  v128.store(tmp, v1, 16);
  for (let j = 0; j < ncols; j++) {
    const o = <usize>j << 2;
    let v = load<f32>(tmp + o);
    if (mode & MODE_ACCUMULATE) v += load<f32>(c + o);
    if (mode & MODE_RELU) v = v > 0 ? v : 0;
    store<f32>(c + o, v);
  }
}

/**
 * C[4×8] (op)= A[4×K]·B[K×8]. `a`: 4 rows interleaved (a[p*4 + r]); `b`: one panel (b[p*8 + j]). Twelve live
 * vectors (8 accumulators, 2 of B, 1 of A) fit the 16 SIMD registers V8 has on x64.
 */
function kern4x8(K: i32, a: usize, b: usize, c: usize, ldc: usize, rows: i32, ncols: i32, mode: i32, bias: usize, tmp: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  // Not unrolled: the 2× unrolled loop ran ~1.6× slower under V8 (register spills).
  const end = b + ((<usize>K) << 5);
  for (; b < end; ) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = fma(av, b0, c00);
    c01 = fma(av, b1, c01);
    av = v128.load32_splat(a, 4);
    c10 = fma(av, b0, c10);
    c11 = fma(av, b1, c11);
    av = v128.load32_splat(a, 8);
    c20 = fma(av, b0, c20);
    c21 = fma(av, b1, c21);
    av = v128.load32_splat(a, 12);
    c30 = fma(av, b0, c30);
    c31 = fma(av, b1, c31);
    a += 16;
    b += 32;
  }
  storeRow(c, c00, c01, ncols, mode, bias, tmp);
  if (rows > 1) storeRow(c + ldc, c10, c11, ncols, mode, bias, tmp);
  if (rows > 2) storeRow(c + 2 * ldc, c20, c21, ncols, mode, bias, tmp);
  if (rows > 3) storeRow(c + 3 * ldc, c30, c31, ncols, mode, bias, tmp);
}

/**
 * C[M×N] (op)= A·B with A packed by 4-row groups (group stride 4·K floats) and B by 8-column panels (panel
 * stride 8·K floats). Panels outer: one B panel (≤ 74 KB) stays in L1/L2 while the A chunk streams past it.
 */
function gemmPacked(M: i32, N: i32, K: i32, ap: usize, bp: usize, c: usize, ldc: i32, mode: i32, bias: usize, tmp: usize): void {
  const np = (N + 7) >> 3;
  const ldcb = <usize>ldc << 2;
  for (let jp = 0; jp < np; jp++) {
    const ncols = min(8, N - jp * 8);
    const bpp = bp + ((<usize>jp * <usize>K * 8) << 2);
    const biasp: usize = bias != 0 ? bias + (<usize>jp << 5) : 0;
    const cj = c + (<usize>(jp * 8) << 2);
    for (let i = 0; i < M; i += 4) {
      kern4x8(K, ap + ((<usize>i * <usize>K) << 2), bpp, cj + <usize>i * ldcb, ldcb, min(4, M - i), ncols, mode, biasp, tmp);
    }
  }
}

/** Packs B[k, j] = src[k·rs + j·cs] (floats) into 8-column panels, zero past N. */
function packB(src: usize, rs: i32, cs: i32, K: i32, N: i32, dst: usize): void {
  const np = (N + 7) >> 3;
  for (let jp = 0; jp < np; jp++) {
    const j0 = jp * 8;
    let d = dst + ((<usize>jp * <usize>K * 8) << 2);
    if (cs == 1 && j0 + 8 <= N) {
      for (let k = 0; k < K; k++) {
        const s = src + ((<usize>k * <usize>rs + <usize>j0) << 2);
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        d += 32;
      }
    } else {
      for (let k = 0; k < K; k++) {
        for (let jj = 0; jj < 8; jj++) {
          const j = j0 + jj;
          store<f32>(d + (<usize>jj << 2), j < N ? load<f32>(src + ((<usize>k * <usize>rs + <usize>j * <usize>cs) << 2)) : 0);
        }
        d += 32;
      }
    }
  }
}

/** Packs rows [m0, m0+mc) of a row-major matrix (lda floats) into 4-row groups, zero rows past mc. */
function packA(src: usize, lda: i32, m0: i32, mc: i32, K: i32, dst: usize): void {
  const mr = (mc + 3) & ~3;
  for (let i = 0; i < mr; i++) {
    const d = dst + ((<usize>(i >> 2) * <usize>K * 4 + <usize>(i & 3)) << 2);
    if (i < mc) {
      const s = src + ((<usize>(m0 + i) * <usize>lda) << 2);
      for (let k = 0; k < K; k++) store<f32>(d + (<usize>k << 4), load<f32>(s + (<usize>k << 2)));
    } else {
      for (let k = 0; k < K; k++) store<f32>(d + (<usize>k << 4), 0);
    }
  }
}

/**
 * im2col of output positions [m0, m0+mc) of an NHWC convolution, straight into a packed layout: element
 * (i, k) (k = (ky·FW + kx)·C + ci) goes to float index (i>>2)·sI4 + (i&3)·sI1 + (k>>2)·sK4 + (k&3)·sK1.
 * Layout "transposed" (A = colsᵀ of the filter-gradient GEMM): sI4 = 16, sI1 = 4, sK4 = 4·mc, sK1 = 1
 * (the only one used now: forward convolutions read the padded input in place, `conv_fwd_implicit`).
 */
function im2col(
  x: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32, FH: i32, FW: i32, SH: i32, SW: i32, PT: i32, PL: i32,
  m0: i32, mc: i32, dst: usize, sI4: i32, sI1: i32, sK4: i32, sK1: i32,
): void {
  const hw = OH * OW;
  const vecT = sK1 == 1 && (C & 3) == 0; // transposed layout, channel runs of 4 land contiguously
  for (let i = 0; i < mc; i++) {
    const m = m0 + i;
    const n = m / hw;
    const r = m - n * hw;
    const oy = r / OW;
    const ox = r - oy * OW;
    const rowOff = <usize>((i >> 2) * sI4 + (i & 3) * sI1);
    let k = 0;
    for (let ky = 0; ky < FH; ky++) {
      const iy = oy * SH - PT + ky;
      for (let kx = 0; kx < FW; kx++) {
        const ix = ox * SW - PL + kx;
        const inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
        const src = x + ((<usize>((n * H + iy) * W + ix) * <usize>C) << 2);
        if (vecT) {
          for (let ci = 0; ci < C; ci += 4) {
            const kk = k + ci;
            const d = dst + ((rowOff + <usize>((kk >> 2) * sK4)) << 2);
            v128.store(d, inside ? v128.load(src + (<usize>ci << 2)) : f32x4.splat(0));
          }
        } else if (inside) {
          for (let ci = 0; ci < C; ci++) {
            const kk = k + ci;
            store<f32>(dst + ((rowOff + <usize>((kk >> 2) * sK4 + (kk & 3) * sK1)) << 2), load<f32>(src + (<usize>ci << 2)));
          }
        } else {
          for (let ci = 0; ci < C; ci++) {
            const kk = k + ci;
            store<f32>(dst + ((rowOff + <usize>((kk >> 2) * sK4 + (kk & 3) * sK1)) << 2), 0);
          }
        }
        k += C;
      }
    }
  }
}

/** Zeroes the padding columns [K, K↑4) of a transposed packed A. */
function zeroPadCols(dst: usize, mc: i32, K: i32): void {
  const kr = (K + 3) & ~3;
  for (let k = K; k < kr; k++) {
    const g = dst + ((<usize>(k >> 2) * <usize>mc * 4 + <usize>(k & 3)) << 2);
    for (let i = 0; i < mc; i++) store<f32>(g + (<usize>i << 4), 0);
  }
}

// ---------------------------------------------------------------- parameter block layout (i32 slots)
// Shared by every convolution operator; the JS side writes it (src/engine/engine.ts, CONV_PARAMS).
//  0 x   1 w(packed B)  2 bias  3 y   4 N  5 H  6 W  7 C  8 OH  9 OW  10 CO  11 FH  12 FW  13 SH  14 SW
// 15 PT 16 PL 17 mode 18 scratch 19 scratchStride(bytes) 20 mc 21 aux (partials base) 22 auxStride(bytes)

/**
 * Filter gradient dW[K×CO] = im2col(x)ᵀ·dy, summed over chunks of output positions. Thread t accumulates
 * into its own buffer (thread 0 into dW itself, others into aux + (t−1)·auxStride); `reduce_add` sums them.
 */
export function conv_bwd_filter(p: usize, tid: i32, nt: i32): void {
  const x = PU(p, 0), dy = PU(p, 1), dw = PU(p, 3);
  const N = P(p, 4), H = P(p, 5), W = P(p, 6), C = P(p, 7), OH = P(p, 8), OW = P(p, 9), CO = P(p, 10);
  const FH = P(p, 11), FW = P(p, 12), SH = P(p, 13), SW = P(p, 14), PT = P(p, 15), PL = P(p, 16);
  const scratch = PU(p, 18) + <usize>tid * PU(p, 19), mc = P(p, 20);
  const out: usize = tid == 0 ? dw : PU(p, 21) + <usize>(tid - 1) * PU(p, 22);
  const M = N * OH * OW, K = FH * FW * C;
  const kr = (K + 3) & ~3;
  const tmp = scratch;
  const a = scratch + 64;
  const b = a + ((<usize>kr * <usize>mc) << 2);
  const nch = (M + mc - 1) / mc;
  for (let ch = tid; ch < nch; ch += nt) {
    const m0 = ch * mc;
    const len = min(mc, M - m0);
    im2col(x, H, W, C, OH, OW, FH, FW, SH, SW, PT, PL, m0, len, a, 16, 4, 4 * len, 1);
    zeroPadCols(a, len, K);
    packB(dy + ((<usize>m0 * <usize>CO) << 2), CO, 1, len, CO, b);
    gemmPacked(K, CO, len, a, b, out, CO, MODE_ACCUMULATE, 0, tmp);
  }
}

/**
 * Input gradient by GEMM + col2im: cols[M×K] = dy·Wᵀ, scattered (added) into dx, which the caller zeroed.
 * Here (H, W, C) are dx's dims and (OH, OW, CO) dy's. Only race-free across threads when windows do not
 * overlap (stride ≥ filter), e.g. the U-Net's 2×2 stride-2 transposed convolution; else run it on one thread.
 */
export function conv_bwd_input_col2im(p: usize, tid: i32, nt: i32): void {
  const dy = PU(p, 0), bp = PU(p, 1), dx = PU(p, 3);
  const N = P(p, 4), H = P(p, 5), W = P(p, 6), C = P(p, 7), OH = P(p, 8), OW = P(p, 9), CO = P(p, 10);
  const FH = P(p, 11), FW = P(p, 12), SH = P(p, 13), SW = P(p, 14), PT = P(p, 15), PL = P(p, 16);
  const scratch = PU(p, 18) + <usize>tid * PU(p, 19), mc = P(p, 20);
  const M = N * OH * OW, K = FH * FW * C;
  const mr = (mc + 3) & ~3;
  const tmp = scratch;
  const a = scratch + 64;
  const cols = a + ((<usize>mr * <usize>CO) << 2);
  const hw = OH * OW;
  const nch = (M + mc - 1) / mc;
  for (let ch = tid; ch < nch; ch += nt) {
    const m0 = ch * mc;
    const len = min(mc, M - m0);
    packA(dy, CO, m0, len, CO, a);
    gemmPacked(len, K, CO, a, bp, cols, K, 0, 0, tmp);
    for (let i = 0; i < len; i++) {
      const m = m0 + i;
      const n = m / hw;
      const r = m - n * hw;
      const oy = r / OW;
      const ox = r - oy * OW;
      let s = cols + ((<usize>i * <usize>K) << 2);
      for (let ky = 0; ky < FH; ky++) {
        const iy = oy * SH - PT + ky;
        for (let kx = 0; kx < FW; kx++) {
          const ix = ox * SW - PL + kx;
          if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
            const d = dx + ((<usize>((n * H + iy) * W + ix) * <usize>C) << 2);
            let ci = 0;
            for (; ci + 4 <= C; ci += 4) {
              const o = <usize>ci << 2;
              v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(s + o)));
            }
            for (; ci < C; ci++) {
              const o = <usize>ci << 2;
              store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o));
            }
          }
          s += <usize>C << 2;
        }
      }
    }
  }
}

// reduce block: 0 dst 1 parts 2 partStride(bytes) 3 nparts 4 count(floats)
/** dst[e] += Σ_t parts[t][e], elements split across threads in runs of 4. */
export function reduce_add(p: usize, tid: i32, nt: i32): void {
  const dst = PU(p, 0), parts = PU(p, 1), stride = PU(p, 2), np = P(p, 3), count = P(p, 4);
  const per = (((count + nt - 1) / nt) + 3) & ~3;
  const e0 = tid * per;
  const e1 = min(count, e0 + per);
  let e = e0;
  for (; e + 4 <= e1; e += 4) {
    const o = <usize>e << 2;
    let v = v128.load(dst + o);
    for (let t = 0; t < np; t++) v = f32x4.add(v, v128.load(parts + <usize>t * stride + o));
    v128.store(dst + o, v);
  }
  for (; e < e1; e++) {
    const o = <usize>e << 2;
    let v = load<f32>(dst + o);
    for (let t = 0; t < np; t++) v += load<f32>(parts + <usize>t * stride + o);
    store<f32>(dst + o, v);
  }
}

// pack block: 0 src 1 rs 2 cs 3 K 4 N 5 dst
/** Packs B (K×N, strides rs/cs) into 8-column panels; panels split across threads. */
export function pack_b(p: usize, tid: i32, nt: i32): void {
  const src = PU(p, 0), rs = P(p, 1), cs = P(p, 2), K = P(p, 3), N = P(p, 4), dst = PU(p, 5);
  const np = (N + 7) >> 3;
  for (let jp = tid; jp < np; jp += nt) {
    const j0 = jp * 8;
    const ncols = min(8, N - j0);
    // One panel: the columns [j0, j0+8) of B, written where packB would put panel jp.
    packB(src + ((<usize>j0 * <usize>cs) << 2), rs, cs, K, ncols, dst + ((<usize>jp * <usize>K * 8) << 2));
  }
}

// flip block: 0 src [FH,FW,CI,CO] 1 dst [FH,FW,CO,CI] rotated 180° 2 FH 3 FW 4 CI 5 CO
/**
 * The stride-1 input gradient is a convolution of dy with the filter rotated 180° and its channels swapped.
 * Source rows (ky, kx, ci) split across threads.
 */
export function flip_filter(p: usize, tid: i32, nt: i32): void {
  const src = PU(p, 0), dst = PU(p, 1), FH = P(p, 2), FW = P(p, 3), CI = P(p, 4), CO = P(p, 5);
  const rows = FH * FW * CI;
  for (let r = tid; r < rows; r += nt) {
    const tap = r / CI;
    const ci = r - tap * CI;
    const ky = tap / FW;
    const kx = tap - ky * FW;
    const s = src + ((<usize>r * <usize>CO) << 2);
    let d = dst + ((<usize>(((FH - 1 - ky) * FW + (FW - 1 - kx)) * CO) * <usize>CI + <usize>ci) << 2);
    const step = <usize>CI << 2;
    for (let co = 0; co < CO; co++) {
      store<f32>(d, load<f32>(s + (<usize>co << 2)));
      d += step;
    }
  }
}

// pool block: 0 x 1 y/dy 2 dx 3 N 4 H 5 W 6 C 7 OH 8 OW 9 FH 10 FW 11 SH 12 SW 13 PT 14 PL
/** Max pooling over the window's in-image taps (tfjs semantics for 'same' padding). Rows split across threads. */
export function maxpool_fwd(p: usize, tid: i32, nt: i32): void {
  const x = PU(p, 0), y = PU(p, 1);
  const N = P(p, 3), H = P(p, 4), W = P(p, 5), C = P(p, 6), OH = P(p, 7), OW = P(p, 8);
  const FH = P(p, 9), FW = P(p, 10), SH = P(p, 11), SW = P(p, 12), PT = P(p, 13), PL = P(p, 14);
  const rows = N * OH;
  for (let r = tid; r < rows; r += nt) {
    const n = r / OH;
    const oy = r - n * OH;
    for (let ox = 0; ox < OW; ox++) {
      const d = y + ((<usize>((r * OW + ox) * C)) << 2);
      let c = 0;
      for (; c + 4 <= C; c += 4) {
        let m = f32x4.splat(-Infinity);
        for (let ky = 0; ky < FH; ky++) {
          const iy = oy * SH - PT + ky;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < FW; kx++) {
            const ix = ox * SW - PL + kx;
            if (ix < 0 || ix >= W) continue;
            m = f32x4.max(m, v128.load(x + ((<usize>(((n * H + iy) * W + ix) * C + c)) << 2)));
          }
        }
        v128.store(d + (<usize>c << 2), m);
      }
      for (; c < C; c++) {
        let m: f32 = -Infinity;
        for (let ky = 0; ky < FH; ky++) {
          const iy = oy * SH - PT + ky;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < FW; kx++) {
            const ix = ox * SW - PL + kx;
            if (ix < 0 || ix >= W) continue;
            const v = load<f32>(x + ((<usize>(((n * H + iy) * W + ix) * C + c)) << 2));
            if (v > m) m = v;
          }
        }
        store<f32>(d + (<usize>c << 2), m);
      }
    }
  }
}

/**
 * Max-pool gradient: each dy goes to the first maximum of its window in row-major order (as tfjs's cpu
 * kernel does, which matters after ReLU where ties at 0 are common). dx is zeroed by the caller; threads
 * race only when windows overlap (the caller then runs one thread).
 */
export function maxpool_bwd(p: usize, tid: i32, nt: i32): void {
  const x = PU(p, 0), dy = PU(p, 1), dx = PU(p, 2);
  const N = P(p, 3), H = P(p, 4), W = P(p, 5), C = P(p, 6), OH = P(p, 7), OW = P(p, 8);
  const FH = P(p, 9), FW = P(p, 10), SH = P(p, 11), SW = P(p, 12), PT = P(p, 13), PL = P(p, 14);
  const rows = N * OH;
  for (let r = tid; r < rows; r += nt) {
    const n = r / OH;
    const oy = r - n * OH;
    for (let ox = 0; ox < OW; ox++) {
      const g = dy + ((<usize>((r * OW + ox) * C)) << 2);
      for (let c = 0; c < C; c++) {
        let m: f32 = -Infinity;
        let best: i32 = -1;
        for (let ky = 0; ky < FH; ky++) {
          const iy = oy * SH - PT + ky;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < FW; kx++) {
            const ix = ox * SW - PL + kx;
            if (ix < 0 || ix >= W) continue;
            const idx = ((n * H + iy) * W + ix) * C + c;
            const v = load<f32>(x + (<usize>idx << 2));
            if (v > m || best < 0) {
              m = v;
              best = idx;
            }
          }
        }
        if (best >= 0) {
          const o = dx + (<usize>best << 2);
          store<f32>(o, load<f32>(o) + load<f32>(g + (<usize>c << 2)));
        }
      }
    }
  }
}

// ---------------------------------------------------------------- implicit GEMM (stride 1, padded input)

/**
 * 4×8 tile of a stride-1 convolution read straight from the zero-padded input (no im2col): output rows
 * r = 0..3 start at a0..a3 (pixel (oy, ox) of the padded input), tap (ky, kx) is `ky·rowStride + kx·C`
 * floats further for every row, and the channels of a tap are contiguous.
 */
function kernImplicit(
  FH: i32, FW: i32, C: i32, rowStride: usize, a0: usize, a1: usize, a2: usize, a3: usize,
  b: usize, c: usize, ldc: usize, rows: i32, ncols: i32, mode: i32, bias: usize, tmp: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const cb = <usize>C << 2;
  for (let ky = 0; ky < FH; ky++) {
    for (let kx = 0; kx < FW; kx++) {
      const off = <usize>ky * rowStride + <usize>kx * cb;
      let q0 = a0 + off, q1 = a1 + off, q2 = a2 + off, q3 = a3 + off;
      const end = q0 + cb;
      for (; q0 < end; ) {
        const b0 = v128.load(b);
        const b1 = v128.load(b, 16);
        let av = v128.load32_splat(q0);
        c00 = fma(av, b0, c00);
        c01 = fma(av, b1, c01);
        av = v128.load32_splat(q1);
        c10 = fma(av, b0, c10);
        c11 = fma(av, b1, c11);
        av = v128.load32_splat(q2);
        c20 = fma(av, b0, c20);
        c21 = fma(av, b1, c21);
        av = v128.load32_splat(q3);
        c30 = fma(av, b0, c30);
        c31 = fma(av, b1, c31);
        q0 += 4;
        q1 += 4;
        q2 += 4;
        q3 += 4;
        b += 32;
      }
    }
  }
  storeRow(c, c00, c01, ncols, mode, bias, tmp);
  if (rows > 1) storeRow(c + ldc, c10, c11, ncols, mode, bias, tmp);
  if (rows > 2) storeRow(c + 2 * ldc, c20, c21, ncols, mode, bias, tmp);
  if (rows > 3) storeRow(c + 3 * ldc, c30, c31, ncols, mode, bias, tmp);
}

/**
 * `kernImplicit` for few channels: taps and channels in one loop over a table of byte offsets (K entries),
 * so a 16-channel layer runs one loop of K iterations per tile instead of 9 loops of 16, whose exits the
 * branch predictor misses.
 */
function kernImplicitFlat(
  offs: usize, K: i32, a0: usize, a1: usize, a2: usize, a3: usize,
  b: usize, c: usize, ldc: usize, rows: i32, ncols: i32, mode: i32, bias: usize, tmp: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = offs + (<usize>K << 2);
  for (let t = offs; t < end; t += 4) {
    const off = <usize>load<u32>(t);
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a0 + off);
    c00 = fma(av, b0, c00);
    c01 = fma(av, b1, c01);
    av = v128.load32_splat(a1 + off);
    c10 = fma(av, b0, c10);
    c11 = fma(av, b1, c11);
    av = v128.load32_splat(a2 + off);
    c20 = fma(av, b0, c20);
    c21 = fma(av, b1, c21);
    av = v128.load32_splat(a3 + off);
    c30 = fma(av, b0, c30);
    c31 = fma(av, b1, c31);
    b += 32;
  }
  storeRow(c, c00, c01, ncols, mode, bias, tmp);
  if (rows > 1) storeRow(c + ldc, c10, c11, ncols, mode, bias, tmp);
  if (rows > 2) storeRow(c + 2 * ldc, c20, c21, ncols, mode, bias, tmp);
  if (rows > 3) storeRow(c + 3 * ldc, c30, c31, ncols, mode, bias, tmp);
}

/** Channel count below which `kernImplicitFlat` is used. */
const FLAT_BELOW: i32 = 32;

/**
 * Convolution as an implicit GEMM over the padded input xp [N, H, W, C] (H, W here are the padded
 * sizes: output (oy, ox) reads xp[oy·SH + ky, ox·SW + kx]). Chunks of output rows split across threads; per chunk
 * the row start pointers are computed once, then each B panel sweeps the chunk.
 */
export function conv_fwd_implicit(p: usize, tid: i32, nt: i32): void {
  const x = PU(p, 0), bp = PU(p, 1), bias = PU(p, 2), y = PU(p, 3);
  const N = P(p, 4), H = P(p, 5), W = P(p, 6), C = P(p, 7), OH = P(p, 8), OW = P(p, 9), CO = P(p, 10);
  const FH = P(p, 11), FW = P(p, 12), SH = P(p, 13), SW = P(p, 14);
  const mode = P(p, 17), scratch = PU(p, 18) + <usize>tid * PU(p, 19), mc = P(p, 20);
  const M = N * OH * OW, K = FH * FW * C;
  const hw = OH * OW;
  const tmp = scratch;
  const ptrs = scratch + 64;
  const rowStride = (<usize>W * <usize>C) << 2;
  const np = (CO + 7) >> 3;
  // Byte offset of each k = (ky, kx, ci) from a position's first tap, after the mc + 4 row pointers.
  const offs = ptrs + (<usize>(mc + 4) << 2);
  if (C < FLAT_BELOW) {
    let k = 0;
    for (let ky = 0; ky < FH; ky++)
      for (let kx = 0; kx < FW; kx++)
        for (let ci = 0; ci < C; ci++, k++) store<u32>(offs + (<usize>k << 2), <u32>(<usize>ky * rowStride + ((<usize>(kx * C + ci)) << 2)));
  }
  const ldcb = <usize>CO << 2;
  const nch = (M + mc - 1) / mc;
  for (let ch = tid; ch < nch; ch += nt) {
    const m0 = ch * mc;
    const len = min(mc, M - m0);
    for (let i = 0; i < len; i++) {
      const m = m0 + i;
      const n = m / hw;
      const r = m - n * hw;
      const oy = r / OW;
      const ox = r - oy * OW;
      store<u32>(ptrs + (<usize>i << 2), <u32>(x + ((<usize>((n * H + oy * SH) * W + ox * SW) * <usize>C) << 2)));
    }
    const last = load<u32>(ptrs + (<usize>(len - 1) << 2));
    for (let i = len; i < len + 4; i++) store<u32>(ptrs + (<usize>i << 2), last);
    const yc = y + ((<usize>m0 * <usize>CO) << 2);
    for (let jp = 0; jp < np; jp++) {
      const ncols = min(8, CO - jp * 8);
      const bpp = bp + ((<usize>jp * <usize>K * 8) << 2);
      const biasp: usize = bias != 0 ? bias + (<usize>jp << 5) : 0;
      const cj = yc + (<usize>(jp * 8) << 2);
      for (let i = 0; i < len; i += 4) {
        const pi = ptrs + (<usize>i << 2);
        if (C < FLAT_BELOW) {
          kernImplicitFlat(offs, K, <usize>load<u32>(pi), <usize>load<u32>(pi, 4), <usize>load<u32>(pi, 8), <usize>load<u32>(pi, 12),
            bpp, cj + <usize>i * ldcb, ldcb, min(4, len - i), ncols, mode, biasp, tmp);
        } else {
          kernImplicit(FH, FW, C, rowStride, <usize>load<u32>(pi), <usize>load<u32>(pi, 4), <usize>load<u32>(pi, 8), <usize>load<u32>(pi, 12),
            bpp, cj + <usize>i * ldcb, ldcb, min(4, len - i), ncols, mode, biasp, tmp);
        }
      }
    }
  }
}

// pad block: 0 x 1 xp 2 N 3 H 4 W 5 C 6 Hp 7 Wp 8 PT 9 PL 10 Cp (channels of xp, ≥ C; the extra ones zero)
/**
 * Copies x [N,H,W,C] into xp [N,Hp,Wp,Cp] at offset (PT, PL), zero elsewhere (borders, and channels
 * C..Cp−1, which make 8-channel runs for the implicit filter gradient). Rows split across threads.
 */
export function pad_input(p: usize, tid: i32, nt: i32): void {
  const x = PU(p, 0), xp = PU(p, 1);
  const N = P(p, 2), H = P(p, 3), W = P(p, 4), C = P(p, 5), Hp = P(p, 6), Wp = P(p, 7), PT = P(p, 8), PL = P(p, 9), Cp = P(p, 10);
  const rows = N * Hp;
  const rowBytes = (<usize>Wp * <usize>Cp) << 2;
  for (let r = tid; r < rows; r += nt) {
    const n = r / Hp;
    const yp = r - n * Hp;
    const d = xp + <usize>r * rowBytes;
    const y0 = yp - PT;
    if (y0 < 0 || y0 >= H) {
      memory.fill(d, 0, rowBytes);
      continue;
    }
    const left = <usize>(PL * Cp) << 2;
    const mid = <usize>(W * Cp) << 2;
    const src = x + ((<usize>((n * H + y0) * W) * <usize>C) << 2);
    memory.fill(d, 0, left);
    if (Cp == C) {
      memory.copy(d + left, src, mid);
    } else {
      const cb = <usize>C << 2;
      const cpb = <usize>Cp << 2;
      for (let ix = 0; ix < W; ix++) {
        const o = d + left + <usize>ix * cpb;
        memory.copy(o, src + <usize>ix * cb, cb);
        memory.fill(o + cb, 0, cpb - cb);
      }
    }
    memory.fill(d + left + mid, 0, rowBytes - left - mid);
  }
}

// ---------------------------------------------------------------- implicit filter gradient

/**
 * One 4×8 tile of dWᵀ[CO × K] += Σ_m dy[m, co0..co0+3] ⊗ xp[ptr(m) + koff .. +8] over `rows` output rows of
 * OW positions each. Row r's padded-input and dy start pointers are the pair at rowPtrs + 8r. The 8 k are
 * 8 channels of one tap, contiguous in xp, so B needs no packing; the 4 dy values are splats.
 */
function kernFilter(
  rows: i32, rowPtrs: usize, OW: i32, stepX: usize, stepD: usize, koff: usize, doff: usize,
  c: usize, ldc: usize, nrows: i32, tmp: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    let q = <usize>load<u32>(rowPtrs + (<usize>r << 3)) + koff;
    let d = <usize>load<u32>(rowPtrs + (<usize>r << 3), 4) + doff;
    for (let ox = 0; ox < OW; ox++) {
      const b0 = v128.load(q);
      const b1 = v128.load(q, 16);
      let av = v128.load32_splat(d);
      c00 = fma(av, b0, c00);
      c01 = fma(av, b1, c01);
      av = v128.load32_splat(d, 4);
      c10 = fma(av, b0, c10);
      c11 = fma(av, b1, c11);
      av = v128.load32_splat(d, 8);
      c20 = fma(av, b0, c20);
      c21 = fma(av, b1, c21);
      av = v128.load32_splat(d, 12);
      c30 = fma(av, b0, c30);
      c31 = fma(av, b1, c31);
      q += stepX;
      d += stepD;
    }
  }
  storeRow(c, c00, c01, 8, MODE_ACCUMULATE, 0, tmp);
  if (nrows > 1) storeRow(c + ldc, c10, c11, 8, MODE_ACCUMULATE, 0, tmp);
  if (nrows > 2) storeRow(c + 2 * ldc, c20, c21, 8, MODE_ACCUMULATE, 0, tmp);
  if (nrows > 3) storeRow(c + 3 * ldc, c30, c31, 8, MODE_ACCUMULATE, 0, tmp);
}

/**
 * Filter gradient without im2col, for C % 8 == 0: dWᵀ[CO × K] accumulated per thread (thread 0 into P3,
 * others into aux + (t−1)·auxStride) over blocks of `mc` output rows (n, oy) from the padded input
 * xp [N, H, W, C] (padded sizes). `reduce_transpose` then sums the partials into dW [K × CO].
 */
export function conv_bwd_filter_implicit(p: usize, tid: i32, nt: i32): void {
  const x = PU(p, 0), dy = PU(p, 1);
  const N = P(p, 4), H = P(p, 5), W = P(p, 6), C = P(p, 7), OH = P(p, 8), OW = P(p, 9), CO = P(p, 10);
  const FH = P(p, 11), FW = P(p, 12), SH = P(p, 13), SW = P(p, 14);
  const scratch = PU(p, 18) + <usize>tid * PU(p, 19), R = P(p, 20);
  const out: usize = tid == 0 ? PU(p, 3) : PU(p, 21) + <usize>(tid - 1) * PU(p, 22);
  const K = FH * FW * C;
  const ldc = <usize>K << 2;
  const tmp = scratch;
  const rowPtrs = scratch + 64;
  const stepX = (<usize>SW * <usize>C) << 2;
  const stepD = <usize>CO << 2;
  const totalRows = N * OH;
  const nblk = (totalRows + R - 1) / R;
  for (let blk = tid; blk < nblk; blk += nt) {
    const r0 = blk * R;
    const rows = min(R, totalRows - r0);
    for (let r = 0; r < rows; r++) {
      const rr = r0 + r;
      const n = rr / OH;
      const oy = rr - n * OH;
      store<u32>(rowPtrs + (<usize>r << 3), <u32>(x + ((<usize>((n * H + oy * SH) * W) * <usize>C) << 2)));
      store<u32>(rowPtrs + (<usize>r << 3) + 4, <u32>(dy + ((<usize>(rr * OW) * <usize>CO) << 2)));
    }
    for (let ky = 0; ky < FH; ky++) {
      for (let kx = 0; kx < FW; kx++) {
        const tapOff = (<usize>(ky * W + kx) * <usize>C) << 2;
        const k0 = (ky * FW + kx) * C;
        for (let ci = 0; ci < C; ci += 8) {
          const koff = tapOff + (<usize>ci << 2);
          for (let co = 0; co < CO; co += 4) {
            kernFilter(rows, rowPtrs, OW, stepX, stepD, koff, <usize>co << 2,
              out + <usize>co * ldc + (<usize>(k0 + ci) << 2), ldc, min(4, CO - co), tmp);
          }
        }
      }
    }
  }
}

// reduce_transpose block: 0 dst [K×CO] 1 parts (each [CO×Kp]) 2 partStride(bytes) 3 nparts 4 K 5 CO 6 C 7 Cp
/**
 * dW[k, co] = Σ_t partᵗ[co, k′]: sums the per-thread transposed partials, dropping the zero channels the
 * input was padded with (k = tap·C + ci ↔ k′ = tap·Cp + ci). Blocks of 16 k split across threads: the
 * 16 destination rows stay in L1 while co walks the partials' rows one cache line at a time.
 */
export function reduce_transpose(p: usize, tid: i32, nt: i32): void {
  const dst = PU(p, 0), parts = PU(p, 1), stride = PU(p, 2), np = P(p, 3), K = P(p, 4), CO = P(p, 5), C = P(p, 6), Cp = P(p, 7);
  const Kp = (K / C) * Cp;
  const nblk = (K + 15) >> 4;
  for (let blk = tid; blk < nblk; blk += nt) {
    const k0 = blk << 4;
    const k1 = min(K, k0 + 16);
    for (let co = 0; co < CO; co++) {
      const rowBase = <usize>co * <usize>Kp;
      for (let k = k0; k < k1; k++) {
        const tap = k / C;
        const o = (rowBase + <usize>(tap * Cp + (k - tap * C))) << 2;
        let v: f32 = 0;
        for (let t = 0; t < np; t++) v += load<f32>(parts + <usize>t * stride + o);
        store<f32>(dst + ((<usize>k * <usize>CO + <usize>co) << 2), v);
      }
    }
  }
}

// colsum block: 0 x [M × C] 1 parts [nt × C] 2 M 3 C
/** Per-thread column sums of x (the bias gradient: dy summed over every position); rows split in blocks. */
export function col_sum(p: usize, tid: i32, nt: i32): void {
  const x = PU(p, 0), parts = PU(p, 1), M = P(p, 2), C = P(p, 3);
  const per = (M + nt - 1) / nt;
  const m0 = tid * per;
  const m1 = min(M, m0 + per);
  const out = parts + ((<usize>tid * <usize>C) << 2);
  const cb = <usize>C << 2;
  let c = 0;
  for (; c + 4 <= C; c += 4) {
    let acc = f32x4.splat(0);
    let q = x + ((<usize>m0 * <usize>C + <usize>c) << 2);
    for (let m = m0; m < m1; m++) {
      acc = f32x4.add(acc, v128.load(q));
      q += cb;
    }
    v128.store(out + (<usize>c << 2), acc);
  }
  for (; c < C; c++) {
    let acc: f32 = 0;
    let q = x + ((<usize>m0 * <usize>C + <usize>c) << 2);
    for (let m = m0; m < m1; m++) {
      acc += load<f32>(q);
      q += cb;
    }
    store<f32>(out + (<usize>c << 2), acc);
  }
}

/**
 * Max-pool gradient for non-overlapping windows (stride = filter): every in-image tap of a window is written
 * (dy at the window's first maximum, 0 elsewhere), so dx needs no zeroing pass when the windows tile the
 * image, and 4 channels go at once. Ties go to the first maximum in row-major order, as in `maxpool_bwd`.
 */
export function maxpool_bwd_tiled(p: usize, tid: i32, nt: i32): void {
  const x = PU(p, 0), dy = PU(p, 1), dx = PU(p, 2);
  const N = P(p, 3), H = P(p, 4), W = P(p, 5), C = P(p, 6), OH = P(p, 7), OW = P(p, 8);
  const FH = P(p, 9), FW = P(p, 10), SH = P(p, 11), SW = P(p, 12), PT = P(p, 13), PL = P(p, 14);
  const rows = N * OH;
  const zero = f32x4.splat(0);
  for (let r = tid; r < rows; r += nt) {
    const n = r / OH;
    const oy = r - n * OH;
    for (let ox = 0; ox < OW; ox++) {
      const g = dy + ((<usize>((r * OW + ox) * C)) << 2);
      let c = 0;
      for (; c + 4 <= C; c += 4) {
        let m = f32x4.splat(-Infinity);
        for (let ky = 0; ky < FH; ky++) {
          const iy = oy * SH - PT + ky;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < FW; kx++) {
            const ix = ox * SW - PL + kx;
            if (ix < 0 || ix >= W) continue;
            m = f32x4.max(m, v128.load(x + ((<usize>(((n * H + iy) * W + ix) * C + c)) << 2)));
          }
        }
        const gv = v128.load(g + (<usize>c << 2));
        let taken = zero;
        for (let ky = 0; ky < FH; ky++) {
          const iy = oy * SH - PT + ky;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < FW; kx++) {
            const ix = ox * SW - PL + kx;
            if (ix < 0 || ix >= W) continue;
            const o = (<usize>(((n * H + iy) * W + ix) * C + c)) << 2;
            const hit = v128.andnot(f32x4.eq(v128.load(x + o), m), taken);
            taken = v128.or(taken, hit);
            v128.store(dx + o, v128.and(gv, hit));
          }
        }
      }
      for (; c < C; c++) {
        let m: f32 = -Infinity;
        let best: i32 = -1;
        for (let ky = 0; ky < FH; ky++) {
          const iy = oy * SH - PT + ky;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < FW; kx++) {
            const ix = ox * SW - PL + kx;
            if (ix < 0 || ix >= W) continue;
            const idx = ((n * H + iy) * W + ix) * C + c;
            const v = load<f32>(x + (<usize>idx << 2));
            if (v > m || best < 0) {
              m = v;
              best = idx;
            }
            store<f32>(dx + (<usize>idx << 2), 0);
          }
        }
        if (best >= 0) store<f32>(dx + (<usize>best << 2), load<f32>(g + (<usize>c << 2)));
      }
    }
  }
}

// dropout block: 0 dst 1 count 2 seed 3 threshold (u32: drop when hash < threshold) 4 scale (f32 bits)
/**
 * Dropout mask: element i keeps (value `scale` = 1/(1−rate)) when lowbias32(i·φ + seed·ψ) ≥ threshold, else 0.
 * Counter-based, so the mask depends only on (seed, i): the same whatever the thread count or split.
 */
export function dropout_mask(p: usize, tid: i32, nt: i32): void {
  const dst = PU(p, 0), count = P(p, 1), seed = <u32>P(p, 2), threshold = <u32>P(p, 3);
  const scale = reinterpret<f32>(P(p, 4));
  const per = (((count + nt - 1) / nt) + 3) & ~3;
  const e0 = tid * per;
  const e1 = min(count, e0 + per);
  const base = seed * 0x85ebca6b;
  const phi = i32x4.splat(<i32>0x9e3779b9);
  const vscale = f32x4.splat(scale);
  const zero = f32x4.splat(0);
  // Unsigned compare h ≥ threshold as signed compare after flipping the sign bits.
  const flip = i32x4.splat(<i32>0x80000000);
  const vthr = v128.xor(i32x4.splat(<i32>threshold), flip);
  let e = e0;
  let idx = i32x4(e0, e0 + 1, e0 + 2, e0 + 3);
  const four = i32x4.splat(4);
  const vbase = i32x4.splat(<i32>base);
  for (; e + 4 <= e1; e += 4) {
    let h = i32x4.add(i32x4.mul(idx, phi), vbase);
    h = v128.xor(h, i32x4.shr_u(h, 16));
    h = i32x4.mul(h, i32x4.splat(0x7feb352d));
    h = v128.xor(h, i32x4.shr_u(h, 15));
    h = i32x4.mul(h, i32x4.splat(<i32>0x846ca68b));
    h = v128.xor(h, i32x4.shr_u(h, 16));
    const keep = i32x4.ge_s(v128.xor(h, flip), vthr);
    v128.store(dst + (<usize>e << 2), v128.bitselect(vscale, zero, keep));
    idx = i32x4.add(idx, four);
  }
  for (; e < e1; e++) {
    let h: u32 = <u32>e * 0x9e3779b9 + base;
    h ^= h >> 16;
    h *= 0x7feb352d;
    h ^= h >> 15;
    h *= 0x846ca68b;
    h ^= h >> 16;
    store<f32>(dst + (<usize>e << 2), h >= threshold ? scale : 0);
  }
}
