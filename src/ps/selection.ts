/**
 * PS candidate selection, the paper's improvement (seed 001 §2, Fig 2):
 * 1. classic PS: per-date amplitude calibration, amplitude dispersion D_A = σ_A/μ_A below a threshold;
 * 2. extra PS: SLCs multilooked 5 (range) × 1 (azimuth); differential interferograms on a network
 *    pairing every image with its next `networkNeighbours` images; a temporal coherence per multilooked
 *    pixel; pixels above the threshold (0.38) become PS at the first full-resolution pixel of the cell;
 * 3. merge: where a classic PS lies inside a selected multilooked cell, the multilooked point wins (its
 *    multilooked phase has the higher SNR, paper §2).
 *
 * The paper does not define its temporal coherence; three standard estimators are offered:
 * - "spatialResidual" (default): StaMPS-style (Hooper et al. 2004): |mean over interferograms of
 *   e^{i(φ − φ̃)}| where φ̃ is the phase of the neighbours' mean phasor in a coherenceWindow² window
 *   (centre excluded); reliable where coherent pixels are dense (cities), pessimistic for isolated cells.
 * - "windowCoherence": the mean over the network of the sample coherence |Σ s_m s_n*|/√(Σ|s_m|²Σ|s_n|²)
 *   estimated over coherenceWindow multilooked cells in azimuth (×5 looks each); biased upwards for few
 *   looks (≈ √(π/4L) at zero coherence) and smeared over the window.
 *
 * Every candidate's phase series is its interferogram against the first date (Σ over the cell's pixels
 * of s_k·s_0*, one pixel for classic PS), stored as unit phasors: the same quantity for both kinds.
 */
import { progress } from "../core/progress";
import { FileError } from "../core/errors";
import { accumulate, amplitudeAnomalies, emptyStats } from "./amplitude-check";
import type { StackSource } from "./stack-source";
import { spatialResidualCoherence, windowCoherence } from "./selection-coherence";
import type { SelectionParams } from "./params";

export type { CoherenceMethod } from "./params";

/** The selection parameters of params.ts, and whether the paper's extra PS are on. */
export interface SelectOptions extends SelectionParams {
  /** Turn the paper's extra PS off (classic PS-InSAR only), e.g. for the with/without comparison. */
  useMultilook?: boolean;
}

/** Candidates: full-resolution row/col, kind, quality and the phase series as unit phasors. */
export interface Candidates {
  n: number;
  /** Dates per candidate. */
  K: number;
  row: Int32Array;
  col: Int32Array;
  /** 1 = classic (amplitude dispersion), 2 = multilooked (temporal coherence). */
  kind: Uint8Array;
  /** D_A for classic, temporal coherence for multilooked. */
  quality: Float32Array;
  /** Interleaved re,im unit phasors, candidate-major: phase[(i*K + k)*2]; backed by a SharedArrayBuffer. */
  phase: Float32Array;
  lon: Float64Array;
  lat: Float64Array;
}

export interface SelectionResult {
  candidates: Candidates;
  counts: { classic: number; multilook: number; classicInsideMultilook: number; merged: number };
  /** Amplitude calibration factor of each date (mean amplitude / mean over dates). */
  calibration: Float64Array;
  /** Per-pixel amplitude dispersion (full resolution). */
  dispersion: Float32Array;
  /** Per multilooked cell temporal coherence, `mlHeight × mlWidth`. */
  coherence: Float32Array;
  mlWidth: number;
  mlHeight: number;
  /** Interferogram pairs of the network (date indices). */
  pairs: [number, number][];
}

/** Pairs every date with its next `neighbours` dates (paper §2: at least the two temporally adjacent). */
export function adjacentNetwork(nDates: number, neighbours: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let m = 0; m < nDates; m++) for (let j = 1; j <= neighbours && m + j < nDates; j++) pairs.push([m, m + j]);
  return pairs;
}

/** Amplitude dispersion from calibrated amplitudes: σ_A/μ_A per pixel (sample std). */
export function amplitudeDispersion(amps: Float64Array[], calibration: ArrayLike<number>): Float32Array {
  const n = amps[0].length;
  const K = amps.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    let s2 = 0;
    for (let k = 0; k < K; k++) {
      const a = amps[k][i] / calibration[k];
      s += a;
      s2 += a * a;
    }
    const mu = s / K;
    const v = Math.max(0, (s2 - K * mu * mu) / (K - 1));
    out[i] = mu > 0 ? Math.sqrt(v) / mu : Infinity;
  }
  return out;
}

class Growable {
  row: number[] = [];
  col: number[] = [];
  kind: number[] = [];
  quality: number[] = [];
  phases: Float32Array[] = [];
}

/** Rows per block so that all dates of a block (plus interferograms) fit the memory budget. */
export function blockRows(width: number, K: number, pairs: number, budgetMiB: number, multiple: number): number {
  const perRow = width * 8 * (K + pairs / 2 + 2) + 64;
  const rows = Math.floor((budgetMiB * 1024 * 1024) / perRow);
  return Math.max(multiple, rows - (rows % multiple));
}

/** The block and multilook layout one selection works in. */
interface Layout {
  width: number;
  height: number;
  K: number;
  mlR: number;
  mlA: number;
  mlW: number;
  mlH: number;
  pairs: [number, number][];
  halfWin: number;
  rowsPerBlock: number;
}

function layoutOf(stack: StackSource, p: SelectOptions): Layout {
  const { width, height, dates } = stack.meta;
  const K = dates.length;
  const mlR = Math.max(1, Math.round(p.multilookRange));
  const mlA = Math.max(1, Math.round(p.multilookAzimuth));
  const pairs = adjacentNetwork(K, Math.max(1, Math.round(p.networkNeighbours)));
  return {
    width,
    height,
    K,
    mlR,
    mlA,
    mlW: Math.floor(width / mlR),
    mlH: Math.floor(height / mlA),
    pairs,
    halfWin: Math.max(0, Math.floor(p.coherenceWindow / 2)),
    rowsPerBlock: Math.min(height, blockRows(width, K, pairs.length, p.memoryBudgetMiB, mlA)),
  };
}

/**
 * Selection in three named passes: amplitude calibration (one read of the stack), classic and
 * multilooked candidates block by block (a second read), then the merge.
 */
export function selectCandidates(stack: StackSource, p: SelectOptions, opts: { quiet?: boolean } = {}): SelectionResult {
  const g = layoutOf(stack, p);
  const calibration = amplitudeCalibration(stack, g, opts);
  const scan = scanBlocks(stack, g, p, calibration, opts);
  return mergeCandidates(stack, g, scan, calibration);
}

/** Pass 1: per-date mean amplitude (the scene-wide brightness of each acquisition) relative to the mean over dates. */
function amplitudeCalibration(stack: StackSource, g: Layout, opts: { quiet?: boolean }): Float64Array {
  const { height, K, rowsPerBlock } = g;
  const dates = stack.meta.dates;
  const nBlocks = Math.ceil(height / rowsPerBlock);
  const ampSum = new Float64Array(K);
  const stats = dates.map(() => emptyStats());
  const bar1 = progress("ps: amplitude calibration", nBlocks * K, { unit: "block-dates", quiet: opts.quiet });
  for (let r0 = 0; r0 < height; r0 += rowsPerBlock) {
    const rows = Math.min(rowsPerBlock, height - r0);
    for (let k = 0; k < K; k++) {
      const s = stack.readRows(k, r0, rows);
      let acc = 0;
      for (let i = 0; i < s.length; i += 2) acc += Math.hypot(s[i], s[i + 1]);
      ampSum[k] += acc;
      accumulate(stats[k], s);
      bar1.tick();
    }
  }
  bar1.done();
  const anomalies = amplitudeAnomalies(stats, dates);
  if (anomalies.length) {
    throw new FileError(
      stack.meta.source,
      `${anomalies.length} SLC date${anomalies.length > 1 ? "s look" : " looks"} corrupt:\n  ${anomalies.map((a) => `${a.problem}${stack.fileOf ? ` (${stack.fileOf(a.dateIndex)})` : ""}`).join("\n  ")}\n` +
        `Exclude the date(s) or re-export the SLC; the amplitude statistics would be wrong.`,
    );
  }
  const meanAll = ampSum.reduce((a, b) => a + b, 0) / K;
  const calibration = Float64Array.from(ampSum, (v) => (meanAll > 0 ? v / meanAll : 1));
  calibration.forEach((c, k) => {
    if (!(c > 0)) throw new FileError(stack.meta.source, `date ${dates[k]} has zero amplitude everywhere (empty SLC?)`);
  });
  return calibration;
}

interface Scan {
  classic: Growable;
  multi: Growable;
  dispersion: Float32Array;
  coherence: Float32Array;
}

/** Pass 2: classic PS (D_A) and multilooked cells above the coherence threshold, block by block. */
function scanBlocks(stack: StackSource, g: Layout, p: SelectOptions, calibration: Float64Array, opts: { quiet?: boolean }): Scan {
  const { width, height, K, mlA, mlW, mlH, halfWin, rowsPerBlock } = g;
  const useMl = p.useMultilook !== false;
  const scan: Scan = { classic: new Growable(), multi: new Growable(), dispersion: new Float32Array(width * height), coherence: new Float32Array(mlW * mlH) };
  const bar2 = progress("ps: candidate selection", height, { unit: "rows", quiet: opts.quiet });
  for (let r0 = 0; r0 < height; r0 += rowsPerBlock) {
    const rows = Math.min(rowsPerBlock, height - r0);
    const haloRows = halfWin * mlA;
    const b0 = Math.max(0, r0 - haloRows);
    const b1 = Math.min(height, r0 + rows + haloRows);
    const raw: Float32Array[] = [];
    for (let k = 0; k < K; k++) raw.push(stack.readRows(k, b0, b1 - b0));
    classicInBlock(raw, g, r0, rows, b0, calibration, p.amplitudeDispersionMax, scan);
    if (useMl) multilookInBlock(raw, g, r0, rows, b0, b1 - b0, p, scan);
    bar2.tick(rows);
  }
  bar2.done();
  return scan;
}

function classicInBlock(raw: Float32Array[], g: Layout, r0: number, rows: number, b0: number, calibration: Float64Array, threshold: number, scan: Scan): void {
  const { width, K } = g;
  const classic = scan.classic;
  const core0 = (r0 - b0) * width;
  const amps: Float64Array[] = raw.map((s) => {
    const a = new Float64Array(rows * width);
    for (let i = 0; i < a.length; i++) a[i] = Math.hypot(s[2 * (core0 + i)], s[2 * (core0 + i) + 1]);
    return a;
  });
  const da = amplitudeDispersion(amps, calibration);
  scan.dispersion.set(da, r0 * width);
  for (let i = 0; i < da.length; i++) {
    if (!(da[i] < threshold)) continue;
    const ph = new Float32Array(K * 2);
    const j = core0 + i;
    const r = raw[0][2 * j];
    const im = raw[0][2 * j + 1];
    for (let k = 0; k < K; k++) {
      const a = raw[k][2 * j];
      const b = raw[k][2 * j + 1];
      // s_k · conj(s_0)
      const re = a * r + b * im;
      const ii = b * r - a * im;
      const m = Math.hypot(re, ii) || 1;
      ph[2 * k] = re / m;
      ph[2 * k + 1] = ii / m;
    }
    classic.row.push(r0 + Math.floor(i / width));
    classic.col.push(i % width);
    classic.kind.push(1);
    classic.quality.push(da[i]);
    classic.phases.push(ph);
  }
}

/** The multilooked cells of one block (halo rows included for the coherence window): network, coherence, phase. */
function multilookInBlock(raw: Float32Array[], g: Layout, r0: number, rows: number, b0: number, bRows: number, p: SelectOptions, scan: Scan): void {
  const { width, K, mlR, mlA, mlW, pairs, halfWin } = g;
  const P = pairs.length;
  const multi = scan.multi;
  // Multilooked cells of the block (with halo): interferograms of the network and powers.
  const cr0 = b0 / mlA;
  const cRows = Math.floor(bRows / mlA);
  const nc = cRows * mlW;
  const ire = new Float32Array(P * nc);
  const iim = new Float32Array(P * nc);
  const pow = p.temporalCoherence === "windowCoherence" ? new Float32Array(K * nc) : null;
  for (let c = 0; c < nc; c++) {
    const cr = Math.floor(c / mlW);
    const cc = c % mlW;
    for (let q = 0; q < P; q++) {
      const [m, nn] = pairs[q];
      const sm = raw[m];
      const sn = raw[nn];
      let re = 0;
      let im = 0;
      for (let a = 0; a < mlA; a++) {
        const base = (cr * mlA + a) * width + cc * mlR;
        for (let x = 0; x < mlR; x++) {
          const j = 2 * (base + x);
          re += sm[j] * sn[j] + sm[j + 1] * sn[j + 1];
          im += sm[j + 1] * sn[j] - sm[j] * sn[j + 1];
        }
      }
      ire[q * nc + c] = re;
      iim[q * nc + c] = im;
    }
    if (pow) {
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let a = 0; a < mlA; a++) {
          const base = (cr * mlA + a) * width + cc * mlR;
          for (let x = 0; x < mlR; x++) {
            const j = 2 * (base + x);
            s += raw[k][j] * raw[k][j] + raw[k][j + 1] * raw[k][j + 1];
          }
        }
        pow[k * nc + c] = s;
      }
    }
  }
  const coreCell0 = r0 / mlA - cr0;
  const coreCells = Math.floor(rows / mlA);
  const blockCoh =
    p.temporalCoherence === "spatialResidual" ? spatialResidualCoherence(ire, iim, P, cRows, mlW, halfWin) : null;
  for (let crl = coreCell0; crl < coreCell0 + coreCells; crl++) {
    for (let cc = 0; cc < mlW; cc++) {
      const c = crl * mlW + cc;
      const gam = blockCoh ? blockCoh[c] : windowCoherence(c, crl, cRows, mlW, nc, pairs, ire, iim, pow!, halfWin);
      const cg = cr0 + crl;
      scan.coherence[cg * mlW + cc] = gam;
      if (!(gam > p.coherenceThreshold)) continue;
      const ph = new Float32Array(K * 2);
      for (let k = 0; k < K; k++) {
        let re = 0;
        let im = 0;
        for (let a = 0; a < mlA; a++) {
          const base = (crl * mlA + a) * width + cc * mlR;
          for (let x = 0; x < mlR; x++) {
            const j = 2 * (base + x);
            re += raw[k][j] * raw[0][j] + raw[k][j + 1] * raw[0][j + 1];
            im += raw[k][j + 1] * raw[0][j] - raw[k][j] * raw[0][j + 1];
          }
        }
        const m = Math.hypot(re, im) || 1;
        ph[2 * k] = re / m;
        ph[2 * k + 1] = im / m;
      }
      multi.row.push(cg * mlA);
      multi.col.push(cc * mlR);
      multi.kind.push(2);
      multi.quality.push(gam);
      multi.phases.push(ph);
    }
  }
}

/** The merge: a classic PS inside a selected multilooked cell gives way to the multilooked point (paper §2). */
function mergeCandidates(stack: StackSource, g: Layout, scan: Scan, calibration: Float64Array): SelectionResult {
  const { width, K, mlR, mlA, mlW, mlH, pairs } = g;
  const { lon, lat } = stack.meta;
  const { classic, multi, dispersion, coherence } = scan;
  const chosenCells = new Set<number>();
  for (let i = 0; i < multi.row.length; i++) chosenCells.add(Math.floor(multi.row[i] / mlA) * mlW + multi.col[i] / mlR);
  const keepClassic: number[] = [];
  let inside = 0;
  for (let i = 0; i < classic.row.length; i++) {
    const cc = Math.floor(classic.col[i] / mlR);
    const cr = Math.floor(classic.row[i] / mlA);
    if (cc < mlW && cr < mlH && chosenCells.has(cr * mlW + cc)) inside++;
    else keepClassic.push(i);
  }
  const n = keepClassic.length + multi.row.length;
  const phase = new Float32Array(new SharedArrayBuffer(n * K * 2 * 4));
  const cand: Candidates = {
    n,
    K,
    row: new Int32Array(n),
    col: new Int32Array(n),
    kind: new Uint8Array(n),
    quality: new Float32Array(n),
    phase,
    lon: new Float64Array(n),
    lat: new Float64Array(n),
  };
  let o = 0;
  const put = (g: Growable, i: number): void => {
    cand.row[o] = g.row[i];
    cand.col[o] = g.col[i];
    cand.kind[o] = g.kind[i];
    cand.quality[o] = g.quality[i];
    phase.set(g.phases[i], o * K * 2);
    const px = g.row[i] * width + g.col[i];
    cand.lon[o] = lon[px];
    cand.lat[o] = lat[px];
    o++;
  };
  for (const i of keepClassic) put(classic, i);
  for (let i = 0; i < multi.row.length; i++) put(multi, i);
  return {
    candidates: cand,
    counts: { classic: classic.row.length, multilook: multi.row.length, classicInsideMultilook: inside, merged: n },
    calibration,
    dispersion,
    coherence,
    mlWidth: mlW,
    mlHeight: mlH,
    pairs,
  };
}
