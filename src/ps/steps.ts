/**
 * The PS chain as small named steps, each a function of the previous steps' products that returns its
 * own (paper Fig 2): select candidates → network (Delaunay arcs + per-arc periodogram of eq. 1) →
 * integrate (arcs to per-PS velocity and DEM error) → filter (residual phase split into atmosphere,
 * nonlinear motion and noise) → outputs (final series, `timeseries.ts`). No step changes the arrays it
 * is given, so a product read back from disk and one kept in memory give the same result.
 */
import { yearsSince } from "../core/dates";
import type { StackMeta, StackSource } from "./stack";
import { selectCandidates, type SelectionResult } from "./selection";
import { delaunayArcs, toMetric } from "./network";
import { arcModel, type ArcModel } from "./periodogram";
import { searchArcs } from "./arc-search";
import { arcWeight, integrateArcs } from "./integration";
import { integrateResiduals, separateResidual } from "./filtering";
import type { PsParams } from "./params";

/** What later steps need of the stack: its metadata without the per-pixel geometry. */
export type StackInfo = Omit<StackMeta, "lon" | "lat">;

export interface StepOptions {
  quiet?: boolean;
  /** Reference point (nearest PS is used); default: the most coherent well-connected PS. */
  reference?: { lon: number; lat: number };
  /** Classic PS only (the paper's baseline), for the with/without-multilook comparison. */
  classicOnly?: boolean;
}

export interface SelectProduct {
  info: StackInfo;
  classicOnly: boolean;
  selection: SelectionResult;
  timings: Record<string, number>;
}

export interface NetworkProduct {
  /** Candidates in UTM metres (zone `epsg`). */
  x: Float64Array;
  y: Float64Array;
  epsg: number;
  arcI: Int32Array;
  arcJ: Int32Array;
  /** Per arc: Δv mm/yr, Δz m, ensemble coherence γ of eq. 1. */
  dv: Float64Array;
  dz: Float64Array;
  gamma: Float64Array;
  arcsPerSecond: number;
  timings: Record<string, number>;
}

export interface IntegrateProduct {
  /** Per candidate, relative to the reference PS: mm/yr and m. */
  velocity: Float64Array;
  demError: Float64Array;
  connected: Uint8Array;
  arcKept: Uint8Array;
  reference: number;
  arcsLowCoherence: number;
  arcsRemovedInconsistent: number;
  otherComponents: number[];
  timings: Record<string, number>;
}

export interface FilterProduct {
  /** Node-major candidates × dates, rad. */
  nonlinear: Float64Array;
  noise: Float64Array;
  timings: Record<string, number>;
}

function seconds(t0: number): number {
  return Number(((performance.now() - t0) / 1000).toFixed(3));
}

export function stackInfo(meta: StackMeta): StackInfo {
  const { lon: _lon, lat: _lat, ...info } = meta;
  return { ...info, dates: [...info.dates], bperp: Float64Array.from(info.bperp) };
}

export function modelOf(info: StackInfo): { t: Float64Array; model: ArcModel } {
  const t = yearsSince(info.dates);
  return { t, model: arcModel(t, info.bperp, info.wavelength, info.slantRange, info.incidenceDeg) };
}

/** Step 1: classic (amplitude dispersion) and multilooked (temporal coherence) candidates, merged. */
export function selectStep(stack: StackSource, params: PsParams, opts: StepOptions = {}): SelectProduct {
  const t0 = performance.now();
  const classicOnly = opts.classicOnly === true;
  const selection = selectCandidates(stack, { ...params, useMultilook: !classicOnly }, { quiet: opts.quiet });
  const n = selection.candidates.n;
  if (n < 3) {
    throw new Error(`${stack.meta.source}: only ${n} PS candidate(s) selected; lower amplitudeDispersionMax or coherenceThreshold`);
  }
  return { info: stackInfo(stack.meta), classicOnly, selection, timings: { selection: seconds(t0) } };
}

/** Step 2: Delaunay arcs up to maxArcLength and the per-arc (Δv, Δz) periodogram of eq. 1. */
export async function networkStep(sel: SelectProduct, params: PsParams, opts: StepOptions = {}): Promise<NetworkProduct> {
  let t0 = performance.now();
  const cand = sel.selection.candidates;
  const { x, y, epsg } = toMetric(cand.lon, cand.lat);
  const arcs = delaunayArcs(x, y, params.maxArcLength);
  if (arcs.i.length === 0) throw new Error(`${sel.info.source}: no arcs shorter than maxArcLength=${params.maxArcLength} m`);
  const timings: Record<string, number> = { network: seconds(t0) };
  t0 = performance.now();
  const { model } = modelOf(sel.info);
  const search = await searchArcs(cand.phase, cand.K, arcs.i, arcs.j, model, params, { workers: params.workers, quiet: opts.quiet });
  timings.periodogram = seconds(t0);
  return { x, y, epsg, arcI: arcs.i, arcJ: arcs.j, dv: search.dv, dz: search.dz, gamma: search.gamma, arcsPerSecond: search.arcsPerSecond, timings };
}

/** Step 3: arcs above arcCoherenceMin integrated to velocity and DEM error per candidate. */
export function integrateStep(sel: SelectProduct, net: NetworkProduct, params: PsParams, opts: StepOptions = {}): IntegrateProduct {
  const t0 = performance.now();
  const cand = sel.selection.candidates;
  const keep = Uint8Array.from(net.gamma, (g) => (g >= params.arcCoherenceMin ? 1 : 0));
  const arcsLowCoherence = keep.length - keep.reduce((a, b) => a + b, 0);
  let reference: number | undefined;
  if (opts.reference) {
    const { x: rx, y: ry } = toMetric([opts.reference.lon], [opts.reference.lat]);
    let best = Infinity;
    for (let c = 0; c < cand.n; c++) {
      const d = Math.hypot(net.x[c] - rx[0], net.y[c] - ry[0]);
      if (d < best) {
        best = d;
        reference = c;
      }
    }
  }
  const integ = integrateArcs(cand.n, net.arcI, net.arcJ, net.dv, net.dz, net.gamma, keep, {
    outlierSigma: params.arcOutlierSigma,
    reference,
  });
  let velocity = integ.velocity;
  let demError = integ.demError;
  let ref = integ.reference;
  if (reference === undefined) {
    // Velocities are only relative. Without a given reference, move it to the scene's stable majority
    // (the paper: the city is essentially stable): the most coherent PS whose velocity is within
    // 0.5 mm/yr of the median. Shifting by one PS's values is exact on a relative solution.
    ref = stableReference(integ.velocity, integ.connected, net.arcI, net.arcJ, net.gamma, integ.arcKept);
    const v0 = integ.velocity[ref];
    const z0 = integ.demError[ref];
    velocity = Float64Array.from(integ.velocity, (v) => v - v0);
    demError = Float64Array.from(integ.demError, (z) => z - z0);
  }
  return {
    velocity,
    demError,
    connected: integ.connected,
    arcKept: integ.arcKept,
    reference: ref,
    arcsLowCoherence,
    arcsRemovedInconsistent: integ.arcsRemovedInconsistent,
    otherComponents: integ.otherComponents,
    timings: { integration: seconds(t0) },
  };
}

/** Step 4: wrapped arc residuals integrated per date, then split into atmosphere, nonlinear motion, noise. */
export function filterStep(sel: SelectProduct, net: NetworkProduct, integ: IntegrateProduct, params: PsParams, opts: StepOptions = {}): FilterProduct {
  const t0 = performance.now();
  const cand = sel.selection.candidates;
  const K = cand.K;
  const { t, model } = modelOf(sel.info);
  const w = Float64Array.from(integ.arcKept, (k, e) => (k ? arcWeight(net.gamma[e]) : 0));
  const graph = { n: cand.n, i: net.arcI, j: net.arcJ, w };
  const residual = integrateResiduals(cand.phase, K, graph, model, integ.velocity, integ.demError, integ.reference, integ.connected, {
    quiet: opts.quiet,
    memoryBudgetMiB: params.memoryBudgetMiB,
  });
  const tDays = Float64Array.from(t, (v) => v * 365.25);
  const sep = separateResidual(residual, K, tDays, net.x, net.y, integ.connected, params);
  return { nonlinear: sep.nonlinear, noise: sep.noise, timings: { filtering: seconds(t0) } };
}

/** The most coherent well-connected PS among those moving like the scene's median (±0.5 mm/yr). */
export function stableReference(
  velocity: Float64Array,
  connected: Uint8Array,
  ai: Int32Array,
  aj: Int32Array,
  gamma: Float64Array,
  kept: Uint8Array,
): number {
  const v: number[] = [];
  for (let c = 0; c < velocity.length; c++) if (connected[c]) v.push(velocity[c]);
  v.sort((a, b) => a - b);
  const med = v[v.length >> 1];
  const sum = new Float64Array(velocity.length);
  const deg = new Int32Array(velocity.length);
  for (let e = 0; e < ai.length; e++) {
    if (!kept[e]) continue;
    sum[ai[e]] += gamma[e];
    sum[aj[e]] += gamma[e];
    deg[ai[e]]++;
    deg[aj[e]]++;
  }
  let best = -1;
  let score = -Infinity;
  for (let tol = 0.5; best < 0 && tol < 1e6; tol *= 4) {
    for (let c = 0; c < velocity.length; c++) {
      if (!connected[c] || deg[c] < 3 || Math.abs(velocity[c] - med) > tol) continue;
      const s = sum[c] / deg[c];
      if (s > score) {
        score = s;
        best = c;
      }
    }
  }
  if (best < 0) throw new Error("PS network: no well-connected PS to serve as reference");
  return best;
}
