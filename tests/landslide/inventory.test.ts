import { describe, expect, it } from "vitest";
import { matchInventory } from "../../src/landslide/inventory";

describe("matchInventory", () => {
  it("counts pixels and objects", () => {
    // reference: two bodies; identified: one overlapping body 1 partly, one false alarm
    const ref = [
      1, 1, 0, 0, 0, 0,
      1, 1, 0, 0, 1, 1,
      0, 0, 0, 0, 1, 1,
    ];
    const idf = [
      0, 0.9, 0, 0, 0, 0,
      0, 0.6, 0.7, 0, 0, 0,
      0, 0, 0, 0, 0, 0.2,
    ];
    const idfFalse = idf.slice();
    idfFalse[5] = 0.99; // an isolated false alarm at row 0, col 5
    const m = matchInventory(idfFalse, ref, 6, 3);
    expect(m.truePositivePixels).toBe(2);
    expect(m.falsePositivePixels).toBe(2);
    expect(m.falseNegativePixels).toBe(6);
    expect(m.precision).toBeCloseTo(0.5, 12);
    expect(m.recall).toBeCloseTo(0.25, 12);
    expect(m.f1).toBeCloseTo(1 / 3, 12);
    expect(m.referenceObjects).toBe(2);
    expect(m.referenceFound).toBe(1);
    expect(m.identifiedObjects).toBe(2);
    expect(m.identifiedCorrect).toBe(1);
    expect(() => matchInventory([1], ref, 6, 3)).toThrow(/6×3/);
  });
});

describe("identifiedAt", () => {
  it("finds identified polygons intersecting a surveyed outline or point", async () => {
    const { identifiedAt } = await import("../../src/landslide/inventory");
    const sq = (x: number, y: number, e: number): number[][][] => [[[x - e, y - e], [x + e, y - e], [x + e, y + e], [x - e, y + e], [x - e, y - e]]];
    const fc = {
      type: "FeatureCollection" as const,
      features: [0, 1].map((k) => ({
        type: "Feature" as const,
        properties: { id: k + 1, pixels: 1, area_km2: 0.01, centroid_lon: 110.5 + k * 0.1, centroid_lat: 30.9 },
        geometry: { type: "Polygon" as const, coordinates: sq(110.5 + k * 0.1, 30.9, 0.001) },
      })),
    };
    expect(identifiedAt({ type: "Polygon", coordinates: sq(110.5015, 30.9, 0.001) }, fc).map((f) => f.properties.id)).toEqual([1]);
    expect(identifiedAt({ type: "Point", coordinates: [110.6, 30.9005] }, fc).map((f) => f.properties.id)).toEqual([2]);
    expect(identifiedAt({ type: "Point", coordinates: [110.55, 30.9] }, fc)).toEqual([]);
  });
});
