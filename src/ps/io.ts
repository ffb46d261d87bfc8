/**
 * The PS table as other steps and researchers' tools read it: GeoJSON (QGIS, the subway-buffer step),
 * CSV (spreadsheets) and the in-memory `PsResult`. The GeoJSON layout is a contract with the subway
 * analysis (notebooks 21/22): a FeatureCollection of WGS-84 Point features whose properties are exactly
 * `PsProperties`, plus a top-level `dates` member giving the date of each `displacement` entry.
 */
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../core/atomic";
import { FileError, errorMessage } from "../core/errors";

/** One persistent scatterer as written to the table. */
export interface PsProperties {
  id: number;
  /** Mean LOS velocity, mm/yr; negative = away from the satellite (subsidence). */
  velocity: number;
  /** Internal precision: standard deviation of the velocity, mm/yr. */
  velocityStd: number;
  /** Ensemble (temporal) coherence of the point's model fit, 0..1. */
  coherence: number;
  /** Residual height (DEM error), m. */
  demError: number;
  /** LOS displacement per date relative to the first date, mm (linear + nonlinear). */
  displacement: number[];
}

export interface PsPoint extends PsProperties {
  lon: number;
  lat: number;
}

/** A PS result: the points, the dates of their time series, and where it came from. */
export interface PsResult {
  /** ISO dates (yyyy-mm-dd), one per displacement entry. */
  dates: string[];
  points: PsPoint[];
  /** Free-form provenance (parameters, reference point, counts). */
  metadata?: Record<string, unknown>;
}

export interface PsFeature {
  type: "Feature";
  geometry: { type: "Point"; coordinates: [number, number] };
  properties: PsProperties;
}

export interface PsFeatureCollection {
  type: "FeatureCollection";
  dates: string[];
  features: PsFeature[];
  metadata?: Record<string, unknown>;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function round(v: number, digits: number): number {
  if (!Number.isFinite(v)) return v;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export function psToGeoJson(r: PsResult): PsFeatureCollection {
  return {
    type: "FeatureCollection",
    dates: r.dates,
    ...(r.metadata ? { metadata: r.metadata } : {}),
    features: r.points.map((p) => ({
      type: "Feature" as const,
      geometry: { type: "Point" as const, coordinates: [round(p.lon, 7), round(p.lat, 7)] as [number, number] },
      properties: {
        id: p.id,
        velocity: round(p.velocity, 3),
        velocityStd: round(p.velocityStd, 3),
        coherence: round(p.coherence, 4),
        demError: round(p.demError, 3),
        displacement: p.displacement.map((d) => round(d, 2)),
      },
    })),
  };
}

export function writePsGeoJson(file: string, r: PsResult): void {
  writeFileAtomic(file, JSON.stringify(psToGeoJson(r)));
}

/** Parses and validates a PS GeoJSON; errors name the file and the feature at fault. */
export function parsePsGeoJson(text: string, file = "<PS GeoJSON>"): PsResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FileError(file, `not valid JSON (${(e as Error).message})`);
  }
  const fc = json as Partial<PsFeatureCollection>;
  if (!fc || fc.type !== "FeatureCollection" || !Array.isArray(fc.features)) {
    throw new FileError(file, `expected a GeoJSON FeatureCollection of PS points`);
  }
  if (!Array.isArray(fc.dates) || fc.dates.some((d) => typeof d !== "string" || !ISO_DATE.test(d))) {
    throw new FileError(file, `missing or malformed top-level "dates" (ISO yyyy-mm-dd strings expected)`);
  }
  const dates = fc.dates;
  const points: PsPoint[] = fc.features.map((f, i) => {
    const g = f?.geometry;
    if (!g || g.type !== "Point" || !Array.isArray(g.coordinates) || g.coordinates.length < 2) {
      throw new FileError(file, `feature ${i} is not a Point`);
    }
    const p = f.properties as Partial<PsProperties> | undefined;
    if (!p) throw new FileError(file, `feature ${i} has no properties`);
    for (const k of ["id", "velocity", "velocityStd", "coherence", "demError"] as const) {
      if (typeof p[k] !== "number") throw new FileError(file, `feature ${i} property "${k}" is not a number`);
    }
    if (!Array.isArray(p.displacement) || p.displacement.length !== dates.length) {
      throw new FileError(
        file,
        `feature ${i} has ${Array.isArray(p.displacement) ? p.displacement.length : "no"} displacement ` +
          `values but the file lists ${dates.length} dates`,
      );
    }
    return {
      lon: g.coordinates[0],
      lat: g.coordinates[1],
      id: p.id as number,
      velocity: p.velocity as number,
      velocityStd: p.velocityStd as number,
      coherence: p.coherence as number,
      demError: p.demError as number,
      displacement: p.displacement as number[],
    };
  });
  return { dates, points, ...(fc.metadata ? { metadata: fc.metadata } : {}) };
}

export function readPsGeoJson(file: string): PsResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new FileError(file, `cannot read PS GeoJSON (${errorMessage(e)})`);
  }
  return parsePsGeoJson(text, file);
}

/** CSV with one row per PS: id, lon, lat, velocity, std, coherence, DEM error, then one column per date. */
export function psToCsv(r: PsResult): string {
  const head = ["id", "lon", "lat", "velocity_mm_yr", "velocity_std_mm_yr", "coherence", "dem_error_m", ...r.dates.map((d) => `d_${d}`)];
  const lines = [head.join(",")];
  for (const p of r.points) {
    lines.push(
      [
        p.id,
        round(p.lon, 7),
        round(p.lat, 7),
        round(p.velocity, 3),
        round(p.velocityStd, 3),
        round(p.coherence, 4),
        round(p.demError, 3),
        ...p.displacement.map((d) => round(d, 2)),
      ].join(","),
    );
  }
  return lines.join("\n") + "\n";
}

export function writePsCsv(file: string, r: PsResult): void {
  writeFileAtomic(file, psToCsv(r));
}

/** A line (e.g. a subway line) to draw over the PS: WGS-84 vertices and a name. */
export interface SubwayLineFeature {
  name: string;
  coordinates: [number, number][];
}

/** The LineStrings of a GeoJSON FeatureCollection (other geometries ignored), named by their `name` property. */
export function readLines(file: string): SubwayLineFeature[] {
  let fc: { features?: { geometry?: { type?: string; coordinates?: [number, number][] }; properties?: { name?: string } }[] };
  try {
    fc = JSON.parse(readFileSync(file, "utf8")) as typeof fc;
  } catch (e) {
    throw new FileError(file, `cannot read lines GeoJSON (${errorMessage(e)})`);
  }
  if (!Array.isArray(fc.features)) throw new FileError(file, "not a GeoJSON FeatureCollection");
  return fc.features
    .filter((f) => f.geometry?.type === "LineString" && Array.isArray(f.geometry.coordinates))
    .map((f, i) => ({ name: f.properties?.name ?? `line ${i + 1}`, coordinates: f.geometry!.coordinates! }));
}
