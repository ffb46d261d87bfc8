/**
 * End-to-end SBAS on the simulated stack against its ground truth. Errors are measured on reliable
 * pixels (temporal coherence ≥ 0.7) after removing their spatial mean, because a single-pixel
 * reference carries that pixel's own atmosphere into every pixel (a constant no method can observe).
 *
 * Thresholds (size-1 sample, seed 1, linear velocity model): displacement RMSE < 4.8 mm and velocity
 * RMSE < 1.5 mm/yr with every correction on (measured 3.9 mm, 1.2 mm/yr). Skipping the troposphere,
 * the deramp or the DEM error each pushes the displacement RMSE above 6.0 mm (measured 6.3, 7.0, 7.0)
 * and the velocity RMSE above 1.8 mm/yr (measured 3.1, 1.9, 3.8).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSbasStack, SAMPLE_LANDSLIDES } from "../../src/samples/sbas-stack";
import { readHyp3Stack } from "../../src/sbas/hyp3";
import { runSbas } from "../../src/sbas/pipeline";
import { ZIGUI_SBAS, ZIGUI_SBAS_PAPER, type SbasParams } from "../../src/studies/zigui/sbas";
import { readRaster } from "../../src/io/raster";
import { fitTimeFunctions } from "../../src/sbas/timefunc";
import { linearFit, meanSeries, monthlyRates, seasonalRates } from "../../src/sbas/point";
import { main } from "../../src/cli/sbas";
import { readH5 } from "../../src/io/hdf5";

let dir = "";
let truthTs: Float32Array[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sbas-pipeline-"));
  await buildSbasStack(join(dir, "stack"), { seed: 1, size: 1, quiet: true });
  truthTs = (await readRaster(join(dir, "stack", "truth", "timeseries.tif"))).bands as Float32Array[];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function errors(over: Partial<SbasParams>) {
  const stack = await readHyp3Stack(join(dir, "stack"), { quiet: true });
  const r = await runSbas(stack, { ...ZIGUI_SBAS, periodic: [], ...over }, { quiet: true });
  const ri = r.reference.index;
  const di = r.dates.indexOf(r.refDate);
  const tr = truthTs.map((b) => Float32Array.from(b, (v, p) => v - b[ri] - (truthTs[di][p] - truthTs[di][ri])));
  const tv = fitTimeFunctions(tr, r.dates, { polynomial: 1, periodic: [], stepDates: [] }, { refDate: r.refDate }).params[1];
  const sel: number[] = [];
  for (let p = 0; p < r.velocity.length; p++) if (r.maskTempCoh[p] && r.velocity[p] === r.velocity[p] && tv[p] === tv[p]) sel.push(p);
  const rmse = (e: number[]): number => {
    const m = e.reduce((a, b) => a + b, 0) / e.length;
    return Math.sqrt(e.reduce((a, b) => a + (b - m) ** 2, 0) / e.length);
  };
  const vel = rmse(sel.map((p) => r.velocity[p] - tv[p])) * 1000;
  let s2 = 0;
  for (let d = 0; d < r.dates.length; d++) s2 += rmse(sel.map((p) => r.ts[d][p] - tr[d][p])) ** 2;
  return { r, stack, vel, ts: Math.sqrt(s2 / r.dates.length) * 1000, reliable: sel.length };
}

describe("SBAS chain on the simulated stack", () => {
  it("recovers displacement and velocity within the stated thresholds", async () => {
    const e = await errors({});
    console.log(`all corrections: displacement RMSE ${e.ts.toFixed(2)} mm, velocity RMSE ${e.vel.toFixed(2)} mm/yr`);
    expect(e.reliable).toBeGreaterThan(0.9 * 100 * 120 * 0.9);
    expect(e.ts).toBeLessThan(4.8);
    expect(e.vel).toBeLessThan(1.5);
    expect(e.r.network.components).toBe(1);
    expect(e.r.dates.length).toBe(43);
  });

  it("fails the thresholds when any correction is skipped", async () => {
    const noTropo = await errors({ troposphere: "no" });
    const noDeramp = await errors({ deramp: "no" });
    const noDem = await errors({ topographicResidual: false });
    console.log(`without troposphere / deramp / DEM error: ${[noTropo, noDeramp, noDem].map((e) => `${e.ts.toFixed(2)} mm, ${e.vel.toFixed(2)} mm/yr`).join(" / ")}`);
    for (const e of [noTropo, noDeramp, noDem]) {
      expect(e.ts).toBeGreaterThan(6.0);
      expect(e.vel).toBeGreaterThan(1.8);
    }
  });

  it("reproduces the landslides' seasonal behaviour and slopes of the sample", async () => {
    const { r, stack } = await errors({});
    const truth = JSON.parse(readFileSync(join(dir, "stack", "truth", "truth.json"), "utf8")) as {
      landslides: { name: string; row: number; col: number }[];
    };
    for (const ls of truth.landslides) {
      const px: number[] = [];
      for (let dr = -1; dr <= 1; dr++) for (let dc = -1; dc <= 1; dc++) px.push((ls.row + dr) * stack.width + ls.col + dc);
      const est = meanSeries(r.ts, px).map((v) => v * 1000);
      const tru = meanSeries(truthTs, px).map((v) => v * 1000);
      const e0 = est[0];
      const t0 = tru[0];
      const fe = linearFit(r.dates, est.map((v) => v - e0), "mm/acquisition");
      const ft = linearFit(r.dates, tru.map((v) => v - t0), "mm/acquisition");
      expect(Math.abs(fe.slope - ft.slope)).toBeLessThan(0.12);
      const seasons = seasonalRates(monthlyRates(r.dates, est), {
        sliding: ZIGUI_SBAS.slidingMonths,
        strongest: ZIGUI_SBAS.strongestMonths,
        stable: ZIGUI_SBAS.stableMonths,
      });
      const [sliding, strongest, stable] = seasons.map((s) => s.rateMmPerMonth);
      expect(strongest).toBeLessThan(sliding);
      expect(sliding).toBeLessThan(stable - 0.5);
      expect(Math.abs(stable)).toBeLessThan(0.8);
    }
    // the simulated slopes are set to the paper's magnitudes
    const design = SAMPLE_LANDSLIDES.map((l) => l.name);
    expect(design).toEqual(Object.keys(ZIGUI_SBAS_PAPER.slopes));
  });

  it("handles a disconnected network with the minimum-norm solution", async () => {
    const stack = await readHyp3Stack(join(dir, "stack"), { quiet: true });
    // drop every pair spanning the 20th acquisition boundary: two subsets
    stack.keep = stack.pairs.map(([i, j]) => !(i < 20 && j >= 20));
    const r = await runSbas(stack, { ...ZIGUI_SBAS, periodic: [], troposphere: "no", deramp: "no", topographicResidual: false, referenceDate: "first" }, { quiet: true });
    expect(r.network.components).toBe(2);
    expect(r.notes.join(" ")).toMatch(/2 disconnected subsets/);
    let reliable = 0;
    for (const m of r.maskTempCoh) reliable += m;
    expect(reliable).toBeGreaterThan(8000);
    // no displacement is assumed across the gap: dates 19 and 20 coincide
    const p = r.reference.index + 3;
    expect(r.ts[20][p]).toBeCloseTo(r.ts[19][p], 6);
  });

  it("CLI writes MintPy-layout products, GeoTIFFs, coherent points and a summary", async () => {
    const out = join(dir, "out");
    const rc = await main(["--input", join(dir, "stack"), "--out", out, "--quiet", "--study", "zigui", "--param", "weightFunc=no"]);
    expect(rc).toBe(0);
    for (const f of [
      "inputs/ifgramStack.h5", "network.json", "reference_point.json", "avgSpatialCoh.h5", "timeseries_raw.h5", "timeseries_tropHgt.h5",
      "timeseries_tropHgt_ramp.h5", "timeseries_tropHgt_ramp_demErr.h5", "demErr.h5", "timeseriesResidual.h5",
      "timeseries.h5", "velocity.h5", "temporalCoherence.h5", "velocity.tif", "coherent_points.geojson", "summary.json",
    ])
      expect(existsSync(join(out, f))).toBe(true);
    const ts = await readH5(join(out, "timeseries.h5"));
    expect(ts.attrs.FILE_TYPE).toBe("timeseries");
    expect(ts.datasets.timeseries.shape).toEqual([43, 120, 100]);
    expect(ts.datasets.date.data[0]).toBe("20230209");
    const vel = await readH5(join(out, "velocity.h5"));
    expect(vel.attrs.FILE_TYPE).toBe("velocity");
    expect(Object.keys(vel.datasets)).toEqual(expect.arrayContaining(["intercept", "velocity", "velocityStd", "residue"]));
    const gj = JSON.parse(readFileSync(join(out, "coherent_points.geojson"), "utf8"));
    const [lon, lat] = gj.features[0].geometry.coordinates;
    expect(lon).toBeGreaterThan(110);
    expect(lon).toBeLessThan(111.5);
    expect(lat).toBeGreaterThan(30.5);
    expect(lat).toBeLessThan(31.5);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.referencePoint.method).toBe("stable");
    expect(summary.referencePoint.how).toMatch(/closest to the scene.s stable ground/);
    expect(summary.velocity.coherentPixels).toBeGreaterThan(5000);
    expect(await main(["--input", join(dir, "stack"), "--out", out, "--param", "nope=1"])).toBe(2);
    expect(await main(["--input", join(dir, "stack")])).toBe(2);
  });

  it("--dostep velocity re-runs only velocity from the products on disk; an unchanged run skips every step", async () => {
    const out = join(dir, "out");
    const files = readdirSync(out).filter((f) => f.endsWith(".h5") || f.endsWith(".json"));
    const mtimes = (): Record<string, number> => Object.fromEntries(files.map((f) => [f, statSync(join(out, f)).mtimeMs]));
    const before = mtimes();
    const v0 = (await readH5(join(out, "velocity.h5"))).datasets.velocity.data as Float32Array;
    await new Promise((r) => setTimeout(r, 20));
    expect(await main(["--out", out, "--quiet", "--study", "zigui", "--param", "weightFunc=no", "--dostep", "velocity"])).toBe(0);
    const after = mtimes();
    expect(files.filter((f) => after[f] !== before[f])).toEqual(["velocity.h5"]);
    const v1 = (await readH5(join(out, "velocity.h5"))).datasets.velocity.data as Float32Array;
    expect(Array.from(v1)).toEqual(Array.from(v0));
    // same parameters again: every product is up to date except export (velocity.h5 is newer than summary.json)
    const again = mtimes();
    expect(await main(["--input", join(dir, "stack"), "--out", out, "--quiet", "--study", "zigui", "--param", "weightFunc=no"])).toBe(0);
    const third = mtimes();
    expect(files.filter((f) => third[f] !== again[f])).toEqual(["summary.json"]);
    // a velocity parameter changed: velocity and export re-run, nothing before them
    expect(await main(["--out", out, "--quiet", "--study", "zigui", "--param", "weightFunc=no", "--param", "polynomial=2"])).toBe(0);
    const fourth = mtimes();
    expect(files.filter((f) => fourth[f] !== third[f]).sort()).toEqual(["summary.json", "velocity.h5"]);
    const vel = await readH5(join(out, "velocity.h5"));
    expect(Object.keys(vel.datasets)).toContain("acceleration");
    // a step whose input products are missing says which file and which step makes it (exit 1)
    const empty = join(dir, "empty");
    mkdirSync(join(empty, "inputs"), { recursive: true });
    copyFileSync(join(out, "inputs", "ifgramStack.h5"), join(empty, "inputs", "ifgramStack.h5"));
    const errs: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((m) => (errs.push(String(m)), true));
    expect(await main(["--out", empty, "--quiet", "--dostep", "velocity"])).toBe(1);
    spy.mockRestore();
    expect(errs.join("")).toMatch(/timeseries.h5: missing: run the step "reference_date" \(or the steps before it\) first/);
  });
});
