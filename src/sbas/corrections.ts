/**
 * Corrections of a displacement time series (per date, metres, row-major width×height), each with
 * the semantics of the MintPy step of the same name: deramp (objects/ramp.deramp), phase–elevation
 * troposphere (tropo_phase_elevation), topographic residual / DEM error (dem_error, Fattahi & Amelung
 * 2013), residual RMS and reference date (timeseries_rms, reference_date).
 */
import { lstsqSmall, pseudoInverse } from "./linalg";
import { timeFuncDesign, timeFuncParamNames, type TimeFuncModel } from "./timefunc";
import { progress } from "../core/progress";

export type RampType = "linear" | "quadratic" | "linear_range" | "linear_azimuth" | "quadratic_range" | "quadratic_azimuth";

function rampRow(type: RampType, x: number, y: number, out: Float64Array): number {
  switch (type) {
    case "linear":
      out[0] = y; out[1] = x; out[2] = 1;
      return 3;
    case "quadratic":
      out[0] = y * y; out[1] = x * x; out[2] = y * x; out[3] = y; out[4] = x; out[5] = 1;
      return 6;
    case "linear_range":
      out[0] = x; out[1] = 1;
      return 2;
    case "linear_azimuth":
      out[0] = y; out[1] = 1;
      return 2;
    case "quadratic_range":
      out[0] = x * x; out[1] = x; out[2] = 1;
      return 3;
    case "quadratic_azimuth":
      out[0] = y * y; out[1] = y; out[2] = 1;
      return 3;
  }
}

export interface DerampResult {
  /** Per date: ramp coefficients in the order of MintPy's design (e.g. linear: y, x, 1). */
  coefficients: Float64Array[];
}

/**
 * Removes a ramp from every date in place, fitted on `mask` pixels (non-zero, non-NaN mean), then
 * re-referenced to `refIndex` as MintPy does when REF_Y/REF_X are known. Zero-valued pixels stay zero.
 */
export function deramp(
  ts: Float32Array[],
  width: number,
  height: number,
  type: RampType,
  mask: Uint8Array | undefined,
  refIndex?: number,
): DerampResult {
  const nPix = width * height;
  const row = new Float64Array(6);
  const P = rampRow(type, 0, 0, row);
  const sel: number[] = [];
  for (let p = 0; p < nPix; p++) {
    if (mask && !mask[p]) continue;
    let mean = 0;
    for (const t of ts) mean += t[p];
    if (mean !== mean || mean === 0) continue;
    sel.push(p);
  }
  if (sel.length < P) throw new Error(`deramp: only ${sel.length} usable pixels for a ${type} ramp`);
  const G = new Float64Array(sel.length * P);
  sel.forEach((p, r) => {
    rampRow(type, p % width, Math.floor(p / width), row);
    for (let i = 0; i < P; i++) G[r * P + i] = row[i];
  });
  const pinv = pseudoInverse(G, sel.length, P);
  const coefficients: Float64Array[] = [];
  for (const t of ts) {
    const c = new Float64Array(P);
    for (let i = 0; i < P; i++) {
      let s = 0;
      for (let r = 0; r < sel.length; r++) s += pinv[i * sel.length + r] * t[sel[r]];
      c[i] = s;
    }
    coefficients.push(c);
    const rampAt = (p: number): number => {
      rampRow(type, p % width, Math.floor(p / width), row);
      let s = 0;
      for (let i = 0; i < P; i++) s += row[i] * c[i];
      return s;
    };
    const refRamp = refIndex !== undefined && refIndex >= 0 ? rampAt(refIndex) : 0;
    for (let p = 0; p < nPix; p++) {
      if (t[p] === 0) continue;
      t[p] -= rampAt(p) - refRamp;
    }
  }
  return { coefficients };
}

/** Mean over `looks`×`looks` blocks, ignoring NaN (MintPy multilook_data with nanmean). */
export function multilook(data: ArrayLike<number>, width: number, height: number, looks: number): { data: Float64Array; width: number; height: number } {
  const w = Math.floor(width / looks);
  const h = Math.floor(height / looks);
  const out = new Float64Array(w * h);
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++) {
      let s = 0;
      let n = 0;
      for (let i = 0; i < looks; i++)
        for (let j = 0; j < looks; j++) {
          const v = data[(r * looks + i) * width + c * looks + j];
          if (v === v) {
            s += v;
            n++;
          }
        }
      out[r * w + c] = n ? s / n : NaN;
    }
  return { data: out, width: w, height: h };
}

export interface TropoOptions {
  /** Polynomial order of the phase–height relation (MintPy --poly-order, default 1). */
  polyOrder: number;
  /** Looks applied for the estimation only (MintPy --looks, default 8). */
  looks: number;
  /** Dates whose |corr(height, ts)| is below this are not corrected (MintPy --threshold, default 0). */
  minCorrelation: number;
}

/**
 * Empirical phase–elevation tropospheric correction in place: per date, ts ≈ Σ a_k h^k fitted on
 * masked, multilooked pixels; the delay (relative to the reference pixel) is subtracted everywhere.
 * Returns the per-date coefficients (a_1 in m/m) and correlations.
 */
export function troposphereElevation(
  ts: Float32Array[],
  dem: Float32Array,
  width: number,
  height: number,
  mask: Uint8Array | undefined,
  refIndex: number,
  opts: TropoOptions,
): { coefficients: Float64Array[]; correlation: Float64Array } {
  const demRef = new Float64Array(dem.length);
  const href = dem[refIndex];
  for (let p = 0; p < dem.length; p++) demRef[p] = mask && !mask[p] ? NaN : dem[p] - href;
  const mlDem = opts.looks > 1 ? multilook(demRef, width, height, opts.looks) : { data: demRef, width, height };
  const idx: number[] = [];
  for (let i = 0; i < mlDem.data.length; i++) if (mlDem.data[i] === mlDem.data[i]) idx.push(i);
  const P = opts.polyOrder + 1;
  if (idx.length <= P) throw new Error(`troposphere: only ${idx.length} masked samples for the phase–elevation fit`);
  const A = new Float64Array(idx.length * P);
  idx.forEach((i, r) => {
    for (let k = 0; k < P; k++) A[r * P + k] = Math.pow(mlDem.data[i], k);
  });
  const pinv = pseudoInverse(A, idx.length, P);
  const coefficients: Float64Array[] = [];
  const correlation = new Float64Array(ts.length);
  ts.forEach((t, d) => {
    const tm = Float64Array.from(t, (v, p) => (mask && !mask[p] ? NaN : v));
    const ml = opts.looks > 1 ? multilook(tm, width, height, opts.looks).data : tm;
    const yv = idx.map((i) => ml[i]);
    const ok = yv.every((v) => v === v);
    const c = new Float64Array(P);
    if (ok) {
      for (let k = 0; k < P; k++) {
        let s = 0;
        for (let r = 0; r < idx.length; r++) s += pinv[k * idx.length + r] * yv[r];
        c[k] = s;
      }
      correlation[d] = Math.abs(pearson(idx.map((i) => mlDem.data[i]), yv));
      if (correlation[d] < opts.minCorrelation || !Number.isFinite(correlation[d])) c.fill(0);
    }
    coefficients.push(c);
    for (let p = 0; p < t.length; p++) {
      let delay = 0;
      const h = dem[p] - href;
      for (let k = 1; k < P; k++) delay += c[k] * Math.pow(h, k);
      if (t[p] === t[p]) t[p] -= delay;
    }
  });
  return { coefficients, correlation };
}

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

export interface DemErrorOptions {
  /** Deformation model fitted beside the DEM error (MintPy: polyOrder 2, no periodic, optional steps). */
  model: TimeFuncModel;
  /** Dates left out of the estimation (still corrected). */
  excludeDates: string[];
}

export interface DemErrorResult {
  /** DEM error Δz (m) per pixel; NaN where not estimated. */
  demError: Float32Array;
  /** Residual time series ts − G·m (MintPy timeseriesResidual), per date. */
  residual: Float32Array[];
}

/**
 * Fattahi & Amelung (2013) topographic residual: per pixel, ts(t) = bperp(t)/(r·sin θ)·Δz + G_defo·m + e,
 * solved by least squares over the used dates; ts is corrected in place by the geometric term.
 * `bperp` is per date (relative to any datum: the constant is absorbed by the polynomial offset).
 */
export function demErrorCorrection(
  ts: Float32Array[],
  dates: string[],
  bperp: ArrayLike<number>,
  incidenceDeg: ArrayLike<number> | number,
  slantRange: ArrayLike<number> | number,
  opts: DemErrorOptions,
  quiet = true,
): DemErrorResult {
  const N = dates.length;
  const nPix = ts[0].length;
  const Gd = timeFuncDesign(dates, opts.model);
  const Pd = timeFuncParamNames(opts.model).length;
  const P = Pd + 1;
  const used = dates.map((d) => !opts.excludeDates.includes(d));
  const Nu = used.filter(Boolean).length;
  if (Nu <= P) throw new Error(`DEM error: ${Nu} dates cannot constrain ${P} parameters`);
  const demError = new Float32Array(nPix).fill(NaN);
  const residual = ts.map(() => new Float32Array(nPix).fill(NaN));
  const g = new Float64Array(Nu * P);
  const gFull = new Float64Array(N * P);
  const y = new Float64Array(Nu);
  const bar = progress("dem error", nPix, { unit: "px", quiet });
  // Normal-equation blocks that do not depend on the pixel's geometry are shared.
  for (let p = 0; p < nPix; p++) {
    const inc = typeof incidenceDeg === "number" ? incidenceDeg : incidenceDeg[p];
    const rng = typeof slantRange === "number" ? slantRange : slantRange[p];
    let ok = inc === inc && rng === rng && rng > 0;
    if (ok) for (let d = 0; d < N; d++) if (ts[d][p] !== ts[d][p]) ok = false;
    if (!ok) continue;
    const scale = 1 / (rng * Math.sin((inc * Math.PI) / 180));
    let r = 0;
    for (let d = 0; d < N; d++) {
      gFull[d * P] = bperp[d] * scale;
      for (let i = 0; i < Pd; i++) gFull[d * P + 1 + i] = Gd[d * Pd + i];
      if (!used[d]) continue;
      for (let i = 0; i < P; i++) g[r * P + i] = gFull[d * P + i];
      y[r++] = ts[d][p];
    }
    const sol = lstsqSmall(g, Nu, P, y).x;
    const dz = sol[0];
    demError[p] = dz;
    for (let d = 0; d < N; d++) {
      let fit = 0;
      for (let i = 0; i < P; i++) fit += gFull[d * P + i] * sol[i];
      residual[d][p] = ts[d][p] - fit;
      ts[d][p] -= gFull[d * P] * dz;
    }
    if ((p & 0x3fff) === 0) bar.update(p);
  }
  bar.done();
  return { demError, residual };
}

/**
 * Per-date RMS of the residual time series after removing a quadratic ramp on the mask (MintPy
 * timeseries_rms with deramp quadratic); the reference date MintPy picks is the minimum.
 */
export function residualRms(
  residual: Float32Array[],
  width: number,
  height: number,
  mask: Uint8Array | undefined,
  rampType: RampType | "no" = "quadratic",
): Float64Array {
  const copy = residual.map((r) => Float32Array.from(r));
  if (rampType !== "no") deramp(copy, width, height, rampType, mask);
  return Float64Array.from(copy, (t) => {
    let s = 0;
    let n = 0;
    for (let p = 0; p < t.length; p++) {
      if (mask && !mask[p]) continue;
      const v = t[p];
      if (v !== v) continue;
      s += v * v;
      n++;
    }
    return n ? Math.sqrt(s / n) : NaN;
  });
}

/** Re-references a time series in time: ts(t) −= ts(t_ref) for every pixel (in place). */
export function referenceDate(ts: Float32Array[], refIdx: number): void {
  const ref = Float32Array.from(ts[refIdx]);
  for (const t of ts) for (let p = 0; p < t.length; p++) t[p] -= ref[p];
}

