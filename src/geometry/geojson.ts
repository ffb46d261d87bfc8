/**
 * GeoJSON in and out for subway lines, stations and points, with the datum explicit on every
 * geometry. RFC 7946 says GeoJSON is WGS-84, but Chinese metro data is routinely published in GCJ-02
 * or BD-09 inside GeoJSON files, so a reader must be told (or find in the file) which datum it holds:
 * a top-level `crs` or `datum` member, a `datum`/`crs` property, a collection `name` naming the datum,
 * or the caller's `datum` option. A file with
 * none of these is refused rather than guessed — a wrong guess moves lines by the buffer width.
 */
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../core/atomic";
import { FileError } from "../core/errors";
import { basename } from "node:path";
import { convertLonLat, parseDatum, type Datum, type LonLat } from "./datum";

export interface GeoLineString {
  datum: Datum;
  coordinates: LonLat[];
}

export interface GeoPoint {
  datum: Datum;
  coordinates: LonLat;
}

export interface SubwayLine {
  /** Short code used to join stations to lines (e.g. "GF", "F2", "GZ7"). */
  code: string;
  name: string;
  geometry: GeoLineString;
  properties: Record<string, unknown>;
}

export interface Station {
  line: string;
  /** Order along the line, 0-based. */
  seq: number;
  name: string;
  geometry: GeoPoint;
  properties: Record<string, unknown>;
}

export interface ReadGeoOptions {
  /** Datum of the coordinates when the file does not say; overrides nothing the file states. */
  datum?: Datum;
  /** Convert to this datum on reading (default WGS84, what InSAR products use). */
  to?: Datum;
}

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fail(file: string, msg: string): never {
  throw new FileError(basename(file), msg);
}

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new FileError(file, `cannot read (${(e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FileError(file, `not valid JSON (${(e as Error).message})`);
  }
}

function datumOfCollection(fc: Json): Datum | undefined {
  const crs = fc.crs;
  if (isObj(crs) && isObj(crs.properties) && typeof crs.properties.name === "string") {
    return parseDatum(crs.properties.name);
  }
  for (const k of ["datum", "crs"]) if (typeof fc[k] === "string") return parseDatum(fc[k] as string);
  // Last resort: a collection name that states it (e.g. "foshan_metro_stations_wgs84").
  if (typeof fc.name === "string") return parseDatum(fc.name);
  return undefined;
}

function datumOfFeature(props: Json): Datum | undefined {
  for (const k of ["datum", "crs", "coord_sys", "coordinate_system"]) {
    const v = props[k];
    if (typeof v === "string") {
      const d = parseDatum(v);
      if (d) return d;
    }
  }
  return undefined;
}

function checkLonLat(file: string, where: string, c: unknown): LonLat {
  if (!Array.isArray(c) || c.length < 2 || typeof c[0] !== "number" || typeof c[1] !== "number") {
    fail(file, `${where}: coordinate ${JSON.stringify(c)} is not [lon, lat]`);
  }
  const lon = c[0] as number;
  const lat = c[1] as number;
  if (!Number.isFinite(lon) || !Number.isFinite(lat)) fail(file, `${where}: coordinate is not finite`);
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    fail(file, `${where}: [${lon}, ${lat}] is not lon/lat in degrees (projected, or axes swapped?)`);
  }
  return [lon, lat];
}

/** Features of a FeatureCollection, with the collection's datum (if stated). */
export function parseFeatureCollection(file: string, json: unknown): { features: Json[]; datum?: Datum; top: Json } {
  if (!isObj(json) || json.type !== "FeatureCollection" || !Array.isArray(json.features)) {
    fail(file, `expected a GeoJSON FeatureCollection, found ${isObj(json) ? `type "${String(json.type)}"` : typeof json}`);
  }
  const features = json.features as unknown[];
  features.forEach((f, i) => {
    if (!isObj(f) || f.type !== "Feature" || !isObj(f.geometry)) fail(file, `feature ${i} is not a Feature with a geometry`);
  });
  return { features: features as Json[], datum: datumOfCollection(json), top: json };
}

function resolveDatum(file: string, where: string, fileDatum: Datum | undefined, featureDatum: Datum | undefined, opts: ReadGeoOptions): Datum {
  if (featureDatum && fileDatum && featureDatum !== fileDatum) {
    fail(file, `${where}: feature datum ${featureDatum} contradicts the collection's ${fileDatum}`);
  }
  const d = featureDatum ?? fileDatum ?? opts.datum;
  if (!d) {
    fail(file, `${where}: datum not stated (no "crs" member or "datum"/"crs" property); pass { datum: "WGS84" | "GCJ02" | "BD09" } — Chinese map data is often GCJ-02 or BD-09, hundreds of metres off WGS-84`);
  }
  return d;
}

/** Subway lines: LineString or MultiLineString features (MultiLineString parts are joined in order). */
export function parseLines(file: string, json: unknown, opts: ReadGeoOptions = {}): SubwayLine[] {
  const to = opts.to ?? "WGS84";
  const { features, datum } = parseFeatureCollection(file, json);
  const lines: SubwayLine[] = [];
  features.forEach((f, i) => {
    const g = f.geometry as Json;
    const props = isObj(f.properties) ? f.properties : {};
    const where = `feature ${i}`;
    let parts: unknown[];
    if (g.type === "LineString") parts = [g.coordinates];
    else if (g.type === "MultiLineString" && Array.isArray(g.coordinates)) parts = g.coordinates as unknown[];
    else return; // stations or labels mixed into a lines file are not lines
    const coords: LonLat[] = [];
    for (const part of parts) {
      if (!Array.isArray(part)) fail(file, `${where}: LineString coordinates are not an array`);
      for (const c of part) {
        const p = checkLonLat(file, where, c);
        const last = coords[coords.length - 1];
        if (!last || last[0] !== p[0] || last[1] !== p[1]) coords.push(p);
      }
    }
    if (coords.length < 2) fail(file, `${where}: a line needs at least 2 distinct vertices, has ${coords.length}`);
    const d = resolveDatum(file, where, datum, datumOfFeature(props), opts);
    const code = String(props.code ?? props.id ?? props.line ?? props.name ?? `line${i}`);
    const name = String(props.name_en ?? props.name ?? props.name_zh ?? code);
    lines.push({
      code,
      name,
      geometry: { datum: to, coordinates: coords.map((p) => convertLonLat(p, d, to)) },
      properties: { ...props, sourceDatum: d },
    });
  });
  if (lines.length === 0) fail(file, "no LineString or MultiLineString features");
  const codes = new Set<string>();
  for (const l of lines) {
    if (codes.has(l.code)) fail(file, `line code "${l.code}" appears twice`);
    codes.add(l.code);
  }
  return lines;
}

/** Stations: Point features with `line` and `seq` (order along the line) properties. */
export function parseStations(file: string, json: unknown, opts: ReadGeoOptions = {}): Station[] {
  const to = opts.to ?? "WGS84";
  const { features, datum } = parseFeatureCollection(file, json);
  const out: Station[] = [];
  features.forEach((f, i) => {
    const g = f.geometry as Json;
    if (g.type !== "Point") return;
    const props = isObj(f.properties) ? f.properties : {};
    const where = `feature ${i}`;
    const line = props.line;
    const seq = props.seq;
    if (typeof line !== "string" || line === "") fail(file, `${where}: station has no "line" property`);
    if (typeof seq !== "number" || !Number.isInteger(seq)) fail(file, `${where}: station has no integer "seq" property`);
    const p = checkLonLat(file, where, g.coordinates);
    const d = resolveDatum(file, where, datum, datumOfFeature(props), opts);
    out.push({
      line,
      seq,
      name: String(props.name_en ?? props.name ?? props.name_zh ?? `${line}-${seq}`),
      geometry: { datum: to, coordinates: convertLonLat(p, d, to) },
      properties: { ...props, sourceDatum: d },
    });
  });
  return out;
}

export function readLines(file: string, opts: ReadGeoOptions = {}): SubwayLine[] {
  return parseLines(file, readJsonFile(file), opts);
}

export function readStations(file: string, opts: ReadGeoOptions = {}): Station[] {
  return parseStations(file, readJsonFile(file), opts);
}

/** Stations of one line in order; refuses duplicated sequence numbers. */
export function stationsOf(stations: readonly Station[], line: string): Station[] {
  const s = stations.filter((x) => x.line === line).sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < s.length; i++) {
    if (s[i].seq === s[i - 1].seq) throw new Error(`line ${line}: two stations with seq ${s[i].seq}`);
  }
  return s;
}

// ---------------------------------------------------------------- writing

export interface FeatureOut {
  geometry: { type: "Point"; coordinates: number[] } | { type: "LineString"; coordinates: number[][] } | { type: "Polygon"; coordinates: number[][][] };
  properties: Record<string, unknown>;
}

/**
 * A GeoJSON FeatureCollection as text. Coordinates must be WGS-84 (RFC 7946, what QGIS assumes);
 * `datum` is recorded as a top-level member so that our readers can check it.
 */
export function featureCollectionText(features: readonly FeatureOut[], extra: Record<string, unknown> = {}, datum: Datum = "WGS84"): string {
  if (datum !== "WGS84") {
    throw new Error(`GeoJSON output must be WGS-84 (RFC 7946); convert ${datum} coordinates first`);
  }
  const fc = {
    type: "FeatureCollection",
    ...extra,
    datum,
    features: features.map((f) => ({ type: "Feature", properties: f.properties, geometry: f.geometry })),
  };
  return JSON.stringify(fc);
}

export function writeFeatureCollection(file: string, features: readonly FeatureOut[], extra: Record<string, unknown> = {}): void {
  writeFileAtomic(file, featureCollectionText(features, extra));
}
