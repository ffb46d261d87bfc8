import { beforeAll, describe, expect, it } from "vitest";
import { selectBackend } from "../../src/landslide/backend";
import { evaluateSet } from "../../src/landslide/evaluate";
import { predictPatches } from "../../src/landslide/infer";
import { confusion, kerasBatchPRF } from "../../src/landslide/metrics";
import { buildUNet } from "../../src/landslide/unet";
import { simulatePatches } from "./synthetic";

beforeAll(async () => {
  await selectBackend({ backend: "cpu" });
});

describe("evaluateSet", () => {
  it("kerasF1 is the mean over patches of the Keras f1_m, the same for any inference batch", async () => {
    const s = simulatePatches(7, 16, 11, 9);
    const { model } = buildUNet({ inputSize: 16, inputChannels: 11, filters: [4, 8], encoderDropout: [0, 0], decoderDropout: [0], kernelSize: 3, upsampleSize: 2 }, 2);
    const prob = await predictPatches(model, s.images, s.count, 16, 11);
    // A threshold inside the untrained model's range, so that patches differ in their counts.
    const threshold = [...prob].sort((a, b) => a - b)[Math.floor(prob.length * 0.7)];
    const px = 16 * 16;
    let f1 = 0;
    for (let n = 0; n < s.count; n++) f1 += kerasBatchPRF(confusion(prob.subarray(n * px, (n + 1) * px), s.masks.subarray(n * px, (n + 1) * px), threshold)).f1;
    f1 /= s.count;
    expect(f1).toBeGreaterThan(0.01);
    const one = await evaluateSet(model, s, 1, threshold);
    const three = await evaluateSet(model, s, 3, threshold);
    const all = await evaluateSet(model, s, 7, threshold);
    for (const m of [one, three, all]) expect(m.kerasF1).toBeCloseTo(f1, 6);
    expect(three.kerasPrecision).toBeCloseTo(one.kerasPrecision, 6);
    expect(three.f1).toBeCloseTo(one.f1, 12);
    model.dispose();
  });
});
