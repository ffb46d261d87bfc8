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
import type { StackSource } from "./stack";

export type CoherenceMethod = "spatialResidual" | "windowCoherence";

export interface SelectionParams {
  amplitudeDispersionMax: number;
  multilookRange: number;
  multilookAzimuth: number;
  networkNeighbours: number;
  coherenceThreshold: number;
  temporalCoherence: CoherenceMethod;
  coherenceWindow: number;
  /** Turn the paper's extra PS off (classic PS-InSAR only), e.g. for the with/without comparison. */
  useMultilook?: boolean;
  memoryBudgetMiB: number;
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

export function selectCandidates(stack: StackSource, p: SelectionParams, opts: { quiet?: boolean } = {}): SelectionResult {
  const { width, height, dates, lon, lat } = stack.meta;
  const K = dates.length;
  const mlR = Math.max(1, Math.round(p.multilookRange));
  const mlA = Math.max(1, Math.round(p.multilookAzimuth));
  const mlW = Math.floor(width / mlR);
  const mlH = Math.floor(height / mlA);
  const useMl = p.useMultilook !== false;
  const pairs = adjacentNetwork(K, Math.max(1, Math.round(p.networkNeighbours)));
  const P = pairs.length;
  const halfWin = Math.max(0, Math.floor(p.coherenceWindow / 2));
  const haloCells = halfWin;
  const rowsPerBlock = Math.min(height, blockRows(width, K, P, p.memoryBudgetMiB, mlA));
  const nBlocks = Math.ceil(height / rowsPerBlock);

  // Pass 1: per-date mean amplitude (calibration: the scene-wide brightness of each acquisition).
  const ampSum = new Float64Array(K);
  const bar1 = progress("ps: amplitude calibration", nBlocks * K, { unit: "block-dates", quiet: opts.quiet });
  for (let r0 = 0; r0 < height; r0 += rowsPerBlock) {
    const rows = Math.min(rowsPerBlock, height - r0);
    for (let k = 0; k < K; k++) {
      const s = stack.readRows(k, r0, rows);
      let acc = 0;
      for (let i = 0; i < s.length; i += 2) acc += Math.hypot(s[i], s[i + 1]);
      ampSum[k] += acc;
      bar1.tick();
    }
  }
  bar1.done();
  const meanAll = ampSum.reduce((a, b) => a + b, 0) / K;
  const calibration = Float64Array.from(ampSum, (v) => (meanAll > 0 ? v / meanAll : 1));
  calibration.forEach((c, k) => {
    if (!(c > 0)) throw new Error(`${stack.meta.source}: date ${dates[k]} has zero amplitude everywhere (empty SLC?)`);
  });

  const dispersion = new Float32Array(width * height);
  const coherence = new Float32Array(mlW * mlH);
  const classic = new Growable();
  const multi = new Growable();

  const bar2 = progress("ps: candidate selection", height, { unit: "rows", quiet: opts.quiet });
  for (let r0 = 0; r0 < height; r0 += rowsPerBlock) {
    const rows = Math.min(rowsPerBlock, height - r0);
    const haloRows = haloCells * mlA;
    const b0 = Math.max(0, r0 - haloRows);
    const b1 = Math.min(height, r0 + rows + haloRows);
    const bRows = b1 - b0;
    const raw: Float32Array[] = [];
    for (let k = 0; k < K; k++) raw.push(stack.readRows(k, b0, bRows));
    const core0 = (r0 - b0) * width;

    // Classic PS over the block's own rows.
    const amps: Float64Array[] = raw.map((s) => {
      const a = new Float64Array(rows * width);
      for (let i = 0; i < a.length; i++) a[i] = Math.hypot(s[2 * (core0 + i)], s[2 * (core0 + i) + 1]);
      return a;
    });
    const da = amplitudeDispersion(amps, calibration);
    dispersion.set(da, r0 * width);
    for (let i = 0; i < da.length; i++) {
      if (!(da[i] < p.amplitudeDispersionMax)) continue;
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

    if (useMl) {
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
          const g = blockCoh ? blockCoh[c] : windowCoherence(c, crl, cRows, mlW, nc, pairs, ire, iim, pow!, halfWin);
          const cg = cr0 + crl;
          coherence[cg * mlW + cc] = g;
          if (!(g > p.coherenceThreshold)) continue;
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
          multi.quality.push(g);
          multi.phases.push(ph);
        }
      }
    }
    bar2.tick(rows);
  }
  bar2.done();

  // Merge: a classic PS inside a selected multilooked cell gives way to the multilooked point.
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

/**
 * StaMPS-style temporal coherence of every cell of a block: per interferogram the unit phasors' box sum
 * over the window minus the cell itself gives the neighbourhood phase φ̃; γ = |mean_q e^{i(φ_q − φ̃_q)}|.
 */
export function spatialResidualCoherence(
  ire: Float32Array,
  iim: Float32Array,
  P: number,
  rows: number,
  cols: number,
  half: number,
): Float32Array {
  const nc = rows * cols;
  const accR = new Float64Array(nc);
  const accI = new Float64Array(nc);
  const ur = new Float64Array(nc);
  const ui = new Float64Array(nc);
  const tr = new Float64Array(nc);
  const ti = new Float64Array(nc);
  for (let q = 0; q < P; q++) {
    for (let c = 0; c < nc; c++) {
      const m = Math.hypot(ire[q * nc + c], iim[q * nc + c]);
      ur[c] = m > 0 ? ire[q * nc + c] / m : 0;
      ui[c] = m > 0 ? iim[q * nc + c] / m : 0;
    }
    // Separable box sums: along columns, then along rows.
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let sr = 0;
        let si = 0;
        for (let d = Math.max(0, c - half); d <= Math.min(cols - 1, c + half); d++) {
          sr += ur[r * cols + d];
          si += ui[r * cols + d];
        }
        tr[r * cols + c] = sr;
        ti[r * cols + c] = si;
      }
    }
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let lr = 0;
        let li = 0;
        for (let d = Math.max(0, r - half); d <= Math.min(rows - 1, r + half); d++) {
          lr += tr[d * cols + c];
          li += ti[d * cols + c];
        }
        const j = r * cols + c;
        lr -= ur[j];
        li -= ui[j];
        const zr = ur[j] * lr + ui[j] * li;
        const zi = ui[j] * lr - ur[j] * li;
        const m = Math.hypot(zr, zi);
        if (m > 0) {
          accR[j] += zr / m;
          accI[j] += zi / m;
        }
      }
    }
  }
  const out = new Float32Array(nc);
  for (let c = 0; c < nc; c++) out[c] = Math.hypot(accR[c], accI[c]) / P;
  return out;
}

/** Mean network coherence over `2·half+1` cells in azimuth (a window in range would mix cells). */
function windowCoherence(
  c: number,
  cr: number,
  cRows: number,
  mlW: number,
  nc: number,
  pairs: [number, number][],
  ire: Float32Array,
  iim: Float32Array,
  pow: Float32Array,
  half: number,
): number {
  const P = pairs.length;
  let acc = 0;
  for (let q = 0; q < P; q++) {
    const [m, nn] = pairs[q];
    let re = 0;
    let im = 0;
    let pm = 0;
    let pn = 0;
    for (let dr = -half; dr <= half; dr++) {
      const r = cr + dr;
      if (r < 0 || r >= cRows) continue;
      const cell = r * mlW + (c % mlW);
      re += ire[q * nc + cell];
      im += iim[q * nc + cell];
      pm += pow[m * nc + cell];
      pn += pow[nn * nc + cell];
    }
    const d = Math.sqrt(pm * pn);
    acc += d > 0 ? Math.hypot(re, im) / d : 0;
  }
  return acc / P;
}
