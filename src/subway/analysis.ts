/**
 * The subway analysis of the Foshan study (§3) as one call per step, so that notebooks stay narrative:
 * project lines and stations, take the PS inside each buffer, summarise per line and per segment,
 * rank the most subsiding segments, extract site series, and write the results for GIS tools.
 */
import { mkdirSync } from "node:fs";
import type { SubwayParams } from "./params";
import { join } from "node:path";
import type { LonLat } from "../geometry/datum";
import { writeFileAtomic } from "../core/atomic";
import { featureCollectionText, type FeatureOut } from "../geometry/geojson";
import { bufferOutline, pointAtChainage } from "../geometry/polyline";
import { fromMetric, toMetricArray, type MetricFrame, type MetricFrameKind } from "../geometry/projection";
import {
  lineStats,
  mostSubsiding,
  psInBuffer,
  segmentStats,
  siteBetweenStations,
  siteSeries,
  toMetricLines,
  type BufferMembership,
  type LineStats,
  type MetricLine,
  type SegmentStats,
  type SiteSeries,
} from "./buffer";
import type { SubwayGeometry } from "./data";
import type { PsPoints } from "./ps";
import { progress } from "../core/progress";
import { regularDates } from "../settlement/simulate";
import { simulatePsAlongLines, type SubsidenceZone } from "./simulate";

/** The corridor analysis takes the subway area's parameters (src/subway/params.ts). */
export type SubwayAnalysisParams = SubwayParams;

export interface LineAnalysis {
  line: MetricLine;
  membership: BufferMembership;
  stats: LineStats;
  segments: SegmentStats[];
  top: SegmentStats[];
}

export interface SubwayAnalysis {
  frame: MetricFrame;
  params: SubwayAnalysisParams;
  lines: LineAnalysis[];
}

export function metricLinesOf(geom: SubwayGeometry, kind: MetricFrameKind = "local"): MetricLine[] {
  return toMetricLines(geom.lines, geom.stations, kind);
}

/** Buffers, memberships and statistics of every line. */
export function analyseLines(lines: readonly MetricLine[], ps: PsPoints, p: SubwayAnalysisParams): SubwayAnalysis {
  if (lines.length === 0) throw new Error("no subway lines to analyse");
  const frame = lines[0].frame;
  const xy = toMetricArray(frame, ps.lon, ps.lat);
  // Buffering a full PS set (10⁵–10⁶ points) takes seconds per line: report it line by line.
  const bar = ps.lon.length >= 100_000 ? progress(`buffering ${ps.lon.length} PS`, lines.length, { unit: "lines" }) : undefined;
  const out: SubwayAnalysis = {
    frame,
    params: p,
    lines: lines.map((line) => {
      if (line.frame.proj !== frame.proj) throw new Error(`line ${line.code} is in another metric frame than ${lines[0].code}`);
      const membership = psInBuffer(line, ps, p.bufferRadiusM, xy, p.segmentLengthWithoutStationsM);
      const segments = segmentStats(membership, ps, p.subsidingThreshold);
      bar?.tick(1, line.code);
      return {
        line,
        membership,
        stats: lineStats(line, membership, ps, p.subsidingThreshold),
        segments,
        top: mostSubsiding(segments, { by: p.rankStatistic, minPoints: p.minPointsPerSegment, top: p.topSegments }),
      };
    }),
  };
  bar?.done();
  return out;
}

/** The centre of a segment along its line, WGS-84. */
export function segmentCentre(a: LineAnalysis, segment: number): LonLat {
  const s = a.membership.segments[segment];
  const [x, y] = pointAtChainage(a.line.polyline, (s.startChainage + s.endChainage) / 2);
  return fromMetric(a.line.frame, x, y);
}

/**
 * A site on a line: between two named stations where the line has them, else the centre of its most
 * subsiding segment (simulated lines). Returns the site and how it was chosen.
 */
export function siteOnLine(a: LineAnalysis, from: string, to: string, fraction: number): { site: LonLat; how: string } {
  const names = a.line.stations.map((s) => s.name);
  if (names.includes(from) && names.includes(to)) {
    return { site: siteBetweenStations(a.line, from, to, fraction), how: `${fraction} of the way from ${from} to ${to}` };
  }
  if (a.top.length === 0) throw new Error(`line ${a.line.code}: no segment with enough PS to place a site`);
  const s = a.top[0];
  return { site: segmentCentre(a, s.segment), how: `centre of the most subsiding segment (${s.from} – ${s.to}); stations ${from}/${to} not on this line` };
}

/**
 * The mean series of the PS around a site. Where no PS lies within `radiusM` (sparse PS over fields,
 * as the paper notes for Line 3), the radius doubles up to `maxRadiusM`; the result's `radius` says
 * which was used.
 */
export function siteSeriesOf(ps: PsPoints, site: LonLat, radiusM: number, frame: MetricFrame, maxRadiusM = 4 * radiusM): SiteSeries {
  for (let r = radiusM; ; r *= 2) {
    const s = siteSeries(ps, site, Math.min(r, maxRadiusM), frame);
    if (s.count > 0) return s;
    if (r >= maxRadiusM) break;
  }
  throw new Error(`no PS within ${maxRadiusM} m of site [${site[0].toFixed(5)}, ${site[1].toFixed(5)}]`);
}

/** Rows for display: one per line. */
export function lineRows(an: SubwayAnalysis): Record<string, string | number>[] {
  return an.lines.map(({ stats: s }) => ({
    line: s.line,
    name: s.name,
    "length (km)": s.lengthKm,
    stations: s.stations,
    "PS in buffer": s.count,
    "median (mm/yr)": s.median,
    "p10 (mm/yr)": s.p10,
    "min (mm/yr)": s.min,
    [`share < threshold`]: s.fractionSubsiding,
  }));
}

export function segmentRows(segs: readonly SegmentStats[]): Record<string, string | number>[] {
  return segs.map((s) => ({
    line: s.line,
    segment: `${s.from} – ${s.to}`,
    "length (km)": s.lengthKm,
    PS: s.count,
    "PS/km": s.density,
    "median (mm/yr)": s.median,
    "p10 (mm/yr)": s.p10,
    "min (mm/yr)": s.min,
    "share < threshold": s.fractionSubsiding,
  }));
}

// ---------------------------------------------------------------- simulated fallback input

export interface SimulationSettings {
  seed: number;
  pointsPerKm: number;
  maxOffsetM: number;
  velocityNoise: number;
  displacementNoise: number;
  zones: SubsidenceZone[];
  genericZone: Omit<SubsidenceZone, "line">;
}

/**
 * PS simulated along the lines, for when the PS step has not produced points: zones named by station
 * where the line has those stations, else the generic zone on every station-less line.
 */
export function simulatedPsFor(lines: readonly MetricLine[], sim: SimulationSettings, dates: { first: string; last: string }): PsPoints {
  const zones: SubsidenceZone[] = [];
  for (const l of lines) {
    const names = new Set(l.stations.map((s) => s.name));
    const own = sim.zones.filter((z) => z.line === l.code && names.has(z.fromStation ?? "") && names.has(z.toStation ?? ""));
    if (own.length) zones.push(...own);
    else if (l.stations.length < 2) zones.push({ ...sim.genericZone, line: l.code });
  }
  return simulatePsAlongLines(lines, {
    seed: sim.seed,
    dates: regularDates(dates.first, dates.last, 12),
    pointsPerKm: sim.pointsPerKm,
    maxOffsetM: sim.maxOffsetM,
    velocityNoise: sim.velocityNoise,
    displacementNoise: sim.displacementNoise,
    zones,
  }).ps;
}

// ---------------------------------------------------------------- outputs for GIS

/** Buffer polygons (one MultiPolygon-like set of capsules per line), WGS-84. */
export function bufferFeatures(an: SubwayAnalysis): FeatureOut[] {
  const out: FeatureOut[] = [];
  for (const a of an.lines) {
    for (const ring of bufferOutline(a.line.polyline, an.params.bufferRadiusM, 8)) {
      const coords: number[][] = [];
      for (let i = 0; i < ring.length; i += 2) {
        const [lon, lat] = fromMetric(an.frame, ring[i], ring[i + 1]);
        coords.push([Number(lon.toFixed(7)), Number(lat.toFixed(7))]);
      }
      out.push({ geometry: { type: "Polygon", coordinates: [coords] }, properties: { line: a.line.code, radiusM: an.params.bufferRadiusM } });
    }
  }
  return out;
}

/** PS inside the buffers with line, segment, distance and chainage, WGS-84. */
export function memberFeatures(an: SubwayAnalysis, ps: PsPoints): FeatureOut[] {
  const out: FeatureOut[] = [];
  for (const a of an.lines) {
    const m = a.membership;
    m.index.forEach((i, j) => {
      const seg = m.segments[m.segment[j]];
      out.push({
        geometry: { type: "Point", coordinates: [ps.lon[i], ps.lat[i]] },
        properties: {
          id: ps.ids[i],
          line: a.line.code,
          segment: `${seg.from} – ${seg.to}`,
          distanceM: Number(m.distance[j].toFixed(2)),
          chainageM: Number(m.chainage[j].toFixed(1)),
          velocity: ps.velocity[i],
          velocityStd: Number.isFinite(ps.velocityStd[i]) ? ps.velocityStd[i] : null,
        },
      });
    });
  }
  return out;
}

function csv(rows: readonly Record<string, string | number>[]): string {
  if (rows.length === 0) return "";
  const cols = Object.keys(rows[0]);
  const esc = (v: string | number): string => {
    const s = typeof v === "number" ? (Number.isFinite(v) ? String(Number(v.toPrecision(8))) : "") : v;
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.join(","), ...rows.map((r) => cols.map((c) => esc(r[c])).join(","))].join("\n") + "\n";
}

/**
 * Writes `buffers.geojson`, `buffer_ps.geojson` (QGIS), `lines.csv` and `segments.csv`
 * (spreadsheets) into `dir`, each atomically. Returns the files written.
 */
export function writeSubwayOutputs(dir: string, an: SubwayAnalysis, ps: PsPoints): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
    ["buffers.geojson", featureCollectionText(bufferFeatures(an), { name: `subway buffers ${an.params.bufferRadiusM} m` })],
    ["buffer_ps.geojson", featureCollectionText(memberFeatures(an, ps), { name: "PS within subway buffers", dates: ps.dates })],
    ["lines.csv", csv(lineRows(an))],
    ["segments.csv", csv(segmentRows(an.lines.flatMap((a) => a.segments)))],
  ];
  return files.map(([name, text]) => {
    const f = join(dir, name);
    writeFileAtomic(f, text);
    return f;
  });
}

/**
 * The PS for an analysis: the PS step's output when it exists and reaches the lines, else PS simulated
 * along the lines. `origin` says which, in words fit for a report.
 */
export function psForLines(
  lines: readonly MetricLine[],
  params: SubwayAnalysisParams,
  sim: SimulationSettings,
  dates: { first: string; last: string },
  load: () => PsPoints | undefined,
  where: string,
): { ps: PsPoints; analysis: SubwayAnalysis; simulated: boolean; origin: string } {
  const loaded = load();
  if (loaded) {
    const analysis = analyseLines(lines, loaded, params);
    if (analysis.lines.some((a) => a.membership.index.length > 0)) {
      return { ps: loaded, analysis, simulated: false, origin: `PS-step output \`${where}\`` };
    }
  }
  const why = loaded ? `the PS in \`${where}\` do not reach these lines` : `no PS output at \`${where}\``;
  const ps = simulatedPsFor(lines, sim, dates);
  return { ps, analysis: analyseLines(lines, ps, params), simulated: true, origin: `**simulated** along the lines (${why}; seed ${sim.seed})` };
}
