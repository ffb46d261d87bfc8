import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { area as turfArea, booleanValid } from "@turf/turf";
import {
  connectedComponents,
  fromWgs84,
  outerRings,
  polygonize,
  ringArea,
  toWgs84,
  totalAreaKm2,
  traceRings,
} from "../../src/landslide/polygons";

function maskFrom(rows: string[]): { mask: Uint8Array; width: number; height: number } {
  const height = rows.length;
  const width = rows[0].length;
  const mask = new Uint8Array(width * height);
  rows.forEach((r, y) => [...r].forEach((c, x) => (mask[y * width + x] = c === "#" ? 1 : 0)));
  return { mask, width, height };
}

describe("connected components", () => {
  const m = maskFrom(["#..#", "#.#.", "...."]);
  it("8-connectivity joins diagonal neighbours, 4 does not", () => {
    expect(connectedComponents(m.mask, m.width, m.height, 8).count).toBe(2);
    const c4 = connectedComponents(m.mask, m.width, m.height, 4);
    expect(c4.count).toBe(3);
    expect(Array.from(c4.sizes).slice(1)).toEqual([2, 1, 1]);
  });
  it("rejects a mask of the wrong size", () => {
    expect(() => connectedComponents(m.mask, 5, 3)).toThrow(/expected 5×3/);
  });
});

describe("ring tracing", () => {
  it("traces a rectangle to its 4 corners and a ring with a hole", () => {
    const r = maskFrom(["....", ".##.", ".##.", "...."]);
    const cc = connectedComponents(r.mask, r.width, r.height);
    const rings = traceRings(cc.labels, r.width, r.height, 1);
    expect(rings.length).toBe(1);
    expect(rings[0]).toEqual([[1, 1], [3, 1], [3, 3], [1, 3]]);
    const h = maskFrom(["###", "#.#", "###"]);
    const ch = connectedComponents(h.mask, 3, 3);
    const hr = traceRings(ch.labels, 3, 3, 1);
    expect(hr.length).toBe(2);
    expect(ringArea(hr[0])).toBe(9);
    expect(ringArea(hr[1])).toBe(-1);
  });
  it("a ring's area equals the pixel count for awkward shapes", () => {
    const s = maskFrom(["#.#.#", ".#.#.", "#####", "#...#", "##.##"]);
    const cc = connectedComponents(s.mask, 5, 5, 8);
    expect(cc.count).toBe(1);
    const rings = traceRings(cc.labels, 5, 5, 1, 8);
    const a = rings.reduce((acc, r) => acc + ringArea(r), 0);
    expect(a).toBe(cc.sizes[1]);
  });
});

describe("polygonize", () => {
  // 10 m pixels in UTM 49N near Zigui.
  const [x0, y0] = fromWgs84(32649)(110.8, 30.9);
  const transform = { originX: Math.round(x0), originY: Math.round(y0), pixelWidth: 10, pixelHeight: -10 };

  it("area of known shapes: a 20×10 block is 0.02 km², a hole is subtracted", () => {
    const w = 40;
    const h = 30;
    const mask = new Uint8Array(w * h);
    for (let y = 2; y < 12; y++) for (let x = 3; x < 23; x++) mask[y * w + x] = 1; // 200 px
    for (let y = 15; y < 25; y++) for (let x = 5; x < 15; x++) mask[y * w + x] = 1; // 100 px
    mask[20 * w + 10] = 0; // a one-pixel hole
    mask[28 * w + 38] = 1; // speckle below the minimum area
    const elevation = new Float32Array(w * h).fill(300);
    for (let y = 15; y < 25; y++) for (let x = 5; x < 15; x++) elevation[y * w + x] = 500;
    const fc = polygonize(mask, w, h, { transform, epsg: 32649, minAreaM2: 900, factors: { elevation } });
    expect(fc.features.length).toBe(2);
    const [a, b] = fc.features;
    expect(a.properties.area_km2).toBeCloseTo(0.02, 12);
    expect(b.properties.area_km2).toBeCloseTo(0.0099, 12);
    expect(totalAreaKm2(fc)).toBeCloseTo(0.0299, 12);
    expect(a.properties.elevation).toBe(300);
    expect(b.properties.elevation).toBe(500);
    expect(b.geometry.coordinates.length).toBe(2);
    // Geodesic area of the WGS-84 outline agrees with the UTM area within the scale factor (< 0.1 %).
    expect(turfArea(a.geometry) / 1e6).toBeCloseTo(0.02, 4);
    // Centroid: the block's centre pixel corner (13, 7) in UTM.
    const [cx, cy] = toWgs84(32649)(transform.originX + 13 * 10, transform.originY - 7 * 10);
    expect(a.properties.centroid_lon).toBeCloseTo(cx, 9);
    expect(a.properties.centroid_lat).toBeCloseTo(cy, 9);
    // RFC 7946 orientation: outer ring counter-clockwise, hole clockwise.
    if (b.geometry.type !== "Polygon" || a.geometry.type !== "Polygon") throw new Error("expected polygons");
    expect(ringArea(b.geometry.coordinates[0])).toBeGreaterThan(0);
    expect(ringArea(b.geometry.coordinates[1])).toBeLessThan(0);
    const ring = a.geometry.coordinates[0];
    expect(ring[0]).toEqual(ring[ring.length - 1]);
  });

  it("geographic rasters use geodesic area", () => {
    const t = { originX: 110.8, originY: 30.9, pixelWidth: 0.001, pixelHeight: -0.001 };
    const mask = new Uint8Array(100).fill(1);
    const fc = polygonize(mask, 10, 10, { transform: t, epsg: 4326, minAreaM2: 0 });
    expect(fc.features.length).toBe(1);
    // 0.01° × 0.01° at 30.9°N: ≈ 1.1119 km × 0.9545 km
    expect(fc.features[0].properties.area_km2).toBeGreaterThan(1.05);
    expect(fc.features[0].properties.area_km2).toBeLessThan(1.07);
  });
});

describe("many components", () => {
  it("a speckled 1000×1000 mask polygonizes with one polygon per component and exact total area", async () => {
    const { polygonize } = await import("../../src/landslide/polygons");
    const w = 1000, h = 1000;
    const mask = new Uint8Array(w * h);
    let count = 0;
    for (let y = 1; y < h; y += 4) for (let x = 1; x < w; x += 4) { mask[y * w + x] = 1; mask[y * w + x + 1] = 1; count++; }
    const t = { originX: 440000, originY: 3430000, pixelWidth: 10, pixelHeight: -10 };
    const fc = polygonize(mask, w, h, { transform: t, epsg: 32649, minAreaM2: 0 });
    expect(fc.features.length).toBe(count);
    expect(fc.features.reduce((s, f) => s + f.properties.area_km2, 0)).toBeCloseTo((count * 200) / 1e6, 9);
  });
});

describe("pinch vertices", () => {
  it("ring areas sum to the pixel count with 4- and 8-connectivity where pixels touch at a corner", () => {
    const s = maskFrom(["###.", "#.#.", "##.#", "...#"]);
    for (const conn of [4, 8] as const) {
      const cc = connectedComponents(s.mask, 4, 4, conn);
      for (let id = 1; id <= cc.count; id++) {
        const rings = traceRings(cc.labels, 4, 4, id, conn);
        expect(rings.reduce((a, r) => a + ringArea(r), 0)).toBe(cc.sizes[id]);
      }
    }
    expect(connectedComponents(s.mask, 4, 4, 8).count).toBe(1);
    expect(connectedComponents(s.mask, 4, 4, 4).count).toBe(2);
  });
});

describe("polygon validity on awkward masks", () => {
  const [x0, y0] = fromWgs84(32649)(110.8, 30.9);
  const transform = { originX: Math.round(x0), originY: Math.round(y0), pixelWidth: 10, pixelHeight: -10 };
  const AWKWARD: Record<string, string[]> = {
    "diagonal touch": ["......", ".##...", ".##...", "...##.", "...##.", "......"],
    "chequer": ["#.#.#", ".#.#.", "#.#.#", ".#.#."],
    "ring closed by a diagonal": ["......", ".###..", ".#..#.", ".#..#.", "..###.", "......"],
    "hole touching the shell at a corner": [".....", ".###.", ".#.#.", ".##..", "....."],
    "hole pinched at a corner": ["######", "#.#..#", "#..#.#", "#....#", "######"],
    "one-pixel bridge": ["#####.....", "#####.....", "##########", "#####.....", "#####....."],
    "two holes touching": ["#####", "#.#.#", "##.##", "#####"],
    "diamond around a hole": [".#.", "#.#", ".#."],
  };

  /** OGC validity of each geometry by GEOS (shapely) when /usr/bin/python3 has it, else null. */
  function geosValidity(geoms: unknown[]): string[] | null {
    const r = spawnSync("/usr/bin/python3", ["-c", "import json,sys\nfrom shapely.geometry import shape\nfrom shapely.validation import explain_validity\nprint(json.dumps([explain_validity(shape(g)) for g in json.load(sys.stdin)]))"], { input: JSON.stringify(geoms), encoding: "utf8" });
    return r.status === 0 ? (JSON.parse(r.stdout) as string[]) : null;
  }

  for (const connectivity of [8, 4] as const) {
    it(`every geometry is simple and valid, and its area is the pixel count (${connectivity}-connectivity)`, () => {
      const geoms: unknown[] = [];
      for (const [name, rows] of Object.entries(AWKWARD)) {
        const m = maskFrom(rows);
        const cc = connectedComponents(m.mask, m.width, m.height, connectivity);
        const fc = polygonize(m.mask, m.width, m.height, { transform, epsg: 32649, minAreaM2: 0, connectivity });
        expect(fc.features.length, name).toBe(cc.count);
        for (const f of fc.features) {
          // turf checks each polygon (its MultiPolygon check calls parts touching at a point crossing,
          // which OGC allows; GEOS below judges the whole geometry).
          const polys = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
          for (const poly of polys) expect(booleanValid({ type: "Polygon", coordinates: poly }), `${name}: turf booleanValid`).toBe(true);
          // No ring passes twice through a vertex (the closing point aside).
          for (const ring of polys.flat(1)) {
            const keys = ring.slice(0, -1).map((p) => `${p[0]},${p[1]}`);
            expect(new Set(keys).size, `${name}: repeated vertex`).toBe(keys.length);
          }
          expect(f.properties.area_km2 * 1e6 / 100, name).toBeCloseTo(f.properties.pixels, 6);
          geoms.push(f.geometry);
        }
      }
      const geos = geosValidity(geoms);
      if (geos) expect(geos.filter((v) => v !== "Valid Geometry")).toEqual([]);
      else process.stderr.write("polygon validity: GEOS (python3-shapely) not available, turf checks only\n");
    });
  }

  it("8-connected parts touching only at a corner form one MultiPolygon; 4-connected, two Polygons", () => {
    const m = maskFrom(AWKWARD["diagonal touch"]);
    const f8 = polygonize(m.mask, m.width, m.height, { transform, epsg: 32649, minAreaM2: 0, connectivity: 8 }).features;
    expect(f8.length).toBe(1);
    expect(f8[0].geometry.type).toBe("MultiPolygon");
    expect(outerRings(f8[0].geometry).length).toBe(2);
    const f4 = polygonize(m.mask, m.width, m.height, { transform, epsg: 32649, minAreaM2: 0, connectivity: 4 }).features;
    expect(f4.map((f) => f.geometry.type)).toEqual(["Polygon", "Polygon"]);
  });
});
