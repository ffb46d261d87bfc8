/**
 * Network integration that lets distributed scatterers add points without moving the persistent ones,
 * and the per-point arc-closure quality that rejects DS the network does not confirm.
 *
 * Tiered integration: tier 1 (classic PS and PS-dominated multilooked cells) is integrated alone, as in
 * classic PS-InSAR; tier 2 (phase-linked DS) is then attached with tier 1 held fixed. Holding tier 1
 * fixed is exact and cheap: every tier-1 node collapses into one anchor node of value 0, an arc DS→PS
 * with difference d becomes DS→anchor with d + x_PS, and the reduced network is integrated by the same
 * weighted least squares with the same iterative removal of inconsistent arcs (integrateArcs).
 * Arc weights are the arcs' ensemble coherence (arcWeight, γ²/(1−γ²)), multiplied for DS arcs by the
 * DS's phase-linking coherence γ_PL of each end (a DS whose interferograms disagree counts less).
 */
import { arcWeight, integrateArcs, type IntegrationResult } from "./integration";

export interface TieredOptions {
  outlierSigma: number;
  reference?: number;
  maxIterations?: number;
}

/**
 * `tier[c]` 1 or 2; `pointQuality[c]` in (0, 1] scales the weight of the arcs that end at c (1 for PS).
 * Returns integrateArcs' result over all nodes: tier-1 values are exactly those of tier 1 alone.
 */
export function integrateTiered(
  n: number,
  ai: Int32Array,
  aj: Int32Array,
  dv: Float64Array,
  dz: Float64Array,
  gamma: Float64Array,
  keep: Uint8Array,
  tier: Uint8Array,
  pointQuality: Float64Array,
  opts: TieredOptions,
): IntegrationResult & { arcWeight: Float64Array } {
  const m = ai.length;
  const keep1 = Uint8Array.from(keep, (k, e) => (k && tier[ai[e]] === 1 && tier[aj[e]] === 1 ? 1 : 0));
  const r1 = integrateArcs(n, ai, aj, dv, dz, gamma, keep1, { outlierSigma: opts.outlierSigma, reference: opts.reference, maxIterations: opts.maxIterations });
  // Reduced network: node 0 = anchor (all connected tier-1 nodes), then the tier-2 nodes.
  const local = new Int32Array(n).fill(-1);
  const nodes: number[] = [];
  for (let c = 0; c < n; c++) if (tier[c] === 2) local[c] = 1 + nodes.push(c) - 1;
  const ri: number[] = [];
  const rj: number[] = [];
  const rdv: number[] = [];
  const rdz: number[] = [];
  const rg: number[] = [];
  const arcOf: number[] = [];
  for (let e = 0; e < m; e++) {
    if (!keep[e]) continue;
    const a = ai[e];
    const b = aj[e];
    if (tier[a] === 1 && tier[b] === 1) continue;
    let ia = local[a];
    let ib = local[b];
    let v = dv[e];
    let z = dz[e];
    if (tier[a] === 1) {
      if (!r1.connected[a]) continue;
      // x_a − x_b = d with x_a known → 0 − x_b = d − x_a.
      ia = 0;
      v -= r1.velocity[a];
      z -= r1.demError[a];
    }
    if (tier[b] === 1) {
      if (!r1.connected[b]) continue;
      ib = 0;
      v += r1.velocity[b];
      z += r1.demError[b];
    }
    ri.push(ia);
    rj.push(ib);
    rdv.push(v);
    rdz.push(z);
    // integrateArcs weighs by arcWeight(γ); a coherence giving the scaled weight carries γ_PL in.
    const q = (tier[a] === 2 ? pointQuality[a] : 1) * (tier[b] === 2 ? pointQuality[b] : 1);
    const wq = arcWeight(gamma[e]) * Math.max(0, Math.min(1, q));
    rg.push(Math.sqrt(wq / (1 + wq)));
    arcOf.push(e);
  }
  const velocity = Float64Array.from(r1.velocity);
  const demError = Float64Array.from(r1.demError);
  const connected = Uint8Array.from(r1.connected);
  const arcKept = Uint8Array.from(r1.arcKept);
  let removed = r1.arcsRemovedInconsistent;
  const weights = Float64Array.from({ length: m }, (_, e) => (arcKept[e] ? arcWeight(gamma[e]) : 0));
  if (nodes.length > 0 && ri.length > 0) {
    const r2 = integrateArcs(
      nodes.length + 1,
      Int32Array.from(ri),
      Int32Array.from(rj),
      Float64Array.from(rdv),
      Float64Array.from(rdz),
      Float64Array.from(rg),
      new Uint8Array(ri.length).fill(1),
      { outlierSigma: opts.outlierSigma, reference: 0, maxIterations: opts.maxIterations },
    );
    nodes.forEach((c, q) => {
      connected[c] = r2.connected[q + 1];
      velocity[c] = r2.velocity[q + 1];
      demError[c] = r2.demError[q + 1];
    });
    arcOf.forEach((e, q) => {
      if (r2.arcKept[q]) {
        arcKept[e] = 1;
        weights[e] = arcWeight(rg[q]);
      }
    });
    removed += r2.arcsRemovedInconsistent;
  } else {
    for (const c of nodes) {
      velocity[c] = NaN;
      demError[c] = NaN;
    }
  }
  return { ...r1, velocity, demError, connected, arcKept, arcsRemovedInconsistent: removed, arcWeight: weights };
}

/**
 * Arc-closure consistency of each point: over its kept arcs, the weighted RMS of the velocity
 * misclosure v_i − v_j − Δv_ij (mm/yr) and the number of kept arcs. A point whose own phase is wrong
 * disagrees with every neighbour; one whose arcs were all dropped has no check at all (count 0).
 */
export function arcConsistency(
  n: number,
  ai: Int32Array,
  aj: Int32Array,
  dv: Float64Array,
  velocity: Float64Array,
  weight: Float64Array,
  kept: Uint8Array,
): { misclosure: Float64Array; arcs: Int32Array } {
  const s = new Float64Array(n);
  const sw = new Float64Array(n);
  const cnt = new Int32Array(n);
  for (let e = 0; e < ai.length; e++) {
    if (!kept[e] || !(weight[e] > 0)) continue;
    const r = velocity[ai[e]] - velocity[aj[e]] - dv[e];
    for (const c of [ai[e], aj[e]]) {
      s[c] += weight[e] * r * r;
      sw[c] += weight[e];
      cnt[c]++;
    }
  }
  return { misclosure: Float64Array.from(s, (v, c) => (sw[c] > 0 ? Math.sqrt(v / sw[c]) : NaN)), arcs: cnt };
}
