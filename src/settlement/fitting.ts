/**
 * Least-squares fit of one settlement model (models.ts) to a possibly multi-sensor series, by
 * Levenberg–Marquardt (ml-levenberg-marquardt) from starting values found by a grid over the
 * nonlinear parameters with the linear ones solved exactly, so no guess from the user is needed; the
 * optimum is polished by Gauss–Newton so that the linearised covariance s²·(JᵀJ)⁻¹ belongs to the
 * minimum itself. Intervals that can be trusted come from intervals.ts (profile likelihood).
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { projectRoot } from "../core/project";
import { invert } from "./linalg";
import { startValues } from "./start";
import { MODEL_FORMULA, MODEL_PARAMS, SETTLEMENT_MODELS, modelValue, type SettlementModel } from "./models";
import { fitWithFixed, jacobianRow, jtj, modelCurve, polish, predictObs, sseOf, type Curve, type Observations } from "./observation";

interface LmOptions {
  initialValues: ArrayLike<number>;
  damping?: number;
  maxIterations?: number;
  errorTolerance?: number;
  improvementThreshold?: number;
  jacobianFunction?: (params: number[]) => (x: number) => number[];
}
type LevenbergMarquardt = (
  data: { x: ArrayLike<number>; y: ArrayLike<number> },
  fn: (params: number[]) => (x: number) => number,
  options: LmOptions,
) => { parameterValues: number[]; parameterError: number; iterations: number };

let lmImpl: LevenbergMarquardt | undefined;
function levenbergMarquardt(): LevenbergMarquardt {
  // Loaded through require so the same code runs under tslab's CommonJS compile and under vitest;
  // Node ≥ 20.19 loads this ESM-only package synchronously.
  if (!lmImpl) {
    const req = createRequire(join(projectRoot(), "package.json"));
    lmImpl = (req("ml-levenberg-marquardt") as { levenbergMarquardt: LevenbergMarquardt }).levenbergMarquardt;
  }
  return lmImpl;
}

export interface FitInput {
  /** Time of each sample, years since the origin. */
  t: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Sensor index of each sample (0 = the reference sensor); omitted = one sensor. */
  group?: ArrayLike<number>;
  /** Names of the sensors, for messages and output. */
  sensors?: string[];
  /** Where the data came from, named in error messages. */
  source?: string;
}

export interface FitOptions {
  model?: SettlementModel;
  /** Confidence level of the band and intervals. */
  confidence?: number;
  /** Maximum LM iterations. */
  maxIterations?: number;
  /**
   * "sensor" (default): each sensor's noise level is estimated and its samples weighted by 1/σ²
   * (PALSAR and Sentinel-1 differ by ~1.5× in noise, and an equal-weight fit lets the quieter, denser
   * sensor set the error scale of parameters the other one determines). "none": ordinary least squares.
   */
  weighting?: "sensor" | "none";
}

export interface SettlementFit {
  model: SettlementModel;
  formula: string;
  paramNames: string[];
  params: number[];
  /** Linearised standard errors, √diag(s²·(JᵀJ)⁻¹): see intervals.ts for when they can be trusted. */
  stdErrors: number[];
  /** Offsets added to each sensor's values to put it on the first sensor's reference (first = 0). */
  offsets: number[];
  offsetStdErrors: number[];
  sensors: string[];
  /** Linearised covariance of [params…, offsets of sensors 1…]. */
  covariance: number[][];
  /** Estimated noise σ of each sensor, and the residual degrees of freedom it is estimated with. */
  noise: number[];
  sensorDof: number[];
  /** The data fitted (for the profile likelihood). */
  obs: Observations;
  n: number;
  dof: number;
  /** Parameters the criteria count: curve + offsets + noise variances (one per sensor when weighted, else one). */
  k: number;
  /** Sum of squared residuals (unweighted) and the weighted sum the fit minimises. */
  sse: number;
  wsse: number;
  rmse: number;
  /** −2 ln L + 2k, Gaussian noise with one variance per sensor (ML): Σ_g n_g·ln(SSE_g/n_g) + 2k, k = parameters + offsets + variances. */
  aic: number;
  /** AIC with the small-sample correction 2k(k+1)/(n−k−1). */
  aicc: number;
  confidence: number;
  iterations: number;
  warnings: string[];
}

function fail(input: FitInput, msg: string): never {
  throw new Error(`${input.source ? input.source + ": " : ""}${msg}`);
}

function validate(input: FitInput, nParams: number): Observations {
  const n = input.t.length;
  if (input.y.length !== n) fail(input, `${n} times but ${input.y.length} values`);
  if (input.group && input.group.length !== n) fail(input, `${n} times but ${input.group.length} sensor labels`);
  const t = Float64Array.from(input.t as ArrayLike<number>);
  const y = Float64Array.from(input.y as ArrayLike<number>);
  const g = input.group ? Int32Array.from(input.group as ArrayLike<number>) : new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(t[i])) fail(input, `sample ${i}: time is ${t[i]}`);
    if (!Number.isFinite(y[i])) fail(input, `sample ${i}: value is ${y[i]} (NaN or missing)`);
    if (g[i] < 0) fail(input, `sample ${i}: negative sensor index`);
  }
  let nGroups = 0;
  for (let i = 0; i < n; i++) nGroups = Math.max(nGroups, g[i] + 1);
  for (let k = 0; k < nGroups; k++) {
    if (!g.includes(k)) fail(input, `sensor ${input.sensors?.[k] ?? k} has no samples`);
  }
  const needed = nParams + (nGroups - 1) + 1;
  if (n < needed) fail(input, `${n} samples are too few for ${nParams} model parameters and ${nGroups - 1} sensor offsets (need at least ${needed})`);
  let tMin = Infinity;
  let tMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (let i = 0; i < n; i++) {
    tMin = Math.min(tMin, t[i]);
    tMax = Math.max(tMax, t[i]);
    yMin = Math.min(yMin, y[i]);
    yMax = Math.max(yMax, y[i]);
  }
  if (tMax === tMin) fail(input, "all samples share one date; a time model needs a time span");
  if (yMax === yMin) fail(input, `the series is constant (${yMin}); there is no settlement to model`);
  return { t, y, g, nGroups, w: new Float64Array(n).fill(1) };
}

/** Per-sensor residual sums of squares and counts. */
function groupSse(curve: Curve, theta: readonly number[], obs: Observations): { sse: number[]; count: number[] } {
  const sse = new Array<number>(obs.nGroups).fill(0);
  const count = new Array<number>(obs.nGroups).fill(0);
  for (let i = 0; i < obs.t.length; i++) {
    sse[obs.g[i]] += (obs.y[i] - predictObs(curve, theta, obs.t[i], obs.g[i])) ** 2;
    count[obs.g[i]]++;
  }
  return { sse, count };
}

/**
 * Residual degrees of freedom of each sensor, n_g − Σ_g h_ii (the leverages of its samples): what its
 * noise variance is estimated with. Charging parameters in proportion to sample counts instead would
 * under-estimate the noise of a sparse sensor that carries the curve's shape (PALSAR's 26 samples fix
 * a, b and c; Sentinel-1's 100 little more than its offset).
 */
function sensorDof(curve: Curve, theta: readonly number[], obs: Observations): number[] {
  const count = new Array<number>(obs.nGroups).fill(0);
  for (let i = 0; i < obs.t.length; i++) count[obs.g[i]]++;
  const inv = invert(jtj(curve, theta, obs));
  if (!inv) return count.map((c) => c * (1 - theta.length / obs.t.length));
  const used = new Array<number>(obs.nGroups).fill(0);
  for (let i = 0; i < obs.t.length; i++) {
    const J = jacobianRow(curve, theta, obs.nGroups, obs.t[i], obs.g[i]);
    let h = 0;
    for (let u = 0; u < J.length; u++) for (let v = 0; v < J.length; v++) h += J[u] * inv[u][v] * J[v];
    used[obs.g[i]] += obs.w[i] * h;
  }
  return count.map((c, k) => c - used[k]);
}

/** σ² of each sensor: its residual sum of squares over its residual degrees of freedom (unbiased for a linear model). */
function sensorVariances(curve: Curve, theta: readonly number[], obs: Observations): number[] {
  const { sse } = groupSse(curve, theta, obs);
  const dof = sensorDof(curve, theta, obs);
  return sse.map((s, k) => Math.max(s, 1e-300) / Math.max(dof[k], 1));
}

function plateauWarnings(model: SettlementModel, theta: readonly number[], obs: Observations): string[] {
  const warnings: string[] = [];
  let tMin = Infinity;
  let tMax = -Infinity;
  let yAbs = 0;
  for (let i = 0; i < obs.t.length; i++) {
    tMin = Math.min(tMin, obs.t[i]);
    tMax = Math.max(tMax, obs.t[i]);
    yAbs = Math.max(yAbs, Math.abs(obs.y[i]));
  }
  if (model === "logistic") {
    const [a, b, c] = theta;
    if (c <= 0) warnings.push(`growth rate c = ${c.toPrecision(3)} ≤ 0: the series does not level off; a logistic curve does not describe it`);
    if (!(a > 0)) warnings.push(`a = ${a.toPrecision(3)} ≤ 0: the curve has no inflection in time`);
    else if (Math.log(a) / c > tMax + 0.5 * (tMax - tMin)) warnings.push("the fitted inflection lies far after the data: the plateau b is an extrapolation");
    if (Math.abs(b) > 10 * yAbs) warnings.push("|b| exceeds ten times the largest observed value: the plateau is poorly constrained");
  }
  if (model === "exponential" && theta[2] <= 0) warnings.push(`rate c = ${theta[2].toPrecision(3)} ≤ 0: the series accelerates instead of levelling off`);
  return warnings;
}

/** Fits one model to a (possibly multi-sensor) series. */
export function fitSettlement(input: FitInput, opts: FitOptions = {}): SettlementFit {
  const model = opts.model ?? "logistic";
  if (!SETTLEMENT_MODELS.includes(model)) throw new Error(`unknown model "${String(model)}" (logistic, linear or exponential)`);
  const confidence = opts.confidence ?? 0.95;
  const names = MODEL_PARAMS[model];
  const nModel = names.length;
  const obs = validate(input, nModel);
  const { t, y, g, nGroups } = obs;
  const curve = modelCurve(model);
  const sensors = input.sensors ?? Array.from({ length: nGroups }, (_, k) => (k === 0 ? "series" : `sensor ${k}`));
  const warnings: string[] = [];

  let theta = startValues(model, obs);
  let iterations = 0;
  if (model !== "linear") {
    const idx = Float64Array.from(t, (_, i) => i);
    const lm = levenbergMarquardt()(
      { x: idx, y },
      (p) => (x) => predictObs(curve, p, t[x], g[x]),
      {
        initialValues: theta,
        damping: 1e-2,
        maxIterations: opts.maxIterations ?? 100,
        errorTolerance: 0,
        improvementThreshold: 1e-3,
        jacobianFunction: (p) => (x) => jacobianRow(curve, p, nGroups, t[x], g[x]),
      },
    );
    iterations = lm.iterations;
    if (Number.isFinite(lm.parameterError) && lm.parameterError <= sseOf(curve, theta, obs)) theta = lm.parameterValues;
  }
  theta = polish(curve, theta, obs);
  if ((opts.weighting ?? "sensor") === "sensor" && nGroups > 1) {
    // Iteratively reweighted: estimate each sensor's σ² from the residuals, refit, until the weights settle.
    for (let it = 0; it < 10; it++) {
      const v = sensorVariances(curve, theta, obs);
      let change = 0;
      for (let i = 0; i < t.length; i++) {
        const w = 1 / v[g[i]];
        change = Math.max(change, Math.abs(w - obs.w[i]) / w);
        obs.w[i] = w;
      }
      theta = polish(curve, fitWithFixed(curve, theta, obs).theta, obs);
      if (change < 1e-4) break;
    }
  }

  const n = t.length;
  const p = theta.length;
  const wsse = sseOf(curve, theta, obs);
  const groups = groupSse(curve, theta, obs);
  const sse = groups.sse.reduce((q, v) => q + v, 0);
  const dof = n - p;
  const s2 = wsse / dof;
  const inv = invert(jtj(curve, theta, obs));
  let covariance: number[][];
  if (!inv) {
    warnings.push("the Jacobian is rank-deficient at the optimum: parameters are not all identifiable from this series; standard errors are NaN");
    covariance = Array.from({ length: p }, () => new Array<number>(p).fill(NaN));
  } else {
    covariance = inv.map((r) => r.map((v) => v * s2));
  }
  const se = covariance.map((r, i) => Math.sqrt(r[i]));
  warnings.push(...plateauWarnings(model, theta, obs));

  const weighted = obs.w.some((w) => w !== 1);
  const k = p + (weighted ? nGroups : 1);
  const aic = weighted ? groups.sse.reduce((q, s, j) => q + groups.count[j] * Math.log(s / groups.count[j]), 0) + 2 * k : n * Math.log(sse / n) + 2 * k;
  const aicc = n - k - 1 > 0 ? aic + (2 * k * (k + 1)) / (n - k - 1) : NaN;
  return {
    model,
    formula: MODEL_FORMULA[model],
    paramNames: [...names],
    params: theta.slice(0, nModel),
    stdErrors: se.slice(0, nModel),
    offsets: [0, ...theta.slice(nModel)],
    offsetStdErrors: [0, ...se.slice(nModel)],
    sensors,
    covariance,
    noise: sensorVariances(curve, theta, obs).map(Math.sqrt),
    sensorDof: sensorDof(curve, theta, obs),
    obs,
    n,
    dof,
    k,
    sse,
    wsse,
    rmse: Math.sqrt(sse / n),
    aic,
    aicc,
    confidence,
    iterations,
    warnings,
  };
}

/** Fitted curve at times t (on the first sensor's reference). */
export function predict(fit: SettlementFit, t: ArrayLike<number>): Float64Array {
  return Float64Array.from(t as ArrayLike<number>, (ti) => modelValue(fit.model, fit.params, ti));
}

/** All parameters of the fit as one vector θ = [curve params…, offsets of sensors 1…]. */
export function thetaOf(fit: SettlementFit): number[] {
  return [...fit.params, ...fit.offsets.slice(1)];
}
