import { describe, expect, it } from "vitest";
import { fitLinearSeasonal, syntheticSeries } from "../../src/samples/series";

describe("synthetic series and its linear + annual fit (notebook 00)", () => {
  it("recovers a noise-free series exactly", () => {
    const s = syntheticSeries({ seed: 1, days: 730, stepDays: 12, velocityMmYr: -12.5, seasonalAmplitudeMm: 4, noiseMm: 0 });
    const f = fitLinearSeasonal(s.tYears, s.valueMm);
    expect(f.velocity).toBeCloseTo(-12.5, 9);
    expect(f.annualAmplitude).toBeCloseTo(4, 9);
    expect(f.offset).toBeCloseTo(0, 9);
    expect(f.residualRms).toBeLessThan(1e-9);
  });

  it("reports a velocity σ that matches the scatter over seeds", () => {
    const v: number[] = [];
    let sigma = 0;
    for (let seed = 0; seed < 200; seed++) {
      const s = syntheticSeries({ seed, days: 730, stepDays: 12, velocityMmYr: -8, seasonalAmplitudeMm: 3, noiseMm: 2 });
      const f = fitLinearSeasonal(s.tYears, s.valueMm);
      v.push(f.velocity);
      sigma += f.velocityStd / 200;
    }
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
    expect(Math.abs(mean + 8)).toBeLessThan(3 * (sd / Math.sqrt(v.length)));
    expect(sd / sigma).toBeGreaterThan(0.85);
    expect(sd / sigma).toBeLessThan(1.15);
  });
});
