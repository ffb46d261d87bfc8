import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropoutMask, fastDropout } from "../../src/engine/dropout";
import { Engine } from "../../src/engine/engine";

/** The mask in plain JS: lowbias32(i·0x9e3779b9 + seed·0x85ebca6b) ≥ rate·2³² keeps. */
function referenceMask(count: number, rate: number, seed: number): Float32Array {
  const thr = Math.min(0xffffffff, Math.round(rate * 2 ** 32)) >>> 0;
  const scale = Math.fround(1 / (1 - rate));
  const base = Math.imul(seed | 0, 0x85ebca6b) >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    let h = (Math.imul(i, 0x9e3779b9) + base) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    h = Math.imul(h, 0x7feb352d) >>> 0;
    h = (h ^ (h >>> 15)) >>> 0;
    h = Math.imul(h, 0x846ca68b) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    out[i] = h >= thr ? scale : 0;
  }
  return out;
}

describe("engine dropout", () => {
  let one: Engine;
  let two: Engine;
  beforeAll(async () => {
    one = await Engine.create({ threads: 1 });
    two = await Engine.create({ threads: 2 });
    await tf.setBackend("cpu");
  });
  afterAll(async () => {
    await one.close();
    await two.close();
  });

  it("equals the scalar definition exactly (SIMD body and tail, 1 and 2 threads)", () => {
    for (const [n, rate, seed] of [[1, 0.1, 3], [7, 0.5, -9], [70_001, 0.2, 123456789], [200_003, 0.3, 42]] as const) {
      const ref = referenceMask(n, rate, seed);
      expect(Array.from(dropoutMask(one, n, rate, seed))).toEqual(Array.from(ref));
      expect(Array.from(dropoutMask(two, n, rate, seed))).toEqual(Array.from(ref));
    }
  });

  it("drops the requested fraction, scales the rest, and has no correlation between neighbours", () => {
    const n = 1_000_000;
    for (const rate of [0.1, 0.2, 0.3]) {
      const m = dropoutMask(two, n, rate, 2024);
      let zeros = 0;
      let pairs = 0;
      let other = 0;
      const keep = Math.fround(1 / (1 - rate));
      for (let i = 0; i < n; i++) {
        if (m[i] !== 0 && m[i] !== keep) other++;
        if (m[i] === 0) zeros++;
        if (i > 0 && m[i] === 0 && m[i - 1] === 0) pairs++;
      }
      expect(other).toBe(0);
      const sigma = Math.sqrt((rate * (1 - rate)) / n);
      expect(Math.abs(zeros / n - rate)).toBeLessThan(5 * sigma);
      // Adjacent drops as often as independence predicts (rate²).
      expect(Math.abs(pairs / (n - 1) - rate * rate)).toBeLessThan(5 * Math.sqrt((rate * rate) / n));
    }
  });

  it("depends on the seed", () => {
    const a = dropoutMask(one, 10_000, 0.5, 1);
    const b = dropoutMask(one, 10_000, 0.5, 2);
    let same = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
    expect(same / a.length).toBeGreaterThan(0.45);
    expect(same / a.length).toBeLessThan(0.55);
  });

  it("fastDropout multiplies by the mask, and so does its gradient", () => {
    const x = tf.randomUniform([2, 9, 7, 5], -1, 1, "float32", 1);
    const y = fastDropout(two, x, 0.25, 77);
    const mask = dropoutMask(two, x.size, 0.25, 77);
    const xv = x.dataSync();
    const yv = y.dataSync();
    for (let i = 0; i < xv.length; i++) expect(yv[i]).toBeCloseTo(xv[i] * mask[i], 6);
    const g = tf.grad((t: tf.Tensor) => tf.sum(fastDropout(two, t, 0.25, 77)))(x).dataSync();
    expect(Array.from(g)).toEqual(Array.from(mask));
    expect(fastDropout(two, x, 0, 5)).toBe(x);
    expect(() => dropoutMask(one, 4, 1, 0)).toThrow(/rate must be in \[0, 1\), got 1/);
  });
});
