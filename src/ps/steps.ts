/**
 * The PS chain as small named steps, each a function of the previous steps' products that returns its
 * own (paper Fig 2): select candidates → link (phase linking of the multilooked candidates,
 * docs/ps-uncertainty.md) → network (Delaunay arcs + per-arc periodogram of eq. 1) → integrate (arcs to
 * per-PS velocity and DEM error, PS tier first, DS attached) → filter (residual phase split into
 * atmosphere, nonlinear motion and noise; calibrated σ_v) → outputs (per-point acceptance and the final
 * series, `timeseries.ts`). No step changes the arrays it is given, so a product read back from disk and
 * one kept in memory give the same result.
 */
import { yearsSince } from "../core/dates";
import type { StackMeta, StackSource } from "./stack";
import { selectCandidates, type SelectionResult } from "./selection";
import { delaunayArcs, toMetric } from "./network";
import { arcModel, type ArcModel } from "./periodogram";
import { searchArcs } from "./arc-search";
import { integrateTiered } from "./quality-network";
import { integrateResiduals, separateResidual } from "./filtering";
import { velocitySigma } from "./quality-sigma";
import { linkCandidates } from "./phase-link-cells";
import { phaseLinkOptions } from "./phase-link-params";
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

export interface LinkProduct {
  /** The candidates' phase series after linking (interleaved re,im unit phasors as Candidates.phase). */
  phase: Float32Array;
  /** 1 PS tier (classic PS, PS-dominated cells, every point with dsMethod "paper"), 2 linked DS. */
  tier: Uint8Array;
  /** Phase-linking coherence γ_PL per candidate (NaN for tier 1). */
  linking: Float64Array;
  /** Per candidate: homogeneous pixels used (0 for classic PS), 1 where phase linking produced the phase. */
  looks: Int32Array;
  linked: Uint8Array;
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
  /** Weight of each arc in the least squares (0 = not used): the residual integration reuses it. */
  arcWeight: Float64Array;
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
  /** Calibrated σ_v (quality-sigma.ts) and its noise-only part, mm/yr per candidate (NaN where not connected). */
  sigma: Float64Array;
  noiseSigma: Float64Array;
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

/**
 * Step 2: the multilooked candidates' phases re-estimated from their homogeneous pixels (dsMethod "emi")
 * and the tiers of the integration; with "paper" or classic PS only every point stays in the PS tier with
 * the phase selection gave it. Reads the stack again (the select product keeps phases, not pixels).
 */
export function linkStep(stack: StackSource, sel: SelectProduct, params: PsParams): LinkProduct {
  const t0 = performance.now();
  const cand = sel.selection.candidates;
  const n = cand.n;
  const looks = new Int32Array(n);
  const linked = new Uint8Array(n);
  if (sel.classicOnly || params.dsMethod === "paper" || !cand.kind.includes(2)) {
    return { phase: cand.phase, tier: new Uint8Array(n).fill(1), linking: new Float64Array(n).fill(NaN), looks, linked, timings: { linking: seconds(t0) } };
  }
  // The arc search shares the phasors with its worker threads; a copy keeps the select product unchanged.
  const phase = new Float32Array(new SharedArrayBuffer(cand.phase.byteLength));
  phase.set(cand.phase);
  const r = linkCandidates(stack, { ...cand, phase }, phaseLinkOptions(params));
  let q = 0;
  for (let c = 0; c < n; c++) {
    if (cand.kind[c] !== 2) continue;
    looks[c] = r.cells.looks[q];
    linked[c] = r.cells.linked[q];
    q++;
  }
  return { phase, tier: r.tier, linking: r.linking, looks, linked, timings: { linking: seconds(t0) } };
}

/** Step 3: Delaunay arcs up to maxArcLength and the per-arc (Δv, Δz) periodogram of eq. 1. */
export async function networkStep(sel: SelectProduct, link: LinkProduct, params: PsParams, opts: StepOptions = {}): Promise<NetworkProduct> {
  let t0 = performance.now();
  const cand = sel.selection.candidates;
  const { x, y, epsg } = toMetric(cand.lon, cand.lat);
  const arcs = delaunayArcs(x, y, params.maxArcLength);
  if (arcs.i.length === 0) throw new Error(`${sel.info.source}: no arcs shorter than maxArcLength=${params.maxArcLength} m`);
  const timings: Record<string, number> = { network: seconds(t0) };
  t0 = performance.now();
  const { model } = modelOf(sel.info);
  const search = await searchArcs(link.phase, cand.K, arcs.i, arcs.j, model, params, { workers: params.workers, quiet: opts.quiet });
  timings.periodogram = seconds(t0);
  return { x, y, epsg, arcI: arcs.i, arcJ: arcs.j, dv: search.dv, dz: search.dz, gamma: search.gamma, arcsPerSecond: search.arcsPerSecond, timings };
}

/**
 * Step 4: arcs above arcCoherenceMin integrated to velocity and DEM error per candidate: the PS tier
 * alone, then the DS attached with the PS held fixed and their arcs weighted by γ_PL (quality-network.ts).
 */
export function integrateStep(sel: SelectProduct, link: LinkProduct, net: NetworkProduct, params: PsParams, opts: StepOptions = {}): IntegrateProduct {
  const t0 = performance.now();
  const cand = sel.selection.candidates;
  const keep = Uint8Array.from(net.gamma, (g) => (g >= params.arcCoherenceMin ? 1 : 0));
  const arcsLowCoherence = keep.length - keep.reduce((a, b) => a + b, 0);
  let reference: number | undefined;
  if (opts.reference) {
    // The PS tier is integrated first, so the given reference is the nearest PS-tier point.
    const { x: rx, y: ry } = toMetric([opts.reference.lon], [opts.reference.lat]);
    let best = Infinity;
    for (let c = 0; c < cand.n; c++) {
      if (link.tier[c] !== 1) continue;
      const d = Math.hypot(net.x[c] - rx[0], net.y[c] - ry[0]);
      if (d < best) {
        best = d;
        reference = c;
      }
    }
  }
  const quality = Float64Array.from(link.linking, (q) => (Number.isFinite(q) ? Math.max(0, q) : 1));
  const integ = integrateTiered(cand.n, net.arcI, net.arcJ, net.dv, net.dz, net.gamma, keep, link.tier, quality, {
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
    arcWeight: integ.arcWeight,
    reference: ref,
    arcsLowCoherence,
    arcsRemovedInconsistent: integ.arcsRemovedInconsistent,
    otherComponents: integ.otherComponents,
    timings: { integration: seconds(t0) },
  };
}

/**
 * Step 5: wrapped arc residuals integrated per date, then split into atmosphere, nonlinear motion and
 * noise; the calibrated σ_v of each point from the residual's temporal high-pass (quality-sigma.ts).
 */
export function filterStep(sel: SelectProduct, link: LinkProduct, net: NetworkProduct, integ: IntegrateProduct, params: PsParams, opts: StepOptions = {}): FilterProduct {
  const t0 = performance.now();
  const cand = sel.selection.candidates;
  const K = cand.K;
  const { t, model } = modelOf(sel.info);
  const graph = { n: cand.n, i: net.arcI, j: net.arcJ, w: integ.arcWeight };
  const residual = integrateResiduals(link.phase, K, graph, model, integ.velocity, integ.demError, integ.reference, integ.connected, {
    quiet: opts.quiet,
    memoryBudgetMiB: params.memoryBudgetMiB,
  });
  const tDays = Float64Array.from(t, (v) => v * 365.25);
  const sep = separateResidual(residual, K, tDays, net.x, net.y, integ.connected, params);
  const vs = velocitySigma({
    residual,
    noise: sep.noise,
    K,
    tYears: t,
    tDays,
    temporalFilterDays: params.temporalFilterDays,
    wavelength: sel.info.wavelength,
    active: integ.connected,
  });
  return { nonlinear: sep.nonlinear, noise: sep.noise, sigma: vs.sigma, noiseSigma: vs.noiseSigma, timings: { filtering: seconds(t0) } };
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
