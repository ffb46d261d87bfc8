/**
 * Phase linking of the paper's multilooked cells on a stack (the DS step between candidate selection and
 * the arc network). For each cell (listed at its first full-resolution pixel, as selection.ts lists
 * multilooked candidates):
 * 1. PS-dominated cells (one pixel's mean amplitude ≥ `psAmplitudeRatio` × the cell's median) are point
 *    scatterers that multilooking merely averaged with clutter: their phase stays the paper's
 *    multilooked phase and they are flagged (they join the PS tier of the network);
 * 2. otherwise the statistically homogeneous pixels (SHP) around the cell are those whose temporal mean
 *    amplitude lies within the confidence interval of the cell's (FaSHPS: Jiang et al. 2015, IEEE TGRS
 *    53(10), with the Rayleigh σ_A/μ_A = 0.5227), connected to the cell inside a
 *    (2·windowRange+1)×(2·windowAzimuth+1) window;
 * 3. with at least `minLooks` SHP the phase comes from phase-link.ts (EMI or the paper's), else the
 *    paper's multilooked phase is kept and the cell is marked as not linked.
 * Cost per DS: O(L·N²) for Ĉ plus O(N³) for the factorisations; rows are read in blocks under a memory
 * budget, so the stack is never held whole.
 */
import { FileError } from "../core/errors";
import type { StackSource } from "./stack";
import { coherenceMatrix, emiPhases, linkingCoherence, singleMasterPhases, type DsMethod } from "./phase-link";

export interface PhaseLinkOptions {
  method: DsMethod;
  /** Looks of the paper's multilook cell (range × azimuth pixels), 5 × 1 in the Foshan study. */
  multilookRange: number;
  multilookAzimuth: number;
  /** SHP search window half-sizes, pixels in range and lines in azimuth. */
  windowRange: number;
  windowAzimuth: number;
  /** SHP test: two-sided normal quantile of the mean-amplitude confidence interval. */
  shpConfidence: number;
  /** Fewer SHP than this → the paper's phase is kept (Ĉ from few looks is too noisy to invert). */
  minLooks: number;
  /** Shrinkage β of Γ̂ towards I in EMI. */
  regularization: number;
  /** Mean amplitude ratio (brightest pixel / cell median) that marks a cell as PS-dominated. */
  psAmplitudeRatio: number;
  memoryBudgetMiB: number;
}

export const PHASE_LINK_DEFAULTS: PhaseLinkOptions = {
  method: "emi",
  multilookRange: 5,
  multilookAzimuth: 1,
  windowRange: 7,
  windowAzimuth: 3,
  shpConfidence: 2.58,
  minLooks: 15,
  regularization: 0.05,
  psAmplitudeRatio: 2,
  memoryBudgetMiB: 512,
};

export interface PhaseLinkResult {
  /** Unit phasors per cell and date, re,im interleaved: phase[(c*N + k)*2] (θ_0 = 0), as Candidates.phase. */
  phase: Float32Array;
  /** Phase-linking temporal coherence γ_PL (NaN for PS-dominated cells). */
  quality: Float32Array;
  /** Number of SHP used (the cell's pixels for PS-dominated or unlinked cells). */
  looks: Int32Array;
  /** 1 where the cell is PS-dominated. */
  psDominated: Uint8Array;
  /** 1 where phase linking (rather than the fallback) produced the phase. */
  linked: Uint8Array;
}

/** Rayleigh amplitude: σ_A/μ_A = √(4/π − 1). */
const RAYLEIGH_CV = Math.sqrt(4 / Math.PI - 1);

export function phaseLinkCells(
  stack: StackSource,
  row: ArrayLike<number>,
  col: ArrayLike<number>,
  options: Partial<PhaseLinkOptions> = {},
): PhaseLinkResult {
  const o = { ...PHASE_LINK_DEFAULTS, ...options };
  const { width, height, dates } = stack.meta;
  const N = dates.length;
  const nc = row.length;
  const out: PhaseLinkResult = {
    phase: new Float32Array(nc * N * 2),
    quality: new Float32Array(nc),
    looks: new Int32Array(nc),
    psDominated: new Uint8Array(nc),
    linked: new Uint8Array(nc),
  };

  if (nc === 0) return out;
  if (col.length !== nc) throw new FileError(stack.meta.source, `phase linking: ${nc} cell rows but ${col.length} cell columns`);
  for (let c = 0; c < nc; c++) {
    if (!(row[c] >= 0 && row[c] < height && col[c] >= 0 && col[c] < width) || !Number.isInteger(row[c]) || !Number.isInteger(col[c])) {
      throw new FileError(stack.meta.source, `phase linking: cell ${c} at row ${row[c]}, column ${col[c]} is outside the ${width}×${height} stack`);
    }
  }
  const mlR = Math.max(1, Math.round(o.multilookRange));
  const mlA = Math.max(1, Math.round(o.multilookAzimuth));
  const wr = Math.max(0, Math.round(o.windowRange));
  const wa = Math.max(0, Math.round(o.windowAzimuth));
  const order = Array.from({ length: nc }, (_, c) => c).sort((a, b) => row[a] - row[b]);
  const perRow = width * N * 8 + width * 8;
  const rowsPerBlock = Math.max(mlA, Math.floor((o.memoryBudgetMiB * 2 ** 20) / perRow) - 2 * wa - mlA);
  const winW = 2 * wr + mlR;
  const winH = 2 * wa + mlA;
  const inWin = new Uint8Array(winW * winH);
  const stackQ: number[] = [];
  const samples = new Float64Array(winW * winH * N * 2);
  const th = new Float64Array(N);

  let q = 0;
  while (q < nc) {
    const r0 = row[order[q]];
    const r1 = Math.min(height, r0 + rowsPerBlock);
    const b0 = Math.max(0, r0 - wa);
    const b1 = Math.min(height, r1 + wa + mlA);
    const raw: Float32Array[] = [];
    for (let k = 0; k < N; k++) raw.push(stack.readRows(k, b0, b1 - b0));
    const bw = (b1 - b0) * width;
    const meanAmp = new Float64Array(bw);
    for (let k = 0; k < N; k++) {
      const s = raw[k];
      for (let i = 0; i < bw; i++) meanAmp[i] += Math.hypot(s[2 * i], s[2 * i + 1]) / N;
    }
    for (; q < nc && row[order[q]] < r1; q++) {
      const c = order[q];
      const cr = row[c] - b0;
      const cc = col[c];
      // The cell's own pixels (clipped at the image edge).
      const cellAmp: number[] = [];
      for (let a = 0; a < mlA && cr + a < b1 - b0; a++) for (let x = 0; x < mlR && cc + x < width; x++) cellAmp.push(meanAmp[(cr + a) * width + cc + x]);
      const sorted = [...cellAmp].sort((u, v) => u - v);
      const med = sorted[sorted.length >> 1];
      const psDom = sorted[sorted.length - 1] >= o.psAmplitudeRatio * med;
      // Window origin (full-resolution, block-relative) and the SHP flood fill from the cell.
      const wy0 = cr - wa;
      const wx0 = cc - wr;
      inWin.fill(0);
      let L = 0;
      const take = (y: number, x: number): void => {
        const p = y * width + x;
        const o2 = L * N * 2;
        for (let k = 0; k < N; k++) {
          samples[o2 + 2 * k] = raw[k][2 * p];
          samples[o2 + 2 * k + 1] = raw[k][2 * p + 1];
        }
        L++;
      };
      if (psDom || o.method === "paper") {
        for (let a = 0; a < mlA; a++) for (let x = 0; x < mlR; x++) if (cr + a < b1 - b0 && cc + x < width) take(cr + a, cc + x);
      } else {
        const mu = cellAmp.reduce((u, v) => u + v, 0) / cellAmp.length;
        const tol = o.shpConfidence * RAYLEIGH_CV * mu * Math.sqrt(1 / N + 1 / (N * cellAmp.length));
        stackQ.length = 0;
        for (let a = 0; a < mlA; a++) {
          for (let x = 0; x < mlR; x++) {
            const y = cr + a;
            const xx = cc + x;
            if (y >= b1 - b0 || xx >= width) continue;
            inWin[(y - wy0) * winW + (xx - wx0)] = 1;
            take(y, xx);
            stackQ.push(y, xx);
          }
        }
        while (stackQ.length) {
          const xx = stackQ.pop()!;
          const y = stackQ.pop()!;
          for (const [dy, dx] of NEIGHBOURS) {
            const ny = y + dy;
            const nx = xx + dx;
            if (ny < wy0 || ny >= wy0 + winH || nx < wx0 || nx >= wx0 + winW) continue;
            if (ny < 0 || ny >= b1 - b0 || nx < 0 || nx >= width) continue;
            const wi = (ny - wy0) * winW + (nx - wx0);
            if (inWin[wi]) continue;
            inWin[wi] = 1;
            if (Math.abs(meanAmp[ny * width + nx] - mu) <= tol) {
              take(ny, nx);
              stackQ.push(ny, nx);
            }
          }
        }
      }
      let linked = false;
      let quality = NaN;
      const paper = (): void => {
        // The paper's phase is always the cell's own pixels: the first mlR·mlA samples taken.
        th.set(singleMasterPhases(samples, Math.min(L, mlR * mlA), N));
      };
      if (psDom) {
        paper();
      } else {
        const C = coherenceMatrix(samples, L, N);
        let linkedPhase: Float64Array | null = null;
        if (o.method === "emi" && L >= o.minLooks) linkedPhase = emiPhases(C.re, C.im, N, o.regularization);
        if (linkedPhase) {
          th.set(linkedPhase);
          linked = true;
        } else paper();
        quality = linkingCoherence(C.re, C.im, N, th);
      }
      out.looks[c] = L;
      out.psDominated[c] = psDom ? 1 : 0;
      out.linked[c] = linked ? 1 : 0;
      out.quality[c] = quality;
      for (let k = 0; k < N; k++) {
        out.phase[(c * N + k) * 2] = Math.cos(th[k]);
        out.phase[(c * N + k) * 2 + 1] = Math.sin(th[k]);
      }
    }
  }
  return out;
}

const NEIGHBOURS: [number, number][] = [
  [0, 1],
  [0, -1],
  [1, 0],
  [-1, 0],
];

/** What the network step needs from the DS step, per candidate. */
export interface LinkedCandidates {
  /** 1 = PS tier (classic PS, PS-dominated cells; every point with "paper"), 2 = linked DS. */
  tier: Uint8Array;
  /** Phase-linking coherence γ_PL (NaN for tier 1). */
  linking: Float64Array;
  /** Per multilooked candidate (in candidate order), the driver's full result. */
  cells: PhaseLinkResult;
}

/**
 * The DS step on selection.ts's candidates: replaces, in place, the phase series of every multilooked
 * candidate (kind 2) by its linked one when `method` is "emi", and assigns the tiers the network
 * integration uses. With "paper" the phases stay the paper's and every point is tier 1 (the paper
 * integrates all points together).
 */
export function linkCandidates(
  stack: StackSource,
  cand: { n: number; K: number; row: Int32Array; col: Int32Array; kind: Uint8Array; phase: Float32Array },
  options: Partial<PhaseLinkOptions> = {},
): LinkedCandidates {
  const o = { ...PHASE_LINK_DEFAULTS, ...options };
  const idx: number[] = [];
  for (let c = 0; c < cand.n; c++) if (cand.kind[c] === 2) idx.push(c);
  const cells = phaseLinkCells(stack, idx.map((c) => cand.row[c]), idx.map((c) => cand.col[c]), o);
  const tier = new Uint8Array(cand.n).fill(1);
  const linking = new Float64Array(cand.n).fill(NaN);
  if (o.method === "emi") {
    const K = cand.K;
    idx.forEach((c, q) => {
      cand.phase.set(cells.phase.subarray(q * K * 2, (q + 1) * K * 2), c * K * 2);
      if (!cells.psDominated[q]) {
        tier[c] = 2;
        linking[c] = cells.quality[q];
      }
    });
  }
  return { tier, linking, cells };
}
