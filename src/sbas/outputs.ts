/**
 * Writes an SBAS run: MintPy-layout HDF5 (timeseries.h5, timeseries_raw.h5, velocity.h5,
 * temporalCoherence.h5, maskTempCoh.h5, demErr.h5, avgSpatialCoh.h5, numInvIfgram.h5), GeoTIFFs for QGIS,
 * the PS-like high-coherence points as GeoJSON (WGS 84) and summary.json. Every file is written to a
 * temporary name and renamed.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeRaster } from "../io/raster";
import { writeFileAtomic } from "../core/atomic";
import type { SbasParams } from "../studies/zigui/sbas";
import { writeMintpy2D, writeMintpyTimeseries } from "./mintpy-h5";
import type { SbasResult } from "./pipeline";
import type { IfgramStack } from "./types";
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
export function coherentPoints(result: SbasResult, stack: IfgramStack, minTempCoh: number, maxPoints = 100_000): PointFeature[] {
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

export function summaryOf(result: SbasResult, stack: IfgramStack, params: SbasParams, extra: Record<string, unknown> = {}) {
  const v: number[] = [];
  for (let p = 0; p < result.velocity.length; p++) if (result.maskTempCoh[p] && result.velocity[p] === result.velocity[p]) v.push(result.velocity[p]);
  v.sort((a, b) => a - b);
  const q = (f: number): number => (v.length ? v[Math.min(v.length - 1, Math.floor(f * v.length))] : NaN);
  return {
    source: stack.source,
    size: { width: stack.width, height: stack.height },
    dates: result.dates,
    pairs: { total: stack.pairs.length, kept: result.network.pairs.length, dropped: result.network.dropped },
    networkComponents: result.network.components,
    referencePoint: result.reference,
    referenceDate: result.refDate,
    wavelength: stack.wavelength,
    velocity: {
      unit: "m/year",
      coherentPixels: v.length,
      min: v[0],
      p05: q(0.05),
      median: q(0.5),
      p95: q(0.95),
      max: v[v.length - 1],
    },
    rankDeficientPixels: result.rankDeficientPixels,
    residualRms: result.residualRms,
    timings: result.timings,
    notes: result.notes,
    params,
    ...extra,
  };
}

export async function writeSbasOutputs(
  outDir: string,
  result: SbasResult,
  stack: IfgramStack,
  params: SbasParams,
  extra: Record<string, unknown> = {},
): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  const ref = result.reference;
  const common = {
    REF_Y: String(ref.row),
    REF_X: String(ref.col),
    REF_DATE: result.refDate,
    START_DATE: result.dates[0],
    END_DATE: result.dates[result.dates.length - 1],
    DATE12: `${result.dates[0].slice(2)}_${result.dates[result.dates.length - 1].slice(2)}`,
    PROCESSOR_SBAS: "deformation-lab src/sbas",
  };
  const f = (name: string): string => {
    written.push(name);
    return join(outDir, name);
  };
  await writeMintpyTimeseries(f("timeseries.h5"), stack, { dates: result.dates, ts: result.ts, bperp: result.bperpDates, refDate: result.refDate }, common);
  await writeMintpyTimeseries(
    f("timeseries_raw.h5"),
    stack,
    { dates: result.dates, ts: result.tsRaw, bperp: result.bperpDates, refDate: result.dates[0] },
    { ...common, REF_DATE: result.dates[0] },
  );
  const velDs: Record<string, Float32Array> = {};
  result.fit.names.forEach((name, i) => {
    velDs[name] = result.fit.params[i];
    velDs[`${name}Std`] = result.fit.std[i];
  });
  velDs.residue = result.fit.residue;
  await writeMintpy2D(f("velocity.h5"), stack, "velocity", velDs, { ...common, UNIT: "m/year" });
  await writeMintpy2D(f("temporalCoherence.h5"), stack, "temporalCoherence", { temporalCoherence: result.temporalCoherence }, { ...common, UNIT: "1" });
  await writeMintpy2D(f("maskTempCoh.h5"), stack, "mask", { mask: Float32Array.from(result.maskTempCoh) }, { ...common, UNIT: "1" });
  await writeMintpy2D(f("avgSpatialCoh.h5"), stack, "mask", { coherence: result.avgSpatialCoherence }, { ...common, UNIT: "1" });
  await writeMintpy2D(f("numInvIfgram.h5"), stack, "mask", { mask: Float32Array.from(result.numInvIfgram) }, { ...common, UNIT: "1" });
  if (result.demError) await writeMintpy2D(f("demErr.h5"), stack, "dem", { dem: result.demError }, { ...common, UNIT: "m" });
  const geo = { width: stack.width, height: stack.height, transform: stack.transform, epsg: stack.epsg };
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
  const pts = coherentPoints(result, stack, params.pointCoherence);
  if (pts.length) writeFileAtomic(f("coherent_points.geojson"), pointsGeoJson(pts));
  // Infinity (no baseline limit) and NaN would become null in JSON: keep them readable.
  const finite = (_k: string, v: unknown): unknown => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v);
  writeFileAtomic(f("summary.json"), JSON.stringify(summaryOf(result, stack, params, { ...extra, files: written, coherentPoints: pts.length }), finite, 1));
  return written;
}
