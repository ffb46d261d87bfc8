import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeGeoTiff, geoToPixel, pixelToGeo, readRaster, readRasterBuffer, writeRaster, type Raster } from "../src/raster";

const MIRROR = join(process.cwd(), "..", "shared", "data");

function ramp(w: number, h: number, k: number): Float32Array {
  return Float32Array.from({ length: w * h }, (_, i) => k * 1000 + (i % w) + 0.5 * Math.floor(i / w));
}

describe("GeoTIFF writer and reader", () => {
  it("round-trips a multi-band float32 raster with georeference, nodata and band names", async () => {
    const dir = mkdtempSync(join(tmpdir(), "raster-"));
    const r: Raster = {
      width: 37,
      height: 23,
      bands: [ramp(37, 23, 0), ramp(37, 23, 1), ramp(37, 23, 2)],
      transform: { originX: 500000, originY: 3420000, pixelWidth: 10, pixelHeight: -10 },
      epsg: 32649,
      noData: -9999,
      bandNames: ["red", "green", "blue"],
      metadata: { SOURCE: "test & <check>" },
    };
    const file = join(dir, "a.tif");
    writeRaster(file, r);
    const back = await readRaster(file);
    expect(back.width).toBe(37);
    expect(back.height).toBe(23);
    expect(back.bands.length).toBe(3);
    expect(Array.from(back.bands[2])).toEqual(Array.from(r.bands[2]));
    expect(back.transform).toEqual(r.transform);
    expect(back.epsg).toBe(32649);
    expect(back.noData).toBe(-9999);
    expect(back.bandNames).toEqual(["red", "green", "blue"]);
    expect(back.metadata?.SOURCE).toBe("test & <check>");
    expect(readdirSync(dir)).toEqual(["a.tif"]); // no temporary left behind
  });

  it("keeps integer types, tall strips and geographic CRS", async () => {
    const w = 300;
    const h = 2000; // several strips per band
    const band = Int16Array.from({ length: w * h }, (_, i) => (i % 65536) - 32768);
    const bytes = encodeGeoTiff({ width: w, height: h, bands: [band], epsg: 4326, transform: { originX: 110.3, originY: 31.2, pixelWidth: 1e-4, pixelHeight: -1e-4 } });
    const back = await readRasterBuffer(bytes.buffer.slice(0) as ArrayBuffer, "mem.tif");
    expect(back.bands[0]).toBeInstanceOf(Int16Array);
    expect(back.bands[0][w * h - 1]).toBe(band[w * h - 1]);
    expect(back.epsg).toBe(4326);
    expect(back.transform?.originX).toBeCloseTo(110.3, 12);
  });

  it("converts between pixels and coordinates (pixel centres)", () => {
    const t = { originX: 100, originY: 50, pixelWidth: 2, pixelHeight: -2 };
    expect(pixelToGeo(t, 0, 0)).toEqual([101, 49]);
    expect(geoToPixel(t, 101, 49)).toEqual([0.5, 0.5]);
  });

  it("rejects bad input with the file name", async () => {
    const dir = mkdtempSync(join(tmpdir(), "raster-"));
    const bad = join(dir, "corrupt.tif");
    writeFileSync(bad, "this is not a tiff");
    await expect(readRaster(bad)).rejects.toThrow(/corrupt\.tif: not a readable GeoTIFF/);
    await expect(readRaster(join(dir, "missing.tif"))).rejects.toThrow(/missing\.tif: cannot read \(ENOENT\)/);
    expect(() => encodeGeoTiff({ width: 2, height: 2, bands: [new Float32Array(3)] })).toThrow(/band 1 has 3 values/);
    expect(existsSync(join(dir, "x.tif"))).toBe(false);
  });

  it.skipIf(!existsSync(join(MIRROR, "hyp3-sample")))("(mirror) reads the real tiled LZW HyP3 product in UTM", async () => {
    const r = await readRaster(join(MIRROR, "hyp3-sample", "test_unw_phase.tif"));
    expect([r.width, r.height]).toEqual([2314, 718]);
    expect(r.epsg).toBe(32602);
    expect(r.transform?.pixelWidth).toBe(80);
    expect(r.bands[0]).toBeInstanceOf(Float32Array);
  });
});
