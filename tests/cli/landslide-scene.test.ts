import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main, parseSceneArgs, SCENE_HELP } from "../../src/cli/landslide-scene";
import { UsageError } from "../../src/core/errors";
import { readRaster, writeRaster } from "../../src/io/raster";
import { crsTransform } from "../../src/grid/resample";
import { S2_BANDS } from "../../src/grid/sentinel2";
import { ZIGUI_LANDSLIDES } from "../../src/studies/zigui/landslides";
import { writeFakeSafe } from "../helpers/sentinel2";

describe("landslide scene CLI", () => {
  it("parses its options, with defaults from the study", () => {
    const a = parseSceneArgs(["--safe", "a.zip", "--safe", "b.SAFE", "--dem", "dem", "--out", "s.tif", "--scale", "reflectance", "--resampling", "nearest", "--bbox", "110.5,30.8,110.6,30.9", "--pixel", "20", "--max-uncovered", "0.01", "--dem-nodata=-9999", "--quiet"]);
    if (a === "help") throw new Error("unexpected");
    expect(a.inputs).toEqual({ safe: ["a.zip", "b.SAFE"], dem: ["dem"] });
    expect(a.out).toBe("s.tif");
    expect(a.options).toMatchObject({
      params: { s2Scale: "reflectance", resampling: "nearest", pixelM: 20, maxUncoveredFraction: 0.01 },
      bbox: { west: 110.5, south: 30.8, east: 110.6, north: 30.9 },
      demNoData: -9999,
      quiet: true,
    });
    const d = parseSceneArgs(["--safe", "a", "--dem", "d", "--out", "o"]);
    if (d === "help") throw new Error("unexpected");
    expect(d.options.bbox).toEqual(ZIGUI_LANDSLIDES.bbox); // the study's, passed in by the CLI
    expect(d.options.params).toEqual(ZIGUI_LANDSLIDES.scene);
    const p = parseSceneArgs(["--safe", "a", "--dem", "d", "--out", "o", "--param", "pixelM=30"]);
    if (p === "help") throw new Error("unexpected");
    expect(p.options.params?.pixelM).toBe(30);
    expect(parseSceneArgs(["--help"])).toBe("help");
    expect(SCENE_HELP).toMatch(/pixelM = 10 \[m\]/);
    expect(() => parseSceneArgs(["--dem", "d", "--out", "o"])).toThrow(UsageError);
    expect(() => parseSceneArgs(["--dem", "d", "--out", "o"])).toThrow(/--safe is required/);
    expect(() => parseSceneArgs(["--safe", "a", "--out", "o"])).toThrow(/--dem is required/);
    expect(() => parseSceneArgs(["--safe", "a", "--dem", "d"])).toThrow(/--out is required/);
    expect(() => parseSceneArgs(["--safe", "a", "--dem", "d", "--out", "o", "--scale", "dn"])).toThrow(/s2Scale: "dn" is not one of l4s, reflectance/);
    expect(() => parseSceneArgs(["--safe", "a", "--dem", "d", "--out", "o", "--param", "pixel=3"])).toThrow(/unknown parameter "pixel" \(did you mean pixelM\?\)/);
    expect(() => parseSceneArgs(["--safe", "a", "--dem", "d", "--out", "o", "--bbox", "1,2,3"])).toThrow(/--bbox takes west,south,east,north/);
    expect(() => parseSceneArgs(["--safe", "--dem"])).toThrow(/'--safe' argument is ambiguous/);
    expect(() => parseSceneArgs(["--frobnicate"])).toThrow(/Unknown option '--frobnicate'/);
  });

  it("assembles a scene from a product folder and a DEM folder", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-scene-"));
    const X0 = 451980;
    const Y0 = 3418020;
    await writeFakeSafe(join(dir, "s2"), {
      name: "S2A_MSIL1C_20250119T031051_N0511_R118_T49RDP_20250119T051234",
      baseline: "05.11",
      quantification: 10000,
      offset: -1000,
      granules: [{ id: "L1C_T49RDP_A1", tile: "T49RDP", epsg: 32649, ulx: X0, uly: Y0, sizeM: 600, dn: (b) => 2000 + S2_BANDS.indexOf(b) }],
    });
    writeRaster(join(dir, "AP_1.dem.tif"), {
      width: 60, height: 60, bands: [new Float32Array(3600).fill(175)], epsg: 32649,
      transform: { originX: X0 - 50, originY: Y0 + 50, pixelWidth: 12.5, pixelHeight: -12.5 },
    });
    const ll = crsTransform(32649, 4326);
    const [w, n] = ll(X0 + 100, Y0 - 100);
    const [e, s] = ll(X0 + 400, Y0 - 400);
    const out = join(dir, "scene.tif");
    await main(["--safe", join(dir, "s2"), "--dem", dir, "--out", out, "--bbox", `${w},${s},${e},${n}`, "--quiet"]);
    const r = await readRaster(out);
    expect(r.bands.length).toBe(14);
    // B4: (2003 − 1000)/10000 reflectance × 10000 / L4S mean of band 4; flat DEM: 175 m, 0°
    expect(r.bands[3][0]).toBeCloseTo(1003 / ZIGUI_LANDSLIDES.scene.l4sBandMeans[3], 5);
    expect(r.bands[12][5]).toBe(0);
    expect(r.bands[13][5]).toBe(175);
  });
});
