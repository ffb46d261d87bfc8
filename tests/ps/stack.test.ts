import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openIsceStack, writeIsceStack, writeSlc, type StackMeta } from "../../src/ps/stack";

function tinyStack(dates = ["2015-06-15", "2015-06-27", "2015-07-09", "2015-07-21"], w = 6, h = 4) {
  const n = w * h;
  const meta: StackMeta = {
    source: "memory",
    dates,
    width: w,
    height: h,
    bperp: Float64Array.from(dates, (_, k) => (k === 0 ? 0 : 10 * k - 15)),
    wavelength: 0.05546576,
    slantRange: 875000,
    incidenceDeg: 39,
    lon: Float64Array.from({ length: n }, (_, i) => 113 + i * 1e-4),
    lat: Float64Array.from({ length: n }, (_, i) => 23 + i * 1e-5),
  };
  const slc = dates.map((_, k) => Float32Array.from({ length: 2 * n }, (_, i) => k * 1000 + i * 0.5));
  return { meta, slc };
}

describe("ISCE2 stack reader", () => {
  it("reads back what the writer wrote (complex rows, baselines, geometry, dates)", () => {
    const dir = mkdtempSync(join(tmpdir(), "ps-stack-"));
    const { meta, slc } = tinyStack();
    writeIsceStack(dir, meta, slc);
    const s = openIsceStack(dir);
    expect(s.meta.dates).toEqual(meta.dates);
    expect([s.meta.width, s.meta.height]).toEqual([6, 4]);
    expect(Array.from(s.meta.bperp)).toEqual([0, -5, 5, 15]);
    expect(s.meta.lon[5]).toBeCloseTo(113.0005, 10);
    expect(s.meta.incidenceDeg).toBe(39);
    const rows = s.readRows(2, 1, 2);
    expect(rows.length).toBe(2 * 6 * 2);
    expect(rows[0]).toBe(2000 + 12 * 0.5);
    expect(rows[23]).toBe(2000 + 35 * 0.5);
    s.close?.();
  });

  it("rejects mismatched sizes, missing baselines, truncated files and bad folder names with the file named", () => {
    const { meta, slc } = tinyStack();
    const base = mkdtempSync(join(tmpdir(), "ps-stack-"));
    const mk = (name: string): string => {
      const d = join(base, name);
      writeIsceStack(d, meta, slc);
      return d;
    };
    const d1 = mk("size");
    writeSlc(join(d1, "merged/SLC/20150709/20150709.slc.full"), 5, 4, new Float32Array(40));
    expect(() => openIsceStack(d1)).toThrow(/20150709\.slc\.full: size 5×4 differs from .*not coregistered/);

    const d2 = mk("baseline");
    rmSync(join(d2, "baselines/20150615_20150721"), { recursive: true });
    expect(() => openIsceStack(d2)).toThrow(/20150615_20150721\.txt: missing baseline for date 2015-07-21/);

    const d3 = mk("trunc");
    truncateSync(join(d3, "merged/SLC/20150627/20150627.slc.full"), 100);
    expect(() => openIsceStack(d3)).toThrow(/20150627\.slc\.full: truncated: 100 bytes/);

    const d4 = mk("name");
    writeSlc(join(d4, "merged/SLC/2015-08/2015-08.slc.full"), 6, 4, new Float32Array(48));
    expect(() => openIsceStack(d4)).toThrow(/2015-08: SLC folder name is not a YYYYMMDD date/);

    const d5 = mk("extra-baseline");
    mkdirSync(join(d5, "baselines", "20150615_20160101"));
    expect(() => openIsceStack(d5)).toThrow(/baseline for date 20160101 which has no SLC/);

    expect(() => openIsceStack(join(base, "nope"))).toThrow(/not an ISCE2 stack folder/);
  });

  it("falls back to the ISCE .xml header when there is no .vrt, and selection reads it in row blocks", async () => {
    const { simulatePsStack } = await import("../../src/samples/ps-stack");
    const { selectCandidates } = await import("../../src/ps/selection");
    const { FOSHAN_PS } = await import("../../src/studies/foshan/ps");
    const sim = simulatePsStack({ seed: 9, width: 80, height: 40, dates: 20, quiet: true });
    const dir = mkdtempSync(join(tmpdir(), "ps-stack-"));
    writeIsceStack(dir, sim.stack.meta, sim.slc);
    for (const d of sim.stack.meta.dates) {
      const c = d.replace(/-/g, "");
      rmSync(join(dir, "merged/SLC", c, `${c}.slc.full.vrt`));
    }
    const s = openIsceStack(dir);
    expect(Array.from(s.readRows(3, 5, 2))).toEqual(Array.from(sim.slc[3].subarray(5 * 80 * 2, 7 * 80 * 2)));
    const fromDisk = selectCandidates(s, { ...FOSHAN_PS, memoryBudgetMiB: 0.05 }, { quiet: true });
    const inMemory = selectCandidates(sim.stack, FOSHAN_PS, { quiet: true });
    expect(Array.from(fromDisk.coherence)).toEqual(Array.from(inMemory.coherence));
    expect(fromDisk.candidates.n).toBe(inMemory.candidates.n);
    s.close?.();
  });

  it("reads an HDF5 stack (slc float32 [dates, lines, samples, 2]) and rejects a wrong shape", async () => {
    const { openH5Stack, writeH5Stack } = await import("../../src/ps/stack-h5");
    const { writeH5 } = await import("../../src/io/hdf5");
    const { meta, slc } = tinyStack();
    const dir = mkdtempSync(join(tmpdir(), "ps-h5-"));
    const f = join(dir, "stack.h5");
    await writeH5Stack(f, meta, slc);
    const s = await openH5Stack(f);
    expect(s.meta.dates).toEqual(meta.dates);
    expect(Array.from(s.meta.bperp)).toEqual([0, -5, 5, 15]);
    expect(s.readRows(2, 1, 2)[0]).toBe(2000 + 12 * 0.5);
    const bad = join(dir, "bad.h5");
    await writeH5(bad, [
      { name: "slc", shape: [4, 4, 12], data: new Float32Array(192) },
      { name: "date", shape: [4], data: ["20150615", "20150627", "20150709", "20150721"] },
      { name: "bperp", shape: [4], data: new Float32Array(4) },
      { name: "latitude", shape: [4, 6], data: new Float64Array(24) },
      { name: "longitude", shape: [4, 6], data: new Float64Array(24) },
    ]);
    await expect(openH5Stack(bad)).rejects.toThrow(/bad\.h5: slc must be float32 \[dates, lines, samples, 2\], found 4×4×12/);
  });
});
