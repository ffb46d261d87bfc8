/**
 * Nonlinear motion (paper §2, after eq. 1): the residual phase per PS and date (what the linear
 * velocity + DEM-error model leaves) holds atmosphere, noise and nonlinear deformation. Atmosphere is
 * correlated in space but white in time, nonlinear deformation correlated in time, noise neither:
 *   APS        = spatial low-pass of the temporal high-pass of the residual,
 *   nonlinear  = temporal low-pass of (residual − APS),
 *   noise      = the rest (its spread gives the velocity standard deviation).
 * Residuals per PS come from integrating the wrapped arc residuals over the same weighted network.
 */
import { solveArcLsqMulti, type ArcGraph } from "./arc-lsq";
import type { ArcModel } from "./periodogram";
import { progress } from "../core/progress";

/** Residual phase per PS and date (node-major N×K, rad) relative to the reference PS. */
export function integrateResiduals(
  phase: Float32Array,
  K: number,
  g: ArcGraph,
  model: ArcModel,
  vel: Float64Array,
  dem: Float64Array,
  ref: number,
  active: Uint8Array,
  opts: { quiet?: boolean; memoryBudgetMiB?: number } = {},
): Float64Array {
  const { n, i: ai, j: aj, w } = g;
  const out = new Float64Array(n * K);
  // Dates in chunks under the memory budget: per date the arc right-hand side plus ~10 node vectors of
  // the conjugate-gradient and V-cycle work space, all float64.
  const perDate = 8 * (ai.length + 10 * n);
  const budget = (opts.memoryBudgetMiB ?? 512) * 2 ** 20;
  const chunk = Math.max(1, Math.min(K - 1, Math.floor(budget / perDate)));
  const bar = progress("ps: residual phase integration", K - 1, { unit: "dates", quiet: opts.quiet });
  for (let k0 = 1; k0 < K; k0 += chunk) {
    const R = Math.min(chunk, K - k0);
    const d = new Float64Array(ai.length * R);
    for (let e = 0; e < ai.length; e++) {
      if (!(w[e] > 0)) continue;
      const a = ai[e];
      const b = aj[e];
      for (let r = 0; r < R; r++) {
        const k = k0 + r;
        const pa = (a * K + k) * 2;
        const pb = (b * K + k) * 2;
        const yr = phase[pa] * phase[pb] + phase[pa + 1] * phase[pb + 1];
        const yi = phase[pa + 1] * phase[pb] - phase[pa] * phase[pb + 1];
        const m = model.a[k] * (vel[a] - vel[b]) + model.b[k] * (dem[a] - dem[b]);
        // arg(y·e^{-i m}) wrapped to (−π, π]
        d[e * R + r] = Math.atan2(yi * Math.cos(m) - yr * Math.sin(m), yr * Math.cos(m) + yi * Math.sin(m));
      }
    }
    const x = solveArcLsqMulti(g, d, R, ref, active, 1e-5);
    for (let c = 0; c < n; c++) for (let r = 0; r < R; r++) out[c * K + k0 + r] = x[c * R + r];
    bar.tick(R);
  }
  bar.done();
  return out;
}

/**
 * Smoother matrix (K×K, row k = weights for date k) of a Gaussian-weighted local linear fit: unlike a
 * plain moving average it follows slopes and does not bend towards the inside at the first and last dates.
 */
export function localLinearSmoother(tDays: Float64Array, fwhmDays: number): Float64Array {
  const K = tDays.length;
  const sigma = fwhmDays / 2.3548;
  const S = new Float64Array(K * K);
  const w = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    for (let l = 0; l < K; l++) {
      const d = tDays[l] - tDays[k];
      w[l] = Math.exp(-0.5 * (d / sigma) ** 2);
      s0 += w[l];
      s1 += w[l] * d;
      s2 += w[l] * d * d;
    }
    const det = s0 * s2 - s1 * s1;
    for (let l = 0; l < K; l++) {
      const d = tDays[l] - tDays[k];
      // Intercept of the weighted line through (d, y): Σ w (s2 − s1 d) y / det.
      S[k * K + l] = det > 1e-12 * s0 * s2 ? (w[l] * (s2 - s1 * d)) / det : w[l] / s0;
    }
  }
  return S;
}

/** Temporal low-pass (local linear, Gaussian weights of FWHM `fwhmDays`) per row of a node-major N×K matrix. */
export function temporalLowPass(m: Float64Array, K: number, tDays: Float64Array, fwhmDays: number): Float64Array {
  const n = m.length / K;
  const W = localLinearSmoother(tDays, fwhmDays);
  const out = new Float64Array(m.length);
  for (let i = 0; i < n; i++) {
    const o = i * K;
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let l = 0; l < K; l++) s += W[k * K + l] * m[o + l];
      out[o + k] = s;
    }
  }
  return out;
}

/**
 * Gaussian spatial low-pass of one value per point (σ in metres), on a grid of σ/2 cells: points are
 * binned, the sums and counts blurred separably, and the ratio sampled back at each point's cell.
 */
export function spatialLowPass(v: Float64Array, x: Float64Array, y: Float64Array, sigma: number, mask?: Uint8Array): Float64Array {
  const n = v.length;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    x0 = Math.min(x0, x[i]);
    y0 = Math.min(y0, y[i]);
    x1 = Math.max(x1, x[i]);
    y1 = Math.max(y1, y[i]);
  }
  const out = new Float64Array(n);
  if (!Number.isFinite(x0)) return out;
  const cell = sigma / 2;
  const nx = Math.floor((x1 - x0) / cell) + 1;
  const ny = Math.floor((y1 - y0) / cell) + 1;
  const sum = new Float64Array(nx * ny);
  const cnt = new Float64Array(nx * ny);
  const at = (i: number): number => Math.floor((y[i] - y0) / cell) * nx + Math.floor((x[i] - x0) / cell);
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    sum[at(i)] += v[i];
    cnt[at(i)] += 1;
  }
  const rad = 6; // 3σ in cells of σ/2
  const ker = Float64Array.from({ length: 2 * rad + 1 }, (_, k) => Math.exp(-0.5 * ((k - rad) / 2) ** 2));
  const blur = (a: Float64Array): Float64Array => {
    const t = new Float64Array(a.length);
    for (let r = 0; r < ny; r++) {
      for (let c = 0; c < nx; c++) {
        let s = 0;
        for (let d = -rad; d <= rad; d++) {
          const cc = c + d;
          if (cc >= 0 && cc < nx) s += ker[d + rad] * a[r * nx + cc];
        }
        t[r * nx + c] = s;
      }
    }
    const o = new Float64Array(a.length);
    for (let r = 0; r < ny; r++) {
      for (let c = 0; c < nx; c++) {
        let s = 0;
        for (let d = -rad; d <= rad; d++) {
          const rr = r + d;
          if (rr >= 0 && rr < ny) s += ker[d + rad] * t[rr * nx + c];
        }
        o[r * nx + c] = s;
      }
    }
    return o;
  };
  const bs = blur(sum);
  const bc = blur(cnt);
  for (let i = 0; i < n; i++) {
    const g = Math.floor((y[i] - y0) / cell);
    const h = Math.floor((x[i] - x0) / cell);
    if (g < 0 || h < 0 || g >= ny || h >= nx) continue;
    const c = g * nx + h;
    out[i] = bc[c] > 1e-9 ? bs[c] / bc[c] : 0;
  }
  return out;
}

export interface SeparatedResidual {
  /** Node-major N×K, rad. */
  atmosphere: Float64Array;
  nonlinear: Float64Array;
  noise: Float64Array;
}

export function separateResidual(
  residual: Float64Array,
  K: number,
  tDays: Float64Array,
  x: Float64Array,
  y: Float64Array,
  active: Uint8Array,
  p: { temporalFilterDays: number; spatialFilterMeters: number },
): SeparatedResidual {
  const n = residual.length / K;
  const lp = temporalLowPass(residual, K, tDays, p.temporalFilterDays);
  const atmosphere = new Float64Array(n * K);
  const col = new Float64Array(n);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < n; i++) col[i] = residual[i * K + k] - lp[i * K + k];
    const s = spatialLowPass(col, x, y, p.spatialFilterMeters, active);
    for (let i = 0; i < n; i++) atmosphere[i * K + k] = s[i];
  }
  const noAtm = new Float64Array(n * K);
  for (let q = 0; q < noAtm.length; q++) noAtm[q] = residual[q] - atmosphere[q];
  const nonlinear = temporalLowPass(noAtm, K, tDays, p.temporalFilterDays);
  const noise = new Float64Array(n * K);
  for (let q = 0; q < noise.length; q++) noise[q] = noAtm[q] - nonlinear[q];
  return { atmosphere, nonlinear, noise };
}
