import { describe, expect, it } from "vitest";
import { yearsSince } from "../../src/settlement/fit";
import { linearRate, regularDates, seededRandom, simulateFullCycle } from "../../src/subway/simulate";

describe("simulators", () => {
  it("linearRate is the least-squares slope", () => {
    expect(linearRate([0, 1, 2, 3], [1, 3, 5, 7])).toBeCloseTo(2, 12);
    expect(linearRate([0, 1, 2, 3], [0, 1, 0, 1])).toBeCloseTo(0.2, 12);
  });
  it("regularDates steps by whole days", () => {
    expect(regularDates("2015-06-15", "2015-07-09", 12)).toEqual(["2015-06-15", "2015-06-27", "2015-07-09"]);
  });
  it("the generator is deterministic", () => {
    const a = seededRandom(5);
    const b = seededRandom(5);
    for (let i = 0; i < 5; i++) expect(a()).toBe(b());
  });
  it("full-cycle series: the first sensor records S, later sensors start at zero", () => {
    const truth = { origin: "2008-01-01", a: 40, b: -60, c: 1.5 };
    const [p, s] = simulateFullCycle(truth, {
      seed: 1,
      sensors: [
        { name: "P", first: "2008-01-01", last: "2009-01-01", stepDays: 46, noiseMm: 0 },
        { name: "S", first: "2015-06-15", last: "2016-06-15", stepDays: 12, noiseMm: 0 },
      ],
    });
    const S = (d: string) => truth.b / (1 + truth.a * Math.exp(-truth.c * yearsSince(d, truth.origin)));
    p.dates.forEach((d, i) => expect(p.values[i]).toBeCloseTo(S(d), 10));
    expect(s.values[0]).toBe(0);
    s.dates.forEach((d, i) => expect(s.values[i]).toBeCloseTo(S(d) - S(s.dates[0]), 10));
  });
});
