/**
 * Whole-image network inversion in row blocks under a memory budget (MintPy maxMemory), on one thread
 * or on worker threads (inversion-worker.ts), both giving the same numbers.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { progress } from "../core/progress";
import { projectRoot } from "../core/project";
import type { Network } from "./network";
import { SbasSolver, emptyResult, type InversionOptions, type InversionResult } from "./inversion";

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

/**
 * Referenced float32 copy of rows [r0, r1) of every pair (zero / NaN → NaN, MintPy's no data), with the
 * block's coherence (weighted inversions only) and skip mask.
 */
export function referencedBlock(input: StackInversionInput, opts: InversionOptions, r0: number, r1: number) {
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

/** Sets the reference pixel of a whole-image result (the last thing `invertStack` does). */
export function finishReference(input: Pick<StackInversionInput, "refIndex" | "net">, out: InversionResult): void {
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
