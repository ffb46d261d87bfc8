import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../src/core/random";
import type { LonLat } from "../../src/geometry/datum";
import type { Station, SubwayLine } from "../../src/geometry/geojson";
import {
  histogram,
  mostSubsiding,
  psInBuffer,
  segmentOfChainage,
  segmentStats,
  siteBetweenStations,
  siteSeries,
  toMetricLines,
  velocityStats,
} from "../../src/subway/buffer";
import type { PsPoints } from "../../src/subway/ps";
import { regularDates } from "../../src/settlement/simulate";
import { simulatePsAlongLines } from "../../src/subway/simulate";

/** Vincenty's direct geodesic problem on WGS-84: the point at `dist` metres along azimuth `azDeg`. */
function vincentyDirect(p: LonLat, azDeg: number, dist: number): LonLat {
  const a = 6378137;
  const f = 1 / 298.257223563;
  const b = a * (1 - f);
  const rad = Math.PI / 180;
  const alpha1 = azDeg * rad;
  const tanU1 = (1 - f) * Math.tan(p[1] * rad);
  const cosU1 = 1 / Math.sqrt(1 + tanU1 * tanU1);
  const sinU1 = tanU1 * cosU1;
  const sigma1 = Math.atan2(tanU1, Math.cos(alpha1));
  const sinAlpha = cosU1 * Math.sin(alpha1);
  const cos2Alpha = 1 - sinAlpha * sinAlpha;
  const u2 = (cos2Alpha * (a * a - b * b)) / (b * b);
  const A = 1 + (u2 / 16384) * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
  const B = (u2 / 1024) * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
  let sigma = dist / (b * A);
  let sigmaP: number;
  let cos2SigmaM: number;
  do {
    cos2SigmaM = Math.cos(2 * sigma1 + sigma);
    const sinS = Math.sin(sigma);
    const cosS = Math.cos(sigma);
    const dSigma =
      B * sinS * (cos2SigmaM + (B / 4) * (cosS * (-1 + 2 * cos2SigmaM ** 2) - (B / 6) * cos2SigmaM * (-3 + 4 * sinS ** 2) * (-3 + 4 * cos2SigmaM ** 2)));
    sigmaP = sigma;
    sigma = dist / (b * A) + dSigma;
  } while (Math.abs(sigma - sigmaP) > 1e-13);
  const sinS = Math.sin(sigma);
  const cosS = Math.cos(sigma);
  const x = sinU1 * sinS - cosU1 * cosS * Math.cos(alpha1);
  const lat2 = Math.atan2(sinU1 * cosS + cosU1 * sinS * Math.cos(alpha1), (1 - f) * Math.sqrt(sinAlpha ** 2 + x * x));
  const lambda = Math.atan2(sinS * Math.sin(alpha1), cosU1 * cosS - sinU1 * sinS * Math.cos(alpha1));
  const C = (f / 16) * cos2Alpha * (4 + f * (4 - 3 * cos2Alpha));
  const L = lambda - (1 - C) * f * sinAlpha * (sigma + C * sinS * (cos2SigmaM + C * cosS * (-1 + 2 * cos2SigmaM ** 2)));
  return [p[0] + L / rad, lat2 / rad];
}

function psOf(points: LonLat[], velocity: number[]): PsPoints {
  const n = points.length;
  return {
    datum: "WGS84",
    dates: [],
    ids: points.map((_, i) => String(i)),
    lon: Float64Array.from(points, (p) => p[0]),
    lat: Float64Array.from(points, (p) => p[1]),
    velocity: Float64Array.from(velocity),
    velocityStd: new Float64Array(n),
    coherence: new Float64Array(n),
    displacement: new Float32Array(0),
    source: "test",
  };
}

// A north–south line along the meridian 113.1°E near Foshan, 10 km long, with three stations.
const LON = 113.1;
const LINE: SubwayLine = {
  code: "T",
  name: "test line",
  geometry: { datum: "WGS84", coordinates: [[LON, 23.0], [LON, 23.05], [LON, 23.0903]] },
  properties: {},
};
const STATIONS: Station[] = [
  { line: "T", seq: 0, name: "S0", geometry: { datum: "WGS84", coordinates: [LON, 23.0] }, properties: {} },
  { line: "T", seq: 1, name: "S1", geometry: { datum: "WGS84", coordinates: [LON, 23.05] }, properties: {} },
  { line: "T", seq: 2, name: "S2", geometry: { datum: "WGS84", coordinates: [LON, 23.0903] }, properties: {} },
];

describe("600 m buffer membership", () => {
  const [line] = toMetricLines([LINE], STATIONS);
  // Points east and west of the line at geodesic distances (Vincenty, WGS-84) measured at right
  // angles to the meridian: the shortest distance to the line.
  const distances = [0, 100, 599, 599.9, 599.99, 600.01, 600.1, 601, 900];
  const pts: LonLat[] = [];
  const truth: number[] = [];
  for (const lat of [23.01, 23.03, 23.07]) {
    for (const d of distances) {
      pts.push(vincentyDirect([LON, lat], 90, d));
      truth.push(d);
      pts.push(vincentyDirect([LON, lat], 270, d));
      truth.push(d);
    }
  }
  const ps = psOf(pts, truth.map(() => 0));
  const m = psInBuffer(line, ps, 600);

  it("includes exactly the points within 600 m, down to 1 cm either side", () => {
    const inside = new Set(m.index);
    truth.forEach((d, i) => expect(inside.has(i), `point at ${d} m`).toBe(d <= 600));
  });
  it("measures distances to the line within 5 mm of the geodesic truth", () => {
    m.index.forEach((i, j) => expect(Math.abs(m.distance[j] - truth[i])).toBeLessThan(0.005));
  });
  it("places points at the right chainage and segment", () => {
    const segOf = new Map<number, number>();
    m.index.forEach((i, j) => segOf.set(i, m.segment[j]));
    // Points at 23.01 and 23.03 lie between S0 and S1, at 23.07 between S1 and S2.
    const perLat = distances.length * 2;
    for (let i = 0; i < pts.length; i++) {
      if (!segOf.has(i)) continue;
      expect(segOf.get(i)).toBe(i < 2 * perLat ? 0 : 1);
    }
    expect(line.stations.map((s) => s.name)).toEqual(["S0", "S1", "S2"]);
    // Meridian arc 23.00°–23.05°N on WGS-84: M(φ_mid)·Δφ (the curvature change over 0.05° is
    // below a millimetre here).
    const e2 = 0.00669437999014;
    const phi = (23.025 * Math.PI) / 180;
    const M = (6378137 * (1 - e2)) / (1 - e2 * Math.sin(phi) ** 2) ** 1.5;
    expect(Math.abs(line.stations[1].chainage - M * ((0.05 * Math.PI) / 180))).toBeLessThan(0.01);
  });
  it("round caps: a point beyond the end counts by its distance to the end vertex", () => {
    const end: LonLat = [LON, 23.0903];
    const p1 = vincentyDirect(end, 0, 599.9);
    const p2 = vincentyDirect(end, 0, 600.1);
    const p3 = vincentyDirect(end, 45, 599.9);
    const mm = psInBuffer(line, psOf([p1, p2, p3], [0, 0, 0]), 600);
    expect(Array.from(mm.index)).toEqual([0, 2]);
  });
  it("refuses a non-positive radius", () => {
    expect(() => psInBuffer(line, ps, 0)).toThrow(/radius/);
  });
});

describe("segment statistics", () => {
  it("segmentOfChainage clamps before the first and after the last station", () => {
    const segs = [
      { index: 0, from: "a", to: "b", startChainage: 100, endChainage: 200 },
      { index: 1, from: "b", to: "c", startChainage: 200, endChainage: 500 },
    ];
    expect(segmentOfChainage(segs, 0)).toBe(0);
    expect(segmentOfChainage(segs, 150)).toBe(0);
    expect(segmentOfChainage(segs, 250)).toBe(1);
    expect(segmentOfChainage(segs, 900)).toBe(1);
  });
  it("velocityStats quantiles follow linear interpolation", () => {
    const s = velocityStats([-30, -10, 0, 10, 20], -5);
    expect(s.count).toBe(5);
    expect(s.median).toBe(0);
    expect(s.p10).toBeCloseTo(-22, 10);
    expect(s.fractionSubsiding).toBeCloseTo(0.4, 12);
    expect(s.mean).toBeCloseTo(-2, 12);
  });
  it("velocityStats' core quantiles are the R-7 definition the area used before (pos = (n−1)q, linear)", () => {
    const r7 = (sorted: Float64Array, q: number): number => {
      const pos = (sorted.length - 1) * q;
      const lo = Math.floor(pos);
      const hi = Math.ceil(pos);
      return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    };
    const rand = mulberry32(3);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rand() * 60);
      const v = Array.from({ length: n }, () => (rand() - 0.7) * 40);
      const sorted = Float64Array.from(v).sort();
      const st = velocityStats(v, -10);
      expect(st.p10).toBe(r7(sorted, 0.1));
      expect(st.median).toBe(r7(sorted, 0.5));
      expect(st.p90).toBe(r7(sorted, 0.9));
    }
  });
  it("histogram counts half-open bins", () => {
    expect(histogram([-10, -5, -5, 0, 4.9, 5], [-10, -5, 0, 5])).toEqual([1, 2, 2]);
  });
  it("finds the simulated subsidence zone as the most subsiding segment", () => {
    const [line] = toMetricLines([LINE], STATIONS);
    const dates = regularDates("2015-06-15", "2018-09-15", 12);
    const { ps, trueVelocity } = simulatePsAlongLines([line], {
      seed: 7,
      dates,
      pointsPerKm: 80,
      maxOffsetM: 900,
      velocityNoise: 1,
      displacementNoise: 2,
      zones: [{ line: "T", fromStation: "S1", toStation: "S2", total: -60, midDate: "2017-01-01", durationYears: 2, lateralSigmaM: 300 }],
    });
    const m = psInBuffer(line, ps, 600);
    const stats = segmentStats(m, ps, -10);
    const top = mostSubsiding(stats, { by: "p10", minPoints: 5, top: 1 });
    expect(top[0].from).toBe("S1");
    expect(top[0].to).toBe("S2");
    expect(stats[0].median).toBeGreaterThan(-2);
    expect(stats[1].p10).toBeLessThan(-10);
    // Velocities are the series' linear rates: within noise of the noise-free rates.
    let maxErr = 0;
    for (let i = 0; i < trueVelocity.length; i++) maxErr = Math.max(maxErr, Math.abs(ps.velocity[i] - trueVelocity[i]));
    expect(maxErr).toBeLessThan(2);
    // Site series at the zone centre: mean displacement reaches most of the total.
    const site = siteBetweenStations(line, "S1", "S2", 0.5);
    const s = siteSeries(ps, site, 200, line.frame);
    expect(s.count).toBeGreaterThan(3);
    expect(s.mean[s.mean.length - 1]).toBeLessThan(-35);
  });
});
