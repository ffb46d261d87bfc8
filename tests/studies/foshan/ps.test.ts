import { describe, expect, it } from "vitest";
import { applyParams, defaultsOf } from "../../../src/core/params";
import { PS_SCHEMA } from "../../../src/ps/params";
import { FOSHAN_PS, FOSHAN_PS_OVERRIDES, FOSHAN_STACK } from "../../../src/studies/foshan/ps";
import { cellSource, declaredParameters, findParametersCell, parseParamValue, readNotebook } from "../../../src/runner/notebook";

describe("Foshan PS parameters", () => {
  it("carry the paper's values and override nothing else", () => {
    expect(FOSHAN_PS.coherenceThreshold).toBe(0.38);
    expect([FOSHAN_PS.multilookRange, FOSHAN_PS.multilookAzimuth]).toEqual([5, 1]);
    expect(FOSHAN_PS.networkNeighbours).toBe(2);
    expect(FOSHAN_STACK.scenes).toBe(85);
    const generic = defaultsOf(PS_SCHEMA);
    const changed = Object.keys(generic).filter((k) => generic[k as keyof typeof generic] !== FOSHAN_PS[k as keyof typeof FOSHAN_PS]);
    // multilookAzimuth = 1 equals the generic value but is stated by the paper, so it stays an override.
    expect(changed.sort()).toEqual(["coherenceThreshold", "multilookRange", "networkNeighbours"]);
    expect(Object.keys(FOSHAN_PS_OVERRIDES).sort()).toEqual(["coherenceThreshold", "multilookAzimuth", "multilookRange", "networkNeighbours"]);
    for (const o of Object.values(FOSHAN_PS_OVERRIDES)) expect(o?.source).toMatch(/^paper §/);
    // Ferretti 2001's threshold is the generic default the paper's "conventional PS" also uses.
    expect(generic.amplitudeDispersionMax).toBe(0.25);
  });

  it("--param overrides are typed and range-checked; unknown names refused", () => {
    const p = applyParams(PS_SCHEMA, FOSHAN_PS, { coherenceThreshold: "0.5", temporalCoherence: "windowCoherence" });
    expect(p.coherenceThreshold).toBe(0.5);
    expect(p.temporalCoherence).toBe("windowCoherence");
    expect(FOSHAN_PS.coherenceThreshold).toBe(0.38);
    expect(() => applyParams(PS_SCHEMA, FOSHAN_PS, { coherenceTreshold: "0.5" })).toThrow(/unknown parameter "coherenceTreshold"/);
    expect(() => applyParams(PS_SCHEMA, FOSHAN_PS, { coherenceThreshold: "-5" })).toThrow(/coherenceThreshold: -5 is below the minimum 0/);
    expect(() => applyParams(PS_SCHEMA, FOSHAN_PS, { maxArcLength: "far" })).toThrow(/maxArcLength: "far" is not a number/);
    expect(() => applyParams(PS_SCHEMA, FOSHAN_PS, { temporalCoherence: "magic" })).toThrow(/temporalCoherence: "magic" is not one of/);
    expect(() => applyParams(PS_SCHEMA, FOSHAN_PS, { multilookRange: "2.5" })).toThrow(/multilookRange: 2.5 is not a whole number/);
  });

  it("notebook 20's parameters cell declares the Foshan values", () => {
    const nb = readNotebook("notebooks/20-foshan-ps.ipynb");
    const declared = declaredParameters(cellSource(nb.cells[findParametersCell(nb)]));
    const ps = declared.filter((d) => d.name in PS_SCHEMA);
    expect(ps.length).toBeGreaterThanOrEqual(10);
    for (const d of ps) expect(parseParamValue(d.initializer.replace(/^"(.*)"$/, "$1")), d.name).toEqual(FOSHAN_PS[d.name as keyof typeof FOSHAN_PS]);
  });
});
