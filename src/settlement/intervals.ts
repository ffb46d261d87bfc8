/**
 * Uncertainty of a settlement fit. The linearised covariance s²·(JᵀJ)⁻¹ treats the model as linear
 * near the optimum; for eq. 2 fitted across a sensor gap (the plateau b and the Sentinel-1 offset
 * are nearly interchangeable, c and a are far from linear) its 95 % intervals cover the truth far
 * less often than 95 % (docs/settlement.md has the measured numbers). The intervals reported are
 * therefore profile-likelihood ones: the set of values ψ of one quantity whose best fit, with every
 * other parameter — sensor offsets included — re-fitted, is not worse than the optimum by more than
 * the F(1, n−p) threshold, SSE(ψ) − SSE ≤ s²·t²(n−p). They are invariant under reparametrisation,
 * so the stabilisation time is profiled by writing the logistic with t_f in place of a, and the
 * exponential's t_f follows from c's interval. An interval may be open (±∞) on a side where the data
 * cannot rule out any value: that is reported as such.
 */
import { fitWithFixed, jacobianRow, sseOf, type Curve, type Observations } from "./observation";
import { logit, modelGradient, modelValue, plateauTime } from "./models";
import { studentTQuantile } from "./student";
import { thetaOf, type SettlementFit } from "./fitting";

export type IntervalMethod = "profile" | "linearised";

export interface Estimate {
  name: string;
  value: number;
  /** Linearised standard error (for reference; the interval is what to report). */
  stdError: number;
  lower: number;
  upper: number;
  method: IntervalMethod;
}

/**
 * Pointwise confidence band of the fitted curve (delta method: var S(t) = ∇Sᵀ·Cov·∇S, Student-t
 * critical value with the fit's degrees of freedom). Linearised: a guide to the curve's spread, not
 * a calibrated interval.
 */
export function confidenceBand(fit: SettlementFit, t: ArrayLike<number>, level = fit.confidence): { fit: Float64Array; lower: Float64Array; upper: Float64Array } {
  const q = studentTQuantile(level, fit.dof);
  const m = fit.params.length;
  const f = new Float64Array(t.length);
  const lo = new Float64Array(t.length);
  const hi = new Float64Array(t.length);
  for (let i = 0; i < t.length; i++) {
    const gr = modelGradient(fit.model, fit.params, t[i]);
    let v = 0;
    for (let u = 0; u < m; u++) for (let w = 0; w < m; w++) v += gr[u] * fit.covariance[u][w] * gr[w];
    f[i] = modelValue(fit.model, fit.params, t[i]);
    const h = q * Math.sqrt(Math.max(v, 0));
    lo[i] = f[i] - h;
    hi[i] = f[i] + h;
  }
  return { fit: f, lower: lo, upper: hi };
}

/**
 * Degrees of freedom of the critical value for a quantity with gradient `grad` (in θ): where the
 * sensors' noise levels are estimated separately, the quantity's variance is a sum over sensors of
 * c_g·σ̂_g², and its degrees of freedom follow Welch–Satterthwaite, ν = (Σ c_g σ̂_g²)² / Σ (c_g σ̂_g²)²/ν_g.
 * For eq. 2 across the PALSAR/Sentinel-1 gap, a, b, c and t_f typically rest on PALSAR's ~23 residual degrees
 * of freedom, not on all 122 (t(0.975) 2.07 instead of 1.98).
 */
export function effectiveDof(fit: SettlementFit, grad: readonly number[]): number {
  if (fit.obs.nGroups === 1 || !fit.obs.w.some((w) => w !== 1)) return fit.dof;
  const p = grad.length;
  const M = fit.covariance.map((r) => r.map((v) => v / (fit.wsse / fit.dof)));
  const Mg = M.map((r) => r.reduce((s, v, j) => s + v * grad[j], 0));
  const curve = modelCurveOf(fit);
  const theta = thetaOf(fit);
  const part = new Array<number>(fit.obs.nGroups).fill(0);
  for (let i = 0; i < fit.obs.t.length; i++) {
    const J = jacobianRow(curve, theta, fit.obs.nGroups, fit.obs.t[i], fit.obs.g[i]);
    let d = 0;
    for (let u = 0; u < p; u++) d += J[u] * Mg[u];
    part[fit.obs.g[i]] += fit.obs.w[i] * d * d;
  }
  const total = part.reduce((s, v) => s + v, 0);
  const denom = part.reduce((s, v, k) => s + (v * v) / Math.max(fit.sensorDof[k], 1), 0);
  const nu = denom > 0 ? (total * total) / denom : fit.dof;
  return Math.min(fit.dof, Math.max(1, nu));
}

function modelCurveOf(fit: SettlementFit): Curve {
  return { nParams: fit.params.length, value: (p, t) => modelValue(fit.model, p, t), gradient: (p, t) => modelGradient(fit.model, p, t) };
}

const unit = (p: number, k: number): number[] => Array.from({ length: p }, (_, j) => (j === k ? 1 : 0));

/** Eq. 2 with ln a in place of a: better conditioned for the profile searches (a spans decades). */
const LOGISTIC_LN_A: Curve = {
  nParams: 3,
  value: (p, t) => p[1] / (1 + Math.exp(p[0] - p[2] * t)),
  gradient: (p, t) => {
    const e = Math.exp(p[0] - p[2] * t);
    const d = 1 + e;
    return [(-p[1] * e) / (d * d), 1 / d, (p[1] * e * t) / (d * d)];
  },
};

/** Eq. 2 with the time t_f of fraction f of b in place of a: a·e^(−ct) = e^(−c(t − t_f) − ln(f/(1−f))). */
function logisticByPlateauTime(fraction: number): Curve {
  const L = logit(fraction);
  return {
    nParams: 3,
    value: (p, t) => p[1] / (1 + Math.exp(-p[2] * (t - p[0]) - L)),
    gradient: (p, t) => {
      const e = Math.exp(-p[2] * (t - p[0]) - L);
      const d = 1 + e;
      return [(-p[1] * e * p[2]) / (d * d), 1 / d, (p[1] * e * (t - p[0])) / (d * d)];
    },
  };
}

/** The profile problem of one quantity: the curve it is a parameter of, θ̂ there, and its index. */
interface ProfileProblem {
  curve: Curve;
  theta: number[];
  index: number;
  /** Step scale of the search (linearised standard error in this parametrisation). */
  scale: number;
}

/**
 * One end of a profile-likelihood interval: steps out from θ̂ (doubling) until the profiled SSE
 * exceeds the threshold, then closes in by regula falsi (Illinois), each re-fit warm-started from
 * the nearest solution inside. ±∞ when the threshold is not reached within 2¹⁰ steps.
 */
function profileEnd(pr: ProfileProblem, obs: Observations, sse0: number, s2: number, q2: number, dir: 1 | -1): number {
  const v0 = pr.theta[pr.index];
  const at = (from: number[], v: number): { theta: number[]; f: number } => {
    const start = from.slice();
    start[pr.index] = v;
    const r = fitWithFixed(pr.curve, start, obs, pr.index);
    const f = Number.isFinite(r.sse) ? (r.sse - sse0) / s2 - q2 : Infinity;
    return { theta: r.theta, f };
  };
  let inV = v0;
  let inTheta = pr.theta;
  let inF = -q2;
  let step = pr.scale;
  let outV = NaN;
  let outF = NaN;
  for (let k = 0; k <= 10; k++) {
    const v = v0 + dir * step;
    const r = at(inTheta, v);
    if (r.f >= 0) {
      outV = v;
      outF = r.f;
      break;
    }
    inV = v;
    inTheta = r.theta;
    inF = r.f;
    step *= 2;
  }
  if (Number.isNaN(outV)) return dir * Infinity;
  let side = 0;
  for (let it = 0; it < 40 && Math.abs(outV - inV) > 1e-6 * pr.scale; it++) {
    const v = outF === Infinity ? (inV + outV) / 2 : inV + ((outV - inV) * -inF) / (outF - inF);
    const r = at(inTheta, v);
    if (Math.abs(r.f) < 1e-6) return v;
    if (r.f < 0) {
      inV = v;
      inTheta = r.theta;
      inF = r.f;
      if (side === -1) outF /= 2;
      side = -1;
    } else {
      outV = v;
      outF = r.f;
      if (side === 1) inF /= 2;
      side = 1;
    }
  }
  return (inV + outV) / 2;
}

function profileInterval(pr: ProfileProblem, fit: SettlementFit, level: number, dof: number): [number, number] {
  const q = studentTQuantile(level, dof);
  const s2 = fit.wsse / fit.dof;
  const sse0 = sseOf(pr.curve, pr.theta, fit.obs);
  const scale = Number.isFinite(pr.scale) && pr.scale > 0 ? pr.scale : 0.1 * Math.abs(pr.theta[pr.index]) + 1e-6;
  const p = { ...pr, scale };
  return [profileEnd(p, fit.obs, sse0, s2, q * q, -1), profileEnd(p, fit.obs, sse0, s2, q * q, 1)];
}

function linearised(value: number, se: number, level: number, dof: number): [number, number] {
  const h = studentTQuantile(level, dof) * se;
  return [value - h, value + h];
}

/** Names of everything `estimates` can report: the model's parameters and each later sensor's offset. */
export function estimateNames(fit: SettlementFit): string[] {
  return [...fit.paramNames, ...fit.sensors.slice(1).map((s) => `offset ${s}`)];
}

/**
 * Intervals of the model parameters and sensor offsets (`which` limits them by name), by profile
 * likelihood (default) or by the linearised covariance.
 */
export function estimates(fit: SettlementFit, level = fit.confidence, method: IntervalMethod = "profile", which?: readonly string[]): Estimate[] {
  const names = estimateNames(fit);
  const theta = thetaOf(fit);
  const se = fit.covariance.map((r, i) => Math.sqrt(r[i]));
  const out: Estimate[] = [];
  names.forEach((name, k) => {
    if (which && !which.includes(name)) return;
    const dof = effectiveDof(fit, unit(theta.length, k));
    let lower: number;
    let upper: number;
    if (method === "linearised") [lower, upper] = linearised(theta[k], se[k], level, dof);
    else if (fit.model === "logistic") {
      // a > 0 all along a profile that matters: search in ln a (and map back for a itself).
      const lnA = [Math.log(theta[0]), ...theta.slice(1)];
      const scale = k === 0 ? se[0] / theta[0] : se[k];
      const [lo, hi] = theta[0] > 0 ? profileInterval({ curve: LOGISTIC_LN_A, theta: lnA, index: k, scale }, fit, level, dof) : [NaN, NaN];
      [lower, upper] = k === 0 ? [Math.exp(lo), Math.exp(hi)] : [lo, hi];
    } else [lower, upper] = profileInterval({ curve: modelCurveOf(fit), theta, index: k, scale: se[k] }, fit, level, dof);
    out.push({ name, value: theta[k], stdError: se[k], lower, upper, method });
  });
  return out;
}

/**
 * The time t_f at which the fitted curve reaches `fraction` of its settlement, with its interval:
 * logistic by profiling t_f itself; exponential from c's interval (t_f = −ln(1−f)/c is monotone in c).
 * NaN for the linear model or a curve that does not level off.
 */
export function plateauTimeEstimate(fit: SettlementFit, fraction: number, level = fit.confidence, method: IntervalMethod = "profile"): Estimate {
  const value = plateauTime(fit.model, fit.params, fraction);
  const C = fit.covariance;
  const name = `t${Math.round(fraction * 100)}`;
  if (!Number.isFinite(value)) return { name, value: NaN, stdError: NaN, lower: NaN, upper: NaN, method };
  const p = C.length;
  if (fit.model === "exponential") {
    const k = -Math.log(1 - fraction);
    const c = fit.params[2];
    const se = (k / (c * c)) * Math.sqrt(C[2][2]);
    if (method === "linearised") {
      const [lower, upper] = linearised(value, se, level, effectiveDof(fit, unit(p, 2)));
      return { name, value, stdError: se, lower, upper, method };
    }
    const { lower: cLo, upper: cHi } = estimates(fit, level, method, ["c"])[0];
    return { name, value, stdError: se, lower: cHi > 0 ? k / cHi : 0, upper: cLo > 0 ? k / cLo : Infinity, method };
  }
  const [a, , c] = fit.params;
  // ∂t/∂a = 1/(a c), ∂t/∂c = −t/c; b does not enter.
  const grad = Array.from({ length: p }, (_, j) => (j === 0 ? 1 / (a * c) : j === 2 ? -value / c : 0));
  let v = 0;
  for (let u = 0; u < p; u++) for (let w = 0; w < p; w++) v += grad[u] * C[u][w] * grad[w];
  const se = Math.sqrt(v);
  const dof = effectiveDof(fit, grad);
  if (method === "linearised") {
    const [lower, upper] = linearised(value, se, level, dof);
    return { name, value, stdError: se, lower, upper, method };
  }
  const theta = thetaOf(fit);
  const [lower, upper] = profileInterval({ curve: logisticByPlateauTime(fraction), theta: [value, ...theta.slice(1)], index: 0, scale: se }, fit, level, dof);
  return { name, value, stdError: se, lower, upper, method };
}
