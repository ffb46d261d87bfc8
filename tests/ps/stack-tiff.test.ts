import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simulatePsStack } from "../../src/samples/ps-stack";
import { writeComplexRaster, writeRaster } from "../../src/io/raster";
import { openStack, stackLayout } from "../../src/ps/open";
import { psInput } from "../../src/samples/ps-input";
import { openIsceStack, writeIsceStack, type StackMeta, type StackSource } from "../../src/ps/stack";
import { openComplexTiffStack, writeComplexTiffStack } from "../../src/ps/stack-tiff";
import { writeH5Stack } from "../../src/ps/stack-h5";

function allRows(s: StackSource): Float32Array[] {
  return s.meta.dates.map((_, d) => Float32Array.from(s.readRows(d, 0, s.meta.height)));
}

function tinyStack(dates = ["2015-06-15", "2015-06-27", "2015-07-09", "2015-07-21"], w = 6, h = 4) {
  const n = w * h;
  const meta: StackMeta = {
    source: "memory",
    dates,
    width: w,
    height: h,
    bperp: Float64Array.from(dates, (_, k) => (k === 0 ? 0 : 10 * k - 15.25)),
    wavelength: 0.05546576,
    slantRange: 875000,
    incidenceDeg: 39,
    lon: Float64Array.from({ length: n }, (_, i) => 113 + i * 1e-4),
    lat: Float64Array.from({ length: n }, (_, i) => 23 + i * 1e-5),
  };
  const slc = dates.map((_, k) => Float32Array.from({ length: 2 * n }, (_, i) => (i % 3 === 0 ? -1 : 1) * (k * 1000 + i * 0.5)));
  return { meta, slc };
}

describe("complex GeoTIFF stack", () => {
  it("the sample stack converted ISCE2 → complex GeoTIFF reads back exactly as the ISCE2 read (layout auto-detected)", async () => {
    const base = mkdtempSync(join(tmpdir(), "ps-ctiff-"));
    const sim = simulatePsStack({ seed: 5, width: 60, height: 30, dates: 12, quiet: true });
    const isceDir = join(base, "isce");
    writeIsceStack(isceDir, sim.stack.meta, sim.slc);
    const isce = openIsceStack(isceDir);
    const isceRows = allRows(isce);
    const tifDir = join(base, "tif");
    writeComplexTiffStack(tifDir, isce.meta, isceRows);
    expect(readdirSync(tifDir).filter((f) => /^\d{8}\.tif$/.test(f)).length).toBe(12);
    expect(stackLayout(tifDir)).toBe("complex-tiff");
    expect(stackLayout(isceDir)).toBe("isce");

    const tif = await openStack(tifDir);
    expect(tif.meta.source).toBe(tifDir);
    const { source: _a, ...mt } = tif.meta;
    const { source: _b, ...mi } = isce.meta;
    expect(mt).toEqual(mi);
    expect(Array.from(tif.meta.bperp)).toEqual(Array.from(isce.meta.bperp));
    const tifRows = allRows(tif);
    tifRows.forEach((r, d) => expect(r).toEqual(isceRows[d]));
    // A row block in the middle, as the pipeline reads it.
    expect(tif.readRows(3, 10, 4)).toEqual(isce.readRows(3, 10, 4));
    // psInput (notebooks) and the CLI resolve the same folder.
    const pin = await psInput("mirror", tifDir, { quiet: true });
    expect(pin.stack.meta.dates).toEqual(isce.meta.dates);
    isce.close?.();
  });

  it("reads *.slc.tif names and CInt16 SLCs; stack.json dates may be ISO", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ps-ctiff-"));
    const { meta, slc } = tinyStack();
    const ints = slc.map((s) => s.map((v) => Math.round(v) + 0)); // + 0: an int16 has no −0
    writeComplexTiffStack(dir, meta, ints, { dataType: "CInt16" });
    for (const f of readdirSync(dir).filter((f) => /^\d{8}\.tif$/.test(f))) renameSync(join(dir, f), join(dir, `S1_${f.replace(".tif", ".slc.tif")}`));
    const sjFile = join(dir, "stack.json");
    const sj = JSON.parse(readFileSync(sjFile, "utf8")) as { dates: string[] };
    sj.dates = meta.dates;
    writeFileSync(sjFile, JSON.stringify(sj));
    const s = await openComplexTiffStack(dir);
    expect(s.meta.dates).toEqual(meta.dates);
    expect(Array.from(s.meta.bperp)).toEqual(Array.from(meta.bperp));
    allRows(s).forEach((r, d) => expect(r).toEqual(ints[d]));
  });

  it("rejects mismatched sizes, dates without files and files without dates, real SLCs and bad metadata, naming the file", async () => {
    const { meta, slc } = tinyStack();
    const base = mkdtempSync(join(tmpdir(), "ps-ctiff-"));
    const mk = (name: string): string => {
      const d = join(base, name);
      writeComplexTiffStack(d, meta, slc);
      return d;
    };
    const d1 = mk("size");
    writeComplexRaster(join(d1, "20150709.tif"), { width: 5, height: 4, re: new Float32Array(20), im: new Float32Array(20) });
    await expect(openStack(d1)).rejects.toThrow(/20150709\.tif: size 5×4 differs from .*20150615\.tif \(6×4\); the stack is not coregistered/);

    const d2 = mk("nofile");
    rmSync(join(d2, "20150721.tif"));
    await expect(openStack(d2)).rejects.toThrow(/20150721\.tif: date 2015-07-21 is in stack\.json but has no SLC GeoTIFF/);

    const d3 = mk("nodate");
    writeComplexRaster(join(d3, "20150802.tif"), { width: 6, height: 4, re: new Float32Array(24), im: new Float32Array(24) });
    await expect(openStack(d3)).rejects.toThrow(/20150802\.tif: SLC for date 2015-08-02 which stack\.json does not list/);

    const d4 = mk("real");
    writeRaster(join(d4, "20150627.tif"), { width: 6, height: 4, bands: [new Float32Array(24)] });
    await expect(openStack(d4)).rejects.toThrow(/20150627\.tif: not a CFloat32 or CInt16 complex raster \(band 1 is real float32\)/);

    const d5 = mk("bperp");
    const sj = JSON.parse(readFileSync(join(d5, "stack.json"), "utf8")) as { bperp: number[] };
    sj.bperp.pop();
    writeFileSync(join(d5, "stack.json"), JSON.stringify(sj));
    await expect(openStack(d5)).rejects.toThrow(/stack\.json: 3 baselines for 4 dates/);

    const d6 = mk("geom");
    writeRaster(join(d6, "lat.tif"), { width: 6, height: 3, bands: [new Float64Array(18)] });
    await expect(openStack(d6)).rejects.toThrow(/lat\.tif: geometry 6×3 does not match the SLCs \(6×4\)/);

    const d7 = mk("dup");
    writeComplexRaster(join(d7, "20150627.slc.tif"), { width: 6, height: 4, re: new Float32Array(24), im: new Float32Array(24) });
    await expect(openStack(d7)).rejects.toThrow(/second SLC for date 2015-06-27/);

    const d8 = mk("nodates");
    writeFileSync(join(d8, "stack.json"), JSON.stringify({ wavelength: 0.0555 }));
    await expect(openComplexTiffStack(d8)).rejects.toThrow(/stack\.json: needs "dates"/);

    await expect(openStack(join(base, "absent"))).rejects.toThrow(/absent: no such stack folder or file/);
    const empty = mkdtempSync(join(base, "empty-"));
    await expect(openStack(empty)).rejects.toThrow(/not an ISCE2 stack folder .*nor a complex GeoTIFF stack/);
  });

  it("auto-detects HDF5 stacks as before", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ps-ctiff-"));
    const { meta, slc } = tinyStack();
    const f = join(dir, "stack.h5");
    await writeH5Stack(f, meta, slc);
    expect(stackLayout(f)).toBe("hdf5");
    const s = await openStack(f);
    allRows(s).forEach((r, d) => expect(r).toEqual(slc[d]));
  });
});
