/**
 * Network inversion of unwrapped interferograms into a phase time series per pixel, with MintPy's
 * ifgram_inversion semantics: minimum-norm velocity design B (Berardino et al. 2002), weights from
 * coherence, observations equal to zero or NaN treated as no data and dropped per pixel, a pixel
 * skipped when any date (after the first) has fewer than `minRedundancy` interferograms, minimum-norm
 * solutions where the pixel's network is rank deficient (disconnected), temporal coherence
 * |Σ exp(j·e)| / m of the unweighted residuals.
 *
 * Speed: the normal matrix BᵀWB is banded, so each pixel costs a band Cholesky; unweighted pixels
 * sharing a no-data pattern share one factorisation (cached by pattern).
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { progress } from "../core/progress";
import { projectRoot } from "../core/project";
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

export interface StackInversionInput {
  net: Network;
  width: number;
  height: number;
  /** Per kept pair: full-image phase (radians), not yet referenced. */
  phase: Float32Array[];
  coherence?: Float32Array[];
  /** Per kept pair: value subtracted from every valid pixel (the reference pixel's phase). */
  refPhase: Float64Array;
  skip?: Uint8Array;
  /** Reference pixel index (row·width + col): its time series is 0 by definition. */
  refIndex?: number;
  /** Working-memory budget for one row block, bytes (MintPy maxMemory). */
  maxMemoryBytes: number;
  quiet?: boolean;
}

/**
 * Whole-image inversion in row blocks under a memory budget: each block's referenced phase (and
 * coherence) is copied into float32 working arrays, so memory beyond the input stack stays bounded.
 */
function blockRows(input: StackInversionInput, opts: InversionOptions, threads: number): number {
  const m = input.net.pairs.length;
  const perRow = input.width * m * 4 * (input.coherence && opts.weightFunc !== "no" ? 2 : 1);
  const budget = input.maxMemoryBytes / Math.max(1, threads);
  let rows = Math.max(1, Math.min(input.height, Math.floor(budget / Math.max(1, perRow))));
  // several blocks per thread keep the threads busy to the end
  if (threads > 1) rows = Math.max(1, Math.min(rows, Math.ceil(input.height / (4 * threads))));
  return rows;
}

/** Referenced float32 copy of rows [r0, r1) of every pair (zero / NaN → NaN, MintPy's no data). */
function referencedBlock(input: StackInversionInput, opts: InversionOptions, r0: number, r1: number) {
  const p0 = r0 * input.width;
  const nPix = (r1 - r0) * input.width;
  const phase: Float32Array[] = [];
  input.phase.forEach((full, k) => {
    const src = full.subarray(p0, p0 + nPix);
    const dst = new Float32Array(nPix);
    const rp = input.refPhase[k];
    for (let i = 0; i < nPix; i++) {
      const v = src[i];
      dst[i] = v === 0 || v !== v ? NaN : v - rp;
    }
    phase.push(dst);
  });
  const coherence = opts.weightFunc !== "no" && input.coherence ? input.coherence.map((c) => c.slice(p0, p0 + nPix)) : undefined;
  const skip = input.skip ? input.skip.slice(p0, p0 + nPix) : undefined;
  return { p0, nPix, phase, coherence, skip };
}

function finishReference(input: StackInversionInput, out: InversionResult): void {
  if (input.refIndex !== undefined && input.refIndex >= 0) {
    // The reference pixel's referenced phase is zero everywhere, which MintPy reads as no data;
    // its time series is zero by definition and it is perfectly coherent.
    const r = input.refIndex;
    for (const t of out.ts) t[r] = 0;
    out.temporalCoherence[r] = 1;
    out.numInvIfgram[r] = input.net.pairs.length;
  }
}

export function invertStack(input: StackInversionInput, opts: InversionOptions): InversionResult {
  const { net, width, height } = input;
  const solver = new SbasSolver(net, opts);
  const out = emptyResult(net.dates.length, width * height);
  const rowsPerBlock = blockRows(input, opts, 1);
  const nBlocks = Math.ceil(height / rowsPerBlock);
  const bar = progress("sbas inversion", nBlocks, { unit: "blocks", quiet: input.quiet });
  for (let b = 0; b < nBlocks; b++) {
    const r0 = b * rowsPerBlock;
    const r1 = Math.min(height, r0 + rowsPerBlock);
    const blk = referencedBlock(input, opts, r0, r1);
    solver.solveBlock(blk, out, blk.p0);
    bar.tick(1, `${r1}/${height} rows`);
  }
  bar.done();
  finishReference(input, out);
  return out;
}

/** Pixels × interferograms below which worker threads do not pay for their start-up. */
export const MIN_PARALLEL_WORK = 20_000_000;

/** The worker script, run through tsx; absent (e.g. a packaged build) means single-threaded. */
export function inversionWorkerScript(): string | null {
  try {
    const f = join(projectRoot(), "src", "sbas", "inversion-worker.ts");
    return existsSync(f) ? f : null;
  } catch {
    return null;
  }
}

/**
 * Same result as `invertStack`, with row blocks solved on `threads` worker threads (each block's
 * buffers are transferred to a worker and its results back). Falls back to one thread when workers
 * cannot start.
 */
export async function invertStackParallel(input: StackInversionInput, opts: InversionOptions, threads: number): Promise<InversionResult> {
  const script = inversionWorkerScript();
  const { net, width, height } = input;
  // Starting a worker (tsx compiling the solver) costs about a second: small stacks stay on one thread.
  const work = width * height * net.pairs.length;
  if (threads <= 1 || !script || height < 2 || work < MIN_PARALLEL_WORK) return invertStack(input, opts);
  const rowsPerBlock = blockRows(input, opts, threads);
  const nBlocks = Math.ceil(height / rowsPerBlock);
  const nWorkers = Math.min(threads, nBlocks);
  const out = emptyResult(net.dates.length, width * height);
  const bar = progress("sbas inversion", nBlocks, { unit: "blocks", quiet: input.quiet });
  // The worker loads its TypeScript through tsx's scoped loader, which works whether the parent runs
  // under tsx, vitest or tslab (a process-wide `--import tsx` is not inherited by worker threads).
  const root = projectRoot();
  const tsxApi = join(dirname(createRequire(join(root, "package.json")).resolve("tsx/package.json")), "dist", "esm", "api", "index.mjs");
  const boot = `import(${JSON.stringify(pathToFileURL(tsxApi).href)}).then((m) => m.tsImport(${JSON.stringify(pathToFileURL(script).href)}, ${JSON.stringify(pathToFileURL(join(root, "package.json")).href)}));`;
  const workers = Array.from({ length: nWorkers }, () => new Worker(boot, { eval: true, workerData: { net, opts } }));
  let next = 0;
  let failure: Error | undefined;
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const offsets = new Map<number, number>();
            const send = (): void => {
              if (next >= nBlocks || failure) {
                resolve();
                return;
              }
              const b = next++;
              const r0 = b * rowsPerBlock;
              const blk = referencedBlock(input, opts, r0, Math.min(height, r0 + rowsPerBlock));
              offsets.set(b, blk.p0);
              const transfer = [...blk.phase.map((a) => a.buffer), ...(blk.coherence ?? []).map((a) => a.buffer)];
              if (blk.skip) transfer.push(blk.skip.buffer);
              w.postMessage({ id: b, nPix: blk.nPix, phase: blk.phase, coherence: blk.coherence, skip: blk.skip }, transfer as ArrayBuffer[]);
            };
            w.on("message", (msg: { id: number; error?: string; ts: Float32Array[]; tcoh: Float32Array; num: Int16Array; rankDeficient: number; inverted: number }) => {
              if (msg.error) {
                failure = new Error(`inversion worker: ${msg.error}`);
                reject(failure);
                return;
              }
              const p0 = offsets.get(msg.id)!;
              msg.ts.forEach((t, d) => out.ts[d].set(t, p0));
              out.temporalCoherence.set(msg.tcoh, p0);
              out.numInvIfgram.set(msg.num, p0);
              out.rankDeficient += msg.rankDeficient;
              out.inverted += msg.inverted;
              bar.tick(1);
              send();
            });
            w.on("error", (e) => {
              failure = e;
              reject(e);
            });
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  bar.done();
  finishReference(input, out);
  return out;
}
