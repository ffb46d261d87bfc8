/**
 * The observation model shared by the fit and the profile likelihood: sample i of sensor g is the
 * curve minus that sensor's offset, y_i = S(t_i; θ) − o_g (o_0 = 0), with θ = [curve params…,
 * o_1…]. A `Curve` is S in some parametrisation (eq. 2's a, b, c for the fit; ln a or the
 * stabilisation time in place of a for the profiles), so one least-squares code serves all of them.
 */
import { solve } from "./linalg";
import { modelGradient, modelValue, type SettlementModel } from "./models";

export interface Curve {
  readonly nParams: number;
  value(p: readonly number[], t: number): number;
  gradient(p: readonly number[], t: number): number[];
}

export function modelCurve(model: SettlementModel): Curve {
  return {
    nParams: model === "linear" ? 2 : 3,
    value: (p, t) => modelValue(model, p, t),
    gradient: (p, t) => modelGradient(model, p, t),
  };
}

export interface Observations {
  t: Float64Array;
  y: Float64Array;
  /** Sensor index of every sample (0 = the reference sensor). */
  g: Int32Array;
  nGroups: number;
  /** Weight of every sample, 1/σ² of its sensor's noise (all 1 before the noise is estimated). */
  w: Float64Array;
}

/** Predicted observation i: curve value minus that sensor's offset. */
export function predictObs(curve: Curve, theta: readonly number[], t: number, g: number): number {
  return curve.value(theta, t) - (g > 0 ? theta[curve.nParams + g - 1] : 0);
}

export function jacobianRow(curve: Curve, theta: readonly number[], nGroups: number, t: number, g: number): number[] {
  const row = curve.gradient(theta, t);
  for (let k = 1; k < nGroups; k++) row.push(g === k ? -1 : 0);
  return row;
}

export function sseOf(curve: Curve, theta: readonly number[], obs: Observations): number {
  let s = 0;
  for (let i = 0; i < obs.t.length; i++) s += obs.w[i] * (obs.y[i] - predictObs(curve, theta, obs.t[i], obs.g[i])) ** 2;
  return s;
}

/** JᵀWJ and JᵀWr at θ over the parameters marked free. */
function normalEquations(curve: Curve, theta: readonly number[], obs: Observations, free: readonly number[]): { A: number[][]; b: number[] } {
  const p = free.length;
  const A = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const b = new Array<number>(p).fill(0);
  for (let i = 0; i < obs.t.length; i++) {
    const J = jacobianRow(curve, theta, obs.nGroups, obs.t[i], obs.g[i]);
    const wi = obs.w[i];
    const r = obs.y[i] - predictObs(curve, theta, obs.t[i], obs.g[i]);
    for (let u = 0; u < p; u++) {
      const ju = wi * J[free[u]];
      b[u] += ju * r;
      for (let v = 0; v < p; v++) A[u][v] += ju * J[free[v]];
    }
  }
  return { A, b };
}

/** JᵀWJ at θ over all parameters (the unscaled inverse covariance). */
export function jtj(curve: Curve, theta: readonly number[], obs: Observations): number[][] {
  return normalEquations(curve, theta, obs, theta.map((_, k) => k)).A;
}

/**
 * Gauss–Newton with step halving from θ, so that the standard errors (from the Jacobian at the
 * optimum) belong to the minimum itself.
 */
export function polish(curve: Curve, theta0: readonly number[], obs: Observations): number[] {
  let theta = theta0.slice();
  let sse = sseOf(curve, theta, obs);
  const all = theta.map((_, k) => k);
  for (let it = 0; it < 50; it++) {
    const { A, b } = normalEquations(curve, theta, obs, all);
    const step = solve(A, b);
    if (!step) break;
    let lambda = 1;
    let improved = false;
    while (lambda > 1e-6) {
      const trial = theta.map((v, k) => v + lambda * step[k]);
      const s = sseOf(curve, trial, obs);
      if (Number.isFinite(s) && s <= sse) {
        improved = s < sse;
        const rel = (sse - s) / Math.max(sse, 1e-300);
        theta = trial;
        sse = s;
        if (rel < 1e-14) return theta;
        break;
      }
      lambda /= 2;
    }
    if (!improved) break;
  }
  return theta;
}

/**
 * Levenberg–Marquardt (Marquardt's diagonal scaling) over the parameters not in `fixed`, from θ0.
 * The profile likelihood calls it once per trial value of the profiled parameter, warm-started
 * from the neighbouring solution, so it is small and allocation-light rather than general.
 */
export function fitWithFixed(curve: Curve, theta0: readonly number[], obs: Observations, fixed = -1, maxIterations = 200): { theta: number[]; sse: number } {
  let theta = theta0.slice();
  let sse = sseOf(curve, theta, obs);
  const free = theta.map((_, k) => k).filter((k) => k !== fixed);
  let lambda = 1e-3;
  for (let it = 0; it < maxIterations; it++) {
    const { A, b } = normalEquations(curve, theta, obs, free);
    let accepted = false;
    while (lambda < 1e12) {
      const D = A.map((r, u) => r.map((v, w) => (u === w ? v * (1 + lambda) + 1e-300 : v)));
      const step = solve(D, b);
      if (step) {
        const trial = theta.slice();
        free.forEach((k, u) => (trial[k] += step[u]));
        const s = sseOf(curve, trial, obs);
        if (Number.isFinite(s) && s <= sse) {
          const rel = (sse - s) / Math.max(sse, 1e-300);
          theta = trial;
          sse = s;
          lambda = Math.max(lambda / 10, 1e-12);
          accepted = true;
          if (rel < 1e-12) return { theta, sse };
          break;
        }
      }
      lambda *= 10;
    }
    if (!accepted) break;
  }
  return { theta, sse };
}
