/**
 * Segmentation metrics for landslide masks, in the two forms the comparison with the paper needs:
 *
 * - pixel-global: true/false positives and false negatives summed over every pixel of the epoch (or
 *   scene), then precision = TP/(TP+FP), recall = TP/(TP+FN), F1 = 2PR/(P+R) — the honest number;
 * - Keras variant: precision_m, recall_m and f1_m of the public Keras Landslide4Sense notebook, computed
 *   on K.round(K.clip(p, 0, 1)) with K.epsilon() = 1e-7 in the denominators and averaged over units —
 *   batches during training (what Keras prints and what the paper's 0.80 / 0.60 / 0.70 were read
 *   from), single patches in an evaluation (`addPatches`), so evaluated numbers do not depend on the
 *   inference batch size.
 *
 * A pixel is predicted positive when p > threshold: with 0.5 this is exactly Keras' K.round (which
 * rounds 0.5 half to even, i.e. to 0).
 */

export const KERAS_EPSILON = 1e-7;

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface PRF {
  precision: number;
  recall: number;
  f1: number;
}

export function emptyConfusion(): Confusion {
  return { tp: 0, fp: 0, fn: 0, tn: 0 };
}

/** Counts the confusion matrix of probabilities `prob` against a 0/1 `truth` (same length). */
export function confusion(
  prob: ArrayLike<number>,
  truth: ArrayLike<number>,
  threshold = 0.5,
  into: Confusion = emptyConfusion(),
): Confusion {
  if (prob.length !== truth.length) {
    throw new Error(`confusion: ${prob.length} predictions for ${truth.length} truth pixels`);
  }
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i] > threshold;
    const t = truth[i] > 0.5;
    if (p) {
      if (t) tp++;
      else fp++;
    } else if (t) fn++;
    else tn++;
  }
  into.tp += tp;
  into.fp += fp;
  into.fn += fn;
  into.tn += tn;
  return into;
}

/**
 * Precision, recall and F1 from counts. Undefined ratios (no predicted or no true positives) are 0, as
 * scikit-learn's `zero_division=0`; with nothing to find and nothing found F1 is 0, not 1.
 */
export function prf(c: Confusion): PRF {
  const precision = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 0;
  const recall = c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

/** The Keras notebook's precision_m / recall_m / f1_m of one batch. */
export function kerasBatchPRF(c: Confusion, eps = KERAS_EPSILON): PRF {
  const precision = c.tp / (c.tp + c.fp + eps);
  const recall = c.tp / (c.tp + c.fn + eps);
  const f1 = 2 * ((precision * recall) / (precision + recall + eps));
  return { precision, recall, f1 };
}

export interface EpochMetrics extends PRF {
  loss: number;
  kerasPrecision: number;
  kerasRecall: number;
  kerasF1: number;
  pixels: number;
}

/** Accumulates one pass (training or validation) over batches. */
export class MetricAccumulator {
  private readonly global = emptyConfusion();
  private lossSum = 0;
  private lossCount = 0;
  private kp = 0;
  private kr = 0;
  private kf = 0;
  private batches = 0;

  constructor(readonly threshold = 0.5) {}

  /** Adds one batch: its probabilities, truth and mean loss (weighted by its pixel count). */
  addBatch(prob: ArrayLike<number>, truth: ArrayLike<number>, meanLoss: number): Confusion {
    return this.addCounts(confusion(prob, truth, this.threshold), meanLoss);
  }

  /** Adds one batch from its confusion counts (thresholded elsewhere, e.g. on the GPU) and mean loss. */
  addCounts(c: Confusion, meanLoss: number): Confusion {
    const pixels = c.tp + c.fp + c.fn + c.tn;
    this.global.tp += c.tp;
    this.global.fp += c.fp;
    this.global.fn += c.fn;
    this.global.tn += c.tn;
    this.lossSum += meanLoss * pixels;
    this.lossCount += pixels;
    const k = kerasBatchPRF(c);
    this.kp += k.precision;
    this.kr += k.recall;
    this.kf += k.f1;
    this.batches++;
    return c;
  }

  /**
   * Adds a batch of whole patches with the Keras metrics taken per patch (each patch one unit of the
   * average), so an evaluation's kerasPrecision/Recall/F1 do not depend on how patches were batched.
   */
  addPatches(prob: ArrayLike<number>, truth: ArrayLike<number>, meanLoss: number, patchPixels: number): void {
    if (prob.length !== truth.length || prob.length % patchPixels !== 0) {
      throw new Error(`addPatches: ${prob.length} predictions, ${truth.length} truth pixels, patches of ${patchPixels}`);
    }
    const whole = confusion(prob, truth, this.threshold);
    const pixels = whole.tp + whole.fp + whole.fn + whole.tn;
    this.global.tp += whole.tp;
    this.global.fp += whole.fp;
    this.global.fn += whole.fn;
    this.global.tn += whole.tn;
    this.lossSum += meanLoss * pixels;
    this.lossCount += pixels;
    const sub = (a: ArrayLike<number>, o: number): ArrayLike<number> =>
      ArrayBuffer.isView(a) ? (a as unknown as Float32Array).subarray(o, o + patchPixels) : Array.prototype.slice.call(a, o, o + patchPixels);
    for (let o = 0; o < prob.length; o += patchPixels) {
      const k = kerasBatchPRF(confusion(sub(prob, o), sub(truth, o), this.threshold));
      this.kp += k.precision;
      this.kr += k.recall;
      this.kf += k.f1;
      this.batches++;
    }
  }

  confusion(): Confusion {
    return { ...this.global };
  }

  result(): EpochMetrics {
    const g = prf(this.global);
    const nb = Math.max(1, this.batches);
    return {
      loss: this.lossCount > 0 ? this.lossSum / this.lossCount : NaN,
      ...g,
      kerasPrecision: this.kp / nb,
      kerasRecall: this.kr / nb,
      kerasF1: this.kf / nb,
      pixels: this.lossCount,
    };
  }
}
