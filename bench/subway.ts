/**
 * `npm run bench -- subway [--points=N]`: speed of the subway analysis — 600 m buffer membership and
 * segment statistics for N PS (default 200 000) along the real Foshan lines (or two straight lines when
 * the mirror is absent), and logistic fits (eq. 2) with standard errors on 126-sample series.
 */
import { parseLines } from "../src/geometry/geojson";
import { analyseLines, metricLinesOf } from "../src/subway/analysis";
import { findRealGeometry, readRealGeometry, type SubwayGeometry } from "../src/subway/data";
import { simulatePsAlongLines } from "../src/subway/simulate";
import { simulateFullCycle } from "../src/settlement/simulate";
import { fitSettlement } from "../src/settlement/fitting";
import { joinSensors } from "../src/settlement/joining";
import { FOSHAN_SUBWAY } from "../src/studies/foshan/subway";

function geometry(): SubwayGeometry {
  const dir = findRealGeometry();
  if (dir) return readRealGeometry(dir);
  const lines = parseLines("bench", {
    type: "FeatureCollection",
    datum: "WGS84",
    features: [
      { type: "Feature", properties: { code: "A" }, geometry: { type: "LineString", coordinates: [[113.0, 23.0], [113.3, 23.0]] } },
      { type: "Feature", properties: { code: "B" }, geometry: { type: "LineString", coordinates: [[113.15, 22.85], [113.15, 23.15]] } },
    ],
  });
  return { lines, stations: [], source: ["synthetic"], real: false };
}

export async function run(args: string[]): Promise<object> {
  const nArg = args.find((a) => a.startsWith("--points="));
  const target = nArg ? Number(nArg.slice(9)) : 200_000;
  const geom = geometry();
  const lines = metricLinesOf(geom);
  const km = lines.reduce((s, l) => s + l.polyline.length / 1000, 0);
  const t0 = performance.now();
  const { ps } = simulatePsAlongLines(lines, {
    seed: 1,
    dates: ["2015-06-15", "2016-06-15", "2017-06-15", "2018-06-15"],
    pointsPerKm: target / km,
    maxOffsetM: 1500,
    velocityNoise: 2,
    displacementNoise: 1,
    zones: [],
  });
  const tSim = performance.now() - t0;
  const params = {
    bufferRadiusM: FOSHAN_SUBWAY.bufferRadiusM,
    subsidingThreshold: FOSHAN_SUBWAY.subsidingThreshold,
    rankStatistic: FOSHAN_SUBWAY.rankStatistic,
    minPointsPerSegment: FOSHAN_SUBWAY.minPointsPerSegment,
    topSegments: FOSHAN_SUBWAY.topSegments,
    segmentLengthWithoutStationsM: FOSHAN_SUBWAY.segmentLengthWithoutStationsM,
    metricFrame: FOSHAN_SUBWAY.metricFrame,
  };
  const t1 = performance.now();
  const an = analyseLines(lines, ps, params);
  const tBuffer = performance.now() - t1;
  const members = an.lines.reduce((s, a) => s + a.membership.index.length, 0);

  const fits = 50;
  const t2 = performance.now();
  for (let k = 0; k < fits; k++) {
    const series = simulateFullCycle(
      { origin: "2008-01-01", a: 40, b: -60, c: 1.5 },
      { seed: k + 1, sensors: [{ name: "PALSAR", first: "2008-01-15", last: "2011-03-31", stepDays: 46, noiseMm: 3 }, { name: "S1", first: "2015-06-15", last: "2018-09-15", stepDays: 12, noiseMm: 2 }] },
    );
    const j = joinSensors(series, "2008-01-01");
    fitSettlement({ t: j.t, y: j.y, group: j.group });
  }
  const tFit = (performance.now() - t2) / fits;
  return {
    geometry: geom.real ? "real Foshan lines (mirror)" : "two synthetic lines",
    lines: lines.length,
    lineKm: Number(km.toFixed(2)),
    points: ps.lon.length,
    pointsInBuffers: members,
    simulateMs: Math.round(tSim),
    bufferAndStatsMs: Math.round(tBuffer),
    pointsPerSecond: Math.round(ps.lon.length / (tBuffer / 1000)),
    logisticJointFitMs: Number(tFit.toFixed(2)),
  };
}
