/**
 * Runs the per-arc periodogram over all arcs, in worker threads when asked. Workers get the kernel's
 * source text (so this works the same under tsx, vitest and tslab's CommonJS build, which have no common
 * worker-script path) and share the candidates' phasors through a SharedArrayBuffer; arcs travel in
 * chunks so the progress bar advances and both cores stay busy.
 */
import { Worker } from "node:worker_threads";
import { progress } from "../core/progress";
import { arcSearchKernel, type ArcModel, type SearchGrid } from "./periodogram";

export interface ArcSearchResult {
  /** Δv mm/yr, Δz m, γ per arc. */
  dv: Float64Array;
  dz: Float64Array;
  gamma: Float64Array;
  /** Seconds spent in the search and arcs per second. */
  seconds: number;
  arcsPerSecond: number;
  workers: number;
}

const CHUNK = 512;

function workerSource(): string {
  return `
const { parentPort, workerData } = require("node:worker_threads");
var __name = function (f) { return f; };
const kernel = (${arcSearchKernel.toString()});
const d = workerData;
parentPort.on("message", (m) => {
  const out = new Float64Array((m.to - m.from) * 3);
  kernel(d.phase, d.K, d.arcI, d.arcJ, m.from, m.to, d.a, d.b, d.vMax, d.vStep, d.zMax, d.zStep, out);
  parentPort.postMessage({ from: m.from, to: m.to, out }, [out.buffer]);
});
`;
}

function shared<T extends Float64Array | Int32Array | Float32Array>(src: T): T {
  if (src.buffer instanceof SharedArrayBuffer) return src;
  const C = src.constructor as { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };
  const out = new C(new SharedArrayBuffer(src.length * C.BYTES_PER_ELEMENT));
  out.set(src as never);
  return out;
}

export async function searchArcs(
  phase: Float32Array,
  K: number,
  arcI: Int32Array,
  arcJ: Int32Array,
  model: ArcModel,
  grid: SearchGrid,
  opts: { workers?: number; quiet?: boolean } = {},
): Promise<ArcSearchResult> {
  const n = arcI.length;
  const dv = new Float64Array(n);
  const dz = new Float64Array(n);
  const gamma = new Float64Array(n);
  const store = (from: number, out: Float64Array): void => {
    for (let e = 0; e < out.length / 3; e++) {
      dv[from + e] = out[3 * e];
      dz[from + e] = out[3 * e + 1];
      gamma[from + e] = out[3 * e + 2];
    }
  };
  const bar = progress("ps: arc periodogram", n, { unit: "arcs", quiet: opts.quiet });
  const t0 = performance.now();
  const nw = Math.max(0, Math.floor(opts.workers ?? 0));
  if (nw === 0 || n < 4 * CHUNK) {
    for (let from = 0; from < n; from += CHUNK) {
      const to = Math.min(n, from + CHUNK);
      const out = new Float64Array((to - from) * 3);
      arcSearchKernel(phase, K, arcI, arcJ, from, to, model.a, model.b, grid.velocitySearch, grid.velocityStep, grid.demSearch, grid.demStep, out);
      store(from, out);
      bar.tick(to - from);
    }
  } else {
    const data = {
      phase: shared(phase),
      K,
      arcI: shared(arcI),
      arcJ: shared(arcJ),
      a: model.a,
      b: model.b,
      vMax: grid.velocitySearch,
      vStep: grid.velocityStep,
      zMax: grid.demSearch,
      zStep: grid.demStep,
    };
    const src = workerSource();
    const workers = Array.from({ length: nw }, () => new Worker(src, { eval: true, workerData: data }));
    let next = 0;
    try {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              const send = (): void => {
                if (next >= n) {
                  resolve();
                  return;
                }
                const from = next;
                const to = Math.min(n, from + CHUNK);
                next = to;
                w.postMessage({ from, to });
              };
              w.on("message", (m: { from: number; to: number; out: Float64Array }) => {
                store(m.from, m.out);
                bar.tick(m.to - m.from);
                send();
              });
              w.on("error", reject);
              w.on("exit", (code) => {
                if (code !== 0) reject(new Error(`arc search worker exited with code ${code}`));
              });
              send();
            }),
        ),
      );
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  }
  bar.done();
  const seconds = (performance.now() - t0) / 1000;
  return { dv, dz, gamma, seconds, arcsPerSecond: seconds > 0 ? n / seconds : 0, workers: nw === 0 || n < 4 * CHUNK ? 0 : nw };
}
