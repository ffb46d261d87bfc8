import { describe, expect, it } from "vitest";
import { mulberry32, normal } from "../../src/core/random";
import { compareModels } from "../../src/settlement/comparison";
import { fitSettlement } from "../../src/settlement/fitting";
import { joinSensors } from "../../src/settlement/joining";
import { simulateFullCycle } from "../../src/settlement/simulate";
import { TWO_SENSOR_DESIGN } from "../../src/settlement/coverage";

const gaussian = normal;
const seededRandom = mulberry32;

describe("model comparison by AICc", () => {
  // Truth: b = −80 mm, c = 1.8 /yr, a = 150; 120 samples over 10.7 yr, σ = 2 mm.
  const g0 = gaussian(seededRandom(1));
  const t = Array.from({ length: 120 }, (_, i) => (10.7 * i) / 119);
  const y = t.map((ti) => -80 / (1 + 150 * Math.exp(-1.8 * ti)) + 2 * g0());

  it("AIC prefers the logistic over linear and exponential on logistic data", () => {
    const ranking = compareModels({ t, y });
    expect(ranking[0].model).toBe("logistic");
    expect(ranking[1].deltaAicc).toBeGreaterThan(10);
    expect(ranking.reduce((s, r) => s + r.weight, 0)).toBeCloseTo(1, 12);
    expect(ranking.reduce((s, r) => s + r.weightAic, 0)).toBeCloseTo(1, 12);
  });
  it("AIC prefers the linear model on a linear series", () => {
    const g = gaussian(seededRandom(5));
    const tl = Array.from({ length: 60 }, (_, i) => i * 0.05);
    const yl = tl.map((ti) => -12 * ti + 3 + 1.5 * g());
    const lin = fitSettlement({ t: tl, y: yl }, { model: "linear" });
    expect(lin.params[0]).toBeCloseTo(-12, 0);
    expect(Math.abs(lin.params[0] + 12)).toBeLessThan(3 * lin.stdErrors[0]);
    const ranking = compareModels({ t: tl, y: yl });
    const linRow = ranking.find((r) => r.model === "linear")!;
    expect(linRow.deltaAicc).toBeLessThan(2.5);
  });
  it("AIC and AICc follow their definitions; k counts one noise variance per sensor when weighted", () => {
    const fit = fitSettlement({ t, y }, { model: "logistic" });
    expect(fit.k).toBe(4);
    expect(fit.aic).toBeCloseTo(fit.n * Math.log(fit.sse / fit.n) + 2 * fit.k, 9);
    expect(fit.aicc).toBeCloseTo(fit.aic + (2 * fit.k * (fit.k + 1)) / (fit.n - fit.k - 1), 9);
    const j = joinSensors(simulateFullCycle({ origin: "2008-01-01", a: 39.7, b: -60, c: 1.472 }, { seed: 5, sensors: TWO_SENSOR_DESIGN }), "2008-01-01");
    const two = fitSettlement({ t: j.t, y: j.y, group: j.group });
    expect(two.k).toBe(3 + 1 + 2);
    const r = two.obs.g;
    const sse = [0, 0];
    const n = [0, 0];
    for (let i = 0; i < r.length; i++) {
      const ti = two.obs.t[i];
      const pred = two.params[1] / (1 + two.params[0] * Math.exp(-two.params[2] * ti)) - two.offsets[r[i]];
      sse[r[i]] += (two.obs.y[i] - pred) ** 2;
      n[r[i]]++;
    }
    expect(two.aic).toBeCloseTo(n[0] * Math.log(sse[0] / n[0]) + n[1] * Math.log(sse[1] / n[1]) + 2 * two.k, 6);
  });
});
