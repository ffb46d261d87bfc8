import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dsCoherence, logisticSettlement, psStack, psStackDims, simulatePsStack } from "../../src/samples/ps-stack";
import { SAMPLE_DATASETS } from "../../src/samples/index";
import { openIsceStack } from "../../src/ps/stack";

describe("ps-stack simulator", () => {
  it("is registered and deterministic by seed", () => {
    expect(SAMPLE_DATASETS.map((d) => d.id)).toContain("ps-stack");
    const a = simulatePsStack({ seed: 3, width: 60, height: 40, dates: 20, quiet: true });
    const b = simulatePsStack({ seed: 3, width: 60, height: 40, dates: 20, quiet: true });
    const c = simulatePsStack({ seed: 4, width: 60, height: 40, dates: 20, quiet: true });
    expect(Buffer.from(a.slc[7].buffer).equals(Buffer.from(b.slc[7].buffer))).toBe(true);
    expect(Buffer.from(a.slc[7].buffer).equals(Buffer.from(c.slc[7].buffer))).toBe(false);
  });

  it("plants the paper's logistic settlement (eq. 2) and 12-day Sentinel-1 sampling near Foshan", () => {
    expect(logisticSettlement(-30, 10, 0.7, 0.7)).toBeCloseTo(-15, 12);
    expect(logisticSettlement(-30, 10, 0.7, 5)).toBeCloseTo(-30, 6);
    const s = simulatePsStack({ seed: 1, width: 100, height: 60, dates: 30, quiet: true });
    expect(s.truth.dates[0]).toBe("2015-06-15");
    expect(s.truth.dates[1]).toBe("2015-06-27");
    const m = s.stack.meta;
    expect(m.lon[0]).toBeGreaterThan(113.0);
    expect(m.lon[0]).toBeLessThan(113.2);
    expect(m.lat[0]).toBeGreaterThan(22.95);
    expect(m.lat[0]).toBeLessThan(23.05);
    // Truth velocity is the least-squares slope of the planted displacement.
    const tr = s.truth.scatterers;
    const k = tr.lineSettlement.findIndex((v) => v > 20);
    expect(k).toBeGreaterThanOrEqual(0);
    const d = tr.displacement[k];
    expect(d[0]).toBe(0);
    expect(d[d.length - 1]).toBeLessThan(-20);
  });

  it("builds the ISCE2 stack, lines.geojson and truth.json the reader and the subway step take", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ps-sample-"));
    await psStack.build(dir, { seed: 5, size: 0.1, quiet: true });
    const dims = psStackDims(0.1);
    const st = openIsceStack(dir);
    expect([st.meta.width, st.meta.height, st.meta.dates.length]).toEqual([dims.width, dims.height, dims.dates]);
    const lines = JSON.parse(readFileSync(join(dir, "lines.geojson"), "utf8"));
    expect(lines.features).toHaveLength(2);
    for (const f of lines.features) {
      expect(f.geometry.type).toBe("LineString");
      expect(typeof f.properties.name).toBe("string");
      expect(f.geometry.coordinates[0][0]).toBeGreaterThan(113);
    }
    const truth = JSON.parse(readFileSync(join(dir, "truth.json"), "utf8"));
    expect(truth.dates).toEqual(st.meta.dates);
    expect(truth.scatterers[0].displacement).toHaveLength(dims.dates);
    // Version 6: the registered sample's DS decorrelate in time (τ and floor in the truth).
    const ds = truth.scatterers.filter((x: { kind: string }) => x.kind === "ds");
    expect(ds.length).toBeGreaterThan(0);
    expect(ds.every((x: { decorrelationDays: number | null; gammaFloor: number; gamma: number }) => x.decorrelationDays !== null && x.gammaFloor <= x.gamma)).toBe(true);
  });

  it("DS coherence decays with the time between dates towards the patch's floor, as dsCoherence says", () => {
    // No atmosphere; each DS pixel's deformation + DEM phase is common to its 5×1 cell, so the phase is
    // removed per cell from the truth before the coherence is summed over all DS pixels.
    const s = simulatePsStack({ seed: 8, width: 400, height: 200, dates: 40, atmosphereStd: 0, dsDecorrelation: true, quiet: true });
    const m = s.stack.meta;
    const tr = s.truth.scatterers;
    const K = m.dates.length;
    const f = (4 * Math.PI) / m.wavelength;
    const sinT = Math.sin((m.incidenceDeg * Math.PI) / 180);
    const W = m.width;
    const check = (a: number, b: number): [number, number] => {
      let re = 0;
      let pa = 0;
      let pb = 0;
      let want = 0;
      let cnt = 0;
      for (let q = 0; q < tr.row.length; q++) {
        if (tr.kind[q] !== "ds") continue;
        const ph = (k: number): number => f * tr.displacement[q][k] * 1e-3 + (f * m.bperp[k] * tr.demError[q]) / (m.slantRange * sinT);
        const d = ph(a) - ph(b);
        for (let p = 0; p < 5; p++) {
          const i = tr.row[q] * W + tr.col[q] + p;
          const [x, y, u, v] = [s.slc[a][2 * i], s.slc[a][2 * i + 1], s.slc[b][2 * i], s.slc[b][2 * i + 1]];
          re += (x * u + y * v) * Math.cos(d) + (y * u - x * v) * Math.sin(d);
          pa += x * x + y * y;
          pb += u * u + v * v;
        }
        want += dsCoherence(tr.gamma[q], tr.gammaFloor[q], tr.decorrelationDays[q], 12 * (b - a));
        cnt++;
      }
      return [re / Math.sqrt(pa * pb), want / cnt];
    };
    expect(tr.decorrelationDays.some((v, q) => tr.kind[q] === "ds" && v < 100)).toBe(true);
    // ≈ 3000 DS pixels: the sample coherence's own scatter is ≈ 0.01 (measured deviations 0.010–0.018).
    for (const [a, b] of [
      [3, 4],
      [3, 13],
      [2, 38],
    ]) {
      const [got, want] = check(a, b);
      expect(Math.abs(got - want)).toBeLessThan(0.03);
    }
    expect(check(3, 4)[1]).toBeGreaterThan(check(2, 38)[1] + 0.2);
    // The version-5 behaviour on request: coherence constant in time.
    const c = simulatePsStack({ seed: 8, width: 60, height: 40, dates: 20, dsDecorrelation: false, quiet: true });
    expect(c.truth.scatterers.decorrelationDays.every((v) => v === Infinity)).toBe(true);
    expect(dsCoherence(0.8, 0.2, 100, 0)).toBe(1);
    expect(dsCoherence(0.8, 0.2, 100, 100)).toBeCloseTo(0.2 + 0.6 / Math.E, 12);
  });
});
