/**
 * Time-function models of a displacement time series (MintPy utils/time_func, timeseries2velocity):
 * polynomial terms (t−t_ref)^k / k! (k = 1 gives the velocity), periodic cos/sin pairs (1 = annual,
 * 0.5 = semi-annual) and Heaviside steps; standard deviations from the residue,
 * σ_m = sqrt(diag((GᵀG)⁻¹) · Σe² / (N − P)).
 */
import { daysBetween, decimalYear } from "../core/dates";
import { UsageError } from "../core/errors";
import { lstsqSmall, invSpd, pseudoInverse } from "./linalg";
import { progress } from "../core/progress";

export interface TimeFuncModel {
  /** Polynomial degree: 1 = linear (velocity), 2 adds acceleration. */
  polynomial: number;
  /** Periods in years of cos/sin pairs, e.g. [1, 0.5]. */
  periodic: number[];
  /** YYYYMMDD dates of Heaviside steps. */
  stepDates: string[];
}

/**
 * A cos/sin pair of period T is refused unless the series spans at least two periods: over a shorter
 * span the pair trades off against the velocity (for a 1.9-year record an annual term moves the
 * velocity by as much as its own amplitude per year), so the velocity it returns cannot be trusted.
 */
export function checkPeriodic(dates: readonly string[], periodic: readonly number[]): void {
  if (!periodic.length || dates.length < 2) return;
  const span = daysBetween(dates[0], dates[dates.length - 1]) / 365.25;
  const bad = periodic.filter((p) => span < 2 * p);
  if (bad.length)
    throw new UsageError(
      `parameter periodic: the series spans ${span.toFixed(2)} years (${dates[0]} … ${dates[dates.length - 1]}), less than two periods of ` +
        `${bad.map((p) => `${p} yr`).join(", ")}; such a term is not separable from the velocity. Remove it (e.g. periodic=${periodic.filter((p) => span >= 2 * p).join(",") || "none"})`,
    );
}

export const LINEAR_MODEL: TimeFuncModel = { polynomial: 1, periodic: [], stepDates: [] };

export function timeFuncParamNames(model: TimeFuncModel): string[] {
  const names: string[] = [];
  const poly = ["intercept", "velocity", "acceleration", "accelerationRate"];
  for (let k = 0; k <= model.polynomial; k++) names.push(poly[k] ?? `poly${k}`);
  for (const p of model.periodic) {
    const label = p === 1 ? "annual" : p === 0.5 ? "semiAnnual" : `periodY${p}`;
    names.push(`${label}Cos`, `${label}Sin`);
  }
  for (const d of model.stepDates) names.push(`step${d}`);
  return names;
}

function factorial(k: number): number {
  let f = 1;
  for (let i = 2; i <= k; i++) f *= i;
  return f;
}

/** Design matrix G (N dates × P params, row-major). */
export function timeFuncDesign(dates: string[], model: TimeFuncModel, refDate?: string): Float64Array {
  const yrs = dates.map(decimalYear);
  const ref = refDate ? dates.indexOf(refDate) : 0;
  if (ref < 0) throw new Error(`reference date ${refDate} is not one of the time-series dates`);
  const t = yrs.map((y) => y - yrs[ref]);
  const P = timeFuncParamNames(model).length;
  const g = new Float64Array(dates.length * P);
  const steps = model.stepDates.map(decimalYear);
  dates.forEach((_, i) => {
    let c = 0;
    for (let k = 0; k <= model.polynomial; k++) g[i * P + c++] = Math.pow(t[i], k) / factorial(k);
    for (const p of model.periodic) {
      g[i * P + c++] = Math.cos((2 * Math.PI * t[i]) / p);
      g[i * P + c++] = Math.sin((2 * Math.PI * t[i]) / p);
    }
    for (const s of steps) g[i * P + c++] = yrs[i] > s ? 1 : 0;
  });
  return g;
}

export interface TimeFuncFit {
  names: string[];
  /** Per parameter: estimate over the pixels (NaN where not fitted). */
  params: Float32Array[];
  /** Per parameter: standard deviation from the residue. */
  std: Float32Array[];
  /** sqrt(Σe²) per pixel (MintPy `residue`). */
  residue: Float32Array;
}

/**
 * Fits the model to every pixel of a time series (per date arrays). Pixels with a NaN in any date
 * or masked out are left NaN. One pseudo-inverse serves all pixels because G depends only on dates.
 */
export function fitTimeFunctions(
  ts: ArrayLike<number>[],
  dates: string[],
  model: TimeFuncModel,
  opts: { refDate?: string; mask?: Uint8Array; quiet?: boolean } = {},
): TimeFuncFit {
  const N = dates.length;
  if (ts.length !== N) throw new Error(`time series has ${ts.length} epochs for ${N} dates`);
  const names = timeFuncParamNames(model);
  const P = names.length;
  if (N <= P) throw new Error(`${N} dates cannot constrain ${P} time-function parameters`);
  const G = timeFuncDesign(dates, model, opts.refDate);
  const pinv = pseudoInverse(G, N, P);
  const nMat = new Float64Array(P * P);
  for (let r = 0; r < N; r++)
    for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) nMat[i * P + j] += G[r * P + i] * G[r * P + j];
  const inv = invSpd(nMat, P);
  if (!inv) throw new Error("time-function design matrix is rank deficient (steps outside the dates?)");
  const nPix = ts[0].length;
  const params = names.map(() => new Float32Array(nPix).fill(NaN));
  const std = names.map(() => new Float32Array(nPix).fill(NaN));
  const residue = new Float32Array(nPix).fill(NaN);
  const y = new Float64Array(N);
  const m = new Float64Array(P);
  const bar = progress("time functions", nPix, { unit: "px", quiet: opts.quiet ?? true });
  for (let p = 0; p < nPix; p++) {
    if (opts.mask && !opts.mask[p]) continue;
    let ok = true;
    for (let d = 0; d < N; d++) {
      const v = ts[d][p];
      if (v !== v) {
        ok = false;
        break;
      }
      y[d] = v;
    }
    if (!ok) continue;
    for (let i = 0; i < P; i++) {
      let s = 0;
      for (let d = 0; d < N; d++) s += pinv[i * N + d] * y[d];
      m[i] = s;
    }
    let e2 = 0;
    for (let d = 0; d < N; d++) {
      let f = 0;
      for (let i = 0; i < P; i++) f += G[d * P + i] * m[i];
      e2 += (y[d] - f) ** 2;
    }
    for (let i = 0; i < P; i++) {
      params[i][p] = m[i];
      std[i][p] = Math.sqrt((inv[i * P + i] * e2) / (N - P));
    }
    residue[p] = Math.sqrt(e2);
    if ((p & 0xffff) === 0) bar.update(p);
  }
  bar.done();
  return { names, params, std, residue };
}

/** Fit of one series (point time series), with R². */
export function fitSeries(dates: string[], values: ArrayLike<number>, model: TimeFuncModel = LINEAR_MODEL) {
  const names = timeFuncParamNames(model);
  const G = timeFuncDesign(dates, model);
  const r = lstsqSmall(G, dates.length, names.length, values);
  let mean = 0;
  for (let i = 0; i < dates.length; i++) mean += values[i];
  mean /= dates.length;
  let tss = 0;
  for (let i = 0; i < dates.length; i++) tss += (values[i] - mean) ** 2;
  const dof = dates.length - names.length;
  return {
    names,
    params: Array.from(r.x),
    std: Array.from(r.covDiag, (c) => Math.sqrt((c * r.rss) / Math.max(1, dof))),
    r2: tss > 0 ? 1 - r.rss / tss : 1,
  };
}
