/**
 * PS points within a distance of subway lines, per line and per station-to-station segment.
 *
 * Distances are measured in a metric frame on the WGS-84 ellipsoid (src/geometry/projection), from
 * each point to the nearest point of the line's polyline: the buffer is the set of points no farther
 * than `radius` (inclusive), which is the exact meaning of a GIS buffer with round caps. Each point in
 * a buffer also gets its chainage (position along the line) and so its segment between consecutive
 * stations, projected onto the line the same way.
 */
import { quantileSorted, sortedFinite } from "../core/stats";
import type { LonLat } from "../geometry/datum";
import type { Station, SubwayLine } from "../geometry/geojson";
import { stationsOf } from "../geometry/geojson";
import { metricPolyline, nearestOnPolyline, bounds, pointAtChainage, type MetricPolyline } from "../geometry/polyline";
import { frameFor, fromMetric, toMetric, toMetricArray, type MetricFrame, type MetricFrameKind } from "../geometry/projection";
import type { PsPoints } from "./ps";

export interface StationOnLine {
  name: string;
  seq: number;
  /** Metres along the line from its first vertex. */
  chainage: number;
  /** Distance of the station point from the line, metres (large values flag mismatched data). */
  offset: number;
}

export interface MetricLine {
  code: string;
  name: string;
  frame: MetricFrame;
  polyline: MetricPolyline;
  /** Stations sorted by chainage. */
  stations: StationOnLine[];
}

/** Stations farther than this from their line are refused: the data do not belong together. */
export const MAX_STATION_OFFSET_M = 1000;

/** One metric frame for every line, so distances and maps agree across lines. */
export function linesFrame(lines: readonly SubwayLine[], kind: MetricFrameKind = "local"): MetricFrame {
  const pts: LonLat[] = [];
  for (const l of lines) {
    if (l.geometry.datum !== "WGS84") throw new Error(`line ${l.code}: geometry is ${l.geometry.datum}; convert to WGS84 before buffering`);
    pts.push(...l.geometry.coordinates);
  }
  return frameFor(pts, kind);
}

/** Projects a line and its stations into the frame; stations are placed by their nearest chainage. */
export function toMetricLine(line: SubwayLine, stations: readonly Station[], frame: MetricFrame): MetricLine {
  if (line.geometry.datum !== "WGS84") throw new Error(`line ${line.code}: geometry is ${line.geometry.datum}; convert to WGS84 first`);
  const xy = new Float64Array(line.geometry.coordinates.length * 2);
  line.geometry.coordinates.forEach((p, i) => {
    const [x, y] = toMetric(frame, p);
    xy[2 * i] = x;
    xy[2 * i + 1] = y;
  });
  const polyline = metricPolyline(xy);
  const own = stationsOf(stations, line.code);
  const placed = own.map((s) => {
    if (s.geometry.datum !== "WGS84") throw new Error(`station ${s.name}: geometry is ${s.geometry.datum}; convert to WGS84 first`);
    const [x, y] = toMetric(frame, s.geometry.coordinates);
    const near = nearestOnPolyline(polyline, x, y);
    if (near.distance > MAX_STATION_OFFSET_M) {
      throw new Error(`station ${s.name} (line ${line.code}) lies ${near.distance.toFixed(0)} m from the line: different datums or a wrong line code?`);
    }
    return { name: s.name, seq: s.seq, chainage: near.chainage, offset: near.distance };
  });
  placed.sort((a, b) => a.chainage - b.chainage);
  return { code: line.code, name: line.name, frame, polyline, stations: placed };
}

export function toMetricLines(lines: readonly SubwayLine[], stations: readonly Station[], kind: MetricFrameKind = "local"): MetricLine[] {
  const frame = linesFrame(lines, kind);
  return lines.map((l) => toMetricLine(l, stations, frame));
}

export interface SegmentRef {
  index: number;
  from: string;
  to: string;
  startChainage: number;
  endChainage: number;
}

/**
 * Station-to-station segments. A line without (at least two) stations — e.g. simulated lines — is cut
 * into pieces of `lengthWithoutStationsM` metres instead, labelled by their kilometre range.
 */
export function segmentsOf(line: MetricLine, lengthWithoutStationsM = 1000): SegmentRef[] {
  const s = line.stations;
  if (s.length < 2) {
    const L = line.polyline.length;
    const n = Math.max(1, Math.round(L / lengthWithoutStationsM));
    const km = (m: number): string => `km ${(m / 1000).toFixed(1)}`;
    return Array.from({ length: n }, (_, k) => ({
      index: k,
      from: km((k * L) / n),
      to: km(((k + 1) * L) / n),
      startChainage: (k * L) / n,
      endChainage: ((k + 1) * L) / n,
    }));
  }
  const out: SegmentRef[] = [];
  for (let k = 0; k < s.length - 1; k++) {
    out.push({ index: k, from: s[k].name, to: s[k + 1].name, startChainage: s[k].chainage, endChainage: s[k + 1].chainage });
  }
  return out;
}

/** Segment index of a chainage: before the first station → first, beyond the last → last. */
export function segmentOfChainage(segments: readonly SegmentRef[], chainage: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  if (chainage <= segments[0].endChainage) return 0;
  if (chainage >= segments[hi].startChainage) return hi;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (chainage < segments[mid].endChainage) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export interface BufferMembership {
  line: string;
  radius: number;
  /** Indices into the PS arrays of the points inside the buffer. */
  index: Int32Array;
  /** Distance of each member to the line, metres. */
  distance: Float64Array;
  chainage: Float64Array;
  segment: Int32Array;
  segments: SegmentRef[];
}

/**
 * Points of (x, y) — metric, in the line's frame, interleaved — within `radius` metres of the line,
 * boundary included.
 */
export function bufferMembersXY(line: MetricLine, xy: Float64Array, radius: number, segmentLengthM = 1000): BufferMembership {
  if (!(radius > 0) || !Number.isFinite(radius)) throw new Error(`buffer radius must be a positive number of metres, not ${radius}`);
  const [minX, minY, maxX, maxY] = bounds(line.polyline.xy);
  const segments = segmentsOf(line, segmentLengthM);
  const idx: number[] = [];
  const dist: number[] = [];
  const ch: number[] = [];
  const seg: number[] = [];
  const n = xy.length / 2;
  for (let i = 0; i < n; i++) {
    const x = xy[2 * i];
    const y = xy[2 * i + 1];
    if (x < minX - radius || x > maxX + radius || y < minY - radius || y > maxY + radius) continue;
    const near = nearestOnPolyline(line.polyline, x, y);
    if (near.distance <= radius) {
      idx.push(i);
      dist.push(near.distance);
      ch.push(near.chainage);
      seg.push(segmentOfChainage(segments, near.chainage));
    }
  }
  return {
    line: line.code,
    radius,
    index: Int32Array.from(idx),
    distance: Float64Array.from(dist),
    chainage: Float64Array.from(ch),
    segment: Int32Array.from(seg),
    segments,
  };
}

/**
 * The PS points inside one line's buffer. `xy` may pass the points already projected into the line's
 * frame (toMetricArray) when several lines share it; `segmentLengthM` cuts station-less lines.
 */
export function psInBuffer(line: MetricLine, ps: PsPoints, radius: number, xy?: Float64Array, segmentLengthM = 1000): BufferMembership {
  return bufferMembersXY(line, xy ?? toMetricArray(line.frame, ps.lon, ps.lat), radius, segmentLengthM);
}

// ---------------------------------------------------------------- statistics

export interface VelocityStats {
  count: number;
  mean: number;
  std: number;
  min: number;
  p10: number;
  median: number;
  p90: number;
  max: number;
  /** Share of points with velocity below the subsidence threshold. */
  fractionSubsiding: number;
}

/** Distribution summary of velocities (core quantiles: R-7 linear interpolation, numpy's default). */
export function velocityStats(v: ArrayLike<number>, subsidingThreshold: number): VelocityStats {
  const s = sortedFinite(v);
  const n = s.length;
  let sum = 0;
  let below = 0;
  for (const x of s) {
    sum += x;
    if (x < subsidingThreshold) below++;
  }
  const mean = n ? sum / n : NaN;
  let ss = 0;
  for (const x of s) ss += (x - mean) ** 2;
  return {
    count: n,
    mean,
    std: n > 1 ? Math.sqrt(ss / (n - 1)) : NaN,
    min: n ? s[0] : NaN,
    p10: quantileSorted(s, 0.1),
    median: quantileSorted(s, 0.5),
    p90: quantileSorted(s, 0.9),
    max: n ? s[n - 1] : NaN,
    fractionSubsiding: n ? below / n : NaN,
  };
}

export interface SegmentStats extends VelocityStats {
  line: string;
  segment: number;
  from: string;
  to: string;
  lengthKm: number;
  /** PS per km of line. */
  density: number;
}

export interface LineStats extends VelocityStats {
  line: string;
  name: string;
  lengthKm: number;
  stations: number;
  radius: number;
}

export function lineStats(line: MetricLine, m: BufferMembership, ps: PsPoints, subsidingThreshold: number): LineStats {
  const v = Float64Array.from(m.index, (i) => ps.velocity[i]);
  return {
    line: line.code,
    name: line.name,
    lengthKm: line.polyline.length / 1000,
    stations: line.stations.length,
    radius: m.radius,
    ...velocityStats(v, subsidingThreshold),
  };
}

export function segmentStats(m: BufferMembership, ps: PsPoints, subsidingThreshold: number): SegmentStats[] {
  const buckets: number[][] = m.segments.map(() => []);
  for (let j = 0; j < m.index.length; j++) buckets[m.segment[j]].push(ps.velocity[m.index[j]]);
  return m.segments.map((s, k) => {
    const lengthKm = Math.max(0, s.endChainage - s.startChainage) / 1000;
    const st = velocityStats(buckets[k], subsidingThreshold);
    return { line: m.line, segment: k, from: s.from, to: s.to, lengthKm, density: lengthKm > 0 ? st.count / lengthKm : NaN, ...st };
  });
}

export type RankStatistic = "median" | "p10" | "mean";

/** The most subsiding segments (lowest statistic first), among those with enough points. */
export function mostSubsiding(stats: readonly SegmentStats[], opts: { by?: RankStatistic; minPoints?: number; top?: number } = {}): SegmentStats[] {
  const by = opts.by ?? "p10";
  const minPoints = opts.minPoints ?? 5;
  return stats
    .filter((s) => s.count >= minPoints && Number.isFinite(s[by]))
    .sort((a, b) => a[by] - b[by])
    .slice(0, opts.top ?? 5);
}

/** Histogram of velocities with fixed bin edges (counts per [edge_k, edge_k+1)). */
export function histogram(v: ArrayLike<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!Number.isFinite(x) || x < edges[0] || x >= edges[edges.length - 1]) continue;
    let lo = 0;
    let hi = edges.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (x >= edges[mid]) lo = mid;
      else hi = mid;
    }
    counts[lo]++;
  }
  return counts;
}

// ---------------------------------------------------------------- sites and series

/** A point on a line between two named stations, at `fraction` of the way from the first. */
export function siteBetweenStations(line: MetricLine, from: string, to: string, fraction = 0.5): LonLat {
  const a = line.stations.find((s) => s.name === from);
  const b = line.stations.find((s) => s.name === to);
  if (!a || !b) {
    throw new Error(`line ${line.code}: station ${!a ? from : to} not found (stations: ${line.stations.map((s) => s.name).join(", ")})`);
  }
  const [x, y] = pointAtChainage(line.polyline, a.chainage + fraction * (b.chainage - a.chainage));
  return fromMetric(line.frame, x, y);
}

export interface SiteSeries {
  site: LonLat;
  radius: number;
  count: number;
  index: Int32Array;
  dates: string[];
  /** Mean displacement of the points, mm per date, and its standard deviation across points. */
  mean: Float64Array;
  std: Float64Array;
  meanVelocity: number;
}

/** Mean displacement series of the PS within `radius` metres of a site. */
export function siteSeries(ps: PsPoints, site: LonLat, radius: number, frame: MetricFrame): SiteSeries {
  const [sx, sy] = toMetric(frame, site);
  const xy = toMetricArray(frame, ps.lon, ps.lat);
  const idx: number[] = [];
  for (let i = 0; i < ps.lon.length; i++) if (Math.hypot(xy[2 * i] - sx, xy[2 * i + 1] - sy) <= radius) idx.push(i);
  const m = ps.dates.length;
  const mean = new Float64Array(m).fill(NaN);
  const std = new Float64Array(m).fill(NaN);
  let vel = 0;
  for (const i of idx) vel += ps.velocity[i];
  if (idx.length && ps.displacement.length) {
    for (let k = 0; k < m; k++) {
      let s = 0;
      let c = 0;
      for (const i of idx) {
        const d = ps.displacement[i * m + k];
        if (Number.isFinite(d)) {
          s += d;
          c++;
        }
      }
      mean[k] = c ? s / c : NaN;
      let ss = 0;
      for (const i of idx) {
        const d = ps.displacement[i * m + k];
        if (Number.isFinite(d)) ss += (d - mean[k]) ** 2;
      }
      std[k] = c > 1 ? Math.sqrt(ss / (c - 1)) : NaN;
    }
  }
  return { site, radius, count: idx.length, index: Int32Array.from(idx), dates: ps.dates, mean, std, meanVelocity: idx.length ? vel / idx.length : NaN };
}
