/**
 * Test helper: the improved PS-InSAR chain of src/ps/pipeline.ts with the DS numerics hooked in where
 * the pipeline should call them (pipeline.ts itself is being restructured on another branch):
 *   selectCandidates → linkCandidates (kind-2 phases replaced, tiers) → delaunayArcs → searchArcs →
 *   integrateTiered (arc weights × γ_PL, PS tier first) → stableReference →
 *   integrateResiduals → separateResidual → acceptPoints (flags) → velocitySigma (σ_v).
 */
import type { StackSource } from "../../src/ps/stack";
import { yearsSince } from "../../src/core/dates";
import { selectCandidates } from "../../src/ps/selection";
import { delaunayArcs, toMetric } from "../../src/ps/network";
import { arcModel } from "../../src/ps/periodogram";
import { searchArcs } from "../../src/ps/arc-search";
import { integrateResiduals, separateResidual } from "../../src/ps/filtering";
import { stableReference } from "../../src/ps/pipeline";
import { integrateTiered, arcConsistency } from "../../src/ps/quality-network";
import { acceptPoints, residualCoherence, REJECT } from "../../src/ps/quality";
import { velocitySigma } from "../../src/ps/quality-sigma";
import { linkCandidates } from "../../src/ps/phase-link-cells";
import { DS_SCHEMA, phaseLinkOptions } from "../../src/ps/phase-link-params";
import { defaultsOf } from "../../src/core/params";
import type { DsMethod } from "../../src/ps/phase-link";
import { FOSHAN_PS } from "../../src/studies/foshan/ps";
import type { PsParams as FoshanPsParams } from "../../src/ps/params";

export interface ChainOptions {
  classicOnly?: boolean;
  dsMethod?: DsMethod;
  /** Apply the per-point quality rejection (default true). */
  reject?: boolean;
  /** PS tier integrated first, DS attached to it (default true). */
  tiered?: boolean;
  params?: Partial<FoshanPsParams>;
  /** Sees the arcs and their periodogram Δv (diagnostics in tests and scripts). */
  onArcs?: (a: { i: Int32Array; j: Int32Array; dv: Float64Array; gamma: Float64Array; row: Int32Array; col: Int32Array; kind: Uint8Array; tier: Uint8Array }) => void;
}

export interface ChainPoint {
  row: number;
  col: number;
  kind: number;
  /** 1 PS tier (classic or PS-dominated cell), 2 DS tier. */
  tier: number;
  velocity: number;
  /** Calibrated σ_v (quality-sigma.ts) and the pipeline's noise-only one. */
  sigma: number;
  sigmaPaper: number;
  /** Phase-linking coherence γ_PL (NaN for PS tier). */
  quality: number;
  misclosure: number;
  arcs: number;
  resCoherence: number;
  /** Flagged by acceptPoints (kept in the list so tests can count what rejection removes). */
  rejected: boolean;
}

export async function runChain(stack: StackSource, o: ChainOptions = {}): Promise<ChainPoint[]> {
  const params: FoshanPsParams = { ...FOSHAN_PS, workers: 0, ...o.params };
  const meta = stack.meta;
  const K = meta.dates.length;
  const sel = selectCandidates(stack, { ...params, useMultilook: !o.classicOnly }, { quiet: true });
  const cand = sel.candidates;
  let tier = new Uint8Array(cand.n).fill(1);
  let plQuality = new Float64Array(cand.n).fill(NaN);
  if (!o.classicOnly) {
    const linked = linkCandidates(stack, cand, phaseLinkOptions({ ...defaultsOf(DS_SCHEMA), dsMethod: o.dsMethod ?? "emi", ...params }));
    tier = linked.tier;
    plQuality = linked.linking;
  }
  const { x, y } = toMetric(cand.lon, cand.lat);
  const arcs = delaunayArcs(x, y, params.maxArcLength);
  const t = yearsSince(meta.dates);
  const model = arcModel(t, meta.bperp, meta.wavelength, meta.slantRange, meta.incidenceDeg);
  const search = await searchArcs(cand.phase, K, arcs.i, arcs.j, model, params, { workers: 0, quiet: true });
  o.onArcs?.({ i: arcs.i, j: arcs.j, dv: search.dv, gamma: search.gamma, row: cand.row, col: cand.col, kind: cand.kind, tier });
  const keep = Uint8Array.from(search.gamma, (g) => (g >= params.arcCoherenceMin ? 1 : 0));
  if (o.tiered === false) tier.fill(1);
  const pq = Float64Array.from(plQuality, (q) => (Number.isFinite(q) ? Math.max(0, q) : 1));
  const integ = integrateTiered(cand.n, arcs.i, arcs.j, search.dv, search.dz, search.gamma, keep, tier, pq, { outlierSigma: params.arcOutlierSigma });
  integ.reference = stableReference(integ.velocity, integ.connected, arcs.i, arcs.j, search.gamma, integ.arcKept);
  const v0 = integ.velocity[integ.reference];
  const z0 = integ.demError[integ.reference];
  for (let c = 0; c < cand.n; c++) {
    integ.velocity[c] -= v0;
    integ.demError[c] -= z0;
  }
  const w = integ.arcWeight;
  const cons = arcConsistency(cand.n, arcs.i, arcs.j, search.dv, integ.velocity, w, integ.arcKept);
  const graph = { n: cand.n, i: arcs.i, j: arcs.j, w };
  const residual = integrateResiduals(cand.phase, K, graph, model, integ.velocity, integ.demError, integ.reference, integ.connected, { quiet: true });
  const tDays = Float64Array.from(t, (v) => v * 365.25);
  const sep = separateResidual(residual, K, tDays, x, y, integ.connected, params);
  const vs = velocitySigma({ residual, noise: sep.noise, K, tYears: t, tDays, temporalFilterDays: params.temporalFilterDays, wavelength: meta.wavelength, active: integ.connected });
  const toMm = (meta.wavelength / (4 * Math.PI)) * 1e3;
  const tMean = t.reduce((a, b) => a + b, 0) / K;
  let stt = 0;
  for (let k = 0; k < K; k++) stt += (t[k] - tMean) ** 2;
  const resCoh = residualCoherence(sep.noise, K);
  const verdict = acceptPoints(integ.connected, tier, resCoh, plQuality, integ.reference, {
    residualCoherenceMin: params.psCoherenceMin,
    ...(o.reject === false ? { dsLinkingMin: -Infinity } : {}),
  });
  const out: ChainPoint[] = [];
  for (let c = 0; c < cand.n; c++) {
    if (verdict[c] === REJECT.disconnected || verdict[c] === REJECT.residualCoherence) continue;
    let nv = 0;
    for (let k = 0; k < K; k++) nv += sep.noise[c * K + k] ** 2;
    const nl0 = sep.nonlinear[c * K];
    let sxy = 0;
    for (let k = 0; k < K; k++) sxy += (t[k] - tMean) * (integ.velocity[c] * t[k] + (sep.nonlinear[c * K + k] - nl0) * toMm);
    out.push({
      row: cand.row[c],
      col: cand.col[c],
      kind: cand.kind[c],
      tier: tier[c],
      velocity: sxy / stt,
      sigma: vs.sigma[c],
      sigmaPaper: (Math.sqrt(nv / Math.max(1, K - 2)) * toMm) / Math.sqrt(stt),
      quality: plQuality[c],
      misclosure: cons.misclosure[c],
      arcs: cons.arcs[c],
      resCoherence: resCoh[c],
      rejected: verdict[c] !== REJECT.none,
    });
  }
  return out;
}
