/**
 * Calibrated velocity standard deviation σ_v per point.
 *
 * The final velocity is the least-squares slope of (linear + nonlinear), i.e. of the point's integrated
 * residual minus the estimated APS plus the arc-model line: the temporal low-pass that separates nonlinear
 * motion keeps lines, and APS (a spatial low-pass of the temporal HIGH-pass) carries no slope. So every
 * white-in-time phase at the point ends up in the slope, whole: its phase noise and its atmosphere
 * relative to the scene datum (the atmosphere's low-frequency part is never removed; the per-date part
 * every point shares is the reference's and a common offset, not a point error). Both are measured
 * where deformation is absent, in the temporal high-pass HP = (I − S)·residual of the local-linear
 * smoother S, taken relative to the per-date median over the points, and de-biased per date by the share
 * f_k = 1 − 2·S_kk + Σ_l S_kl² of a white series' variance that the high-pass keeps at date k. The slope
 * is that of the smoothed series, Σ_k u_k·φ_k with u = Sᵀw and w_k = (t_k − t̄)/Σ(t − t̄)² (S keeps
 * lines, so the linear part passes unchanged, but the local-linear fit's noisy ends weigh more: ‖u‖ is
 * larger than ‖w‖), so with independent dates
 *   σ_v² = (λ/4π)² · Σ_k u_k² · (HP_k − median HP_k)² / f_k   (mm/yr)².
 * Weighting each date by w_k² (not averaging the dates) matters: the atmosphere is one realisation whose
 * strength varies from date to date, and the first and last dates weigh most in a slope; uniform
 * averaging left σ_v 1.7× short on a simulator seed whose end dates had strong atmosphere.
 * Not the estimated APS: its spatial low-pass attenuates atmosphere of a few km by tens of per cent
 * (e^{−2π²σ²/Λ²} = 0.6 for σ = 400 m, Λ = 2.5 km), which left σ_v 30 % short on the simulator.
 */
import { localLinearSmoother, temporalLowPass } from "./filtering";

export interface SigmaInputs {
  /** Integrated residual phase (integrateResiduals), node-major n×K, rad. */
  residual: Float64Array;
  /** Optional `noise` of separateResidual: only for the noise-only part reported beside σ_v. */
  noise?: Float64Array;
  K: number;
  /** Dates in years since the first and in days (the smoother's time axis). */
  tYears: Float64Array;
  tDays: Float64Array;
  temporalFilterDays: number;
  wavelength: number;
  /** Points taking part (the reference's component). */
  active: Uint8Array;
}

/** Per date, the share of a white series' variance the local-linear temporal high-pass I − S keeps. */
export function highPassShare(tDays: Float64Array, fwhmDays: number): Float64Array {
  const K = tDays.length;
  const S = localLinearSmoother(tDays, fwhmDays);
  const f = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let s2 = 0;
    for (let l = 0; l < K; l++) s2 += S[k * K + l] ** 2;
    f[k] = 1 - 2 * S[k * K + k] + s2;
  }
  return f;
}

export interface VelocitySigma {
  /** Calibrated σ_v (mm/yr) per point, NaN where not active. */
  sigma: Float64Array;
  /** The noise-only part (from `noise`, propagated like σ_v: the paper's "internal precision"), mm/yr; NaN without `noise`. */
  noiseSigma: Float64Array;
  /** The per-date high-pass variance shares f_k used. */
  share: Float64Array;
}

export function velocitySigma(p: SigmaInputs): VelocitySigma {
  const { K, residual, active } = p;
  const n = residual.length / K;
  const f = highPassShare(p.tDays, p.temporalFilterDays);
  const tMean = p.tYears.reduce((a, b) => a + b, 0) / K;
  let stt = 0;
  for (let k = 0; k < K; k++) stt += (p.tYears[k] - tMean) ** 2;
  const toMm = (p.wavelength / (4 * Math.PI)) * 1e3;
  // The velocity is the slope of S·(…): per-date weights u = Sᵀw, factor (λ/4π)²·u_k²/f_k.
  const S = localLinearSmoother(p.tDays, p.temporalFilterDays);
  const u = new Float64Array(K);
  for (let l = 0; l < K; l++) for (let k = 0; k < K; k++) u[k] += S[l * K + k] * ((p.tYears[l] - tMean) / stt);
  const c2 = Float64Array.from(u, (v, k) => (toMm * v) ** 2 / f[k]);
  const lp = temporalLowPass(residual, K, p.tDays, p.temporalFilterDays);
  const hp = new Float64Array(n * K);
  for (let q = 0; q < hp.length; q++) hp[q] = residual[q] - lp[q];
  const datum = new Float64Array(K);
  const col: number[] = [];
  for (let k = 0; k < K; k++) {
    col.length = 0;
    for (let i = 0; i < n; i++) if (active[i]) col.push(hp[i * K + k]);
    col.sort((a, b) => a - b);
    datum[k] = col.length ? col[col.length >> 1] : 0;
  }
  const sigma = new Float64Array(n).fill(NaN);
  const noiseSigma = new Float64Array(n).fill(NaN);
  for (let i = 0; i < n; i++) {
    if (!active[i]) continue;
    let v = 0;
    let vn = 0;
    for (let k = 0; k < K; k++) {
      v += c2[k] * (hp[i * K + k] - datum[k]) ** 2;
      if (p.noise) vn += c2[k] * p.noise[i * K + k] ** 2;
    }
    sigma[i] = Math.sqrt(v);
    if (p.noise) noiseSigma[i] = Math.sqrt(vn);
  }
  return { sigma, noiseSigma, share: f };
}
