import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main, parseFeaturesArgs } from "../../src/cli/landslide-features";
import { readRaster, writeRaster } from "../../src/io/raster";
import { writeH5 } from "../../src/io/hdf5";
import { FEATURE_NAMES, featurePlanes } from "../../src/landslide/features";
import { recipeParams } from "../../src/landslide/recipe";

describe("landslide features CLI", () => {
  it("writes an 11-band float32 GeoTIFF from a scene, keeping the georeference", async () => {
    const dir = mkdtempSync(join(tmpdir(), "feat-"));
    const w = 6, h = 4;
    const bands = Array.from({ length: 14 }, (_, b) => Float32Array.from({ length: w * h }, (_, i) => 1 + b + (i % 5) * 0.1));
    const transform = { originX: 440000, originY: 3430000, pixelWidth: 30, pixelHeight: -30 };
    writeRaster(join(dir, "scene.tif"), { width: w, height: h, bands, transform, epsg: 32649 });
    await main(["--input", join(dir, "scene.tif"), "--out", join(dir, "f.tif"), "--mode", "eq1"]);
    const r = await readRaster(join(dir, "f.tif"));
    expect(r.bands.length).toBe(11);
    expect(r.bandNames).toEqual([...FEATURE_NAMES]);
    expect(r.epsg).toBe(32649);
    expect(r.transform).toEqual(transform);
    expect(r.bands[0]).toBeInstanceOf(Float32Array);
    const args = parseFeaturesArgs(["--input", "x", "--out", "y", "--mode", "eq1"]);
    if (args === "help") throw new Error("unexpected");
    const ref = featurePlanes({ width: w, height: h, bands }, recipeParams(args.recipe!));
    FEATURE_NAMES.forEach((k, b) => expect(Array.from(r.bands[b])).toEqual(Array.from(ref[k])));
    // --block 3: the left 3×3 block equals the features of that block alone
    await main(["--input", join(dir, "scene.tif"), "--out", join(dir, "fb.tif"), "--mode", "eq1", "--block", "3"]);
    const rb = await readRaster(join(dir, "fb.tif"));
    const sub = { width: 3, height: 3, bands: bands.map((bb) => Float32Array.from([0, 1, 2, 6, 7, 8, 12, 13, 14], (i) => bb[i])) };
    const subRef = featurePlanes(sub, recipeParams(args.recipe!));
    expect(rb.bands[0][7]).toBeCloseTo(subRef[FEATURE_NAMES[0]][4], 6);
    expect(rb.bands[4][13]).toBeCloseTo(subRef[FEATURE_NAMES[4]][7], 6);
  });

  it("reads an L4S patch and rejects bad arguments and inputs with clear messages", async () => {
    const dir = mkdtempSync(join(tmpdir(), "feat-"));
    await writeH5(join(dir, "image_1.h5"), [{ name: "img", shape: [128, 128, 14], data: new Float32Array(128 * 128 * 14).fill(1) }]);
    await main(["--input", join(dir, "image_1.h5"), "--out", join(dir, "p.tif")]);
    const r = await readRaster(join(dir, "p.tif"));
    expect(r.width).toBe(128);
    expect(r.bands.length).toBe(11);
    // constant bands, keras-l4s: 1 − 1/(1/2) = −1 for the visible bands; NDVI 0
    expect(r.bands[0][0]).toBeCloseTo(-1, 6);
    expect(r.bands[3][0]).toBe(0);
    expect(() => parseFeaturesArgs(["--input", "a.h5"])).toThrow(/--out is required/);
    expect(() => parseFeaturesArgs(["--input", "a.h5", "--out", "b.tif", "--mode", "zscore"])).toThrow(/parameter mode: "zscore" is not one of keras-l4s, eq1/);
    expect(parseFeaturesArgs(["--help"])).toBe("help");
    expect(() => parseFeaturesArgs(["--input", "a.h5", "--out", "b.tif", "--model", "m", "--mode", "eq1"])).toThrow(/no feature options or --param with it/);
    const b12 = parseFeaturesArgs(["--input", "a.h5", "--out", "b.tif", "--param", "midInfrared=12"]);
    if (b12 === "help") throw new Error("unexpected");
    expect(b12.recipe?.bands.midInfrared).toBe(12);
    writeRaster(join(dir, "three.tif"), { width: 2, height: 2, bands: [new Float32Array(4), new Float32Array(4), new Float32Array(4)] });
    await expect(main(["--input", join(dir, "three.tif"), "--out", join(dir, "x.tif")])).rejects.toThrow(/three\.tif: has 3 bands, expected 14/);
    await expect(main(["--input", join(dir, "x.png"), "--out", join(dir, "x.tif")])).rejects.toThrow(/x\.png: unknown input type/);
  });
});
