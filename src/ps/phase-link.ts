/**
 * Phase linking of distributed scatterers (DS): from the full sample coherence matrix Ĉ (N×N, every
 * pair of dates, so it contains the paper's network of each image with its neighbours) over a DS's
 * statistically homogeneous pixels, an equivalent single-master phase series θ and its goodness of fit.
 *
 * - "emi": eigendecomposition-based maximum-likelihood estimator (Ansari, De Zan & Bamler 2018, IEEE
 *   TGRS 56(7)): θ = arg of the eigenvector of the smallest eigenvalue of Γ̂⁻¹∘Ĉ, Γ̂ = |Ĉ| (the
 *   coherence magnitudes, shrunk towards I by `regularization` so Γ̂⁻¹ exists for few looks). It is the
 *   closed-form approximation of the maximum-likelihood phase triangulation of Guarnieri & Tebaldini
 *   2008 (IEEE TGRS 46(10)) and SqueeSAR's (Ferretti et al. 2011, IEEE TGRS 49(9)) estimator, and like
 *   them uses every interferogram, weighted by its coherence: a DS whose coherence decays with time
 *   keeps the phase of its short, coherent pairs instead of a noisy long one to the master.
 * - "paper": the Foshan study's multilooked single-master phase arg Σ_cell s_k·s_0* (seed 001 §2).
 *
 * Quality: the phase-linking temporal coherence (Ferretti et al. 2011 eq. 22)
 *   γ_PL = Re (2/(N(N−1))) Σ_{m<n} e^{i·arg Ĉ_mn}·e^{−i(θ_m−θ_n)},
 * 1 when every interferogram agrees with the linked series, ≈ 0 for noise.
 */
import { inverseSpd, smallestEigenvector } from "./phase-link-linalg";

export type DsMethod = "paper" | "emi";

/**
 * Sample coherence matrix of L pixels × N dates (`s` pixel-major interleaved re,im: s[(p*N + k)*2]):
 * Ĉ_mn = Σ_p s_pm·s_pn* / √(Σ_p|s_pm|²·Σ_p|s_pn|²). Returned split (re, im), row-major N×N.
 */
export function coherenceMatrix(s: Float64Array, L: number, N: number): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(N * N);
  const im = new Float64Array(N * N);
  for (let p = 0; p < L; p++) {
    const o = p * N * 2;
    for (let m = 0; m < N; m++) {
      const ar = s[o + 2 * m];
      const ai = s[o + 2 * m + 1];
      for (let n = m; n < N; n++) {
        const br = s[o + 2 * n];
        const bi = s[o + 2 * n + 1];
        re[m * N + n] += ar * br + ai * bi;
        im[m * N + n] += ai * br - ar * bi;
      }
    }
  }
  for (let m = 0; m < N; m++) {
    for (let n = m + 1; n < N; n++) {
      const d = Math.sqrt(re[m * N + m] * re[n * N + n]);
      const f = d > 0 ? 1 / d : 0;
      re[m * N + n] *= f;
      im[m * N + n] *= f;
      re[n * N + m] = re[m * N + n];
      im[n * N + m] = -im[m * N + n];
    }
  }
  for (let m = 0; m < N; m++) {
    re[m * N + m] = 1;
    im[m * N + m] = 0;
  }
  return { re, im };
}

/**
 * EMI phases (rad, θ_0 = 0) from a coherence matrix. `regularization` β shrinks Γ̂ to (1−β)Γ̂ + βI;
 * β is raised (×2) until Γ̂ is positive definite. Returns null only if that never happens.
 */
export function emiPhases(cr: Float64Array, ci: Float64Array, N: number, regularization = 0.05): Float64Array | null {
  let beta = Math.max(0, regularization);
  let ginv: Float64Array | null = null;
  for (let attempt = 0; attempt < 12 && !ginv; attempt++) {
    const g = new Float64Array(N * N);
    for (let q = 0; q < N * N; q++) g[q] = (1 - beta) * Math.hypot(cr[q], ci[q]);
    for (let k = 0; k < N; k++) g[k * N + k] += beta;
    ginv = inverseSpd(g, N);
    beta = beta > 0 ? Math.min(1, 2 * beta) : 0.01;
  }
  if (!ginv) return null;
  const mr = new Float64Array(N * N);
  const mi = new Float64Array(N * N);
  for (let q = 0; q < N * N; q++) {
    mr[q] = ginv[q] * cr[q];
    mi[q] = ginv[q] * ci[q];
  }
  // Start from the single-master phases (row 0 of Ĉ): already close for a coherent DS.
  const xr = new Float64Array(N);
  const xi = new Float64Array(N);
  for (let k = 0; k < N; k++) {
    const a = Math.atan2(-ci[k], cr[k]);
    xr[k] = Math.cos(a);
    xi[k] = Math.sin(a);
  }
  // A direction change below 1e-6 is far below any phase precision that matters (mrad).
  const lambda = smallestEigenvector(mr, mi, N, xr, xi, 50, 1e-6);
  if (!Number.isFinite(lambda)) return null;
  const th = new Float64Array(N);
  const a0 = Math.atan2(xi[0], xr[0]);
  for (let k = 0; k < N; k++) {
    const a = Math.atan2(xi[k], xr[k]) - a0;
    th[k] = Math.atan2(Math.sin(a), Math.cos(a));
  }
  return th;
}

/** Phase-linking temporal coherence γ_PL of a phase series θ against Ĉ (see the module comment). */
export function linkingCoherence(cr: Float64Array, ci: Float64Array, N: number, theta: ArrayLike<number>): number {
  let acc = 0;
  let cnt = 0;
  for (let m = 0; m < N; m++) {
    for (let n = m + 1; n < N; n++) {
      const a = Math.hypot(cr[m * N + n], ci[m * N + n]);
      if (!(a > 0)) continue;
      const d = theta[m] - theta[n];
      acc += (cr[m * N + n] * Math.cos(d) + ci[m * N + n] * Math.sin(d)) / a;
      cnt++;
    }
  }
  return cnt > 0 ? acc / cnt : 0;
}

/** Phase series of the paper's method: arg Σ_p s_pk·s_p0* over the given pixels (θ_0 = 0). */
export function singleMasterPhases(s: Float64Array, L: number, N: number): Float64Array {
  const th = new Float64Array(N);
  for (let k = 1; k < N; k++) {
    let re = 0;
    let im = 0;
    for (let p = 0; p < L; p++) {
      const o = p * N * 2;
      const ar = s[o + 2 * k];
      const ai = s[o + 2 * k + 1];
      const br = s[o];
      const bi = s[o + 1];
      re += ar * br + ai * bi;
      im += ai * br - ar * bi;
    }
    th[k] = Math.atan2(im, re);
  }
  return th;
}

