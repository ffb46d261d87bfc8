import { describe, expect, it } from "vitest";
import { mulberry32, normal } from "../../src/core/random";
import { intervalCoverage, TWO_SENSOR_DESIGN } from "../../src/settlement/coverage";
import { fitSettlement } from "../../src/settlement/fitting";
import { effectiveDof, estimates, plateauTimeEstimate } from "../../src/settlement/intervals";
import { joinSensors } from "../../src/settlement/joining";
import { simulateFullCycle } from "../../src/settlement/simulate";
import { studentTQuantile } from "../../src/settlement/student";

describe("profile-likelihood intervals", () => {
  it("equal the exact t intervals for the linear model (where the profile is exactly quadratic)", () => {
    const g = normal(mulberry32(4));
    const t = Array.from({ length: 40 }, (_, i) => i * 0.1);
    const y = t.map((ti) => 5 - 7 * ti + 1.3 * g());
    const fit = fitSettlement({ t, y }, { model: "linear" });
    const prof = estimates(fit, 0.95, "profile");
    const lin = estimates(fit, 0.95, "linearised");
    const q = studentTQuantile(0.95, 38);
    prof.forEach((e, k) => {
      expect(e.lower).toBeCloseTo(lin[k].lower, 6);
      expect(e.upper).toBeCloseTo(lin[k].upper, 6);
      expect(e.upper - e.value).toBeCloseTo(q * fit.stdErrors[k], 6);
    });
  });
  it("one sensor: the critical value uses all residual degrees of freedom", () => {
    const fit = fitSettlement({ t: [0, 1, 2, 3, 4, 5, 6, 7], y: [0, -1.1, -1.9, -3.2, -4, -5.1, -5.8, -7.2] }, { model: "linear" });
    expect(effectiveDof(fit, [1, 0])).toBe(6);
  });
  it("two sensors: a, b, c and t95 rest on the sparse sensor's degrees of freedom (Welch–Satterthwaite), not all of them", () => {
    const series = simulateFullCycle({ origin: "2008-01-01", a: 39.7, b: -60, c: 1.472 }, { seed: 3, sensors: TWO_SENSOR_DESIGN });
    const j = joinSensors(series, "2008-01-01");
    const fit = fitSettlement({ t: j.t, y: j.y, group: j.group, sensors: j.sensors });
    expect(fit.sensorDof[0] + fit.sensorDof[1]).toBeCloseTo(fit.dof, 6);
    expect(fit.sensorDof[0]).toBeLessThan(26 - 2);
    const nu = effectiveDof(fit, [0, 1, 0, 0]);
    expect(nu).toBeGreaterThan(fit.sensorDof[0] * 0.9);
    expect(nu).toBeLessThan(fit.sensorDof[0] * 1.5);
    const tf = plateauTimeEstimate(fit, 0.95);
    expect(tf.lower).toBeLessThan(tf.value);
    expect(tf.upper).toBeGreaterThan(tf.value);
  });
  // 200 two-sensor series (PALSAR 2008–2011 every 46 days σ 3 mm, Sentinel-1 2015–2018 every 12 days σ 2 mm,
  // its offset unknown) from the planted Foshan logistic a = 39.7, b = −60 mm, c = 1.472 /yr.
  it("cover the truth 90–98 % of the time for a, b, c and t95 over 200 seeded two-sensor series (nominal 95 %)", () => {
    const [lin, prof] = intervalCoverage({
      truth: { origin: "2008-01-01", a: 39.7, b: -60, c: 1.472 },
      sensors: TWO_SENSOR_DESIGN,
      runs: 200,
      firstSeed: 1,
      level: 0.95,
      fraction: 0.95,
      methods: ["linearised", "profile"],
    });
    for (const k of ["a", "b", "c", "t95"]) {
      expect(prof.coverage[k], k).toBeGreaterThanOrEqual(0.9);
      expect(prof.coverage[k], k).toBeLessThanOrEqual(0.98);
    }
    // The linearised intervals are what the profile replaces: they under-cover the stabilisation time.
    expect(lin.coverage.t95).toBeLessThan(prof.coverage.t95);
  }, 120_000);
});
