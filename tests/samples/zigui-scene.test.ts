import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildZiguiScene, distanceTransform, sceneGrid } from "../../src/samples/zigui-scene";
import { readRaster } from "../../src/io/raster";
import { connectedComponents, toWgs84, type LandslideCollection } from "../../src/landslide/polygons";
import { table3 } from "../../src/landslide/binning";
import { ZIGUI_LANDSLIDES } from "../../src/studies/zigui/landslides";
import { pointToPolygonDistance } from "@turf/turf";
import type { Point, Polygon } from "geojson";

describe("zigui-scene simulator", () => {
  it("is deterministic, georeferenced inside Zigui, and its truth is self-consistent", async () => {
    const a = mkdtempSync(join(tmpdir(), "zs-a-"));
    const b = mkdtempSync(join(tmpdir(), "zs-b-"));
    const ra = await buildZiguiScene(a, { seed: 11, size: 0.5, quiet: true });
    await buildZiguiScene(b, { seed: 11, size: 0.5, quiet: true });
    const files = readdirSync(a).sort();
    expect(files).toEqual(["inventory.geojson", "landslides_truth.geojson", "rivers.geojson", "scene.tif", "truth.json", "truth_mask.tif"]);
    for (const f of files) expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true);

    const scene = await readRaster(join(a, "scene.tif"));
    expect(scene.width).toBe(1024);
    expect(scene.height).toBe(512);
    expect(scene.bands.length).toBe(14);
    expect(scene.epsg).toBe(32649);
    expect(scene.bandNames?.[12]).toBe("slope");
    const t = scene.transform!;
    const geo = toWgs84(32649);
    const bb = ZIGUI_LANDSLIDES.bbox;
    for (const [x, y] of [[t.originX, t.originY], [t.originX + 1024 * t.pixelWidth, t.originY + 512 * t.pixelHeight]]) {
      const [lon, lat] = geo(x, y);
      expect(lon).toBeGreaterThanOrEqual(bb.west);
      expect(lon).toBeLessThanOrEqual(bb.east + 0.02); // the grid ends 1.4 km past the dam at the county's edge
      expect(lat).toBeGreaterThanOrEqual(bb.south);
      expect(lat).toBeLessThanOrEqual(bb.north);
    }
    const g = sceneGrid(0.5);
    expect(g.damCol).toBeGreaterThan(0);
    expect(g.damCol).toBeLessThan(g.width);

    const mask = (await readRaster(join(a, "truth_mask.tif"))).bands[0];
    const cc = connectedComponents(mask, 1024, 512, 8);
    const fc = JSON.parse(readFileSync(join(a, "landslides_truth.geojson"), "utf8")) as LandslideCollection;
    expect(fc.features.length).toBe(cc.count);
    expect(ra.landslides).toBe(cc.count);
    expect(cc.count).toBeGreaterThan(60);
    const truth = JSON.parse(readFileSync(join(a, "truth.json"), "utf8")) as { table3: { counts: number[] }; areaKm2: number };
    const t3 = table3(fc, ZIGUI_LANDSLIDES.dam);
    expect(t3.rows.map((r) => r.count)).toEqual(truth.table3.counts);
    expect(t3.outside).toBe(0);
    // Table 3 shape: rises to 20–30 km, then falls (planted in the paper's proportions).
    const c = truth.table3.counts;
    expect(c[2]).toBe(Math.max(...c));
    let px = 0;
    for (const v of mask) px += v;
    expect(truth.areaKm2).toBeCloseTo((px * 60 * 60) / 1e6, 9);
    // Landslides sit on slopes and are barer than the scene.
    const slopes = fc.features.map((f) => f.properties.slope);
    expect(slopes.reduce((s, v) => s + v, 0) / slopes.length).toBeGreaterThan(12);
    const inv = JSON.parse(readFileSync(join(a, "inventory.geojson"), "utf8")) as {
      features: Array<{ properties: { name: string; truth_id: number }; geometry: Point | Polygon }>;
    };
    expect(new Set(inv.features.map((f) => f.properties.name)).size).toBe(12);
    // Every surveyed point lies on its own surveyed landslide (within one pixel of the outline).
    for (const f of inv.features.filter((x) => x.geometry.type === "Point")) {
      const body = fc.features.find((x) => x.properties.id === f.properties.truth_id)!;
      const d = pointToPolygonDistance(f.geometry as Point, body.geometry, { units: "meters" });
      expect(d).toBeLessThan(60);
    }
  });

  it("distance transform is exact on a small case", () => {
    const seed = new Uint8Array(25);
    seed[12] = 1; // centre of 5×5
    const d = distanceTransform(seed, 5, 5);
    expect(d[0]).toBe(8);
    expect(d[2]).toBe(4);
    expect(d[13]).toBe(1);
    expect(d[12]).toBe(0);
  });
});
