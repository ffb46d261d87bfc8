/**
 * Files a PS run for researchers' tools: ps.geojson (QGIS; the subway step's input), ps.csv, a gridded
 * mean-velocity GeoTIFF (EPSG:4326, NaN where no PS), optionally ps.h5, and summary.json with the counts
 * per step, timings and parameters. Every file is written to a temporary name and renamed.
 */
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { writeFileAtomic } from "./atomic";
import { writePsCsv, writePsGeoJson, type PsResult } from "./io";
import type { PsRun } from "./pipeline";

export interface VelocityGrid {
  width: number;
  height: number;
  /** Upper-left corner and cell size in degrees (north-up). */
  originLon: number;
  originLat: number;
  cellLon: number;
  cellLat: number;
  /** Mean velocity of the PS in each cell, mm/yr; NaN where none. */
  velocity: Float32Array;
  count: Uint16Array;
}

/** Bins PS velocities into a lon/lat grid whose cells are about `cellMeters` on the ground. */
export function gridVelocity(r: PsResult, cellMeters: number): VelocityGrid {
  const pts = r.points;
  if (pts.length === 0) throw new Error("gridVelocity: no PS to grid");
  let lo0 = Infinity;
  let lo1 = -Infinity;
  let la0 = Infinity;
  let la1 = -Infinity;
  for (const p of pts) {
    lo0 = Math.min(lo0, p.lon);
    lo1 = Math.max(lo1, p.lon);
    la0 = Math.min(la0, p.lat);
    la1 = Math.max(la1, p.lat);
  }
  const midLat = ((la0 + la1) / 2) * (Math.PI / 180);
  const cellLat = cellMeters / 110_574;
  const cellLon = cellMeters / (111_320 * Math.cos(midLat));
  const width = Math.floor((lo1 - lo0) / cellLon) + 1;
  const height = Math.floor((la1 - la0) / cellLat) + 1;
  const sum = new Float64Array(width * height);
  const count = new Uint16Array(width * height);
  for (const p of pts) {
    const c = Math.min(width - 1, Math.floor((p.lon - lo0) / cellLon));
    const rr = Math.min(height - 1, Math.floor((la1 - p.lat) / cellLat));
    sum[rr * width + c] += p.velocity;
    count[rr * width + c]++;
  }
  const velocity = new Float32Array(width * height);
  for (let i = 0; i < velocity.length; i++) velocity[i] = count[i] ? sum[i] / count[i] : NaN;
  return { width, height, originLon: lo0, originLat: la1, cellLon, cellLat, velocity, count };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
}

/** The numbers summary.json and the notebook report: counts per step, velocity statistics, precision. */
export function runSummary(run: PsRun): Record<string, unknown> {
  const v = run.result.points.map((p) => p.velocity).sort((a, b) => a - b);
  const s = run.result.points.map((p) => p.velocityStd).sort((a, b) => a - b);
  return {
    dates: run.dates.length,
    firstDate: run.dates[0],
    lastDate: run.dates[run.dates.length - 1],
    counts: run.counts,
    classicPs: run.counts.classic,
    multilookPs: run.counts.multilook,
    mergedPs: run.counts.candidates,
    arcsKept: run.counts.arcsKept,
    reference: run.reference,
    velocity: { min: v[0], p01: quantile(v, 0.01), median: quantile(v, 0.5), p99: quantile(v, 0.99), max: v[v.length - 1] },
    velocityStd: { median: quantile(s, 0.5), p90: quantile(s, 0.9), shareBelow1: s.filter((x) => x < 1).length / Math.max(1, s.length) },
    arcsPerSecond: run.arcsPerSecond,
    timings: run.timings,
    flow: run.flow,
    params: run.params,
  };
}

export interface WrittenOutputs {
  geojson: string;
  csv: string;
  summary: string;
  velocityTif?: string;
  h5?: string;
}

export async function writePsOutputs(dir: string, run: PsRun): Promise<WrittenOutputs> {
  mkdirSync(dir, { recursive: true });
  const geojson = join(dir, "ps.geojson");
  const csv = join(dir, "ps.csv");
  const summary = join(dir, "summary.json");
  writePsGeoJson(geojson, run.result);
  writePsCsv(csv, run.result);
  writeFileAtomic(summary, JSON.stringify(runSummary(run), null, 2) + "\n");
  return { geojson, csv, summary };
}
