import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { parseArgs, usage } from "../../src/cli/sbas";
import { readFileSync } from "node:fs";
import { applyParams, paramTable } from "../../src/core/params";
import { SBAS_DEFAULTS, SBAS_SCHEMA } from "../../src/sbas/params";
import { ZIGUI_SBAS, ZIGUI_SBAS_OVERRIDES } from "../../src/studies/zigui/sbas";
import { parseReference } from "../../src/sbas/reference";
import { velocityClassFractions } from "../../src/sbas/zigui";

describe("CLI arguments and parameters", () => {
  it("parses --input/--out/--param with MintPy's defaults, --study zigui with the study's, and rejects the rest", () => {
    const a = parseArgs(["--input", "x", "--out", "y", "--param", "weightFunc=no", "-p", "periodic=1,0.5", "--write-stack"])!;
    expect(a.input).toBe("x");
    expect(a.out).toBe("y");
    expect(a.params.weightFunc).toBe("no");
    expect(a.params.periodic).toEqual([1, 0.5]);
    expect(a.params.deramp).toBe("no");
    expect(parseArgs(["--out", "y", "--study", "zigui"])!.params).toEqual(ZIGUI_SBAS);
    expect(parseArgs(["--help"])).toBeNull();
    expect(() => parseArgs(["--input", "x"])).toThrow(/--out is required/);
    expect(() => parseArgs(["--input", "x", "--out", "y", "--bogus"])).toThrow(/bogus/);
    expect(() => parseArgs(["--input", "x", "--out", "y", "--param", "novalue"])).toThrow(/name=value/);
    expect(() => parseArgs(["--out", "y", "--study", "nowhere"])).toThrow(/unknown study/);
    expect(() => parseArgs(["--out", "y", "--dostep", "velocity", "--start", "load"])).toThrow(/cannot be combined/);
    expect(parseArgs(["--out", "y", "--queue", "redis://h:1", "--root", "/r", "--rows", "8"])).toMatchObject({ queue: "redis://h:1", root: "/r", rows: 8 });
    expect(() => parseArgs(["--out", "y", "--root", "/r"])).toThrow(/--root and --rows go with --queue/);
    expect(() => parseArgs(["--out", "y", "--queue", "redis://h:1", "--rows", "0"])).toThrow(/--rows must be a positive integer/);
  });

  it("types parameters from the schema, checks ranges and names unknown ones", () => {
    const p = applyParams(SBAS_SCHEMA, ZIGUI_SBAS, {
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
    expect(() => applyParams(SBAS_SCHEMA, ZIGUI_SBAS, { nope: "1" })).toThrow(/unknown parameter "nope"/);
    expect(() => applyParams(SBAS_SCHEMA, ZIGUI_SBAS, { minTempCoh: "high" })).toThrow(/not a number/);
    expect(() => applyParams(SBAS_SCHEMA, ZIGUI_SBAS, { minTempCoh: "1.5" })).toThrow(/above the maximum 1/);
    expect(() => applyParams(SBAS_SCHEMA, ZIGUI_SBAS, { weightFunc: "variance" })).toThrow(/not one of var, fim, coh, no/);
  });

  it("defaults are MintPy 1.5.1's smallbaselineApp_auto.cfg values; zigui overrides only what the paper sets", () => {
    expect(SBAS_DEFAULTS).toMatchObject({
      tempBaseMax: Infinity, perpBaseMax: Infinity, connNumMax: Infinity, startDate: "no", endDate: "no",
      excludeDate: [], excludeDate12: [], excludeIfgIndex: [], coherenceBased: false, minCoherence: 0.7, keepMinSpanTree: true,
      reference: "auto", referenceMinCoherence: 0.85, weightFunc: "var", minRedundancy: 1, minTempCoh: 0.7, maxMemoryGB: 4,
      tropoPolyOrder: 1, tropoLooks: 8, tropoMinCorrelation: 0, deramp: "no", topographicResidual: true, demErrPolyOrder: 2,
      demErrStepDates: [], referenceDate: "auto", polynomial: 1, periodic: [], stepDates: [], uncertaintyQuantification: "residue",
    });
    // MintPy's default troposphere method (pyaps) needs weather data: off by default here
    expect(SBAS_DEFAULTS.troposphere).toBe("no");
    expect(ZIGUI_SBAS.troposphere).toBe("height_correlation");
    expect(ZIGUI_SBAS.deramp).toBe("linear");
    expect(ZIGUI_SBAS.weightFunc).toBe("var");
  });

  it("--help lists every parameter with its default, range and meaning", () => {
    const h = usage();
    for (const k of Object.keys(SBAS_SCHEMA)) expect(h).toMatch(new RegExp(`^  ${k} = `, "m"));
    expect(h).toContain("minTempCoh = 0.7  # [0.0-1.0], auto for 0.7, min temporal coherence for mask (networkInversion.minTempCoh) {0 … 1} (MintPy smallbaselineApp.cfg)");
    expect(h).toMatch(/zigui: linear \(paper §2.3/);
  });

  it("docs/sbas.md holds the current parameter table", () => {
    const doc = readFileSync("docs/sbas.md", "utf8");
    expect(doc).toContain(paramTable(SBAS_SCHEMA, { zigui: ZIGUI_SBAS_OVERRIDES }));
  });

  it("--help starts without loading the pipeline and exits 0; a bad option exits 2", () => {
    const r = spawnSync("npx", ["tsx", "scripts/sbas.ts", "--help"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/weightFunc = var/);
    const bad = spawnSync("npx", ["tsx", "scripts/sbas.ts", "--out", "x", "--param", "minTempCoh=2"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/sbas: parameter minTempCoh: 2 is above the maximum 1/);
  });

  it("reads reference points as auto, maxCoherence, row,col or ll:lon,lat", () => {
    expect(parseReference("auto")).toBe("auto");
    expect(parseReference("maxCoherence")).toBe("maxCoherence");
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
