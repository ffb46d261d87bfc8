/**
 * The improved PS-InSAR of the Foshan study end to end (paper Fig 2): candidate selection (classic +
 * 5×1 multilook), Delaunay arcs, per-arc periodogram of eq. 1, network integration, residual
 * spatio-temporal filtering, final linear + nonlinear time series. `runPs` returns every intermediate the
 * notebook draws (counts per step for Fig 2, maps, per-PS values); `writePsOutputs` in outputs.ts files them.
 */
import type { FoshanPsParams } from "../studies/foshan/ps";
import { yearsSinceFirst, type StackSource } from "./stack";
import { selectCandidates, type SelectionResult } from "./selection";
import { delaunayArcs, toMetric } from "./network";
import { arcModel } from "./periodogram";
import { searchArcs } from "./arc-search";
import { integrateArcs, arcWeight } from "./integration";
import { integrateResiduals, separateResidual } from "./filtering";
import type { PsPoint, PsResult } from "./io";

export interface PsRunOptions {
  quiet?: boolean;
  /** Reference point (nearest PS is used); default: the most coherent well-connected PS. */
  reference?: { lon: number; lat: number };
  /** Classic PS only (the paper's baseline), for the with/without-multilook comparison. */
  classicOnly?: boolean;
}

export interface FlowStep {
  step: string;
  detail: string;
  count?: number;
}

export interface PsRun {
  params: FoshanPsParams;
  dates: string[];
  selection: SelectionResult;
  counts: {
    classic: number;
    multilook: number;
    classicInsideMultilook: number;
    candidates: number;
    arcs: number;
    arcsLowCoherence: number;
    arcsInconsistent: number;
    arcsKept: number;
    disconnected: number;
    otherComponents: number[];
    lowCoherencePs: number;
    ps: number;
  };
  /** Candidate index of each output point (`result.points[q]` ↔ `pointIndex[q]`). */
  pointIndex: Int32Array;
  /** Kind of each output point: 1 classic, 2 multilooked. */
  pointKind: Uint8Array;
  /** Full-resolution row/col of each output point. */
  pointRow: Int32Array;
  pointCol: Int32Array;
  reference: { index: number; lon: number; lat: number };
  result: PsResult;
  /** Per-arc periodogram coherence (all arcs) and the arcs per second the search achieved. */
  arcGamma: Float64Array;
  arcsPerSecond: number;
  timings: Record<string, number>;
  flow: FlowStep[];
  epsg: number;
}

export async function runPs(stack: StackSource, params: FoshanPsParams, opts: PsRunOptions = {}): Promise<PsRun> {
  const timings: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (name: string): void => {
    const t = performance.now();
    timings[name] = Number(((t - t0) / 1000).toFixed(3));
    t0 = t;
  };
  const meta = stack.meta;
  const K = meta.dates.length;

  const sel = selectCandidates(
    stack,
    { ...params, useMultilook: !opts.classicOnly },
    { quiet: opts.quiet },
  );
  lap("selection");
  const cand = sel.candidates;
  if (cand.n < 3) {
    throw new Error(`${meta.source}: only ${cand.n} PS candidate(s) selected; lower amplitudeDispersionMax or coherenceThreshold`);
  }

  const { x, y, epsg } = toMetric(cand.lon, cand.lat);
  const arcs = delaunayArcs(x, y, params.maxArcLength);
  if (arcs.i.length === 0) throw new Error(`${meta.source}: no arcs shorter than maxArcLength=${params.maxArcLength} m`);
  lap("network");

  const t = yearsSinceFirst(meta.dates);
  const model = arcModel(t, meta.bperp, meta.wavelength, meta.slantRange, meta.incidenceDeg);
  const search = await searchArcs(cand.phase, K, arcs.i, arcs.j, model, params, { workers: params.workers, quiet: opts.quiet });
  lap("periodogram");

  const keep = Uint8Array.from(search.gamma, (g) => (g >= params.arcCoherenceMin ? 1 : 0));
  const lowCoh = keep.length - keep.reduce((a, b) => a + b, 0);
  let reference: number | undefined;
  if (opts.reference) {
    const { x: rx, y: ry } = toMetric([opts.reference.lon], [opts.reference.lat]);
    let best = Infinity;
    for (let c = 0; c < cand.n; c++) {
      const d = Math.hypot(x[c] - rx[0], y[c] - ry[0]);
      if (d < best) {
        best = d;
        reference = c;
      }
    }
  }
  const integ = integrateArcs(cand.n, arcs.i, arcs.j, search.dv, search.dz, search.gamma, keep, {
    outlierSigma: params.arcOutlierSigma,
    reference,
  });
  lap("integration");

  if (reference === undefined) {
    // Velocities are only relative. Without a given reference, move it to the scene's stable majority
    // (the paper: the city is essentially stable): the most coherent PS whose velocity is within
    // 0.5 mm/yr of the median. Shifting by one PS's values is exact on a relative solution.
    integ.reference = stableReference(integ.velocity, integ.connected, arcs.i, arcs.j, search.gamma, integ.arcKept);
    const v0 = integ.velocity[integ.reference];
    const z0 = integ.demError[integ.reference];
    for (let c = 0; c < cand.n; c++) {
      integ.velocity[c] -= v0;
      integ.demError[c] -= z0;
    }
  }
  const w = Float64Array.from(integ.arcKept, (k, e) => (k ? arcWeight(search.gamma[e]) : 0));
  const graph = { n: cand.n, i: arcs.i, j: arcs.j, w };
  const residual = integrateResiduals(cand.phase, K, graph, model, integ.velocity, integ.demError, integ.reference, integ.connected, { quiet: opts.quiet, memoryBudgetMiB: params.memoryBudgetMiB });
  const tDays = Float64Array.from(t, (v) => v * 365.25);
  const sep = separateResidual(residual, K, tDays, x, y, integ.connected, params);
  lap("filtering");

  // Final series = linear + nonlinear (mm), starting at 0 on the first date.
  const toMm = (meta.wavelength / (4 * Math.PI)) * 1e3;
  const tMean = t.reduce((a, b) => a + b, 0) / K;
  let stt = 0;
  for (let k = 0; k < K; k++) stt += (t[k] - tMean) ** 2;
  const points: PsPoint[] = [];
  const idx: number[] = [];
  let lowCohPs = 0;
  let disconnected = 0;
  for (let c = 0; c < cand.n; c++) {
    if (!integ.connected[c]) {
      disconnected++;
      continue;
    }
    const o = c * K;
    let sr = 0;
    let si = 0;
    let nv = 0;
    for (let k = 0; k < K; k++) {
      const e = sep.noise[o + k];
      sr += Math.cos(e);
      si += Math.sin(e);
      nv += e * e;
    }
    const coherence = Math.hypot(sr, si) / K;
    if (coherence < params.psCoherenceMin && c !== integ.reference) {
      lowCohPs++;
      continue;
    }
    const nl0 = sep.nonlinear[o];
    const disp = new Array<number>(K);
    let sxy = 0;
    for (let k = 0; k < K; k++) {
      disp[k] = integ.velocity[c] * t[k] + (sep.nonlinear[o + k] - nl0) * toMm;
      sxy += (t[k] - tMean) * disp[k];
    }
    const noiseMm = Math.sqrt(nv / Math.max(1, K - 2)) * toMm;
    points.push({
      id: points.length + 1,
      lon: cand.lon[c],
      lat: cand.lat[c],
      velocity: sxy / stt,
      velocityStd: noiseMm / Math.sqrt(stt),
      coherence,
      demError: integ.demError[c],
      displacement: disp,
    });
    idx.push(c);
  }
  lap("time series");

  const pointIndex = Int32Array.from(idx);
  const kept = integ.arcKept.reduce((a, b) => a + b, 0);
  const counts = {
    classic: sel.counts.classic,
    multilook: sel.counts.multilook,
    classicInsideMultilook: sel.counts.classicInsideMultilook,
    candidates: cand.n,
    arcs: arcs.i.length,
    arcsLowCoherence: lowCoh,
    arcsInconsistent: integ.arcsRemovedInconsistent,
    arcsKept: kept,
    disconnected,
    otherComponents: integ.otherComponents,
    lowCoherencePs: lowCohPs,
    ps: points.length,
  };
  const ref = integ.reference;
  const flow: FlowStep[] = [
    { step: "SLC stack", detail: `${K} dates ${meta.dates[0]} … ${meta.dates[K - 1]}, ${meta.width}×${meta.height} px`, count: K },
    { step: "Amplitude calibration + D_A", detail: `D_A < ${params.amplitudeDispersionMax}`, count: counts.classic },
    ...(opts.classicOnly
      ? []
      : [
          {
            step: `Multilook ${params.multilookRange}×${params.multilookAzimuth} + network`,
            detail: `${sel.pairs.length} interferograms (each date + next ${params.networkNeighbours})`,
            count: sel.pairs.length,
          },
          { step: "Temporal coherence", detail: `${params.temporalCoherence} > ${params.coherenceThreshold}`, count: counts.multilook },
        ]),
    { step: "Merge (multilook wins)", detail: `${counts.classicInsideMultilook} classic PS inside multilooked cells`, count: counts.candidates },
    { step: "Delaunay arcs", detail: `≤ ${params.maxArcLength} m`, count: counts.arcs },
    { step: "Periodogram (Δv, Δz)", detail: `γ ≥ ${params.arcCoherenceMin}; ${Math.round(search.arcsPerSecond)} arcs/s`, count: counts.arcs - lowCoh },
    { step: "Network integration", detail: `${counts.arcsInconsistent} inconsistent arcs removed, ${disconnected} PS disconnected`, count: kept },
    { step: "Spatio-temporal filtering", detail: `temporal ${params.temporalFilterDays} d, spatial ${params.spatialFilterMeters} m` },
    { step: "Linear + nonlinear", detail: `PS coherence ≥ ${params.psCoherenceMin}`, count: counts.ps },
  ];
  return {
    params,
    dates: meta.dates,
    selection: sel,
    counts,
    pointIndex,
    pointKind: Uint8Array.from(idx, (c) => cand.kind[c]),
    pointRow: Int32Array.from(idx, (c) => cand.row[c]),
    pointCol: Int32Array.from(idx, (c) => cand.col[c]),
    reference: { index: ref, lon: cand.lon[ref], lat: cand.lat[ref] },
    result: {
      dates: meta.dates,
      points,
      metadata: {
        software: "deformation-lab improved PS-InSAR (Foshan study)",
        source: meta.source,
        reference: { lon: cand.lon[ref], lat: cand.lat[ref] },
        wavelength: meta.wavelength,
        params,
      },
    },
    arcGamma: search.gamma,
    arcsPerSecond: search.arcsPerSecond,
    timings,
    flow,
    epsg,
  };
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
