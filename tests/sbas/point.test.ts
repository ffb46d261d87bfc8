import { describe, expect, it } from "vitest";
import { displacementAtMonthEnd, linearFit, meanSeries, monthlyRates, pixelsInPolygon, seasonalRates } from "../../src/sbas/point";

describe("point time series", () => {
  it("fits a line in the chosen unit", () => {
    const dates = ["20230101", "20230113", "20230125", "20230206"];
    const y = [0, -1.2, -2.4, -3.6];
    const acq = linearFit(dates, y, "mm/acquisition");
    expect(acq.slope).toBeCloseTo(-1.2, 10);
    expect(acq.r2).toBeCloseTo(1, 10);
    expect(linearFit(dates, y, "mm/day").slope).toBeCloseTo(-0.1, 10);
    expect(linearFit(dates, y, "mm/year").slope).toBeCloseTo(-0.1 * 365.25, 8);
  });

  it("averages a polygon and aggregates rates by month and season", () => {
    const idx = pixelsInPolygon([[1, 1], [3, 1], [3, 3], [1, 3]], 5, 5);
    expect(idx.sort((a, b) => a - b)).toEqual([6, 7, 11, 12]);
    const ts = [Float32Array.from({ length: 25 }, (_, p) => p), Float32Array.from({ length: 25 }, () => NaN)];
    expect(meanSeries(ts, idx)[0]).toBe(9);
    // 1 mm/day through March and April only
    const dates = ["20230301", "20230401", "20230501", "20230601"];
    const v = [0, -31, -61, -61];
    const m = monthlyRates(dates, v);
    expect(m[2].rateMmPerMonth).toBeCloseTo(-365.25 / 12, 8);
    expect(m[3].rateMmPerMonth).toBeCloseTo(-365.25 / 12, 8);
    expect(m[4].rateMmPerMonth).toBeCloseTo(0, 8);
    expect(m[0].days).toBe(0);
    const s = seasonalRates(m, { spring: [3, 4], may: [5] });
    expect(s[0].rateMmPerMonth).toBeCloseTo(-365.25 / 12, 8);
    expect(displacementAtMonthEnd(dates, v, 4)).toEqual({ date: "20230401", valueMm: -31 });
  });
});
