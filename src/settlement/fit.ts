/**
 * Settlement-versus-time models for ground over tunnels (Foshan study, eq. 2): the logistic curve
 * S(t) = b / (1 + a·e^(−c·t)), with linear and exponential (consolidation) alternatives compared by
 * AIC. Fits are least squares by Levenberg–Marquardt (ml-levenberg-marquardt) from starting values
 * found by a grid over the nonlinear parameters with the linear ones solved exactly, so no guess from
 * the user is needed; the optimum is then polished by Gauss–Newton so that the standard errors
 * (from the Jacobian at the optimum, s²·(JᵀJ)⁻¹) belong to the minimum itself.
 *
 * Several sensors can share one time axis: each series after the first gets an unknown offset
 * (the settlement accrued before its own reference date, e.g. Sentinel-1 starting in 2015 after
 * PALSAR ended in 2011) that is estimated jointly with the curve.
 *
 * Times are decimal years since an origin date (the paper counts from 2008, when the line section
 * it models was begun); values are whatever unit the series carries (mm in this project).
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { projectRoot } from "../core/project";

export type SettlementModel = "logistic" | "linear" | "exponential";
export const SETTLEMENT_MODELS: readonly SettlementModel[] = ["logistic", "linear", "exponential"];

export const MODEL_PARAMS: Record<SettlementModel, readonly string[]> = {
  logistic: ["a", "b", "c"],
  linear: ["rate", "intercept"],
  exponential: ["s0", "b", "c"],
};

export const MODEL_FORMULA: Record<SettlementModel, string> = {
  logistic: "S(t) = b / (1 + a·exp(−c·t))",
  linear: "S(t) = intercept + rate·t",
  exponential: "S(t) = s0 + b·(1 − exp(−c·t))",
};

// ---------------------------------------------------------------- dates

const MS_PER_YEAR = 365.25 * 86_400_000;

/** Parses YYYY-MM-DD, YYYYMMDD or a full ISO timestamp to UTC milliseconds. */
export function parseDate(s: string): number {
  const t = s.trim();
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(t);
  const iso = compact ? `${compact[1]}-${compact[2]}-${compact[3]}` : t;
  if (!/^\d{4}-\d{2}-\d{2}([T ].*)?$/.test(iso)) throw new Error(`"${s}" is not a date (YYYY-MM-DD or YYYYMMDD)`);
  const ms = Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (!Number.isFinite(ms)) throw new Error(`"${s}" is not a valid date`);
  return ms;
}

/** Decimal years from `origin` to `date` (Julian years of 365.25 days). */
export function yearsSince(date: string, origin: string): number {
  return (parseDate(date) - parseDate(origin)) / MS_PER_YEAR;
}

/** The calendar date `years` after `origin`, YYYY-MM-DD. */
export function dateAfter(origin: string, years: number): string {
  if (!Number.isFinite(years)) return "never";
  return new Date(parseDate(origin) + years * MS_PER_YEAR).toISOString().slice(0, 10);
}

/** The decimal calendar year of a date (2015.5 ≈ early July 2015). */
export function decimalYear(date: string): number {
  const ms = parseDate(date);
  const y = new Date(ms).getUTCFullYear();
  const start = Date.UTC(y, 0, 1);
  const end = Date.UTC(y + 1, 0, 1);
  return y + (ms - start) / (end - start);
}

// ---------------------------------------------------------------- joining sensors

export interface SensorSeries {
  sensor: string;
  dates: string[];
  values: ArrayLike<number>;
}

export interface JoinedSeries {
  origin: string;
  sensors: string[];
  /** Years since origin. */
  t: Float64Array;
  y: Float64Array;
  /** Index into `sensors` of every sample. */
  group: Int32Array;
  dates: string[];
}

/**
 * Puts several sensors' series on one time axis starting at `origin`, sorted by time. Values are
 * kept as measured; the offsets between sensors are unknowns of the fit (or `applyOffsets`).
 */
export function joinSensors(series: readonly SensorSeries[], origin: string): JoinedSeries {
  if (series.length === 0) throw new Error("joinSensors: no series given");
  parseDate(origin);
  const rows: { t: number; y: number; g: number; d: string }[] = [];
  series.forEach((s, g) => {
    if (s.dates.length !== s.values.length) {
      throw new Error(`joinSensors: sensor ${s.sensor} has ${s.dates.length} dates but ${s.values.length} values`);
    }
    if (s.dates.length === 0) throw new Error(`joinSensors: sensor ${s.sensor} has no samples`);
    for (let i = 0; i < s.dates.length; i++) {
      let t: number;
      try {
        t = yearsSince(s.dates[i], origin);
      } catch (e) {
        throw new Error(`joinSensors: sensor ${s.sensor}, sample ${i}: ${(e as Error).message}`);
      }
      rows.push({ t, y: s.values[i], g, d: s.dates[i] });
    }
  });
  rows.sort((p, q) => p.t - q.t);
  return {
    origin,
    sensors: series.map((s) => s.sensor),
    t: Float64Array.from(rows, (r) => r.t),
    y: Float64Array.from(rows, (r) => r.y),
    group: Int32Array.from(rows, (r) => r.g),
    dates: rows.map((r) => r.d),
  };
}

/** The series with each sensor's estimated offset added, i.e. on the first sensor's reference. */
export function applyOffsets(y: ArrayLike<number>, group: ArrayLike<number>, offsets: readonly number[]): Float64Array {
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = y[i] + (offsets[group[i]] ?? 0);
  return out;
}

// ---------------------------------------------------------------- model functions

/** Model value at t. */
export function modelValue(model: SettlementModel, p: readonly number[], t: number): number {
  switch (model) {
    case "logistic":
      return p[1] / (1 + p[0] * Math.exp(-p[2] * t));
    case "linear":
      return p[1] + p[0] * t;
    case "exponential":
      return p[0] + p[1] * (1 - Math.exp(-p[2] * t));
  }
}

/** ∂S/∂θ at t, in the order of MODEL_PARAMS. */
export function modelGradient(model: SettlementModel, p: readonly number[], t: number): number[] {
  switch (model) {
    case "logistic": {
      const e = Math.exp(-p[2] * t);
      const d = 1 + p[0] * e;
      return [(-p[1] * e) / (d * d), 1 / d, (p[1] * p[0] * t * e) / (d * d)];
    }
    case "linear":
      return [t, 1];
    case "exponential": {
      const e = Math.exp(-p[2] * t);
      return [1, 1 - e, p[1] * t * e];
    }
  }
}

// ---------------------------------------------------------------- small linear algebra

/** Solves the symmetric positive (semi)definite system A x = b by Gauss–Jordan with pivoting. */
function solve(A: number[][], b: number[]): number[] | null {
  const n = b.length;
  const M = A.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
    const scale = Math.max(...A.map((r) => Math.abs(r[c])), 1e-300);
    if (Math.abs(M[piv][c]) < 1e-13 * scale) return null;
    [M[c], M[piv]] = [M[piv], M[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((r, i) => r[n] / r[i]);
}

function invert(A: number[][]): number[][] | null {
  const n = A.length;
  const cols: number[][] = [];
  for (let j = 0; j < n; j++) {
    const e = new Array<number>(n).fill(0);
    e[j] = 1;
    const x = solve(A, e);
    if (!x) return null;
    cols.push(x);
  }
  return A.map((_, i) => cols.map((c) => c[i]));
}

/**
 * Least squares for the linear parameters of a design with k columns; `fill(i, row)` writes row i.
 * Works on the normal equations without storing the design (the start-value grid calls it thousands
 * of times). Returns the coefficients and the SSE.
 */
function linearLsq(n: number, k: number, fill: (i: number, row: Float64Array) => void, y: ArrayLike<number>): { coef: number[]; sse: number } | null {
  const A = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const b = new Array<number>(k).fill(0);
  const row = new Float64Array(k);
  let yy = 0;
  for (let i = 0; i < n; i++) {
    fill(i, row);
    const yi = y[i];
    yy += yi * yi;
    for (let p = 0; p < k; p++) {
      const rp = row[p];
      if (rp === 0) continue;
      b[p] += rp * yi;
      for (let q = 0; q < k; q++) A[p][q] += rp * row[q];
    }
  }
  const coef = solve(A, b);
  if (!coef) return null;
  // SSE = yᵀy − 2 cᵀXᵀy + cᵀXᵀXc = yᵀy − cᵀXᵀy at the least-squares solution.
  let cb = 0;
  for (let p = 0; p < k; p++) cb += coef[p] * b[p];
  return { coef, sse: Math.max(0, yy - cb) };
}

// ---------------------------------------------------------------- Student t quantile

function logGamma(x: number): number {
  const c = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5];
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let ser = 1.000000000190015;
  for (const ci of c) ser += ci / ++y;
  return -tmp + Math.log((2.5066282746310005 * ser) / x);
}

/** Regularised incomplete beta I_x(a, b) by Lentz's continued fraction. */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const bt = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  const cf = (xx: number, aa: number, bb: number): number => {
    const tiny = 1e-300;
    let c = 1;
    let d = 1 - ((aa + bb) * xx) / (aa + 1);
    if (Math.abs(d) < tiny) d = tiny;
    d = 1 / d;
    let h = d;
    for (let m = 1; m <= 300; m++) {
      const m2 = 2 * m;
      let aa2 = (m * (bb - m) * xx) / ((aa + m2 - 1) * (aa + m2));
      d = 1 + aa2 * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + aa2 / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      h *= d * c;
      aa2 = (-(aa + m) * (aa + bb + m) * xx) / ((aa + m2) * (aa + m2 + 1));
      d = 1 + aa2 * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + aa2 / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      const del = d * c;
      h *= del;
      if (Math.abs(del - 1) < 1e-14) break;
    }
    return h;
  };
  return x < (a + 1) / (a + b + 2) ? (bt * cf(x, a, b)) / a : 1 - (bt * cf(1 - x, b, a)) / b;
}

/** Student-t CDF with `dof` degrees of freedom. */
export function studentTCdf(t: number, dof: number): number {
  const x = dof / (dof + t * t);
  const tail = 0.5 * incompleteBeta(x, dof / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Two-sided critical value: P(|T| ≤ q) = level. */
export function studentTQuantile(level: number, dof: number): number {
  if (!(level > 0 && level < 1)) throw new Error(`confidence level ${level} must lie in (0, 1)`);
  if (!(dof > 0)) throw new Error(`degrees of freedom ${dof} must be positive`);
  const target = 0.5 + level / 2;
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, dof) < target) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, dof) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

// ---------------------------------------------------------------- fitting

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
  /** Fraction of the final settlement b at which the ground counts as stable (logistic). */
  stabiliseFraction?: number;
  /** Confidence level of the band and intervals. */
  confidence?: number;
  /** Maximum LM iterations. */
  maxIterations?: number;
}

export interface SettlementFit {
  model: SettlementModel;
  formula: string;
  paramNames: string[];
  params: number[];
  stdErrors: number[];
  /** Offsets added to each sensor's values to put it on the first sensor's reference (first = 0). */
  offsets: number[];
  offsetStdErrors: number[];
  sensors: string[];
  /** Covariance of [params…, offsets of sensors 1…]. */
  covariance: number[][];
  n: number;
  dof: number;
  sse: number;
  rmse: number;
  /** n·ln(SSE/n) + 2k with k = free parameters + 1 (the noise variance). */
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

function validate(input: FitInput, nParams: number): { t: Float64Array; y: Float64Array; g: Int32Array; nGroups: number } {
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
    let c = 0;
    for (let i = 0; i < n; i++) if (g[i] === k) c++;
    if (c === 0) fail(input, `sensor ${input.sensors?.[k] ?? k} has no samples`);
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
  return { t, y, g, nGroups };
}

/** Predicted observation i: model value minus that sensor's offset. */
function predictObs(model: SettlementModel, theta: readonly number[], nModel: number, t: number, g: number): number {
  return modelValue(model, theta, t) - (g > 0 ? theta[nModel + g - 1] : 0);
}

function jacobianRow(model: SettlementModel, theta: readonly number[], nModel: number, nGroups: number, t: number, g: number): number[] {
  const row = modelGradient(model, theta, t);
  for (let k = 1; k < nGroups; k++) row.push(g === k ? -1 : 0);
  return row;
}

function sseOf(model: SettlementModel, theta: readonly number[], nModel: number, t: Float64Array, y: Float64Array, g: Int32Array): number {
  let s = 0;
  for (let i = 0; i < t.length; i++) s += (y[i] - predictObs(model, theta, nModel, t[i], g[i])) ** 2;
  return s;
}

/** Starting values: grid over the nonlinear parameters, exact least squares for the linear ones. */
function startValues(model: SettlementModel, t: Float64Array, y: Float64Array, g: Int32Array, nGroups: number): number[] {
  const n = t.length;
  const offsets = (i: number, row: Float64Array, from: number): void => {
    for (let k = 1; k < nGroups; k++) row[from + k - 1] = g[i] === k ? -1 : 0;
  };
  const nOff = nGroups - 1;
  if (model === "linear") {
    const r = linearLsq(n, 2 + nOff, (i, row) => {
      row[0] = t[i];
      row[1] = 1;
      offsets(i, row, 2);
    }, y);
    if (!r) throw new Error("linear fit: the design is singular (sensors' time spans cannot be told apart from their offsets)");
    return r.coef;
  }
  let tMin = Infinity;
  let tMax = -Infinity;
  for (const ti of t) {
    tMin = Math.min(tMin, ti);
    tMax = Math.max(tMax, ti);
  }
  const span = tMax - tMin;
  let best: { theta: number[]; sse: number } | null = null;
  const cs = Array.from({ length: 40 }, (_, k) => (0.1 / span) * Math.pow(400, k / 39)); // rates from 0.1/span to 40/span
  if (model === "exponential") {
    for (const c of cs) {
      const r = linearLsq(n, 2 + nOff, (i, row) => {
        row[0] = 1;
        row[1] = 1 - Math.exp(-c * t[i]);
        offsets(i, row, 2);
      }, y);
      if (r && (!best || r.sse < best.sse)) best = { theta: [r.coef[0], r.coef[1], c, ...r.coef.slice(2)], sse: r.sse };
    }
  } else {
    // Logistic: for fixed c and midpoint t_m (a = e^(c·t_m)), S is linear in b.
    const mids = Array.from({ length: 41 }, (_, k) => tMin - 0.5 * span + (2 * span * k) / 40);
    for (const c of cs) {
      for (const tm of mids) {
        const a = Math.exp(c * tm);
        if (!Number.isFinite(a) || a <= 0) continue;
        const r = linearLsq(n, 1 + nOff, (i, row) => {
          row[0] = 1 / (1 + a * Math.exp(-c * t[i]));
          offsets(i, row, 1);
        }, y);
        if (r && (!best || r.sse < best.sse)) best = { theta: [a, r.coef[0], c, ...r.coef.slice(1)], sse: r.sse };
      }
    }
  }
  if (!best) throw new Error(`${model} fit: no starting values found (${n} samples)`);
  return best.theta;
}

/** Gauss–Newton with step halving from θ; returns the polished θ and the final JᵀJ. */
function polish(model: SettlementModel, theta0: number[], nModel: number, nGroups: number, t: Float64Array, y: Float64Array, g: Int32Array): number[] {
  let theta = theta0.slice();
  let sse = sseOf(model, theta, nModel, t, y, g);
  for (let it = 0; it < 50; it++) {
    const p = theta.length;
    const A = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    const b = new Array<number>(p).fill(0);
    for (let i = 0; i < t.length; i++) {
      const J = jacobianRow(model, theta, nModel, nGroups, t[i], g[i]);
      const r = y[i] - predictObs(model, theta, nModel, t[i], g[i]);
      for (let u = 0; u < p; u++) {
        b[u] += J[u] * r;
        for (let v = 0; v < p; v++) A[u][v] += J[u] * J[v];
      }
    }
    const step = solve(A, b);
    if (!step) break;
    let lambda = 1;
    let improved = false;
    while (lambda > 1e-6) {
      const trial = theta.map((v, k) => v + lambda * step[k]);
      const s = sseOf(model, trial, nModel, t, y, g);
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

/** Fits one model to a (possibly multi-sensor) series. */
export function fitSettlement(input: FitInput, opts: FitOptions = {}): SettlementFit {
  const model = opts.model ?? "logistic";
  if (!SETTLEMENT_MODELS.includes(model)) throw new Error(`unknown model "${String(model)}" (logistic, linear or exponential)`);
  const confidence = opts.confidence ?? 0.95;
  const names = MODEL_PARAMS[model];
  const nModel = names.length;
  const { t, y, g, nGroups } = validate(input, nModel);
  const sensors = input.sensors ?? Array.from({ length: nGroups }, (_, k) => (k === 0 ? "series" : `sensor ${k}`));
  const warnings: string[] = [];

  let theta = startValues(model, t, y, g, nGroups);
  let iterations = 0;
  if (model !== "linear") {
    const idx = Float64Array.from(t, (_, i) => i);
    const lm = levenbergMarquardt()(
      { x: idx, y },
      (p) => (x) => predictObs(model, p, nModel, t[x], g[x]),
      {
        initialValues: theta,
        damping: 1e-2,
        maxIterations: opts.maxIterations ?? 100,
        errorTolerance: 0,
        improvementThreshold: 1e-3,
        jacobianFunction: (p) => (x) => jacobianRow(model, p, nModel, nGroups, t[x], g[x]),
      },
    );
    iterations = lm.iterations;
    if (Number.isFinite(lm.parameterError) && lm.parameterError <= sseOf(model, theta, nModel, t, y, g)) theta = lm.parameterValues;
  }
  theta = polish(model, theta, nModel, nGroups, t, y, g);

  const n = t.length;
  const p = theta.length;
  const sse = sseOf(model, theta, nModel, t, y, g);
  const dof = n - p;
  const s2 = sse / dof;
  const JtJ = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (let i = 0; i < n; i++) {
    const J = jacobianRow(model, theta, nModel, nGroups, t[i], g[i]);
    for (let u = 0; u < p; u++) for (let v = 0; v < p; v++) JtJ[u][v] += J[u] * J[v];
  }
  const inv = invert(JtJ);
  let covariance: number[][];
  if (!inv) {
    warnings.push("the Jacobian is rank-deficient at the optimum: parameters are not all identifiable from this series; standard errors are NaN");
    covariance = Array.from({ length: p }, () => new Array<number>(p).fill(NaN));
  } else {
    covariance = inv.map((r) => r.map((v) => v * s2));
  }
  const se = covariance.map((r, i) => Math.sqrt(r[i]));

  if (model === "logistic") {
    const [a, b, c] = theta;
    if (c <= 0) warnings.push(`growth rate c = ${c.toPrecision(3)} ≤ 0: the series does not level off; a logistic curve does not describe it`);
    const tMid = Math.log(a) / c;
    if (!(a > 0)) warnings.push(`a = ${a.toPrecision(3)} ≤ 0: the curve has no inflection in time`);
    else if (tMid > Math.max(...t) + 0.5 * (Math.max(...t) - Math.min(...t))) {
      warnings.push("the fitted inflection lies far after the data: the plateau b is an extrapolation");
    }
    if (Math.abs(b) > 10 * Math.max(...Array.from(y, Math.abs))) warnings.push("|b| exceeds ten times the largest observed value: the plateau is poorly constrained");
  }
  if (model === "exponential" && theta[2] <= 0) warnings.push(`rate c = ${theta[2].toPrecision(3)} ≤ 0: the series accelerates instead of levelling off`);

  const k = p + 1;
  const aic = n * Math.log(sse / n) + 2 * k;
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
    n,
    dof,
    sse,
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

/**
 * Pointwise confidence band of the fitted curve (delta method: var S(t) = ∇Sᵀ·Cov·∇S, Student-t
 * critical value with the fit's degrees of freedom).
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

export interface Stabilisation {
  /** Fraction of b that defines "stable". */
  fraction: number;
  /** Years since origin when fraction·b is reached, and its standard error. */
  t: number;
  tStdError: number;
  /** Years since origin of the onset (1 − fraction of b reached). */
  onsetT: number;
  /** Duration of the settlement, onset to stable, years; and its standard error. */
  duration: number;
  durationStdError: number;
  /** Remaining settlement at stabilisation, (1 − fraction)·|b|. */
  remaining: number;
}

/**
 * When the logistic settlement is complete: S(t) = f·b at t_f = (ln a + ln(f/(1−f)))/c; the duration
 * from onset ((1−f)·b) to stable (f·b) is 2·ln(f/(1−f))/c. Standard errors by the delta method.
 */
export function stabilisation(fit: SettlementFit, fraction = 0.95): Stabilisation {
  if (fit.model !== "logistic") throw new Error(`stabilisation time is defined for the logistic model, not ${fit.model}`);
  if (!(fraction > 0.5 && fraction < 1)) throw new Error(`stabilisation fraction ${fraction} must lie in (0.5, 1)`);
  const [a, b, c] = fit.params;
  if (!(a > 0) || !(c > 0)) {
    return { fraction, t: NaN, tStdError: NaN, onsetT: NaN, duration: NaN, durationStdError: NaN, remaining: NaN };
  }
  const L = Math.log(fraction / (1 - fraction));
  const t = (Math.log(a) + L) / c;
  const onsetT = (Math.log(a) - L) / c;
  const duration = (2 * L) / c;
  const C = fit.covariance;
  // ∂t/∂a = 1/(a c), ∂t/∂c = −t/c; b does not enter.
  const ga = 1 / (a * c);
  const gc = -t / c;
  const varT = ga * ga * C[0][0] + 2 * ga * gc * C[0][2] + gc * gc * C[2][2];
  const durationStdError = (duration / c) * Math.sqrt(C[2][2]);
  return { fraction, t, tStdError: Math.sqrt(varT), onsetT, duration, durationStdError, remaining: (1 - fraction) * Math.abs(b) };
}

export interface ModelComparison {
  model: SettlementModel;
  aic: number;
  aicc: number;
  deltaAic: number;
  /** Akaike weight: exp(−Δ/2) normalised over the models compared. */
  weight: number;
  rmse: number;
  fit?: SettlementFit;
  error?: string;
}

/** Fits every model and ranks them by AIC (lowest first). Models that fail are listed with the error. */
export function compareModels(input: FitInput, models: readonly SettlementModel[] = SETTLEMENT_MODELS, opts: FitOptions = {}): ModelComparison[] {
  const rows: ModelComparison[] = models.map((model) => {
    try {
      const fit = fitSettlement(input, { ...opts, model });
      return { model, aic: fit.aic, aicc: fit.aicc, deltaAic: 0, weight: 0, rmse: fit.rmse, fit };
    } catch (e) {
      return { model, aic: NaN, aicc: NaN, deltaAic: NaN, weight: 0, rmse: NaN, error: (e as Error).message };
    }
  });
  const ok = rows.filter((r) => Number.isFinite(r.aic));
  if (ok.length === 0) throw new Error(`no model could be fitted: ${rows.map((r) => `${r.model}: ${r.error}`).join("; ")}`);
  const min = Math.min(...ok.map((r) => r.aic));
  let total = 0;
  for (const r of ok) {
    r.deltaAic = r.aic - min;
    total += Math.exp(-r.deltaAic / 2);
  }
  for (const r of ok) r.weight = Math.exp(-r.deltaAic / 2) / total;
  return rows.sort((p, q) => (Number.isFinite(p.aic) ? p.aic : Infinity) - (Number.isFinite(q.aic) ? q.aic : Infinity));
}

/** A plain-JSON summary of a fit (what the CLI prints). */
export function fitSummary(fit: SettlementFit, origin?: string, fraction = 0.95): Record<string, unknown> {
  const params: Record<string, { value: number; stdError: number }> = {};
  fit.paramNames.forEach((name, i) => (params[name] = { value: fit.params[i], stdError: fit.stdErrors[i] }));
  const out: Record<string, unknown> = {
    model: fit.model,
    formula: fit.formula,
    ...(origin ? { origin, timeUnit: "years since origin" } : { timeUnit: "years" }),
    params,
    n: fit.n,
    dof: fit.dof,
    rmse: fit.rmse,
    sse: fit.sse,
    aic: fit.aic,
    aicc: fit.aicc,
  };
  if (fit.sensors.length > 1) {
    out.offsets = fit.sensors.map((s, i) => ({ sensor: s, offset: fit.offsets[i], stdError: fit.offsetStdErrors[i] }));
  }
  if (fit.model === "logistic") {
    const s = stabilisation(fit, fraction);
    out.stabilisation = {
      fraction: s.fraction,
      years: s.t,
      yearsStdError: s.tStdError,
      ...(origin ? { date: dateAfter(origin, s.t), onsetDate: dateAfter(origin, s.onsetT) } : {}),
      onsetYears: s.onsetT,
      durationYears: s.duration,
      durationStdError: s.durationStdError,
    };
  }
  if (fit.warnings.length) out.warnings = fit.warnings;
  return out;
}
