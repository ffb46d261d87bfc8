/**
 * The last step's numbers: final series = linear (integrated velocity) + nonlinear (filtered residual)
 * per accepted point (quality.ts acceptPoints: residual coherence ≥ psCoherenceMin, and for DS γ_PL ≥
 * dsLinkingMin), with the counts per step and the flow of paper Fig 2 that the notebook draws. Built from
 * the five products alone, so a run resumed from disk gives the same table.
 */
import type { PsPoint, PsResult } from "./io";
import type { PsParams } from "./params";
import type { SelectionResult } from "./selection";
import type { FilterProduct, IntegrateProduct, LinkProduct, NetworkProduct, SelectProduct } from "./steps";
import { yearsSince } from "../core/dates";
import { acceptPoints, residualCoherence, REJECT } from "./quality";

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
  /** Multilooked candidates whose phase came from phase linking (the DS tier). */
  dsLinked: number;
  arcs: number;
  arcsLowCoherence: number;
  arcsInconsistent: number;
  arcsKept: number;
  disconnected: number;
  otherComponents: number[];
  /** Points whose own residual coherence is below psCoherenceMin. */
  lowCoherencePs: number;
  /** DS whose phase-linking coherence γ_PL is below dsLinkingMin. */
  lowLinkingDs: number;
  ps: number;
  /** Of the output points, how many are linked DS. */
  psDs: number;
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
  /** Tier of each output point: 1 PS (classic or PS-dominated cell), 2 linked DS. */
  pointTier: Uint8Array;
  /** Phase-linking coherence γ_PL of each output point (NaN for tier 1). */
  pointLinking: Float64Array;
  /** Noise-only part of each output point's σ_v (the paper's "internal precision"), mm/yr. */
  pointNoiseStd: Float64Array;
  /** Per candidate: REJECT code of quality.ts (0 = output) and γ_PL (NaN for tier 1). */
  verdict: Uint8Array;
  linking: Float64Array;
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

/** Step 6's numbers: the PS table, counts and flow from the five products. */
export function assembleRun(sel: SelectProduct, link: LinkProduct, net: NetworkProduct, integ: IntegrateProduct, filt: FilterProduct, params: PsParams): PsRun {
  const t0 = performance.now();
  const info = sel.info;
  const cand = sel.selection.candidates;
  const K = info.dates.length;
  const t = yearsSince(info.dates);
  const toMm = (info.wavelength / (4 * Math.PI)) * 1e3;
  const tMean = t.reduce((a, b) => a + b, 0) / K;
  let stt = 0;
  for (let k = 0; k < K; k++) stt += (t[k] - tMean) ** 2;
  const resCoh = residualCoherence(filt.noise, K);
  const verdict = acceptPoints(integ.connected, link.tier, resCoh, link.linking, integ.reference, {
    residualCoherenceMin: params.psCoherenceMin,
    dsLinkingMin: params.dsLinkingMin,
  });
  const points: PsPoint[] = [];
  const idx: number[] = [];
  for (let c = 0; c < cand.n; c++) {
    if (verdict[c] !== REJECT.none) continue;
    const o = c * K;
    const nl0 = filt.nonlinear[o];
    const disp = new Array<number>(K);
    let sxy = 0;
    for (let k = 0; k < K; k++) {
      disp[k] = integ.velocity[c] * t[k] + (filt.nonlinear[o + k] - nl0) * toMm;
      sxy += (t[k] - tMean) * disp[k];
    }
    points.push({
      id: points.length + 1,
      lon: cand.lon[c],
      lat: cand.lat[c],
      velocity: sxy / stt,
      velocityStd: filt.sigma[c],
      coherence: resCoh[c],
      demError: integ.demError[c],
      displacement: disp,
    });
    idx.push(c);
  }
  const countOf = (code: number): number => verdict.reduce((a, v) => a + (v === code ? 1 : 0), 0);
  const timings = { ...sel.timings, ...link.timings, ...net.timings, ...integ.timings, ...filt.timings, "time series": Number(((performance.now() - t0) / 1000).toFixed(3)) };
  const kept = integ.arcKept.reduce((a, b) => a + b, 0);
  const sc = sel.selection.counts;
  const counts: PsCounts = {
    classic: sc.classic,
    multilook: sc.multilook,
    classicInsideMultilook: sc.classicInsideMultilook,
    candidates: cand.n,
    dsLinked: link.tier.reduce((a, v) => a + (v === 2 ? 1 : 0), 0),
    arcs: net.arcI.length,
    arcsLowCoherence: integ.arcsLowCoherence,
    arcsInconsistent: integ.arcsRemovedInconsistent,
    arcsKept: kept,
    disconnected: countOf(REJECT.disconnected),
    otherComponents: integ.otherComponents,
    lowCoherencePs: countOf(REJECT.residualCoherence),
    lowLinkingDs: countOf(REJECT.linkingCoherence),
    ps: points.length,
    psDs: idx.reduce((a, c) => a + (link.tier[c] === 2 ? 1 : 0), 0),
  };
  const ref = integ.reference;
  return {
    params,
    dates: info.dates,
    selection: sel.selection,
    counts,
    pointIndex: Int32Array.from(idx),
    pointKind: Uint8Array.from(idx, (c) => cand.kind[c]),
    pointTier: Uint8Array.from(idx, (c) => link.tier[c]),
    pointLinking: Float64Array.from(idx, (c) => link.linking[c]),
    pointNoiseStd: Float64Array.from(idx, (c) => filt.noiseSigma[c]),
    verdict,
    linking: link.linking,
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
    ...(sel.classicOnly || params.dsMethod === "paper"
      ? []
      : [{ step: "Phase linking (DS)", detail: `${params.dsMethod.toUpperCase()}, ≥ ${params.dsMinLooks} homogeneous pixels`, count: counts.dsLinked }]),
    { step: "Delaunay arcs", detail: `≤ ${params.maxArcLength} m`, count: counts.arcs },
    { step: "Periodogram (Δv, Δz)", detail: `γ ≥ ${params.arcCoherenceMin}; ${Math.round(net.arcsPerSecond)} arcs/s`, count: counts.arcs - counts.arcsLowCoherence },
    { step: "Network integration", detail: `${counts.arcsInconsistent} inconsistent arcs removed, ${counts.disconnected} PS disconnected`, count: counts.arcsKept },
    { step: "Spatio-temporal filtering", detail: `temporal ${params.temporalFilterDays} d, spatial ${params.spatialFilterMeters} m` },
    {
      step: "Linear + nonlinear",
      detail: `residual coherence ≥ ${params.psCoherenceMin}, DS γ_PL ≥ ${params.dsLinkingMin} (${counts.lowCoherencePs} + ${counts.lowLinkingDs} rejected)`,
      count: counts.ps,
    },
  ];
}
