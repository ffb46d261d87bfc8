/**
 * Per-date amplitude sanity of an SLC stack. A corrupt or mis-typed SLC (random bytes, wrong byte order,
 * a date that is all NaN) does not fail any read: its samples are valid floats, and classic PS selection
 * silently degrades (1849 → 357 PS for one bad date). Its amplitudes are unmistakable, though: the spread
 * of log-amplitude over a real SLC is set by speckle and scene contrast (σ(log10 A) ≈ 0.2–0.6), while
 * random float32 bytes spread over dozens of decades, and a byte-swapped file likewise. A date is
 * refused, by name, when its finite share, its log-amplitude spread or its brightness departs from the
 * other dates far beyond what calibration can absorb.
 */
export interface DateAmplitudeStats {
  /** Samples of the date seen so far. */
  n: number;
  /** Non-finite samples (NaN or ±inf in either part). */
  nonFinite: number;
  /** Samples with zero amplitude (no data). */
  zero: number;
  /** Σ log10 A and Σ (log10 A)² over finite, positive amplitudes. */
  sumLog: number;
  sumLog2: number;
}

export function emptyStats(): DateAmplitudeStats {
  return { n: 0, nonFinite: 0, zero: 0, sumLog: 0, sumLog2: 0 };
}

/** Adds one block of interleaved (re, im) samples to a date's statistics. */
export function accumulate(s: DateAmplitudeStats, block: Float32Array): void {
  for (let i = 0; i < block.length; i += 2) {
    const re = block[i];
    const im = block[i + 1];
    s.n++;
    if (!Number.isFinite(re) || !Number.isFinite(im)) {
      s.nonFinite++;
      continue;
    }
    const a = Math.hypot(re, im);
    if (a === 0) {
      s.zero++;
      continue;
    }
    if (!Number.isFinite(a)) {
      s.nonFinite++;
      continue;
    }
    const l = Math.log10(a);
    s.sumLog += l;
    s.sumLog2 += l * l;
  }
}

export interface AmplitudeLimits {
  /** Largest share of non-finite samples a date may have. */
  maxNonFinite: number;
  /** Largest ratio of a date's log-amplitude spread to the median spread over dates. */
  maxSpreadRatio: number;
  /** Largest brightness departure from the median date, decades (calibration absorbs smaller ones). */
  maxBrightnessDecades: number;
}

export const AMPLITUDE_LIMITS: AmplitudeLimits = { maxNonFinite: 0.01, maxSpreadRatio: 4, maxBrightnessDecades: 2 };

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The problems of each anomalous date (empty when the stack is sound).
 */
export function amplitudeAnomalies(
  stats: readonly DateAmplitudeStats[],
  dates: readonly string[],
  limits: AmplitudeLimits = AMPLITUDE_LIMITS,
): { dateIndex: number; problem: string }[] {
  const valid = stats.map((s) => s.n - s.nonFinite - s.zero);
  const mean = stats.map((s, k) => (valid[k] > 0 ? s.sumLog / valid[k] : NaN));
  const spread = stats.map((s, k) => (valid[k] > 1 ? Math.sqrt(Math.max(0, s.sumLog2 / valid[k] - mean[k] ** 2)) : NaN));
  const good = stats.map((_, k) => Number.isFinite(mean[k]));
  const refSpread = median(spread.filter((_, k) => good[k]));
  const refMean = median(mean.filter((_, k) => good[k]));
  const out: { dateIndex: number; problem: string }[] = [];
  stats.forEach((s, k) => {
    const why: string[] = [];
    if (valid[k] === 0) why.push(s.nonFinite === s.n ? "every sample is NaN or infinite" : "no sample has a non-zero finite amplitude (empty SLC)");
    else {
      if (s.nonFinite / s.n > limits.maxNonFinite) why.push(`${((100 * s.nonFinite) / s.n).toFixed(1)} % of samples are NaN or infinite`);
      if (refSpread > 0 && spread[k] > limits.maxSpreadRatio * refSpread) {
        why.push(`amplitudes spread over ${spread[k].toFixed(1)} decades (σ of log10 A) against ${refSpread.toFixed(2)} for the other dates: not SLC data (corrupt, wrong type or byte order?)`);
      } else if (Math.abs(mean[k] - refMean) > limits.maxBrightnessDecades) {
        why.push(`brightness ${(mean[k] - refMean).toFixed(1)} decades from the other dates (wrong scaling or type?)`);
      }
    }
    if (why.length) out.push({ dateIndex: k, problem: `date ${dates[k]}: ${why.join("; ")}` });
  });
  return out;
}
