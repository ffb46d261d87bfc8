/**
 * Displacement time series helpers shared by the SBAS and PS notebooks: decimal years, a seeded
 * synthetic series, and the least-squares fit of the linear + annual time-function model.
 */
import { mulberry32 } from "../core/random";

export const DAY_MS = 86_400_000;
export const YEAR_DAYS = 365.25;

/** Years since `ref` for ISO dates (yyyy-mm-dd), as MintPy's time functions use. */
export function yearsSince(dates: string[], ref: string = dates[0]): Float64Array {
  const t0 = Date.parse(ref + "T00:00:00Z");
  return Float64Array.from(dates, (d) => {
    const t = Date.parse(d + "T00:00:00Z");
    if (Number.isNaN(t)) throw new Error(`not an ISO date: "${d}"`);
    return (t - t0) / DAY_MS / YEAR_DAYS;
  });
}


/** Standard normal draws from a uniform generator (Box–Muller). */
export function gaussian(rand: () => number): () => number {
  return () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
}

export interface SyntheticSeriesOptions {
  seed: number;
  days: number;
  stepDays: number;
  velocityMmYr: number;
  seasonalAmplitudeMm: number;
  noiseMm: number;
  start?: string;
}

export function syntheticSeries(o: SyntheticSeriesOptions): { dates: string[]; tYears: Float64Array; valueMm: Float64Array } {
  const g = gaussian(mulberry32(o.seed));
  const t0 = Date.parse((o.start ?? "2023-02-09") + "T00:00:00Z");
  const dates: string[] = [];
  for (let d = 0; d <= o.days; d += o.stepDays) dates.push(new Date(t0 + d * DAY_MS).toISOString().slice(0, 10));
  const tYears = yearsSince(dates);
  const valueMm = Float64Array.from(tYears, (t) => o.velocityMmYr * t + o.seasonalAmplitudeMm * Math.sin(2 * Math.PI * t) + o.noiseMm * g());
  return { dates, tYears, valueMm };
}

export interface LinearSeasonalFit {
  offset: number;
  velocity: number;
  velocityStd: number;
  annualAmplitude: number;
  fitted: Float64Array;
  residualRms: number;
}

/** Solves a small dense least-squares problem by the normal equations (Cholesky). */
export function leastSquares(design: Float64Array[], y: ArrayLike<number>): { x: Float64Array; covariance: Float64Array[]; residualRms: number } {
  const m = y.length;
  const n = design.length;
  if (m <= n) throw new Error(`least squares needs more observations (${m}) than unknowns (${n})`);
  const N = Array.from({ length: n }, () => new Float64Array(n));
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += design[i][k] * design[j][k];
      N[i][j] = N[j][i] = s;
    }
    let s = 0;
    for (let k = 0; k < m; k++) s += design[i][k] * y[k];
    b[i] = s;
  }
  const inv = invertSpd(N);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) x[i] += inv[i][j] * b[j];
  let ss = 0;
  for (let k = 0; k < m; k++) {
    let f = 0;
    for (let i = 0; i < n; i++) f += design[i][k] * x[i];
    ss += (y[k] - f) ** 2;
  }
  const sigma2 = ss / (m - n);
  return { x, covariance: inv.map((r) => r.map((v) => v * sigma2)), residualRms: Math.sqrt(ss / m) };
}

function invertSpd(a: Float64Array[]): Float64Array[] {
  const n = a.length;
  const L = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      if (i === j) {
        if (s <= 0) throw new Error("normal matrix is singular: the time functions are not independent over these dates");
        L[i][i] = Math.sqrt(s);
      } else L[i][j] = s / L[j][j];
    }
  }
  const inv = Array.from({ length: n }, () => new Float64Array(n));
  for (let c = 0; c < n; c++) {
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= L[i][k] * z[k];
      z[i] = s / L[i][i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = z[i];
      for (let k = i + 1; k < n; k++) s -= L[k][i] * inv[k][c];
      inv[i][c] = s / L[i][i];
    }
  }
  return inv;
}

/** Fits offset + velocity·t + annual sine/cosine; velocity in the unit of `y` per year. */
export function fitLinearSeasonal(tYears: ArrayLike<number>, y: ArrayLike<number>): LinearSeasonalFit {
  const m = tYears.length;
  const cols = [
    new Float64Array(m).fill(1),
    Float64Array.from(tYears),
    Float64Array.from(tYears, (t) => Math.sin(2 * Math.PI * t)),
    Float64Array.from(tYears, (t) => Math.cos(2 * Math.PI * t)),
  ];
  const { x, covariance, residualRms } = leastSquares(cols, y);
  const fitted = Float64Array.from({ length: m }, (_, k) => cols.reduce((s, c, i) => s + c[k] * x[i], 0));
  return {
    offset: x[0],
    velocity: x[1],
    velocityStd: Math.sqrt(covariance[1][1]),
    annualAmplitude: Math.hypot(x[2], x[3]),
    fitted,
    residualRms,
  };
}
