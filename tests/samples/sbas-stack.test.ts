import { describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSbasStack, sampleDates, slidingHistory, MONTHLY_SLIDING } from "../../src/samples/sbas-stack";
import { SAMPLE_DATASETS } from "../../src/samples/index";
import { readRaster } from "../../src/io/raster";

describe("sbas-stack sample", () => {
  it("is registered", () => {
    expect(SAMPLE_DATASETS.map((d) => d.id)).toContain("sbas-stack");
  });

  it("spans the paper's 43 acquisitions with 12/24-day revisits", () => {
    const d = sampleDates();
    expect(d.length).toBe(43);
    expect(d[0]).toBe("20230209");
    expect(d[42]).toBe("20250105");
  });

  it("slides only in March–August, one unit per year", () => {
    const dates = ["20230101", "20230301", "20230901", "20240101"];
    const h = slidingHistory(dates);
    expect(h[1]).toBeCloseTo(0, 12);
    expect(h[2]).toBeCloseTo(1, 12);
    expect(h[3]).toBeCloseTo(1, 12);
    expect(MONTHLY_SLIDING[3]).toBeGreaterThan(MONTHLY_SLIDING[2]);
  });

  it("is deterministic by seed and scales with size", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sbas-sample-"));
    try {
      await buildSbasStack(join(dir, "a"), { seed: 5, size: 0.1, quiet: true });
      await buildSbasStack(join(dir, "b"), { seed: 5, size: 0.1, quiet: true });
      await buildSbasStack(join(dir, "c"), { seed: 6, size: 0.1, quiet: true });
      const p = readdirSync(join(dir, "a")).find((f) => f.startsWith("S1AA_"))!;
      const file = (x: string): Buffer => readFileSync(join(dir, x, p, `${p}_unw_phase.tif`));
      expect(file("a").equals(file("b"))).toBe(true);
      expect(file("a").equals(file("c"))).toBe(false);
      const r = await readRaster(join(dir, "a", p, `${p}_unw_phase.tif`));
      expect([r.width, r.height]).toEqual([Math.round(100 * Math.sqrt(0.1)), Math.round(120 * Math.sqrt(0.1))]);
      const truth = await readRaster(join(dir, "a", "truth", "timeseries.tif"));
      expect(truth.bands.length).toBe(43);
      expect(truth.bandNames?.[0]).toBe("20230209");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
