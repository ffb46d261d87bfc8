/**
 * Files a PS run for researchers' tools: ps.geojson (QGIS; the subway step's input), ps.csv, a gridded
 * mean-velocity GeoTIFF (EPSG:4326, NaN where no PS), optionally ps.h5, and summary.json with the counts
 * per step, timings and parameters. Every file is written to a temporary name and renamed, summary.json
 * last: it carries the outputs step's hash, so a set without it (a killed run) is never taken as done.
 */
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { writeFileAtomic } from "../core/atomic";
import { writePsCsv, writePsGeoJson, type PsResult } from "./io";
import type { PsRun } from "./timeseries";
import { quantileSorted } from "../core/stats";
import { writeRaster } from "../io/raster";
import { writeH5, type H5Dataset } from "../io/hdf5";

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

/**
 * The numbers summary.json and the notebook report: counts per step, velocity statistics (quantiles
 * as numpy's default, core/stats), precision.
 */
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
    velocity: { min: v[0], p01: quantileSorted(v, 0.01), median: quantileSorted(v, 0.5), p99: quantileSorted(v, 0.99), max: v[v.length - 1] },
    velocityStd: { median: quantileSorted(s, 0.5), p90: quantileSorted(s, 0.9), shareBelow1: s.filter((x) => x < 1).length / Math.max(1, s.length) },
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

/** The gridded velocity as a GeoTIFF (EPSG:4326, float32, NaN = no PS) that QGIS opens directly. */
export function writeVelocityTif(file: string, r: PsResult, cellMeters: number): VelocityGrid {
  const g = gridVelocity(r, cellMeters);
  writeRaster(file, {
    width: g.width,
    height: g.height,
    bands: [g.velocity, Float32Array.from(g.count)],
    transform: { originX: g.originLon, originY: g.originLat, pixelWidth: g.cellLon, pixelHeight: -g.cellLat },
    epsg: 4326,
    noData: NaN,
    bandNames: ["velocity_mm_per_year", "ps_count"],
    metadata: { UNITS: "mm/yr LOS (negative = away from satellite)", DATES: `${r.dates[0]}/${r.dates[r.dates.length - 1]}` },
  });
  return g;
}

/**
 * PS table as HDF5 in MintPy's point/time-series conventions: `timeseries` [dates × points] in metres,
 * `date` (YYYYMMDD), `bperp`, and one dataset per point attribute.
 */
export async function writePsH5(file: string, run: PsRun, bperp: ArrayLike<number> = run.bperp): Promise<void> {
  const pts = run.result.points;
  const K = run.dates.length;
  const N = pts.length;
  const ts = new Float32Array(K * N);
  pts.forEach((p, q) => p.displacement.forEach((d, k) => (ts[k * N + q] = d / 1000)));
  const col = (f: (p: (typeof pts)[number]) => number): Float64Array => Float64Array.from(pts, f);
  const ds: H5Dataset[] = [
    { name: "timeseries", shape: [K, N], data: ts },
    { name: "date", shape: [K], data: run.dates.map((d) => d.replace(/-/g, "")) },
    { name: "longitude", shape: [N], data: col((p) => p.lon) },
    { name: "latitude", shape: [N], data: col((p) => p.lat) },
    { name: "velocity", shape: [N], data: Float32Array.from(pts, (p) => p.velocity / 1000), attrs: { UNIT: "m/year" } },
    { name: "velocityStd", shape: [N], data: Float32Array.from(pts, (p) => p.velocityStd / 1000), attrs: { UNIT: "m/year" } },
    { name: "temporalCoherence", shape: [N], data: Float32Array.from(pts, (p) => p.coherence) },
    { name: "demError", shape: [N], data: Float32Array.from(pts, (p) => p.demError), attrs: { UNIT: "m" } },
  ];
  if (bperp) ds.push({ name: "bperp", shape: [K], data: Float32Array.from(bperp) });
  await writeH5(file, ds, {
    FILE_TYPE: "timeseries",
    UNIT: "m",
    PROCESSOR: "deformation-lab improved PS-InSAR",
    REF_LON: run.reference.lon,
    REF_LAT: run.reference.lat,
    REF_DATE: run.dates[0].replace(/-/g, ""),
  });
}

export interface WriteOutputsOptions {
  hdf5?: boolean;
  bperp?: ArrayLike<number>;
  /** The outputs step's hash and the products it was made from (`runPsSteps`), kept in summary.json. */
  stepHash?: string;
  steps?: Record<string, { file: string; hash: string }>;
}

export async function writePsOutputs(dir: string, run: PsRun, opts: WriteOutputsOptions = {}): Promise<WrittenOutputs> {
  mkdirSync(dir, { recursive: true });
  const geojson = join(dir, "ps.geojson");
  const csv = join(dir, "ps.csv");
  const summary = join(dir, "summary.json");
  const velocityTif = join(dir, "velocity.tif");
  writePsGeoJson(geojson, run.result);
  writePsCsv(csv, run.result);
  if (run.result.points.length > 0) writeVelocityTif(velocityTif, run.result, run.params.gridCellMeters);
  let h5: string | undefined;
  if (opts.hdf5) {
    h5 = join(dir, "ps.h5");
    await writePsH5(h5, run, opts.bperp);
  }
  const extra = opts.stepHash ? { stepHash: opts.stepHash, steps: opts.steps } : {};
  writeFileAtomic(summary, JSON.stringify({ ...runSummary(run), ...extra }, null, 2) + "\n");
  return { geojson, csv, summary, ...(run.result.points.length > 0 ? { velocityTif } : {}), ...(h5 ? { h5 } : {}) };
}
