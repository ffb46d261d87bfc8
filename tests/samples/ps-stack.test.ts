import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { logisticSettlement, psStack, psStackDims, simulatePsStack } from "../../src/samples/ps-stack";
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
  });
});
