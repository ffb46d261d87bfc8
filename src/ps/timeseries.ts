/**
 * The last step's numbers: final series = linear (integrated velocity) + nonlinear (filtered residual),
 * per PS above psCoherenceMin, with the counts per step and the flow of paper Fig 2 that the notebook
 * draws. Built from the four products alone, so a run resumed from disk gives the same table.
 */
import type { PsPoint, PsResult } from "./io";
import type { PsParams } from "./params";
import type { SelectionResult } from "./selection";
import type { FilterProduct, IntegrateProduct, NetworkProduct, SelectProduct } from "./steps";
import { yearsSince } from "../core/dates";

export interface FlowStep {
  step: string;
  detail: string;
  count?: number;
}

export interface PsCounts {
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
}

export interface PsRun {
  params: PsParams;
  dates: string[];
  selection: SelectionResult;
  counts: PsCounts;
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
  bperp: Float64Array;
}

/** Step 5's numbers: the PS table, counts and flow from the four products. */
export function assembleRun(sel: SelectProduct, net: NetworkProduct, integ: IntegrateProduct, filt: FilterProduct, params: PsParams): PsRun {
  const t0 = performance.now();
  const info = sel.info;
  const cand = sel.selection.candidates;
  const K = info.dates.length;
  const t = yearsSince(info.dates);
  const toMm = (info.wavelength / (4 * Math.PI)) * 1e3;
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
      const e = filt.noise[o + k];
      sr += Math.cos(e);
      si += Math.sin(e);
      nv += e * e;
    }
    const coherence = Math.hypot(sr, si) / K;
    if (coherence < params.psCoherenceMin && c !== integ.reference) {
      lowCohPs++;
      continue;
    }
    const nl0 = filt.nonlinear[o];
    const disp = new Array<number>(K);
    let sxy = 0;
    for (let k = 0; k < K; k++) {
      disp[k] = integ.velocity[c] * t[k] + (filt.nonlinear[o + k] - nl0) * toMm;
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
  const timings = { ...sel.timings, ...net.timings, ...integ.timings, ...filt.timings, "time series": Number(((performance.now() - t0) / 1000).toFixed(3)) };
  const kept = integ.arcKept.reduce((a, b) => a + b, 0);
  const sc = sel.selection.counts;
  const counts: PsCounts = {
    classic: sc.classic,
    multilook: sc.multilook,
    classicInsideMultilook: sc.classicInsideMultilook,
    candidates: cand.n,
    arcs: net.arcI.length,
    arcsLowCoherence: integ.arcsLowCoherence,
    arcsInconsistent: integ.arcsRemovedInconsistent,
    arcsKept: kept,
    disconnected,
    otherComponents: integ.otherComponents,
    lowCoherencePs: lowCohPs,
    ps: points.length,
  };
  const ref = integ.reference;
  return {
    params,
    dates: info.dates,
    selection: sel.selection,
    counts,
    pointIndex: Int32Array.from(idx),
    pointKind: Uint8Array.from(idx, (c) => cand.kind[c]),
    pointRow: Int32Array.from(idx, (c) => cand.row[c]),
    pointCol: Int32Array.from(idx, (c) => cand.col[c]),
    reference: { index: ref, lon: cand.lon[ref], lat: cand.lat[ref] },
    result: {
      dates: info.dates,
      points,
      metadata: {
        software: "deformation-lab improved PS-InSAR",
        source: info.source,
        reference: { lon: cand.lon[ref], lat: cand.lat[ref] },
        wavelength: info.wavelength,
        params,
      },
    },
    arcGamma: net.gamma,
    arcsPerSecond: net.arcsPerSecond,
    timings,
    flow: flowOf(sel, net, counts, params),
    epsg: net.epsg,
    bperp: info.bperp,
  };
}

function flowOf(sel: SelectProduct, net: NetworkProduct, counts: PsCounts, params: PsParams): FlowStep[] {
  const { dates, width, height } = sel.info;
  const K = dates.length;
  return [
    { step: "SLC stack", detail: `${K} dates ${dates[0]} … ${dates[K - 1]}, ${width}×${height} px`, count: K },
    { step: "Amplitude calibration + D_A", detail: `D_A < ${params.amplitudeDispersionMax}`, count: counts.classic },
    ...(sel.classicOnly
      ? []
      : [
          {
            step: `Multilook ${params.multilookRange}×${params.multilookAzimuth} + network`,
            detail: `${sel.selection.pairs.length} interferograms (each date + next ${params.networkNeighbours})`,
            count: sel.selection.pairs.length,
          },
          { step: "Temporal coherence", detail: `${params.temporalCoherence} > ${params.coherenceThreshold}`, count: counts.multilook },
        ]),
    { step: "Merge (multilook wins)", detail: `${counts.classicInsideMultilook} classic PS inside multilooked cells`, count: counts.candidates },
    { step: "Delaunay arcs", detail: `≤ ${params.maxArcLength} m`, count: counts.arcs },
    { step: "Periodogram (Δv, Δz)", detail: `γ ≥ ${params.arcCoherenceMin}; ${Math.round(net.arcsPerSecond)} arcs/s`, count: counts.arcs - counts.arcsLowCoherence },
    { step: "Network integration", detail: `${counts.arcsInconsistent} inconsistent arcs removed, ${counts.disconnected} PS disconnected`, count: counts.arcsKept },
    { step: "Spatio-temporal filtering", detail: `temporal ${params.temporalFilterDays} d, spatial ${params.spatialFilterMeters} m` },
    { step: "Linear + nonlinear", detail: `PS coherence ≥ ${params.psCoherenceMin}`, count: counts.ps },
  ];
}
