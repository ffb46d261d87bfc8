import { describe, expect, it } from "vitest";
import { defaultsOf } from "../../src/core/params";
import { mulberry32, normal } from "../../src/core/random";
import { analyseSettlement } from "../../src/settlement/analysis";
import { compareModels } from "../../src/settlement/comparison";
import { fitSettlement } from "../../src/settlement/fitting";
import { plateauTime } from "../../src/settlement/models";
import { SETTLEMENT_SCHEMA } from "../../src/settlement/params";
import { assessStabilisation } from "../../src/settlement/stabilisation";

const GENERIC = defaultsOf(SETTLEMENT_SCHEMA);

function series(f: (t: number) => number, n: number, span: number, sigma: number, seed: number, t0 = 0): { t: number[]; y: number[] } {
  const g = normal(mulberry32(seed));
  const t = Array.from({ length: n }, (_, i) => t0 + (span * i) / (n - 1));
  return { t, y: t.map((ti) => f(ti) + sigma * g()) };
}

describe("stabilisation verdict", () => {
  // A Sentinel-1-like straight subsidence, −8 mm/yr over 3.25 years, 100 samples, σ 1.5 mm, t from 2008 (as the CLI's Foshan origin).
  const straight = series((t) => -8 * (t - 7.45), 100, 3.25, 1.5, 11, 7.45);

  it("a straight-line series gets no date, even when the logistic is forced", () => {
    const comparison = compareModels(straight);
    expect(comparison[0].model).toBe("linear");
    const forced = fitSettlement(straight, { model: "logistic" });
    const v = assessStabilisation(forced, { comparison });
    expect(v.status).toBe("no-plateau");
    expect(Number.isNaN(v.t)).toBe(true);
    const an = analyseSettlement(straight, { ...GENERIC, model: "logistic" });
    expect(an.stabilisation.status).toBe("no-plateau");
    expect(an.warnings.join(" ")).toMatch(/prefer the linear model/);
    expect(analyseSettlement(straight, GENERIC).model).toBe("linear");
  });
  it("even without the comparison, a logistic forced on a straight line puts its plateau after the data: not stabilised", () => {
    const forced = fitSettlement(straight, { model: "logistic" });
    const v = assessStabilisation(forced);
    expect(v.status === "not-stabilised" || v.status === "no-plateau").toBe(true);
    expect(Number.isNaN(v.t)).toBe(true);
  });
  it("a logistic observed only up to its inflection: not stabilised within the observations, with the lower bound the data support", () => {
    // a = 150, b = −80, c = 1.8: inflection at 2.78 yr, 95 % at 4.42 yr; observed 0 … 3.2 yr.
    const s = series((t) => -80 / (1 + 150 * Math.exp(-1.8 * t)), 60, 3.2, 1, 5);
    const an = analyseSettlement(s, { ...GENERIC, model: "logistic" });
    const v = an.stabilisation;
    expect(v.status).toBe("not-stabilised");
    expect(v.fittedT).toBeGreaterThan(3.2);
    expect(v.notBefore).toBeLessThan(v.fittedT);
    expect(v.notBefore).toBeLessThanOrEqual(plateauTime("logistic", [150, -80, 1.8], 0.95));
    expect(v.message).toMatch(/not stabilised within the observations/);
  });
  it("a complete logistic: stabilised at (ln a + ln 19)/c, the interval containing the truth, duration 2 ln 19 / c", () => {
    const s = series((t) => -80 / (1 + 150 * Math.exp(-1.8 * t)), 120, 10.7, 2, 1);
    const an = analyseSettlement(s, GENERIC);
    expect(an.preferred).toBe("logistic");
    const v = an.stabilisation;
    expect(v.status).toBe("stabilised");
    const truth = (Math.log(150) + Math.log(19)) / 1.8;
    expect(v.lower).toBeLessThan(truth);
    expect(v.upper).toBeGreaterThan(truth);
    expect(v.t).toBeCloseTo(plateauTime("logistic", an.fit.params, 0.95), 12);
    expect(v.duration).toBeCloseTo((2 * Math.log(19)) / an.fit.params[2], 12);
    expect(v.durationLower).toBeLessThan(v.duration);
    expect(v.durationUpper).toBeGreaterThan(v.duration);
  });
  it("the exponential's plateau time is −ln(1 − f)/c, its interval mapped from c's", () => {
    const s = series((t) => 2 - 50 * (1 - Math.exp(-0.9 * t)), 80, 8, 1, 9);
    const an = analyseSettlement(s, { ...GENERIC, model: "exponential" });
    expect(an.stabilisation.status).toBe("stabilised");
    expect(an.stabilisation.t).toBeCloseTo(-Math.log(0.05) / an.fit.params[2], 12);
    const c = an.estimates.find((e) => e.name === "c")!;
    expect(an.stabilisation.lower).toBeCloseTo(-Math.log(0.05) / c.upper, 9);
    expect(an.stabilisation.upper).toBeCloseTo(-Math.log(0.05) / c.lower, 9);
  });
  it("refuses a fraction outside (0.5, 1)", () => {
    const fit = fitSettlement(series((t) => -t, 10, 5, 0.1, 1), { model: "linear" });
    expect(() => assessStabilisation(fit, { fraction: 0.3 })).toThrow(/fraction/);
  });
});
