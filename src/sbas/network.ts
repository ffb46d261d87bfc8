/**
 * The interferogram network: design matrices (MintPy's A and B), connectivity, per-date perpendicular
 * baselines and network modification (MintPy's modify_network: temporal/perpendicular baseline limits,
 * date exclusion, coherence threshold that keeps a minimum spanning tree).
 */
import { daysBetween } from "../core/dates";
import { tbaseYears } from "./dates";
import { pseudoInverse } from "./linalg";

export interface Network {
  dates: string[];
  /** Kept interferograms as [reference, secondary] date indices. */
  pairs: [number, number][];
}

/** A (m × n−1): −1 at the reference date, +1 at the secondary; the first date is the datum. */
export function designMatrixA(net: Network): Float64Array {
  const n = net.dates.length - 1;
  const a = new Float64Array(net.pairs.length * n);
  net.pairs.forEach(([i, j], k) => {
    if (i > 0) a[k * n + i - 1] = -1;
    if (j > 0) a[k * n + j - 1] = 1;
  });
  return a;
}

/** Interval lengths (years) between consecutive dates: MintPy's tbase_diff. */
export function tbaseDiff(dates: string[]): Float64Array {
  const t = tbaseYears(dates);
  const out = new Float64Array(Math.max(0, dates.length - 1));
  for (let i = 0; i < out.length; i++) out[i] = t[i + 1] - t[i];
  return out;
}

/** B (m × n−1): each row holds the interval lengths spanned by the pair (minimum-norm velocity design). */
export function designMatrixB(net: Network): Float64Array {
  const n = net.dates.length - 1;
  const dt = tbaseDiff(net.dates);
  const b = new Float64Array(net.pairs.length * n);
  net.pairs.forEach(([i, j], k) => {
    for (let s = i; s < j; s++) b[k * n + s] = dt[s];
  });
  return b;
}

/** Connected components of dates linked by the pairs (union–find); component id per date. */
export function dateComponents(nDates: number, pairs: [number, number][]): Int32Array {
  const parent = Int32Array.from({ length: nDates }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (const [i, j] of pairs) {
    const a = find(i);
    const b = find(j);
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
  }
  const ids = new Int32Array(nDates);
  const map = new Map<number, number>();
  for (let i = 0; i < nDates; i++) {
    const r = find(i);
    if (!map.has(r)) map.set(r, map.size);
    ids[i] = map.get(r)!;
  }
  return ids;
}

export function countComponents(nDates: number, pairs: [number, number][]): number {
  const ids = dateComponents(nDates, pairs);
  let max = -1;
  for (const v of ids) max = Math.max(max, v);
  return max + 1;
}

/** Per-date perpendicular baseline relative to the first date, by least squares on the pairs (MintPy). */
export function bperpTimeseries(net: Network, pairBperp: ArrayLike<number>): Float64Array {
  const m = net.pairs.length;
  const n = net.dates.length - 1;
  const out = new Float64Array(net.dates.length);
  if (m === 0 || n === 0) return out;
  const pinv = pseudoInverse(designMatrixA(net), m, n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < m; k++) s += pinv[i * m + k] * pairBperp[k];
    out[i + 1] = s;
  }
  return out;
}

/**
 * Minimum spanning tree of the dates with edge cost 1 − coherence (Kruskal), as MintPy's
 * threshold_coherence_based_mst; returns the indices of the pairs in the tree.
 */
export function minimumSpanningTree(nDates: number, pairs: [number, number][], cost: ArrayLike<number>): number[] {
  const order = pairs.map((_, k) => k).sort((a, b) => cost[a] - cost[b] || a - b);
  const parent = Int32Array.from({ length: nDates }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  const tree: number[] = [];
  for (const k of order) {
    const a = find(pairs[k][0]);
    const b = find(pairs[k][1]);
    if (a === b) continue;
    parent[a] = b;
    tree.push(k);
  }
  return tree.sort((a, b) => a - b);
}

export interface NetworkModifyOptions {
  /** Max temporal baseline (days); Infinity = no limit. */
  tempBaseMax: number;
  /** Max |perpendicular baseline| (m). */
  perpBaseMax: number;
  /** Keep pairs whose secondary is at most this many acquisitions after the reference. */
  connNumMax: number;
  startDate?: string;
  endDate?: string;
  excludeDate: string[];
  /** Pairs to drop as YYYYMMDD_YYYYMMDD (MintPy excludeDate12). */
  excludeDate12?: string[];
  excludeIfgIndex: number[];
  /** Drop pairs whose mean coherence is below `minCoherence`. */
  coherenceBased: boolean;
  minCoherence: number;
  /** With `coherenceBased`, keep the coherence-weighted minimum spanning tree so the network stays connected. */
  keepMinSpanTree: boolean;
}

export interface NetworkModification {
  keep: boolean[];
  /** Why each dropped pair went. */
  reasons: string[];
  components: number;
}

/**
 * MintPy modify_network: returns which pairs stay. `meanCoherence` is each pair's spatial mean
 * coherence (over the AOI / mask), used only when `coherenceBased`.
 */
export function modifyNetwork(
  dates: string[],
  pairs: [number, number][],
  bperp: ArrayLike<number>,
  opts: NetworkModifyOptions,
  meanCoherence?: ArrayLike<number>,
): NetworkModification {
  const keep = pairs.map(() => true);
  const reasons = pairs.map(() => "");
  const drop = (k: number, why: string): void => {
    if (keep[k]) {
      keep[k] = false;
      reasons[k] = why;
    }
  };
  const excluded = new Set(opts.excludeDate);
  const excluded12 = new Set(opts.excludeDate12 ?? []);
  pairs.forEach(([i, j], k) => {
    const d1 = dates[i];
    const d2 = dates[j];
    if (excluded.has(d1) || excluded.has(d2)) drop(k, "excluded date");
    if (excluded12.has(`${d1}_${d2}`)) drop(k, "excluded pair (excludeDate12)");
    if (opts.startDate && d1 < opts.startDate) drop(k, "before start date");
    if (opts.endDate && d2 > opts.endDate) drop(k, "after end date");
    if (daysBetween(d1, d2) > opts.tempBaseMax) drop(k, `temporal baseline > ${opts.tempBaseMax} d`);
    if (Math.abs(bperp[k]) > opts.perpBaseMax) drop(k, `|bperp| > ${opts.perpBaseMax} m`);
    if (j - i > opts.connNumMax) drop(k, `connection number > ${opts.connNumMax}`);
  });
  for (const k of opts.excludeIfgIndex) {
    if (!(k >= 0 && k < pairs.length)) throw new Error(`excludeIfgIndex ${k} is outside the ${pairs.length} interferograms (0-based)`);
    drop(k, "excluded index (excludeIfgIndex)");
  }
  if (opts.coherenceBased) {
    if (!meanCoherence) throw new Error("coherence-based network modification needs the mean coherence of each pair");
    const mst = new Set<number>();
    if (opts.keepMinSpanTree) {
      const cand = pairs.map((_, k) => k).filter((k) => keep[k]);
      const tree = minimumSpanningTree(
        dates.length,
        cand.map((k) => pairs[k]),
        cand.map((k) => 1 - meanCoherence[k]),
      );
      for (const t of tree) mst.add(cand[t]);
    }
    pairs.forEach((_, k) => {
      if (meanCoherence[k] < opts.minCoherence && !mst.has(k)) drop(k, `mean coherence < ${opts.minCoherence}`);
    });
  }
  const kept = pairs.filter((_, k) => keep[k]);
  const used = new Set<number>();
  for (const [i, j] of kept) {
    used.add(i);
    used.add(j);
  }
  const keptDates = [...used].sort((a, b) => a - b);
  const remap = new Map(keptDates.map((d, i) => [d, i]));
  const components = countComponents(
    keptDates.length,
    kept.map(([i, j]) => [remap.get(i)!, remap.get(j)!] as [number, number]),
  );
  return { keep, reasons, components };
}
