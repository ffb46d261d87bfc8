/**
 * Velocity uncertainty that accounts for the structure of the residuals (`uncertaintyQuantification =
 * atmosphere`). MintPy's `residue` std, sqrt(diag((GᵀG)⁻¹) · eᵀe / (N − P)), assumes the residuals of a
 * pixel are white in time. In an SBAS time series they are not: besides the per-acquisition atmosphere
 * (white from date to date), each interferogram's decorrelation and unwrapping noise reaches several
 * dates through the network inversion, which correlates neighbouring dates. The residual covariance is
 * modelled as C = a·I + b·Cₙ, with Cₙ = A⁺A⁺ᵀ the covariance a unit, independent noise per interferogram
 * leaves in the time series of this network. The two weights come from two moments of the residuals
 * pooled over the reliable pixels, Σe² and Σeₜeₜ₊₁, whose expectations are linear in (a, b):
 *   E[Σe²] = a·tr(M) + b·tr(M Cₙ M),   E[Σeₜeₜ₊₁] = a·tr(U M) + b·tr(U M Cₙ M),
 * with M = I − G G⁺ and U the first superdiagonal. Each pixel keeps its own scale (its residue), and the
 * std of parameter k becomes sqrt(eᵀe / tr(M C M) · (G⁺ C G⁺ᵀ)ₖₖ), which is MintPy's when b = 0.
 */
import { pseudoInverse } from "./linalg";
import type { Network } from "./network";
import { designMatrixA } from "./network";
import { timeFuncDesign, type TimeFuncFit, type TimeFuncModel } from "./timefunc";

type Mat = Float64Array;

function matMul(a: Mat, b: Mat, n: number, k: number, m: number): Mat {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let l = 0; l < k; l++) {
      const v = a[i * k + l];
      if (v === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j] += v * b[l * m + j];
    }
  return out;
}

function transpose(a: Mat, n: number, m: number): Mat {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[j * n + i] = a[i * m + j];
  return out;
}

/** Time-series covariance (N×N, first date the datum) of unit independent noise per interferogram. */
export function networkCovariance(net: Network): Mat {
  const N = net.dates.length;
  const m = net.pairs.length;
  const n = N - 1;
  const pinv = pseudoInverse(designMatrixA(net), m, n);
  const c = matMul(pinv, transpose(pinv, n, m), n, m, n);
  const out = new Float64Array(N * N);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[(i + 1) * N + j + 1] = c[i * n + j];
  return out;
}

export interface ResidualStructure {
  /** Weights of the white (per-date) and network-propagated parts of the residual covariance. */
  white: number;
  network: number;
  /** Pooled lag-1 autocorrelation of the residuals. */
  lag1: number;
  /** Per model parameter: the factor applied to MintPy's residue std. */
  factors: number[];
  pixels: number;
}

/**
 * Estimates the residual structure from the pixels in `mask` and returns the std factors. `ts` is the
 * series the fit was made on (per date), `fit` its time-function fit.
 */
export function residualStructure(
  ts: ArrayLike<number>[],
  net: Network,
  model: TimeFuncModel,
  fit: TimeFuncFit,
  refDate: string,
  mask: Uint8Array,
  /** Per-date perpendicular baseline when a DEM error was estimated from this series (its trade-off with the velocity is added). */
  bperp?: ArrayLike<number>,
): ResidualStructure {
  const N = net.dates.length;
  const G = timeFuncDesign(net.dates, model, refDate);
  const P = fit.names.length;
  const Gp = pseudoInverse(G, N, P);
  const H = matMul(G, Gp, N, P, N);
  const M = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) M[i * N + j] = (i === j ? 1 : 0) - H[i * N + j];
  const Cn = networkCovariance(net);
  const MCM = matMul(matMul(M, Cn, N, N, N), M, N, N, N);
  let trM = 0;
  let trUM = 0;
  let trMCM = 0;
  let trUMCM = 0;
  for (let i = 0; i < N; i++) {
    trM += M[i * N + i];
    trMCM += MCM[i * N + i];
    if (i + 1 < N) {
      trUM += M[(i + 1) * N + i];
      trUMCM += MCM[(i + 1) * N + i];
    }
  }
  let s0 = 0;
  let s1 = 0;
  let np = 0;
  const nPix = ts[0].length;
  const e = new Float64Array(N);
  for (let p = 0; p < nPix; p++) {
    if (!mask[p] || fit.params[0][p] !== fit.params[0][p]) continue;
    let ok = true;
    for (let d = 0; d < N && ok; d++) {
      let f = 0;
      for (let i = 0; i < P; i++) f += G[d * P + i] * fit.params[i][p];
      e[d] = ts[d][p] - f;
      ok = e[d] === e[d];
    }
    if (!ok) continue;
    let a0 = 0;
    let a1 = 0;
    for (let d = 0; d < N; d++) {
      a0 += e[d] * e[d];
      if (d + 1 < N) a1 += e[d] * e[d + 1];
    }
    if (a0 === 0) continue; // the reference pixel
    s0 += a0;
    s1 += a1;
    np++;
  }
  const unit = Array.from({ length: P }, () => 1);
  if (np < 10) return { white: 1, network: 0, lag1: NaN, factors: unit, pixels: np };
  s0 /= np;
  s1 /= np;
  // Solve [trM trMCM; trUM trUMCM] [a b]ᵀ = [s0 s1]ᵀ, keeping both weights non-negative.
  const det = trM * trUMCM - trMCM * trUM;
  let a = det !== 0 ? (s0 * trUMCM - trMCM * s1) / det : s0 / trM;
  let b = det !== 0 ? (trM * s1 - trUM * s0) / det : 0;
  if (b < 0 || !Number.isFinite(b)) {
    b = 0;
    a = s0 / trM;
  } else if (a < 0) {
    a = 0;
    b = s0 / trMCM;
  }
  const C = new Float64Array(N * N);
  for (let i = 0; i < N * N; i++) C[i] = b * Cn[i];
  for (let i = 0; i < N; i++) C[i * N + i] += a;
  let trMCMall = 0;
  const MCMall = matMul(matMul(M, C, N, N, N), M, N, N, N);
  for (let i = 0; i < N; i++) trMCMall += MCMall[i * N + i];
  // With a DEM error fitted on the same dates, the parameters' variance is that of the joint design
  // [G, bperp] (the column's per-pixel scale 1/(r·sin θ) does not change it).
  let Jp = Gp;
  let Q = P;
  if (bperp) {
    const J = new Float64Array(N * (P + 1));
    for (let d = 0; d < N; d++) {
      for (let i = 0; i < P; i++) J[d * (P + 1) + i] = G[d * P + i];
      J[d * (P + 1) + P] = bperp[d];
    }
    Jp = pseudoInverse(J, N, P + 1);
    Q = P + 1;
  }
  const GpC = matMul(matMul(Jp, C, Q, N, N), transpose(Jp, Q, N), Q, N, Q);
  const GtGinv = matMul(Gp, transpose(Gp, P, N), P, N, P);
  const factors = unit.map((_, k) => Math.sqrt(((N - P) / trMCMall) * (GpC[k * Q + k] / GtGinv[k * P + k])));
  return { white: a, network: b, lag1: s1 / s0, factors, pixels: np };
}
