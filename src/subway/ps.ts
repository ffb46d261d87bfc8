/**
 * PS points as the subway analysis takes them: the PS step's GeoJSON contract (a FeatureCollection of
 * WGS-84 Points with properties `{ id, velocity (mm/yr), velocityStd, coherence, demError,
 * displacement: number[] (mm per date) }` and a top-level `"dates"` array), held column-wise in typed
 * arrays so that buffers over 10⁵–10⁶ points stay fast. Defined here rather than imported from the PS
 * module so the two steps meet only at the file format.
 */
import { basename } from "node:path";
import { parseDate } from "../core/dates";
import { FileError } from "../core/errors";
import { convertLonLat, parseDatum, type Datum } from "../geometry/datum";
import { readJsonFile } from "../geometry/geojson";

export interface PsPoints {
  /** Always WGS-84 once read. */
  datum: Datum;
  dates: string[];
  ids: string[];
  lon: Float64Array;
  lat: Float64Array;
  /** LOS velocity, mm/yr (negative = away from the satellite, i.e. subsidence). */
  velocity: Float64Array;
  velocityStd: Float64Array;
  coherence: Float64Array;
  /** Displacement, mm, point-major: point i, date k at i·dates.length + k; empty when absent. */
  displacement: Float32Array;
  /** Where the points came from, for messages. */
  source: string;
}

export function psCount(ps: PsPoints): number {
  return ps.lon.length;
}

/** Displacement series of point i (a view, no copy). */
export function psSeries(ps: PsPoints, i: number): Float32Array {
  const m = ps.dates.length;
  if (ps.displacement.length === 0) throw new FileError(ps.source, "the PS file carries no displacement series");
  return ps.displacement.subarray(i * m, (i + 1) * m);
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses the PS GeoJSON contract. `datum` only where the file does not state one (default WGS84). */
export function parsePsGeoJson(source: string, json: unknown, datum: Datum = "WGS84"): PsPoints {
  const name = basename(source);
  const fail = (msg: string): never => {
    throw new FileError(name, msg);
  };
  if (!isObj(json) || json.type !== "FeatureCollection" || !Array.isArray(json.features)) {
    return fail("expected a GeoJSON FeatureCollection of PS points");
  }
  const dates = json.dates;
  if (!Array.isArray(dates) || !dates.every((d) => typeof d === "string")) {
    return fail('top-level "dates" (array of YYYY-MM-DD strings) is missing');
  }
  dates.forEach((d, k) => {
    try {
      parseDate(d as string);
    } catch (e) {
      fail(`dates[${k}]: ${(e as Error).message}`);
    }
    if (k > 0 && parseDate(d as string) <= parseDate(dates[k - 1] as string)) fail(`dates[${k}] ${d} does not follow ${dates[k - 1]}`);
  });
  const stated =
    isObj(json.crs) && isObj(json.crs.properties) && typeof json.crs.properties.name === "string"
      ? parseDatum(json.crs.properties.name)
      : typeof json.datum === "string"
        ? parseDatum(json.datum)
        : undefined;
  const srcDatum = stated ?? datum;
  const features = json.features as unknown[];
  const n = features.length;
  if (n === 0) fail("no PS points (empty FeatureCollection)");
  const m = dates.length;
  const out: PsPoints = {
    datum: "WGS84",
    dates: dates as string[],
    ids: new Array<string>(n),
    lon: new Float64Array(n),
    lat: new Float64Array(n),
    velocity: new Float64Array(n),
    velocityStd: new Float64Array(n).fill(NaN),
    coherence: new Float64Array(n).fill(NaN),
    displacement: new Float32Array(0),
    source: name,
  };
  let hasSeries = false;
  features.forEach((f, i) => {
    if (!isObj(f) || !isObj(f.geometry) || f.geometry.type !== "Point") fail(`feature ${i} is not a Point feature`);
    const fo = f as Json;
    const g = fo.geometry as Json;
    const c = g.coordinates as unknown[];
    if (!Array.isArray(c) || typeof c[0] !== "number" || typeof c[1] !== "number" || Math.abs(c[1]) > 90) {
      fail(`feature ${i}: coordinates ${JSON.stringify(c)} are not [lon, lat]`);
    }
    const p = srcDatum === "WGS84" ? [c[0] as number, c[1] as number] : convertLonLat([c[0] as number, c[1] as number], srcDatum, "WGS84");
    out.lon[i] = p[0];
    out.lat[i] = p[1];
    const props = isObj(fo.properties) ? fo.properties : {};
    out.ids[i] = String(props.id ?? i);
    const v = props.velocity;
    if (typeof v !== "number" || !Number.isFinite(v)) fail(`feature ${i} (id ${out.ids[i]}): "velocity" missing or not a finite number`);
    out.velocity[i] = v as number;
    if (typeof props.velocityStd === "number") out.velocityStd[i] = props.velocityStd;
    if (typeof props.coherence === "number") out.coherence[i] = props.coherence;
    const d = props.displacement;
    if (d !== undefined) {
      if (!Array.isArray(d) || d.length !== m) fail(`feature ${i} (id ${out.ids[i]}): "displacement" has ${Array.isArray(d) ? d.length : "no"} values for ${m} dates`);
      if (!hasSeries) {
        if (i > 0) fail(`feature ${i} has a displacement series but earlier features do not`);
        out.displacement = new Float32Array(n * m);
        hasSeries = true;
      }
      const arr = d as unknown[];
      for (let k = 0; k < m; k++) out.displacement[i * m + k] = typeof arr[k] === "number" ? (arr[k] as number) : NaN;
    } else if (hasSeries) {
      fail(`feature ${i} (id ${out.ids[i]}) has no "displacement" series while others do`);
    }
  });
  return out;
}

export function readPsGeoJson(file: string, datum: Datum = "WGS84"): PsPoints {
  return { ...parsePsGeoJson(file, readJsonFile(file), datum), source: file };
}

/** A subset of the points (typed-array copies). */
export function selectPs(ps: PsPoints, index: ArrayLike<number>): PsPoints {
  const m = ps.dates.length;
  const k = index.length;
  const out: PsPoints = {
    ...ps,
    ids: Array.from(index as ArrayLike<number>, (i) => ps.ids[i]),
    lon: Float64Array.from(index as ArrayLike<number>, (i) => ps.lon[i]),
    lat: Float64Array.from(index as ArrayLike<number>, (i) => ps.lat[i]),
    velocity: Float64Array.from(index as ArrayLike<number>, (i) => ps.velocity[i]),
    velocityStd: Float64Array.from(index as ArrayLike<number>, (i) => ps.velocityStd[i]),
    coherence: Float64Array.from(index as ArrayLike<number>, (i) => ps.coherence[i]),
    displacement: ps.displacement.length ? new Float32Array(k * m) : new Float32Array(0),
  };
  if (ps.displacement.length) for (let j = 0; j < k; j++) out.displacement.set(psSeries(ps, index[j]), j * m);
  return out;
}
