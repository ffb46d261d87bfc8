/**
 * Network inversion of unwrapped interferograms into a phase time series per pixel, with MintPy's
 * ifgram_inversion semantics: minimum-norm velocity design B (Berardino et al. 2002), weights from
 * coherence, observations equal to zero or NaN treated as no data and dropped per pixel, a pixel
 * skipped when any date (after the first) has fewer than `minRedundancy` interferograms, minimum-norm
 * solutions where the pixel's network is rank deficient (disconnected), temporal coherence
 * |Σ exp(j·e)| / m of the unweighted residuals.
 *
 * Speed: the normal matrix BᵀWB is banded, so each pixel costs a band Cholesky; unweighted pixels
 * sharing a no-data pattern share one factorisation (cached by pattern). Whole images in row blocks,
 * on worker threads: inversion-stack.ts.
 */
import type { Network } from "./network";
import { tbaseDiff } from "./network";
import { choleskyBanded, choleskySolveBanded, solveSpd } from "./linalg";
import { type WeightFunc, weightFunction } from "./weights";

export interface InversionOptions {
  weightFunc: WeightFunc;
  /** Minimum number of interferograms per date (MintPy minRedundancy, default 1). */
  minRedundancy: number;
  /** Independent looks L for the `var` / `fim` weights. */
  looks: number;
}

export interface InversionBlock {
  /** Number of pixels in the block. */
  nPix: number;
  /** Per pair: referenced unwrapped phase (radians) of the block's pixels; NaN or 0 = no data. */
  phase: ArrayLike<number>[];
  /** Per pair: coherence (needed unless weightFunc is `no`). */
  coherence?: ArrayLike<number>[];
  /** Pixels not to invert (water, zero average coherence); 1 = skip. */
  skip?: Uint8Array;
}

export interface InversionResult {
  /** Per date: phase time series (radians, first date 0); 0 where not inverted (MintPy). */
  ts: Float32Array[];
  temporalCoherence: Float32Array;
  numInvIfgram: Int16Array;
  /** Pixels whose network was rank deficient (solved minimum-norm). */
  rankDeficient: number;
  inverted: number;
}

interface PatternFactor {
  ok: boolean;
  rankDeficient: boolean;
  /** Cholesky factor (banded, dense storage) when full rank. */
  factor?: Float64Array;
  normal?: Float64Array;
}

/** Reusable per-network state for solving one block after another. */
export class SbasSolver {
  readonly m: number;
  readonly n: number;
  readonly band: number;
  readonly dt: Float64Array;
  readonly ref: Int32Array;
  readonly sec: Int32Array;
  private readonly weight: (c: number) => number;
  private readonly cache = new Map<string, PatternFactor>();
  private readonly nMat: Float64Array;
  private readonly work: Float64Array;
  private readonly rhs: Float64Array;
  private readonly x: Float64Array;
  private readonly w: Float64Array;
  private readonly y: Float64Array;
  private readonly valid: Uint8Array;
  private readonly keyWords: Uint32Array;
  private readonly dateCount: Int32Array;

  constructor(
    readonly net: Network,
    readonly opts: InversionOptions,
  ) {
    this.m = net.pairs.length;
    this.n = net.dates.length - 1;
    if (this.m === 0) throw new Error("the interferogram network is empty: no pairs to invert");
    if (this.n < 1) throw new Error("the network needs at least two dates");
    this.dt = tbaseDiff(net.dates);
    this.ref = Int32Array.from(net.pairs.map((p) => p[0]));
    this.sec = Int32Array.from(net.pairs.map((p) => p[1]));
    let span = 1;
    for (const [i, j] of net.pairs) {
      if (!(i < j && i >= 0 && j <= this.n)) throw new Error(`bad pair [${i}, ${j}] for ${net.dates.length} dates`);
      span = Math.max(span, j - i);
    }
    this.band = span - 1;
    this.weight = weightFunction(opts.weightFunc, opts.looks);
    this.nMat = new Float64Array(this.n * this.n);
    this.work = new Float64Array(2 * this.n * this.n + 3 * this.n);
    this.rhs = new Float64Array(this.n);
    this.x = new Float64Array(this.n);
    this.w = new Float64Array(this.m);
    this.y = new Float64Array(this.m);
    this.valid = new Uint8Array(this.m);
    this.keyWords = new Uint32Array(Math.ceil(this.m / 32));
    this.dateCount = new Int32Array(this.n + 1);
  }

  /** Adds w·bᵀb of pair k to the normal matrix (lower band). */
  private accumulate(nMat: Float64Array, k: number, w: number): void {
    const n = this.n;
    const dt = this.dt;
    for (let s = this.ref[k]; s < this.sec[k]; s++) {
      const ws = w * dt[s];
      const row = s * n;
      for (let t = this.ref[k]; t <= s; t++) nMat[row + t] += ws * dt[t];
    }
  }

  private zeroBand(nMat: Float64Array): void {
    const n = this.n;
    for (let i = 0; i < n; i++) nMat.fill(0, i * n + Math.max(0, i - this.band), i * n + i + 1);
  }

  private redundancyOk(valid: Uint8Array): boolean {
    if (this.opts.minRedundancy <= 0) return true;
    const cnt = this.dateCount;
    cnt.fill(0);
    for (let k = 0; k < this.m; k++) {
      if (!valid[k]) continue;
      cnt[this.ref[k]]++;
      cnt[this.sec[k]]++;
    }
    // MintPy counts non-zeros of A's columns, i.e. every date but the first.
    for (let d = 1; d <= this.n; d++) if (cnt[d] < this.opts.minRedundancy) return false;
    return true;
  }

  /** Factor of the all-valid network, shared by every pixel without gaps (unweighted). */
  private fullFactor: PatternFactor | undefined;
  /** Patterns seen once (count) and factored patterns, for gaps shared by neighbouring pixels. */
  private readonly seen = new Map<string, number>();

  private factorFor(valid: Uint8Array, w: number | null): PatternFactor {
    const n = this.n;
    const normal = new Float64Array(n * n);
    for (let k = 0; k < this.m; k++) if (valid[k]) this.accumulate(normal, k, w ?? 1);
    const factor = new Float64Array(normal);
    let maxDiag = 0;
    for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, normal[i * n + i]);
    if (choleskyBanded(factor, n, this.band, 1e-9 * maxDiag)) return { ok: true, rankDeficient: false, factor };
    return { ok: true, rankDeficient: true, normal };
  }

  /**
   * Unweighted pixels: the all-valid factor is computed once; a gap pattern gets its own cached factor
   * from its second occurrence on (holes are spatially contiguous, so neighbours share patterns);
   * a pattern seen once is solved directly without caching.
   */
  private patternFactor(valid: Uint8Array, count: number): PatternFactor | null {
    if (count === this.m) {
      if (!this.fullFactor) this.fullFactor = this.redundancyOk(valid) ? this.factorFor(valid, null) : { ok: false, rankDeficient: false };
      return this.fullFactor;
    }
    const kw = this.keyWords;
    kw.fill(0);
    for (let k = 0; k < this.m; k++) if (valid[k]) kw[k >> 5] |= 1 << (k & 31);
    const key = kw.join(",");
    const hit = this.cache.get(key);
    if (hit) return hit;
    const c = (this.seen.get(key) ?? 0) + 1;
    if (c < 2) {
      if (this.seen.size > 100_000) this.seen.clear();
      this.seen.set(key, c);
      return null;
    }
    const f = this.redundancyOk(valid) ? this.factorFor(valid, null) : { ok: false, rankDeficient: false };
    if (this.cache.size > 2000) this.cache.clear();
    this.cache.set(key, f);
    this.seen.delete(key);
    return f;
  }

  /** Inverts one block of pixels into `out` at pixel offset `offset`. */
  solveBlock(block: InversionBlock, out: InversionResult, offset = 0): void {
    const { m, n, dt, ref, sec, y, w, valid, x, rhs } = this;
    const unweighted = this.opts.weightFunc === "no";
    if (!unweighted && !block.coherence) throw new Error(`weight function "${this.opts.weightFunc}" needs coherence`);
    if (block.phase.length !== m) throw new Error(`block has ${block.phase.length} phase bands for ${m} pairs`);
    const tsCum = new Float64Array(n + 1);
    for (let p = 0; p < block.nPix; p++) {
      const o = offset + p;
      if (block.skip && block.skip[p]) continue;
      let count = 0;
      for (let k = 0; k < m; k++) {
        const v = block.phase[k][p];
        const ok = v === v && v !== 0;
        valid[k] = ok ? 1 : 0;
        if (ok) {
          y[k] = v;
          count++;
        }
      }
      if (count === 0) continue;
      rhs.fill(0);
      let rankDef = false;
      const f = unweighted ? this.patternFactor(valid, count) : null;
      if (f) {
        if (!f.ok) continue;
        for (let k = 0; k < m; k++) {
          if (!valid[k]) continue;
          const yk = y[k];
          for (let s = ref[k]; s < sec[k]; s++) rhs[s] += dt[s] * yk;
        }
        if (f.factor) {
          x.set(rhs);
          choleskySolveBanded(f.factor, n, this.band, x);
        } else {
          solveSpd(f.normal!, n, this.band, rhs, x, this.work);
          rankDef = true;
        }
      } else {
        if (!this.redundancyOk(valid)) continue;
        const coh = block.coherence;
        const nMat = this.nMat;
        this.zeroBand(nMat);
        for (let k = 0; k < m; k++) {
          if (!valid[k]) continue;
          const wk = unweighted ? 1 : this.weight(coh![k][p]);
          w[k] = wk;
          this.accumulate(nMat, k, wk);
          const wy = wk * y[k];
          for (let s = ref[k]; s < sec[k]; s++) rhs[s] += dt[s] * wy;
        }
        // Factor in place (the common, full-rank case); rebuild the matrix only for the fallback.
        let maxDiag = 0;
        for (let i = 0; i < n; i++) if (nMat[i * n + i] > maxDiag) maxDiag = nMat[i * n + i];
        if (maxDiag > 0 && choleskyBanded(nMat, n, this.band, 1e-9 * maxDiag)) {
          x.set(rhs);
          choleskySolveBanded(nMat, n, this.band, x);
        } else {
          this.zeroBand(nMat);
          for (let k = 0; k < m; k++) if (valid[k]) this.accumulate(nMat, k, w[k]);
          rankDef = solveSpd(nMat, n, this.band, rhs, x, this.work);
        }
      }
      tsCum[0] = 0;
      for (let s = 0; s < n; s++) tsCum[s + 1] = tsCum[s] + x[s] * dt[s];
      let re = 0;
      let im = 0;
      for (let k = 0; k < m; k++) {
        if (!valid[k]) continue;
        const e = y[k] - (tsCum[sec[k]] - tsCum[ref[k]]);
        re += Math.cos(e);
        im += Math.sin(e);
      }
      for (let d = 0; d <= n; d++) out.ts[d][o] = tsCum[d];
      out.temporalCoherence[o] = Math.hypot(re, im) / count;
      out.numInvIfgram[o] = count;
      out.inverted++;
      if (rankDef) out.rankDeficient++;
    }
  }
}

export function emptyResult(nDates: number, nPix: number): InversionResult {
  return {
    ts: Array.from({ length: nDates }, () => new Float32Array(nPix)),
    temporalCoherence: new Float32Array(nPix),
    numInvIfgram: new Int16Array(nPix),
    rankDeficient: 0,
    inverted: 0,
  };
}

/** Inverts a whole block in one call (tests, small stacks). */
export function invertNetwork(net: Network, block: InversionBlock, opts: InversionOptions): InversionResult {
  const solver = new SbasSolver(net, opts);
  const out = emptyResult(net.dates.length, block.nPix);
  solver.solveBlock(block, out);
  return out;
}
