/**
 * The `export` step: GeoTIFFs for QGIS, the PS-like high-coherence points as GeoJSON (WGS 84) and
 * summary.json, from the products of the steps before (the MintPy-layout HDF5 files are theirs). Every
 * file is written to a temporary name and renamed.
 */
import { join } from "node:path";
import { writeRaster } from "../io/raster";
import { writeFileAtomic } from "../core/atomic";
import { quantile } from "../core/stats";
import type { SbasParams } from "./params";
import type { StackMeta } from "./mintpy-h5";
import { collectResult, type SbasResult } from "./result";
import type { StepDef } from "./step-types";
import { writeJson } from "./products";
import { pixelLonLat } from "./geo";

export interface PointFeature {
  lon: number;
  lat: number;
  row: number;
  col: number;
  velocityMmYr: number;
  velocityStdMmYr: number;
  temporalCoherence: number;
  demErrorM?: number;
}

/** PS-like points (MintPy-style "coherent pixels"): temporal coherence ≥ threshold, inverted, finite velocity. */
export function coherentPoints(result: SbasResult, stack: StackMeta, minTempCoh: number, maxPoints = 100_000): PointFeature[] {
  if (!stack.transform) return [];
  const out: PointFeature[] = [];
  const n = stack.width * stack.height;
  let stride = 1;
  let count = 0;
  for (let p = 0; p < n; p++) if (result.temporalCoherence[p] >= minTempCoh && result.velocity[p] === result.velocity[p]) count++;
  if (count > maxPoints) stride = Math.ceil(count / maxPoints);
  let k = 0;
  for (let p = 0; p < n; p++) {
    if (!(result.temporalCoherence[p] >= minTempCoh) || result.velocity[p] !== result.velocity[p]) continue;
    if (k++ % stride) continue;
    const col = p % stack.width;
    const row = (p - col) / stack.width;
    const ll = pixelLonLat(stack.transform, stack.epsg, col, row);
    if (!ll) return [];
    out.push({
      lon: ll[0],
      lat: ll[1],
      row,
      col,
      velocityMmYr: result.velocity[p] * 1000,
      velocityStdMmYr: result.velocityStd[p] * 1000,
      temporalCoherence: result.temporalCoherence[p],
      demErrorM: result.demError ? result.demError[p] : undefined,
    });
  }
  return out;
}

export function pointsGeoJson(points: PointFeature[]): string {
  return JSON.stringify({
    type: "FeatureCollection",
    features: points.map((p) => ({
      type: "Feature",
      geometry: { type: "Point", coordinates: [Number(p.lon.toFixed(7)), Number(p.lat.toFixed(7))] },
      properties: {
        row: p.row,
        col: p.col,
        velocity_mm_yr: Number(p.velocityMmYr.toFixed(3)),
        velocity_std_mm_yr: Number(p.velocityStdMmYr.toFixed(3)),
        temporal_coherence: Number(p.temporalCoherence.toFixed(4)),
        ...(p.demErrorM !== undefined && p.demErrorM === p.demErrorM ? { dem_error_m: Number(p.demErrorM.toFixed(2)) } : {}),
      },
    })),
  });
}

export function summaryOf(result: SbasResult, meta: StackMeta, params: SbasParams, extra: Record<string, unknown> = {}) {
  const v: number[] = [];
  for (let p = 0; p < result.velocity.length; p++) if (result.maskTempCoh[p] && result.velocity[p] === result.velocity[p]) v.push(result.velocity[p]);
  const sd: number[] = [];
  for (let p = 0; p < result.velocityStd.length; p++) if (result.maskTempCoh[p] && result.velocityStd[p] === result.velocityStd[p]) sd.push(result.velocityStd[p]);
  const net = result.network;
  return {
    source: meta.source,
    size: { width: meta.width, height: meta.height },
    dates: result.dates,
    pairs: { total: net.pairNames.length, kept: net.pairs.length, dropped: net.dropped },
    networkComponents: net.components,
    referencePoint: result.reference,
    referenceDate: result.refDate,
    wavelength: meta.wavelength,
    velocity: {
      unit: "m/year",
      coherentPixels: v.length,
      min: quantile(v, 0),
      p05: quantile(v, 0.05),
      median: quantile(v, 0.5),
      p95: quantile(v, 0.95),
      max: quantile(v, 1),
      medianStd: quantile(sd, 0.5),
      uncertainty: result.uncertainty,
    },
    rankDeficientPixels: result.rankDeficientPixels,
    residualRms: result.residualRms,
    timings: result.timings,
    notes: result.notes,
    params,
    ...extra,
  };
}

export const EXPORT_FILES = ["summary.json", "velocity.tif", "temporalCoherence.tif", "timeseries.tif"];

/** GeoTIFFs, coherent points and summary.json of a run into `outDir`; returns the files written. */
export async function writeExports(outDir: string, result: SbasResult, meta: StackMeta, params: SbasParams, extra: Record<string, unknown> = {}): Promise<string[]> {
  const written: string[] = [];
  const ref = result.reference;
  const f = (name: string): string => {
    written.push(name);
    return join(outDir, name);
  };
  const geo = { width: meta.width, height: meta.height, transform: meta.transform, epsg: meta.epsg };
  writeRaster(f("velocity.tif"), {
    ...geo,
    bands: [result.velocity, result.velocityStd],
    bandNames: ["velocity_m_per_yr", "velocity_std_m_per_yr"],
    noData: NaN,
    metadata: { REF_DATE: result.refDate, REF_Y: String(ref.row), REF_X: String(ref.col) },
  });
  writeRaster(f("temporalCoherence.tif"), { ...geo, bands: [result.temporalCoherence], bandNames: ["temporal_coherence"] });
  writeRaster(f("timeseries.tif"), { ...geo, bands: result.ts, bandNames: result.dates, noData: NaN, metadata: { UNIT: "m", REF_DATE: result.refDate } });
  if (result.demError) writeRaster(f("demErr.tif"), { ...geo, bands: [result.demError], bandNames: ["dem_error_m"], noData: NaN });
  const pts = coherentPoints(result, meta, params.pointCoherence);
  if (pts.length) writeFileAtomic(f("coherent_points.geojson"), pointsGeoJson(pts));
  written.unshift("summary.json");
  writeJson(join(outDir, "summary.json"), summaryOf(result, meta, params, { ...extra, files: written, coherentPoints: pts.length }));
  return written;
}

export const exportStep: StepDef<"export"> = {
  name: "export",
  enabled: () => true,
  files: () => EXPORT_FILES,
  compute: async () => ({ files: [] }),
  async write(ctx, dir, v, hash) {
    const result = await collectResult(ctx);
    v.files = await writeExports(dir, result, await ctx.meta(), ctx.params, { stepHash: hash });
  },
  read: async () => ({ files: [] }),
};
