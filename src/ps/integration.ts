/**
 * Network integration: arc differences (Δv, Δz) → values per PS relative to a reference PS, by the
 * weighted least squares of arc-lsq.ts. Inconsistent arcs (wrong ambiguity in the periodogram,
 * unwrapping errors) are removed iteratively by their robust standardised misclosure. PS cut off from
 * the reference's component are reported and left out.
 */
import { components } from "./network";
import { solveArcLsqMulti, type ArcGraph } from "./arc-lsq";

export { solveArcLsq, solveArcLsqMulti, type ArcGraph } from "./arc-lsq";

export interface IntegrationResult {
  /** Velocity (mm/yr) and DEM error (m) per candidate relative to the reference; NaN where not connected. */
  velocity: Float64Array;
  demError: Float64Array;
  /** 1 for candidates in the reference's component (after arc removal). */
  connected: Uint8Array;
  /** 1 for arcs used in the final solution. */
  arcKept: Uint8Array;
  reference: number;
  arcsRemovedInconsistent: number;
  iterations: number;
  /** Sizes of the components other than the reference's (PS left out), largest first. */
  otherComponents: number[];
}

function robustSigma(v: number[]): number {
  if (v.length === 0) return 0;
  const a = v.map(Math.abs).sort((x, y) => x - y);
  return 1.4826 * a[Math.floor(a.length / 2)];
}

/** Arc weight from its ensemble coherence: γ²/(1−γ²), the inverse phase variance for high coherence. */
export function arcWeight(gamma: number): number {
  const g = Math.min(0.98, Math.max(0, gamma));
  return (g * g) / (1 - g * g);
}

/**
 * Picks the reference PS: in the largest component, the node whose arcs have the highest mean coherence
 * (at least 3 arcs), so that the reference phase itself is clean.
 */
export function chooseReference(n: number, ai: Int32Array, aj: Int32Array, gamma: Float64Array, keep: Uint8Array): number {
  const label = components(n, ai, aj, keep);
  const size = new Map<number, number>();
  for (let k = 0; k < n; k++) size.set(label[k], (size.get(label[k]) ?? 0) + 1);
  let bigLabel = label[0];
  for (const [l, s] of size) if (s > (size.get(bigLabel) ?? 0)) bigLabel = l;
  const sum = new Float64Array(n);
  const deg = new Int32Array(n);
  for (let e = 0; e < ai.length; e++) {
    if (!keep[e]) continue;
    sum[ai[e]] += gamma[e];
    sum[aj[e]] += gamma[e];
    deg[ai[e]]++;
    deg[aj[e]]++;
  }
  let best = -1;
  let bestScore = -Infinity;
  for (let k = 0; k < n; k++) {
    if (label[k] !== bigLabel || deg[k] < Math.min(3, n - 1)) continue;
    const s = sum[k] / deg[k];
    if (s > bestScore) {
      bestScore = s;
      best = k;
    }
  }
  if (best < 0) throw new Error("PS network: no candidate with at least 3 coherent arcs to serve as reference");
  return best;
}

/**
 * Integrates arc Δv/Δz with iterative removal of arcs whose misclosure exceeds `outlierSigma` robust
 * standard deviations (floors 0.3 mm/yr and 1 m keep a clean network from being eroded).
 */
export function integrateArcs(
  n: number,
  ai: Int32Array,
  aj: Int32Array,
  dv: Float64Array,
  dz: Float64Array,
  gamma: Float64Array,
  keep0: Uint8Array,
  opts: { outlierSigma: number; reference?: number; maxIterations?: number },
): IntegrationResult {
  const keep = Uint8Array.from(keep0);
  const ref = opts.reference ?? chooseReference(n, ai, aj, gamma, keep);
  const w = new Float64Array(ai.length);
  let removed = 0;
  let it = 0;
  let vel = new Float64Array(n);
  let dem = new Float64Array(n);
  let active = new Uint8Array(n);
  // Node adjacency (CSR) for the local-maximum rule below.
  const adjStart = new Int32Array(n + 1);
  for (let e = 0; e < ai.length; e++) {
    adjStart[ai[e] + 1]++;
    adjStart[aj[e] + 1]++;
  }
  for (let k = 0; k < n; k++) adjStart[k + 1] += adjStart[k];
  const adj = new Int32Array(adjStart[n]);
  const fill = adjStart.slice(0, n);
  for (let e = 0; e < ai.length; e++) {
    adj[fill[ai[e]]++] = aj[e];
    adj[fill[aj[e]]++] = ai[e];
  }
  const solve = (): void => {
    const label = components(n, ai, aj, keep);
    active = Uint8Array.from(label, (l) => (l === label[ref] ? 1 : 0));
    for (let e = 0; e < ai.length; e++) w[e] = keep[e] && active[ai[e]] ? arcWeight(gamma[e]) : 0;
    const g: ArcGraph = { n, i: ai, j: aj, w };
    const d2 = new Float64Array(2 * ai.length);
    for (let e = 0; e < ai.length; e++) {
      d2[2 * e] = dv[e];
      d2[2 * e + 1] = dz[e];
    }
    const x2 = solveArcLsqMulti(g, d2, 2, ref, active);
    vel = Float64Array.from({ length: n }, (_, k) => x2[2 * k]);
    dem = Float64Array.from({ length: n }, (_, k) => x2[2 * k + 1]);
  };
  const maxIt = opts.maxIterations ?? 20;
  let clean = false;
  for (; it < maxIt; it++) {
    solve();
    const ev: number[] = [];
    const ez: number[] = [];
    const idx: number[] = [];
    for (let e = 0; e < ai.length; e++) {
      if (!(w[e] > 0)) continue;
      ev.push(vel[ai[e]] - vel[aj[e]] - dv[e]);
      ez.push(dem[ai[e]] - dem[aj[e]] - dz[e]);
      idx.push(e);
    }
    const sv = Math.max(0.3, robustSigma(ev));
    const sz = Math.max(1, robustSigma(ez));
    // One wrong arc spreads misclosure onto its neighbours: each round removes flagged arcs from the
    // worst down, skipping arcs within one arc of a PS already cut this round (a local-maximum rule).
    const flagged: { q: number; s: number }[] = [];
    for (let q = 0; q < idx.length; q++) {
      const sc = Math.max(Math.abs(ev[q]) / sv, Math.abs(ez[q]) / sz);
      if (sc > opts.outlierSigma) flagged.push({ q, s: sc });
    }
    if (flagged.length === 0) {
      clean = true;
      break;
    }
    flagged.sort((a, b) => b.s - a.s);
    const touched = new Uint8Array(n);
    for (const { q } of flagged) {
      const e = idx[q];
      if (touched[ai[e]] || touched[aj[e]]) continue;
      for (const node of [ai[e], aj[e]]) {
        touched[node] = 1;
        for (let a = adjStart[node]; a < adjStart[node + 1]; a++) touched[adj[a]] = 1;
      }
      keep[e] = 0;
      removed++;
    }
  }
  if (!clean) solve();
  const label = components(n, ai, aj, keep);
  const sizes = new Map<number, number>();
  for (let k = 0; k < n; k++) if (label[k] !== label[ref]) sizes.set(label[k], (sizes.get(label[k]) ?? 0) + 1);
  for (let k = 0; k < n; k++) {
    if (!active[k]) {
      vel[k] = NaN;
      dem[k] = NaN;
    }
  }
  const arcKept = Uint8Array.from(keep, (v, e) => (v && active[ai[e]] ? 1 : 0));
  return {
    velocity: vel,
    demError: dem,
    connected: active,
    arcKept,
    reference: ref,
    arcsRemovedInconsistent: removed,
    iterations: it + 1,
    otherComponents: [...sizes.values()].sort((a, b) => b - a),
  };
}
