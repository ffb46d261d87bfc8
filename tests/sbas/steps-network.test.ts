/**
 * modify_network as MintPy's: empty interferograms are dropped with a note naming them (not an abort),
 * pairs can be excluded by index, by date12 and by a date range, and a periodic term the series cannot
 * separate from the velocity is refused before the inversion runs.
 */
import { describe, expect, it } from "vitest";
import { applyParams } from "../../src/core/params";
import { UsageError } from "../../src/core/errors";
import { runSbas } from "../../src/sbas/pipeline";
import { SBAS_DEFAULTS, SBAS_SCHEMA } from "../../src/sbas/params";
import { checkPeriodic } from "../../src/sbas/timefunc";
import { simulateStack } from "./sim";

const base = () => simulateStack({ width: 16, height: 16, nDates: 20, seed: 5 }).stack;
const params = (a: Record<string, string> = {}) => applyParams(SBAS_SCHEMA, SBAS_DEFAULTS, a);

describe("modify_network", () => {
  it("drops all-NaN and all-zero interferograms with a note naming them", async () => {
    const stack = base();
    stack.unwrapPhase[3] = new Float32Array(256).fill(NaN);
    stack.unwrapPhase[5] = new Float32Array(256);
    const names = [3, 5].map((k) => `${stack.dates[stack.pairs[k][0]]}_${stack.dates[stack.pairs[k][1]]}`);
    const r = await runSbas(stack, params());
    expect(r.network.dropped.map((d) => [d.index, d.pair, d.reason])).toEqual([
      [3, names[0], "no valid unwrapped phase (all NaN or zero)"],
      [5, names[1], "no valid unwrapped phase (all NaN or zero)"],
    ]);
    expect(r.notes.join(" ")).toContain(`dropped 2 interferogram(s) with no valid unwrapped phase (all NaN or zero): ${names.join(", ")}`);
    expect(r.network.pairs.length).toBe(stack.pairs.length - 2);
    expect(r.dates.length).toBe(20);
    // the input stack is not changed by the run
    expect(stack.keep.every(Boolean)).toBe(true);
  });

  it("excludes pairs by index, by date12 and by start/end date", async () => {
    const stack = base();
    const d = stack.dates;
    const pair7 = `${d[stack.pairs[7][0]]}_${d[stack.pairs[7][1]]}`;
    const pair9 = `${d[stack.pairs[9][0]]}_${d[stack.pairs[9][1]]}`;
    const r = await runSbas(stack, params({ excludeIfgIndex: "7", excludeDate12: pair9 }));
    expect(r.network.dropped.map((x) => [x.index, x.reason])).toEqual([
      [7, "excluded index (excludeIfgIndex)"],
      [9, "excluded pair (excludeDate12)"],
    ]);
    expect(r.network.dropped[0].pair).toBe(pair7);
    const cut = await runSbas(base(), params({ startDate: d[2], endDate: d[15] }));
    expect(cut.dates).toEqual(d.slice(2, 16));
    expect(cut.network.dropped.every((x) => /before start date|after end date/.test(x.reason))).toBe(true);
    await expect(runSbas(base(), params({ excludeIfgIndex: "999" }))).rejects.toThrow(/excludeIfgIndex 999 is outside the 54 interferograms/);
    await expect(runSbas(base(), params({ excludeDate12: "2023-01-01" }))).rejects.toThrow(/not a pair YYYYMMDD_YYYYMMDD/);
  });

  it("refuses a periodic term over less than two of its periods, with a clear message", async () => {
    // 20 dates 12 days apart: 0.62 years
    const e = await runSbas(base(), params({ periodic: "1,0.25" })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe(
      "parameter periodic: the series spans 0.62 years (20230101 … 20230817), less than two periods of 1 yr; " +
        "such a term is not separable from the velocity. Remove it (e.g. periodic=0.25)",
    );
    expect(() => checkPeriodic(["20230101", "20250102"], [1, 0.5])).not.toThrow();
    expect(() => checkPeriodic(["20230209", "20250105"], [1, 0.5])).toThrow(/spans 1.91 years .* two periods of 1 yr;/);
    const ok = await runSbas(base(), params({ periodic: "0.25" }));
    expect(ok.fit.names).toEqual(["intercept", "velocity", "periodY0.25Cos", "periodY0.25Sin"]);
  });
});
