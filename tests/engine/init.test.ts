import { describe, expect, it } from "vitest";
import { glorotUniformKeras, heNormalKeras, kernelFans, TRUNCATED_NORMAL_STD } from "../../src/engine/init";
import { mulberry32 } from "../../src/core/random";

function moments(x: Float32Array): { mean: number; variance: number; maxAbs: number } {
  let s = 0;
  let s2 = 0;
  let m = 0;
  for (const v of x) {
    s += v;
    s2 += v * v;
    m = Math.max(m, Math.abs(v));
  }
  const mean = s / x.length;
  return { mean, variance: s2 / x.length - mean * mean, maxAbs: m };
}

describe("Keras initialisers", () => {
  it("the truncation constant is the standard deviation of N(0,1) cut at ±2 (closed form)", () => {
    // Var = 1 − 2·2·φ(2)/(Φ(2) − Φ(−2)), φ(2) = e^−2/√(2π), Φ(2) − Φ(−2) = erf(√2).
    const phi2 = Math.exp(-2) / Math.sqrt(2 * Math.PI);
    const erfSqrt2 = 0.9544997361036416;
    expect(Math.sqrt(1 - (4 * phi2) / erfSqrt2)).toBeCloseTo(TRUNCATED_NORMAL_STD, 12);
  });

  it("he_normal has variance 2/fan_in and no draw beyond 2 truncated standard deviations", () => {
    const fanIn = 3 * 3 * 256; // the bottleneck's second convolution
    const w = heNormalKeras(589_824, fanIn, mulberry32(7));
    const m = moments(w);
    // Relative standard error of the variance of a truncated normal here ≈ √((κ−1)/n) < 0.2 %.
    expect(m.variance / (2 / fanIn)).toBeGreaterThan(0.99);
    expect(m.variance / (2 / fanIn)).toBeLessThan(1.01);
    expect(Math.abs(m.mean)).toBeLessThan(1e-4);
    expect(m.maxAbs).toBeLessThanOrEqual((2 * Math.sqrt(2 / fanIn)) / TRUNCATED_NORMAL_STD + 1e-9);
  });

  it("glorot_uniform has variance 2/(fan_in + fan_out) and bound √(6/(fan_in + fan_out))", () => {
    const { fanIn, fanOut } = kernelFans([2, 2, 128, 256]); // a transposed convolution's kernel
    expect([fanIn, fanOut]).toEqual([512, 1024]);
    const w = glorotUniformKeras(4 * 128 * 256, fanIn, fanOut, mulberry32(3));
    const m = moments(w);
    expect(m.variance / (2 / (fanIn + fanOut))).toBeGreaterThan(0.99);
    expect(m.variance / (2 / (fanIn + fanOut))).toBeLessThan(1.01);
    expect(m.maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / (fanIn + fanOut)));
  });
});
