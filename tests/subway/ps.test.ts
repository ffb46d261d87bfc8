import { describe, expect, it } from "vitest";
import { parsePsGeoJson, psSeries, selectPs } from "../../src/subway/ps";

const feature = (id: number, lon: number, lat: number, velocity: unknown, displacement?: unknown) => ({
  type: "Feature",
  geometry: { type: "Point", coordinates: [lon, lat] },
  properties: { id, velocity, velocityStd: 0.5, coherence: 0.9, demError: 1, ...(displacement !== undefined ? { displacement } : {}) },
});

describe("PS GeoJSON contract", () => {
  const fc = {
    type: "FeatureCollection",
    dates: ["2015-06-15", "2015-06-27", "2015-07-09"],
    features: [feature(1, 113.1, 23.0, -5, [0, -1, -2]), feature(2, 113.2, 23.1, 1, [0, 0.5, 0.2])],
  };
  it("reads points, velocities and series into typed arrays", () => {
    const ps = parsePsGeoJson("ps.geojson", fc);
    expect(Array.from(ps.velocity)).toEqual([-5, 1]);
    expect(ps.ids).toEqual(["1", "2"]);
    expect(Array.from(psSeries(ps, 0))).toEqual([0, -1, -2]);
    const sub = selectPs(ps, [1]);
    expect(Array.from(psSeries(sub, 0))).toEqual([0, 0.5, Math.fround(0.2)]);
  });
  it("errors name the file and the feature", () => {
    expect(() => parsePsGeoJson("ps.geojson", { ...fc, dates: undefined })).toThrow(/ps\.geojson: top-level "dates"/);
    expect(() => parsePsGeoJson("ps.geojson", { ...fc, dates: ["2015-06-15", "2015-06-01", "2015-07-09"] })).toThrow(/dates\[1\].*does not follow/);
    expect(() => parsePsGeoJson("ps.geojson", { ...fc, features: [feature(1, 113, 23, "x", [0, 0, 0])] })).toThrow(/feature 0 \(id 1\): "velocity"/);
    expect(() => parsePsGeoJson("ps.geojson", { ...fc, features: [feature(1, 113, 23, -1, [0, 0])] })).toThrow(/"displacement" has 2 values for 3 dates/);
    expect(() => parsePsGeoJson("ps.geojson", { ...fc, features: [] })).toThrow(/no PS points/);
    expect(() => parsePsGeoJson("ps.geojson", { ...fc, dates: ["2015-13-45", "2015-06-27", "2015-07-09"] })).toThrow(/dates\[0\]/);
  });
});
