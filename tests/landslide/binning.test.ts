import { describe, expect, it } from "vitest";
import { destination, point } from "@turf/turf";
import { binCounts, distanceKm, fig7Curves, frequencyCurve, table3 } from "../../src/landslide/binning";
import type { LandslideCollection, LandslideFeature } from "../../src/landslide/polygons";
import { ZIGUI_LANDSLIDES, ZIGUI_PAPER_VALUES } from "../../src/studies/zigui/landslides";

const dam = ZIGUI_LANDSLIDES.dam;

function planted(distancesKm: number[]): LandslideCollection {
  const features: LandslideFeature[] = distancesKm.map((d, i) => {
    const bearing = -90 + ((i * 37) % 120) - 60; // westwards, like Zigui from the dam
    const [lon, lat] = destination(point([dam.lon, dam.lat]), d, bearing, { units: "kilometers" }).geometry.coordinates;
    const e = 0.0005;
    return {
      type: "Feature",
      properties: { id: i + 1, pixels: 1, area_km2: 0.01, centroid_lon: lon, centroid_lat: lat, slope: 20 + (i % 10) },
      geometry: { type: "Polygon", coordinates: [[[lon - e, lat - e], [lon + e, lat - e], [lon + e, lat + e], [lon - e, lat + e], [lon - e, lat - e]]] },
    };
  });
  return { type: "FeatureCollection", features };
}

describe("Table 3 binning", () => {
  it("planted landslides at known distances land in exactly the right bins", () => {
    // The paper's counts, each landslide planted mid-bin or near an edge.
    const counts = ZIGUI_PAPER_VALUES.table3Counts;
    const ds: number[] = [];
    counts.forEach((c, b) => {
      for (let k = 0; k < c; k++) ds.push(b * 10 + 0.05 + (9.9 * k) / c);
    });
    const fc = planted(ds);
    const t = table3(fc, dam);
    expect(t.rows.map((r) => r.count)).toEqual([...counts]);
    expect(t.rows.map((r) => r.bin)).toEqual(["<10", "10–20", "20–30", "30–40", "40–50", "50–60"]);
    expect(t.total).toBe(ZIGUI_PAPER_VALUES.table3Total);
    expect(t.outside).toBe(0);
    t.distancesKm.forEach((d, i) => expect(d).toBeCloseTo(ds[i], 9));
  });

  it("nearest-edge measure is no larger than the centroid's", () => {
    const fc = planted([15, 25]);
    const c = table3(fc, dam, "centroid").distancesKm;
    const n = table3(fc, dam, "nearest").distancesKm;
    n.forEach((d, i) => {
      expect(d).toBeLessThanOrEqual(c[i]);
      expect(d).toBeGreaterThan(c[i] - 0.1);
    });
  });

  it("bins are half-open; out-of-range values are counted apart", () => {
    const r = binCounts([0, 9.999, 10, 59.99, 60, -1], [0, 10, 20, 30, 40, 50, 60]);
    expect(r.rows.map((x) => x.count)).toEqual([2, 1, 0, 0, 0, 1]);
    expect(r.outside).toBe(2);
    expect(() => binCounts([1], [0, 0])).toThrow(/increase/);
  });

  it("distance to the dam: one degree of latitude ≈ 111.2 km", () => {
    expect(distanceKm(dam.lon, dam.lat, dam.lon, dam.lat + 1)).toBeCloseTo(111.195, 2);
  });
});

describe("Fig 7 frequency curves", () => {
  it("histogram on the paper's range with the mode", () => {
    const c = frequencyCurve("slope", [1, 12, 14, 26, 27, 28, 44, 61, NaN], { min: 0, max: 60, binWidth: 5, unit: "°", label: "slope" });
    expect(c.x.length).toBe(12);
    expect(c.x[0]).toBe(2.5);
    expect(c.count[5]).toBe(3);
    expect(c.mode).toBe(27.5);
    expect(c.above).toBe(1);
    expect(c.missing).toBe(1);
    const fc = planted([5, 15]);
    const curves = fig7Curves(fc, ZIGUI_LANDSLIDES.factorRanges);
    expect(curves.map((x) => x.factor)).toEqual(["elevation", "slope", "ndvi", "ndmi", "brightness", "bsi"]);
    expect(curves[1].count.reduce((a, b) => a + b, 0)).toBe(2);
    expect(curves[0].missing).toBe(2);
  });
});
