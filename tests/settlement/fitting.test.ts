import { describe, expect, it } from "vitest";
import { yearsSince } from "../../src/core/dates";
import { mulberry32, normal } from "../../src/core/random";
import { fitSettlement } from "../../src/settlement/fitting";
import { confidenceBand } from "../../src/settlement/intervals";
import { applyOffsets, joinSensors } from "../../src/settlement/joining";
import { logit, plateauTime } from "../../src/settlement/models";
import { simulateFullCycle } from "../../src/settlement/simulate";
import { TWO_SENSOR_DESIGN } from "../../src/settlement/coverage";

const gaussian = normal;
const seededRandom = mulberry32;

function logisticSeries(a: number, b: number, c: number, n: number, span: number, noise: number, seed: number) {
  const g = gaussian(seededRandom(seed));
  const t = Array.from({ length: n }, (_, i) => (span * i) / (n - 1));
  const y = t.map((ti) => b / (1 + a * Math.exp(-c * ti)) + noise * g());
  return { t, y };
}

describe("logistic fit (eq. 2)", () => {
  // Truth: b = −80 mm, c = 1.8 /yr, inflection at ln(a)/c = 2.78 yr; 120 samples over 10.7 yr, σ = 2 mm.
  const a = 150;
  const b = -80;
  const c = 1.8;
  const { t, y } = logisticSeries(a, b, c, 120, 10.7, 2, 1);
  const fit = fitSettlement({ t, y });

  it("recovers b within 1 %, c within 5 % and the inflection time within 0.05 yr", () => {
    expect(Math.abs(fit.params[1] - b) / Math.abs(b)).toBeLessThan(0.01);
    expect(Math.abs(fit.params[2] - c) / c).toBeLessThan(0.05);
    expect(Math.abs(Math.log(fit.params[0]) / fit.params[2] - Math.log(a) / c)).toBeLessThan(0.05);
  });
  it("standard errors cover the truth (each parameter within 3 σ) and the rmse matches the noise", () => {
    [a, b, c].forEach((v, i) => expect(Math.abs(fit.params[i] - v)).toBeLessThan(3 * fit.stdErrors[i]));
    expect(fit.rmse).toBeGreaterThan(1.6);
    expect(fit.rmse).toBeLessThan(2.4);
    expect(fit.dof).toBe(117);
  });
  it("the time of 95 % of b is (ln a + ln 19)/c: the fitted curve is at 0.95·b there", () => {
    const tf = plateauTime("logistic", fit.params, 0.95);
    expect(logit(0.95)).toBeCloseTo(Math.log(19), 14);
    expect(Math.abs(tf - (Math.log(a) + Math.log(19)) / c)).toBeLessThan(0.1);
    const v = fit.params[1] / (1 + fit.params[0] * Math.exp(-fit.params[2] * tf));
    expect(v / fit.params[1]).toBeCloseTo(0.95, 10);
  });
  it("the 95 % band contains the true curve nearly everywhere and narrows on the plateau", () => {
    const ts = Array.from({ length: 50 }, (_, i) => 0.2 + (10 * i) / 49);
    const band = confidenceBand(fit, ts);
    let inside = 0;
    ts.forEach((ti, i) => {
      const truth = b / (1 + a * Math.exp(-c * ti));
      if (truth >= band.lower[i] && truth <= band.upper[i]) inside++;
    });
    expect(inside / ts.length).toBeGreaterThan(0.85);
    for (let i = 0; i < ts.length; i++) expect(band.upper[i]).toBeGreaterThan(band.lower[i]);
  });
  it("the exponential model recovers its own parameters", () => {
    const g = gaussian(seededRandom(9));
    const te = Array.from({ length: 80 }, (_, i) => i * 0.1);
    const ye = te.map((ti) => 2 - 50 * (1 - Math.exp(-0.7 * ti)) + 1 * g());
    const f = fitSettlement({ t: te, y: ye }, { model: "exponential" });
    expect(Math.abs(f.params[1] + 50) / 50).toBeLessThan(0.03);
    expect(Math.abs(f.params[2] - 0.7) / 0.7).toBeLessThan(0.05);
  });
});

describe("joining two sensors with an offset", () => {
  // PALSAR 2008–2011 records S itself; Sentinel-1 2015–2018 starts at zero, S(2015-06-15) below.
  const truth = { origin: "2008-01-01", a: 40, b: -60, c: 1.5 };
  const series = simulateFullCycle(truth, {
    seed: 11,
    sensors: [
      { name: "PALSAR", first: "2008-01-15", last: "2011-03-31", stepDays: 46, noiseMm: 1.5 },
      { name: "Sentinel-1", first: "2015-06-15", last: "2018-09-15", stepDays: 12, noiseMm: 1.5 },
    ],
  });
  const joined = joinSensors(series, truth.origin);
  const fit = fitSettlement({ t: joined.t, y: joined.y, group: joined.group, sensors: joined.sensors });
  const trueOffset = truth.b / (1 + truth.a * Math.exp(-truth.c * yearsSince(["2015-06-15"], truth.origin)[0]));

  it("puts both sensors on one axis from 2008, sorted", () => {
    expect(joined.sensors).toEqual(["PALSAR", "Sentinel-1"]);
    expect(joined.t[0]).toBeCloseTo(14 / 365.25, 10);
    for (let i = 1; i < joined.t.length; i++) expect(joined.t[i]).toBeGreaterThan(joined.t[i - 1]);
  });
  it("recovers the Sentinel-1 offset and b within 3 standard errors", () => {
    expect(Math.abs(fit.offsets[1] - trueOffset)).toBeLessThan(3 * fit.offsetStdErrors[1]);
    expect(Math.abs(fit.params[1] - truth.b)).toBeLessThan(3 * fit.stdErrors[1]);
    expect(Math.abs(fit.params[2] - truth.c)).toBeLessThan(3 * fit.stdErrors[2]);
    const adj = applyOffsets(joined.y, joined.group, fit.offsets);
    expect(adj[adj.length - 1]).toBeLessThan(-50);
  });
});

describe("degenerate input", () => {
  it("too few points", () => {
    expect(() => fitSettlement({ t: [0, 1, 2], y: [0, -1, -2], source: "x.csv" })).toThrow(/x\.csv: 3 samples are too few/);
  });
  it("a constant series", () => {
    expect(() => fitSettlement({ t: [0, 1, 2, 3, 4, 5], y: [1, 1, 1, 1, 1, 1] })).toThrow(/constant/);
  });
  it("NaN values and times", () => {
    expect(() => fitSettlement({ t: [0, 1, 2, 3, 4, 5], y: [0, -1, NaN, -3, -4, -4] })).toThrow(/sample 2: value is NaN/);
    expect(() => fitSettlement({ t: [0, NaN, 2, 3, 4, 5], y: [0, -1, -2, -3, -4, -4] })).toThrow(/sample 1: time/);
  });
  it("a single date", () => {
    expect(() => fitSettlement({ t: [1, 1, 1, 1, 1], y: [0, 1, 2, 3, 4] })).toThrow(/one date/);
  });
  it("mismatched lengths and unknown model", () => {
    expect(() => fitSettlement({ t: [0, 1, 2, 3, 4], y: [0, 1, 2] })).toThrow(/5 times but 3 values/);
    expect(() => fitSettlement({ t: [0, 1, 2, 3, 4], y: [0, 1, 2, 3, 4] }, { model: "cubic" as never })).toThrow(/unknown model/);
  });
});

describe("noise per sensor", () => {
  it("estimates each sensor's σ (PALSAR 3 mm, Sentinel-1 2 mm) and weights by it; equal weights without it", () => {
    const noise = [0, 0];
    for (let seed = 1; seed <= 20; seed++) {
      const j = joinSensors(simulateFullCycle({ origin: "2008-01-01", a: 39.7, b: -60, c: 1.472 }, { seed, sensors: TWO_SENSOR_DESIGN }), "2008-01-01");
      const fit = fitSettlement({ t: j.t, y: j.y, group: j.group });
      noise[0] += fit.noise[0] / 20;
      noise[1] += fit.noise[1] / 20;
      expect(fit.obs.w[j.group.indexOf(0)]).toBeCloseTo(1 / fit.noise[0] ** 2, 3);
      expect(fit.sensorDof[0] + fit.sensorDof[1]).toBeCloseTo(fit.dof, 8);
      const ols = fitSettlement({ t: j.t, y: j.y, group: j.group }, { weighting: "none" });
      expect(new Set(ols.obs.w).size).toBe(1);
    }
    expect(noise[0]).toBeGreaterThan(2.8);
    expect(noise[0]).toBeLessThan(3.2);
    expect(noise[1]).toBeGreaterThan(1.9);
    expect(noise[1]).toBeLessThan(2.1);
  });
});
