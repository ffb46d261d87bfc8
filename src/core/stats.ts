/**
 * The project's one set of summary statistics. Quantiles are d3-array's (R type 7: linear interpolation
 * between order statistics, numpy's and MintPy's default), so a percentile printed here equals the one a
 * researcher computes in numpy on the same values. d3-array 2 is used because it loads under tslab's
 * CommonJS compilation (3.x is ESM-only). Non-finite values are ignored everywhere.
 */
import { quantileSorted as d3QuantileSorted } from "d3-array";

/** The finite values of `v`, sorted ascending. */
export function sortedFinite(v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(v.length);
  let n = 0;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) out[n++] = v[i];
  return out.subarray(0, n).sort();
}

/** Quantile `q` ∈ [0, 1] of values already sorted ascending (finite); NaN when empty. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  return d3QuantileSorted(sorted as unknown as number[], q) ?? NaN;
}

export function quantile(v: ArrayLike<number>, q: number): number {
  return quantileSorted(sortedFinite(v), q);
}

export function median(v: ArrayLike<number>): number {
  return quantile(v, 0.5);
}

export function mean(v: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) (s += v[i]), n++;
  return n ? s / n : NaN;
}

/** Sample standard deviation (n − 1), as numpy's `std(ddof=1)`. */
export function std(v: ArrayLike<number>): number {
  const m = mean(v);
  let s = 0;
  let n = 0;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) (s += (v[i] - m) ** 2), n++;
  return n > 1 ? Math.sqrt(s / (n - 1)) : NaN;
}

/** Median absolute deviation scaled to σ for normal data (×1.4826). */
export function madSigma(v: ArrayLike<number>): number {
  const s = sortedFinite(v);
  const m = quantileSorted(s, 0.5);
  const dev = new Float64Array(s.length);
  for (let i = 0; i < s.length; i++) dev[i] = Math.abs(s[i] - m);
  return 1.4826 * quantileSorted(dev.sort(), 0.5);
}

export function rmse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    if (Number.isFinite(d)) (s += d * d), n++;
  }
  return n ? Math.sqrt(s / n) : NaN;
}
