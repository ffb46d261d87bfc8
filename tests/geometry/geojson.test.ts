import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { convertLonLat } from "../../src/geometry/datum";
import { parseLines, parseStations, readLines, stationsOf, writeFeatureCollection } from "../../src/geometry/geojson";

const dir = mkdtempSync(join(tmpdir(), "geojson-"));
const line = (coords: number[][], props: Record<string, unknown> = {}) => ({ type: "Feature", properties: props, geometry: { type: "LineString", coordinates: coords } });

describe("reading lines with explicit datums", () => {
  it("refuses a file that does not state its datum, naming the file", () => {
    const fc = { type: "FeatureCollection", features: [line([[113.1, 23.0], [113.2, 23.0]], { code: "L" })] };
    expect(() => parseLines("/x/lines.geojson", fc)).toThrow(/lines\.geojson: feature 0: datum not stated/);
  });
  it("takes the datum from the caller, a crs member or a property, and converts to WGS-84", () => {
    const wgs: [number, number][] = [[113.1, 23.0], [113.12, 23.01]];
    const gcj = wgs.map((p) => convertLonLat(p, "WGS84", "GCJ02"));
    const fc = { type: "FeatureCollection", features: [line(gcj, { code: "L", crs: "GCJ-02" })] };
    const [l] = parseLines("l.geojson", fc);
    expect(l.geometry.datum).toBe("WGS84");
    expect(l.properties.sourceDatum).toBe("GCJ02");
    l.geometry.coordinates.forEach((p, i) => {
      expect(Math.abs(p[0] - wgs[i][0])).toBeLessThan(1e-8);
      expect(Math.abs(p[1] - wgs[i][1])).toBeLessThan(1e-8);
    });
    const bd = { type: "FeatureCollection", crs: { type: "name", properties: { name: "BD09" } }, features: [line(wgs.map((p) => convertLonLat(p, "WGS84", "BD09")), { code: "B" })] };
    const [b] = parseLines("b.geojson", bd);
    expect(Math.abs(b.geometry.coordinates[0][0] - 113.1)).toBeLessThan(1e-8);
    const plain = { type: "FeatureCollection", features: [line(wgs, { code: "P" })] };
    expect(parseLines("p.geojson", plain, { datum: "WGS84" })[0].geometry.coordinates).toEqual(wgs);
  });
  it("refuses contradictory datums, bad coordinates, short lines, duplicate codes, non-collections", () => {
    const fc = (f: unknown[], extra: Record<string, unknown> = {}) => ({ type: "FeatureCollection", ...extra, features: f });
    expect(() => parseLines("c.geojson", fc([line([[113, 23], [113.1, 23]], { code: "A", crs: "GCJ02" })], { datum: "WGS84" }))).toThrow(/contradicts/);
    expect(() => parseLines("c.geojson", fc([line([[23, 113], [23.1, 113]], { code: "A" })]), { datum: "WGS84" })).toThrow(/not lon\/lat/);
    expect(() => parseLines("c.geojson", fc([line([[113, 23], [113, 23]], { code: "A" })]), { datum: "WGS84" })).toThrow(/at least 2 distinct/);
    expect(() => parseLines("c.geojson", fc([line([[113, 23], [113.1, 23]], { code: "A" }), line([[113, 23.1], [113.1, 23.1]], { code: "A" })]), { datum: "WGS84" })).toThrow(/appears twice/);
    expect(() => parseLines("c.geojson", { type: "Feature" }, { datum: "WGS84" })).toThrow(/c\.geojson: expected a GeoJSON FeatureCollection/);
    expect(() => parseLines("c.geojson", fc([]), { datum: "WGS84" })).toThrow(/no LineString/);
  });
  it("reports unreadable and corrupt files by name", () => {
    const bad = join(dir, "corrupt.geojson");
    writeFileSync(bad, '{"type": "FeatureCollection", "features": [');
    expect(() => readLines(bad)).toThrow(/corrupt\.geojson: not valid JSON/);
    expect(() => readLines(join(dir, "missing.geojson"))).toThrow(/missing\.geojson: cannot read/);
  });
});

describe("stations", () => {
  it("need line and seq, and are ordered by seq", () => {
    const pt = (props: Record<string, unknown>, c = [113.1, 23.0]) => ({ type: "Feature", properties: props, geometry: { type: "Point", coordinates: c } });
    const fc = { type: "FeatureCollection", datum: "WGS84", features: [pt({ line: "A", seq: 1, name_zh: "b" }), pt({ line: "A", seq: 0, name_zh: "a" })] };
    expect(stationsOf(parseStations("s.geojson", fc), "A").map((s) => s.name)).toEqual(["a", "b"]);
    expect(() => parseStations("s.geojson", { ...fc, features: [pt({ seq: 0 })] })).toThrow(/no "line"/);
    expect(() => parseStations("s.geojson", { ...fc, features: [pt({ line: "A" })] })).toThrow(/no integer "seq"/);
    expect(() => stationsOf(parseStations("s.geojson", { ...fc, features: [pt({ line: "A", seq: 0 }), pt({ line: "A", seq: 0 })] }), "A")).toThrow(/two stations with seq 0/);
  });
});

describe("writing", () => {
  it("writes WGS-84 GeoJSON atomically with the datum recorded", () => {
    const f = join(dir, "out.geojson");
    writeFeatureCollection(f, [{ geometry: { type: "Point", coordinates: [113.1, 23] }, properties: { v: 1 } }], { name: "t" });
    const back = JSON.parse(readFileSync(f, "utf8"));
    expect(back.datum).toBe("WGS84");
    expect(back.features[0].geometry.coordinates).toEqual([113.1, 23]);
  });
});
