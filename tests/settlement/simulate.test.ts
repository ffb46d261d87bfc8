import { describe, expect, it } from "vitest";
import { yearsSince } from "../../src/core/dates";
import { regularDates, simulateFullCycle } from "../../src/settlement/simulate";

describe("full-cycle simulator", () => {
  it("regularDates steps by whole days", () => {
    expect(regularDates("2015-06-15", "2015-07-09", 12)).toEqual(["2015-06-15", "2015-06-27", "2015-07-09"]);
  });
  it("the first sensor records S, later sensors start at zero", () => {
    const truth = { origin: "2008-01-01", a: 40, b: -60, c: 1.5 };
    const [p, s] = simulateFullCycle(truth, {
      seed: 1,
      sensors: [
        { name: "P", first: "2008-01-01", last: "2009-01-01", stepDays: 46, noiseMm: 0 },
        { name: "S", first: "2015-06-15", last: "2016-06-15", stepDays: 12, noiseMm: 0 },
      ],
    });
    const S = (d: string): number => truth.b / (1 + truth.a * Math.exp(-truth.c * yearsSince([d], truth.origin)[0]));
    p.dates.forEach((d, i) => expect(p.values[i]).toBeCloseTo(S(d), 10));
    expect(s.values[0]).toBe(0);
    s.dates.forEach((d, i) => expect(s.values[i]).toBeCloseTo(S(d) - S(s.dates[0]), 10));
  });
  it("the same seed gives the same series; the noise has the asked σ", () => {
    const truth = { origin: "2008-01-01", a: 40, b: -60, c: 1.5 };
    const opts = { seed: 7, sensors: [{ name: "S", first: "2008-01-01", last: "2040-01-01", stepDays: 6, noiseMm: 2 }] };
    const [x] = simulateFullCycle(truth, opts);
    const [y] = simulateFullCycle(truth, opts);
    expect(Array.from(y.values)).toEqual(Array.from(x.values));
    const t = yearsSince(x.dates, truth.origin);
    let ss = 0;
    x.dates.forEach((_, i) => (ss += (x.values[i] - truth.b / (1 + truth.a * Math.exp(-truth.c * t[i]))) ** 2));
    expect(Math.sqrt(ss / x.dates.length)).toBeGreaterThan(1.9);
    expect(Math.sqrt(ss / x.dates.length)).toBeLessThan(2.1);
  });
});
