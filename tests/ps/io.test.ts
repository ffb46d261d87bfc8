import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePsGeoJson, psToCsv, readLines, readPsGeoJson, writePsGeoJson, type PsResult } from "../../src/ps/io";
import { FileError } from "../../src/core/errors";

const sample: PsResult = {
  dates: ["2015-06-15", "2015-06-27", "2015-07-09"],
  points: [
    { id: 1, lon: 113.1, lat: 23.0, velocity: -12.3456, velocityStd: 0.42, coherence: 0.91, demError: 3.2, displacement: [0, -0.4, -0.8] },
    { id: 2, lon: 113.11, lat: 23.01, velocity: 1.5, velocityStd: 0.3, coherence: 0.8, demError: -1, displacement: [0, 0.05, 0.1] },
  ],
};

describe("PS GeoJSON contract", () => {
  it("round-trips points, properties and the top-level dates", () => {
    const dir = mkdtempSync(join(tmpdir(), "ps-io-"));
    const f = join(dir, "ps.geojson");
    writePsGeoJson(f, sample);
    const raw = JSON.parse(readFileSync(f, "utf8"));
    expect(raw.type).toBe("FeatureCollection");
    expect(raw.dates).toEqual(sample.dates);
    expect(Object.keys(raw.features[0].properties).sort()).toEqual(
      ["coherence", "demError", "displacement", "id", "velocity", "velocityStd"].sort(),
    );
    expect(raw.features[0].geometry).toEqual({ type: "Point", coordinates: [113.1, 23] });
    const back = readPsGeoJson(f);
    expect(back.points[0].velocity).toBeCloseTo(-12.346, 3);
    expect(back.points[1].displacement).toEqual([0, 0.05, 0.1]);
  });

  it("names the file and the problem on bad input", () => {
    expect(() => parsePsGeoJson("{", "x.geojson")).toThrow(/x\.geojson: not valid JSON/);
    expect(() => parsePsGeoJson(JSON.stringify({ type: "FeatureCollection", features: [] }), "y.geojson")).toThrow(/y\.geojson.*dates/);
    const bad = JSON.parse(JSON.stringify({ type: "FeatureCollection", dates: sample.dates, features: [] }));
    bad.features.push({ type: "Feature", geometry: { type: "Point", coordinates: [1, 2] }, properties: { ...sample.points[0], displacement: [0] } });
    expect(() => parsePsGeoJson(JSON.stringify(bad), "z.geojson")).toThrow(/z\.geojson: feature 0 has 1 displacement values but the file lists 3 dates/);
    const dir = mkdtempSync(join(tmpdir(), "ps-io-"));
    writeFileSync(join(dir, "a.geojson"), "[]");
    expect(() => readPsGeoJson(join(dir, "a.geojson"))).toThrow(/a\.geojson: expected a GeoJSON FeatureCollection/);
  });

  it("writes a CSV with one column per date", () => {
    const csv = psToCsv(sample).trim().split("\n");
    expect(csv[0]).toBe("id,lon,lat,velocity_mm_yr,velocity_std_mm_yr,coherence,dem_error_m,d_2015-06-15,d_2015-06-27,d_2015-07-09");
    expect(csv[1].split(",")).toHaveLength(10);
    expect(csv[1].startsWith("1,113.1,23,-12.346,0.42,0.91,3.2,0,-0.4,-0.8")).toBe(true);
  });

  it("reads the LineStrings of a lines GeoJSON, named, and names the file when it is not one (FileError)", () => {
    const dir = mkdtempSync(join(tmpdir(), "ps-lines-"));
    const f = join(dir, "lines.geojson");
    writeFileSync(
      f,
      JSON.stringify({
        type: "FeatureCollection",
        features: [
          { type: "Feature", geometry: { type: "LineString", coordinates: [[113.1, 23.0], [113.2, 23.05]] }, properties: { name: "Line 2" } },
          { type: "Feature", geometry: { type: "Point", coordinates: [113.1, 23.0] }, properties: {} },
          { type: "Feature", geometry: { type: "LineString", coordinates: [[113.0, 23.0], [113.0, 23.1]] }, properties: {} },
        ],
      }),
    );
    expect(readLines(f)).toEqual([
      { name: "Line 2", coordinates: [[113.1, 23.0], [113.2, 23.05]] },
      { name: "line 2", coordinates: [[113.0, 23.0], [113.0, 23.1]] },
    ]);
    writeFileSync(f, "{}");
    expect(() => readLines(f)).toThrow(FileError);
    expect(() => readLines(f)).toThrow(`${f}: not a GeoJSON FeatureCollection`);
    expect(() => readLines(join(dir, "none.geojson"))).toThrow(/none\.geojson: cannot read lines GeoJSON/);
  });
});
