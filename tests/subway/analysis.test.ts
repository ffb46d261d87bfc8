import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseLines, parseStations } from "../../src/geometry/geojson";
import { analyseLines, metricLinesOf, psForLines, siteOnLine, writeSubwayOutputs } from "../../src/subway/analysis";
import { readRealGeometry } from "../../src/subway/data";
import { siteBetweenStations } from "../../src/subway/buffer";
import { parsePsGeoJson } from "../../src/subway/ps";
import { FOSHAN_SUBWAY, FOSHAN_SUBWAY_SIMULATION } from "../../src/studies/foshan/subway";

const params = {
  bufferRadiusM: 600,
  subsidingThreshold: -10,
  rankStatistic: "p10" as const,
  minPointsPerSegment: 5,
  topSegments: 3,
  segmentLengthWithoutStationsM: 1000,
  metricFrame: "local" as const,
};

// Two short lines near Foshan with stations, WGS-84.
const lines = parseLines(
  "t.geojson",
  {
    type: "FeatureCollection",
    datum: "WGS84",
    features: [
      { type: "Feature", properties: { code: "A" }, geometry: { type: "LineString", coordinates: [[113.0, 23.0], [113.05, 23.0], [113.1, 23.0]] } },
      { type: "Feature", properties: { code: "B" }, geometry: { type: "LineString", coordinates: [[113.05, 22.97], [113.05, 23.03]] } },
    ],
  },
);
const stations = parseStations("s.geojson", {
  type: "FeatureCollection",
  datum: "WGS84",
  features: [
    ["A", 0, "a0", 113.0, 23.0],
    ["A", 1, "a1", 113.05, 23.0],
    ["A", 2, "a2", 113.1, 23.0],
    ["B", 0, "b0", 113.05, 22.97],
    ["B", 1, "b1", 113.05, 23.03],
  ].map(([line, seq, name, lon, lat]) => ({ type: "Feature", properties: { line, seq, name }, geometry: { type: "Point", coordinates: [lon, lat] } })),
});

describe("subway analysis end to end on simulated PS", () => {
  const metric = metricLinesOf({ lines, stations, source: [], real: true });
  const sim = { ...FOSHAN_SUBWAY_SIMULATION, zones: [{ line: "A", fromStation: "a1", toStation: "a2", total: -60, midDate: "2017-01-01", durationYears: 2, lateralSigmaM: 300 }] };
  const run = psForLines(metric, params, sim, FOSHAN_SUBWAY.psDates, () => undefined, "nowhere/ps.geojson");

  it("falls back to simulated PS and says so", () => {
    expect(run.simulated).toBe(true);
    expect(run.origin).toMatch(/simulated.*no PS output at `nowhere\/ps.geojson`/);
  });
  it("ranks the planted zone first and shares points near the crossing between both lines", () => {
    const a = run.analysis.lines.find((l) => l.line.code === "A")!;
    expect(`${a.top[0].from}-${a.top[0].to}`).toBe("a1-a2");
    const b = run.analysis.lines.find((l) => l.line.code === "B")!;
    expect(b.membership.index.length).toBeGreaterThan(0);
    const site = siteOnLine(a, "a1", "a2", 0.5).site;
    expect(site[0]).toBeCloseTo(113.075, 3);
    expect(site[1]).toBeCloseTo(23.0, 4);
  });
  it("uses the PS step's points when they reach the lines", () => {
    const fc = {
      type: "FeatureCollection",
      dates: ["2015-06-15", "2015-06-27"],
      features: [{ type: "Feature", geometry: { type: "Point", coordinates: [113.02, 23.001] }, properties: { id: 1, velocity: -3, velocityStd: 0.2, coherence: 0.9, demError: 0, displacement: [0, -0.1] } }],
    };
    const r = psForLines(metric, params, sim, FOSHAN_SUBWAY.psDates, () => parsePsGeoJson("ps.geojson", fc), "ps.geojson");
    expect(r.simulated).toBe(false);
    expect(analyseLines(metric, r.ps, params).lines[0].membership.index.length).toBe(1);
  });
  it("writes GeoJSON and CSV outputs that read back", () => {
    const dir = mkdtempSync(join(tmpdir(), "subway-out-"));
    const files = writeSubwayOutputs(dir, run.analysis, run.ps);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(["buffers.geojson", "buffer_ps.geojson", "lines.csv", "segments.csv"]);
    const members = JSON.parse(readFileSync(files[1], "utf8"));
    const total = run.analysis.lines.reduce((s, l) => s + l.membership.index.length, 0);
    expect(members.features.length).toBe(total);
    for (const f of members.features) expect(f.properties.distanceM).toBeLessThanOrEqual(600);
    expect(readFileSync(files[3], "utf8").split("\n")[0]).toMatch(/^line,segment,length \(km\),PS/);
  });
});

const mirror = join(process.cwd(), "..", "shared", "data", "foshan");
describe.skipIf(!existsSync(mirror))("real Foshan geometry (needs ../shared/data)", () => {
  it("reads the mirrored lines and stations, stations within 150 m of their lines", () => {
    const g = readRealGeometry(mirror);
    expect(g.lines.map((l) => l.code)).toEqual(["GF", "F2", "GZ7"]);
    const metric = metricLinesOf(g);
    const byCode = Object.fromEntries(metric.map((l) => [l.code, l]));
    expect(byCode.GF.stations.length).toBe(25);
    expect(byCode.F2.stations.length).toBe(17);
    for (const l of metric) for (const s of l.stations) expect(s.offset).toBeLessThan(150);
    // Polyline lengths agree with the lengths the file reports (computed on a sphere) within 0.5 %.
    g.lines.forEach((l, i) => expect(Math.abs(metric[i].polyline.length / 1000 - Number(l.properties.length_km_polyline)) / Number(l.properties.length_km_polyline)).toBeLessThan(0.005));
    // The collapse site lies between Huchong and Lüdaohu on Line 2.
    const site = siteBetweenStations(byCode.F2, "湖涌", "绿岛湖", 0.5);
    expect(site[0]).toBeGreaterThan(112.99);
    expect(site[0]).toBeLessThan(113.04);
  });
});

describe("site series", () => {
  it("widens the radius where no PS lies near the site, and says so", async () => {
    const { siteSeriesOf } = await import("../../src/subway/analysis");
    const { localFrame } = await import("../../src/geometry/projection");
    const ps = parsePsGeoJson("ps.geojson", {
      type: "FeatureCollection",
      dates: ["2015-06-15", "2015-06-27"],
      features: [{ type: "Feature", geometry: { type: "Point", coordinates: [113.0035, 23.0] }, properties: { id: 1, velocity: -3, displacement: [0, -2] } }],
    });
    const frame = localFrame(113, 23);
    // The point is ≈358 m east of the site: not within 200 m, found at 400 m.
    const s = siteSeriesOf(ps, [113.0, 23.0], 200, frame);
    expect(s.radius).toBe(400);
    expect(s.count).toBe(1);
    expect(Array.from(s.mean)).toEqual([0, -2]);
    expect(() => siteSeriesOf(ps, [113.0, 23.0], 100, frame, 300)).toThrow(/no PS within 300 m/);
  });
});
