import { describe, expect, it } from "vitest";
import { defaultsOf, validateParams } from "../../src/core/params";
import { cellSource, declaredParameters, findParametersCell, readNotebook } from "../../src/runner/notebook";
import { resolveOrigin, SETTLEMENT_SCHEMA } from "../../src/settlement/params";
import { FOSHAN_SETTLEMENT, FOSHAN_SETTLEMENT_OVERRIDES, FOSHAN_SUBWAY } from "../../src/studies/foshan/subway";

describe("settlement parameters", () => {
  it("generic defaults: compare all models, profile intervals, per-sensor weights", () => {
    const d = validateParams(SETTLEMENT_SCHEMA, defaultsOf(SETTLEMENT_SCHEMA));
    expect(d).toMatchObject({ model: "auto", origin: "first", stabiliseFraction: 0.95, confidence: 0.95, intervals: "profile", weighting: "sensor" });
  });
  it("Foshan: eq. 2's logistic from 2008, each override citing the paper", () => {
    expect(FOSHAN_SETTLEMENT.model).toBe("logistic");
    expect(FOSHAN_SETTLEMENT.origin).toBe("2008-01-01");
    for (const o of Object.values(FOSHAN_SETTLEMENT_OVERRIDES)) expect(o?.source).toMatch(/§4/);
    expect(FOSHAN_SUBWAY.settlement).toMatchObject(FOSHAN_SETTLEMENT);
  });
  it("notebook 22's parameters cell equals the study", () => {
    const nb = readNotebook("notebooks/22-foshan-settlement.ipynb");
    const decl = declaredParameters(cellSource(nb.cells[findParametersCell(nb)]));
    const value = (name: string): unknown => JSON.parse(decl.find((d) => d.name === name)!.initializer) as unknown;
    for (const k of ["model", "origin", "stabiliseFraction", "confidence", "intervals", "weighting"] as const) expect(value(k), k).toBe(FOSHAN_SETTLEMENT[k]);
  });
  it("origin 'first' is the earliest date; anything else must be a date", () => {
    expect(resolveOrigin("first", ["2015-06-27", "2008-01-15", "20150615"])).toBe("2008-01-15");
    expect(resolveOrigin("2008-01-01", [])).toBe("2008-01-01");
    expect(() => resolveOrigin("2008-13-01", [])).toThrow(/date/);
  });
});
