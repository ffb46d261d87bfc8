import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRaster, writeRaster, writeRasterTiled, type Raster } from "../../src/io/raster";

const hasGdal = spawnSync("gdalinfo", ["--version"]).status === 0;
const W = 300;
const H = 170; // not multiples of the tile size: edge tiles are padded
const smooth = Float32Array.from({ length: W * H }, (_, i) => Math.sin((i % W) / 40) * 3 + Math.floor(i / W) * 0.01);
const counts = Uint16Array.from({ length: W * H }, (_, i) => (i * 7) % 60000);
const base: Omit<Raster, "bands"> = { width: W, height: H, transform: { originX: 500000, originY: 3400000, pixelWidth: 80, pixelHeight: -80 }, epsg: 32649, noData: NaN };

describe("tiled DEFLATE GeoTIFF writer", () => {
  it("round-trips float32 (predictor 3) and uint16 (predictor 2) bands through geotiff.js, compressed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tiled-"));
    writeRasterTiled(join(dir, "f.tif"), { ...base, bands: [smooth, Float32Array.from(smooth, (v) => -v)], bandNames: ["a", "b"] }, { tileSize: 128 });
    const back = await readRaster(join(dir, "f.tif"));
    expect(back.bands.length).toBe(2);
    expect(Array.from(back.bands[0])).toEqual(Array.from(smooth));
    expect(back.bands[1][W * H - 1]).toBe(-smooth[W * H - 1]);
    expect(back.epsg).toBe(32649);
    expect(back.transform).toEqual(base.transform);
    expect(back.bandNames).toEqual(["a", "b"]);
    writeRasterTiled(join(dir, "u.tif"), { ...base, noData: undefined, bands: [counts] });
    expect(Array.from((await readRaster(join(dir, "u.tif"))).bands[0])).toEqual(Array.from(counts));
    writeRaster(join(dir, "plain.tif"), { ...base, bands: [smooth] });
    writeRasterTiled(join(dir, "one.tif"), { ...base, bands: [smooth] });
    expect(statSync(join(dir, "one.tif")).size).toBeLessThan(statSync(join(dir, "plain.tif")).size / 2);
  });

  it.skipIf(!hasGdal)("GDAL reads it (needs gdal-bin): same checksum as the uncompressed strip file, DEFLATE, tiled, predictor kept", () => {
    const dir = mkdtempSync(join(tmpdir(), "tiled-"));
    writeRaster(join(dir, "plain.tif"), { ...base, bands: [smooth] });
    writeRasterTiled(join(dir, "tiled.tif"), { ...base, bands: [smooth] }, { tileSize: 64 });
    const info = (f: string): string => execFileSync("gdalinfo", ["-checksum", "-mdd", "all", join(dir, f)], { encoding: "utf8" });
    const sum = (s: string): string => /Checksum=(\d+)/.exec(s)![1];
    const tiled = info("tiled.tif");
    expect(sum(tiled)).toBe(sum(info("plain.tif")));
    expect(tiled).toMatch(/COMPRESSION=DEFLATE/);
    expect(tiled).toMatch(/PREDICTOR=3/);
    expect(tiled).toMatch(/Block=64x64/);
    expect(tiled).toMatch(/EPSG.*32649|UTM zone 49N/);
    const v = execFileSync("gdallocationinfo", ["-valonly", join(dir, "tiled.tif"), "299", "169"], { encoding: "utf8" });
    expect(Number(v.trim())).toBeCloseTo(smooth[W * H - 1], 5);
  });
});
