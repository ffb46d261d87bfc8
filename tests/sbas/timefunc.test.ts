import { describe, expect, it } from "vitest";
import { fitSeries, fitTimeFunctions, timeFuncDesign, timeFuncParamNames } from "../../src/sbas/timefunc";
import { decimalYear } from "../../src/sbas/dates";

const dates = Array.from({ length: 40 }, (_, i) => {
  const d = new Date(Date.UTC(2023, 1, 9) + i * 18 * 86_400_000);
  return d.toISOString().slice(0, 10).replace(/-/g, "");
});
const t = dates.map((d) => decimalYear(d) - decimalYear(dates[0]));

describe("time functions", () => {
  it("recovers linear + annual + semi-annual + step parameters exactly", () => {
    const model = { polynomial: 1, periodic: [1, 0.5], stepDates: ["20240101"] };
    expect(timeFuncParamNames(model)).toEqual(["intercept", "velocity", "annualCos", "annualSin", "semiAnnualCos", "semiAnnualSin", "step20240101"]);
    const truth = [0.01, -0.05, 0.004, -0.002, 0.001, 0.0015, -0.012];
    const G = timeFuncDesign(dates, model);
    const P = truth.length;
    const ts = dates.map((_, i) => {
      let s = 0;
      for (let k = 0; k < P; k++) s += G[i * P + k] * truth[k];
      return Float32Array.of(s, 2 * s);
    });
    const fit = fitTimeFunctions(ts, dates, model);
    truth.forEach((v, k) => {
      expect(fit.params[k][0]).toBeCloseTo(v, 6);
      expect(fit.params[k][1]).toBeCloseTo(2 * v, 6);
    });
    expect(fit.std[1][0]).toBeLessThan(1e-6);
  });

  it("gives MintPy's residue-based velocity standard deviation", () => {
    const noise = t.map((_, i) => 0.003 * Math.sin(7.3 * i));
    const ts = t.map((ti, i) => Float32Array.of(-0.02 * ti + noise[i]));
    const fit = fitTimeFunctions(ts, dates, { polynomial: 1, periodic: [], stepDates: [] });
    // closed form for a straight line: σ_v² = Σe² / (N−2) / Σ(t − t̄)²
    const f = fitSeries(dates, ts.map((x) => x[0]));
    const mean = t.reduce((a, b) => a + b, 0) / t.length;
    const sxx = t.reduce((a, b) => a + (b - mean) ** 2, 0);
    let e2 = 0;
    t.forEach((ti, i) => (e2 += (ts[i][0] - (f.params[0] + f.params[1] * ti)) ** 2));
    expect(fit.std[1][0]).toBeCloseTo(Math.sqrt(e2 / (t.length - 2) / sxx), 7);
    expect(fit.params[1][0]).toBeCloseTo(f.params[1], 7);
  });
});
