import { describe, expect, it } from "vitest";
import { confusion, kerasBatchPRF, MetricAccumulator, prf } from "../../src/landslide/metrics";

describe("landslide metrics", () => {
  it("counts the confusion matrix with p > threshold (Keras K.round at 0.5)", () => {
    const p = [0.9, 0.6, 0.5, 0.2, 0.7, 0.1];
    const t = [1, 0, 1, 1, 1, 0];
    expect(confusion(p, t)).toEqual({ tp: 2, fp: 1, fn: 2, tn: 1 });
    const r = prf(confusion(p, t));
    expect(r.precision).toBeCloseTo(2 / 3, 12);
    expect(r.recall).toBeCloseTo(0.5, 12);
    expect(r.f1).toBeCloseTo((2 * (2 / 3) * 0.5) / (2 / 3 + 0.5), 12);
  });

  it("defines empty ratios as 0 and rejects mismatched lengths", () => {
    expect(prf({ tp: 0, fp: 0, fn: 0, tn: 10 })).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(() => confusion([0.1], [1, 0])).toThrow(/1 predictions for 2 truth/);
  });

  it("pixel-global and batch-averaged Keras variants differ as they should", () => {
    const acc = new MetricAccumulator(0.5);
    // Batch 1: perfect on 1 positive pixel. Batch 2: 1 TP, 3 FP, 0 FN.
    acc.addBatch([0.9, 0.1], [1, 0], 0.1);
    acc.addBatch([0.9, 0.9, 0.9, 0.9], [1, 0, 0, 0], 0.3);
    const m = acc.result();
    expect(m.precision).toBeCloseTo(2 / 5, 12); // global: 2 TP, 3 FP
    expect(m.recall).toBeCloseTo(1, 12);
    const k1 = kerasBatchPRF({ tp: 1, fp: 0, fn: 0, tn: 1 });
    const k2 = kerasBatchPRF({ tp: 1, fp: 3, fn: 0, tn: 0 });
    expect(m.kerasPrecision).toBeCloseTo((k1.precision + k2.precision) / 2, 12);
    expect(m.kerasPrecision).toBeCloseTo((1 + 0.25) / 2, 6);
    expect(m.kerasF1).toBeCloseTo((k1.f1 + k2.f1) / 2, 12);
    expect(m.loss).toBeCloseTo((0.1 * 2 + 0.3 * 4) / 6, 12); // pixel-weighted mean
  });
});
