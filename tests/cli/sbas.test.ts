import { describe, expect, it } from "vitest";
import { parseArgs } from "../../src/cli/sbas";
import { applySbasParams, ZIGUI_SBAS } from "../../src/studies/zigui/sbas";
import { parseReference } from "../../src/sbas/pipeline";
import { velocityClassFractions } from "../../src/sbas/zigui";

describe("CLI arguments and parameters", () => {
  it("parses --input/--out/--param and rejects the rest", () => {
    const a = parseArgs(["--input", "x", "--out", "y", "--param", "weightFunc=no", "-p", "periodic=1,0.5", "--write-stack"]);
    expect(a).toEqual({ input: "x", out: "y", params: { weightFunc: "no", periodic: "1,0.5" }, writeStack: true, quiet: false });
    expect(() => parseArgs(["--input", "x"])).toThrow(/--input and --out are required/);
    expect(() => parseArgs(["--input", "x", "--out", "y", "--bogus"])).toThrow(/unknown argument "--bogus"/);
    expect(() => parseArgs(["--input", "x", "--out", "y", "--param", "novalue"])).toThrow(/name=value/);
  });

  it("types overrides from the defaults and names unknown parameters", () => {
    const p = applySbasParams(ZIGUI_SBAS, {
      weightFunc: "fim",
      minTempCoh: "0.8",
      tempBaseMax: "inf",
      topographicResidual: "no",
      periodic: "none",
      excludeDate: "20230301,20230313",
      velocityClassEdges: "-10,0,10",
    });
    expect(p.weightFunc).toBe("fim");
    expect(p.minTempCoh).toBe(0.8);
    expect(p.tempBaseMax).toBe(Infinity);
    expect(p.topographicResidual).toBe(false);
    expect(p.periodic).toEqual([]);
    expect(p.excludeDate).toEqual(["20230301", "20230313"]);
    expect(p.velocityClassEdges).toEqual([-10, 0, 10]);
    expect(ZIGUI_SBAS.weightFunc).toBe("var");
    expect(() => applySbasParams(ZIGUI_SBAS, { nope: "1" })).toThrow(/unknown SBAS parameter "nope"/);
    expect(() => applySbasParams(ZIGUI_SBAS, { minTempCoh: "high" })).toThrow(/needs a number/);
  });

  it("reads reference points as auto, row,col or ll:lon,lat", () => {
    expect(parseReference("auto")).toBe("auto");
    expect(parseReference("12,34")).toEqual({ row: 12, col: 34 });
    expect(parseReference("ll:110.5,30.9")).toEqual({ lon: 110.5, lat: 30.9 });
    expect(() => parseReference("here")).toThrow(/not "auto"/);
  });

  it("counts area by velocity class on reliable pixels", () => {
    const v = Float32Array.of(-0.2, -0.1, -0.06, 0, 0.01, NaN, -0.1);
    const mask = Uint8Array.of(1, 1, 1, 1, 1, 1, 0);
    const rows = velocityClassFractions(v, mask, [-15, -5, 5]);
    expect(rows.map((r) => r.pixels)).toEqual([1, 2, 2, 0]);
    expect(rows[1].percent).toBeCloseTo(40, 10);
    expect(rows[1].class).toBe("-15 … -5");
  });
});
