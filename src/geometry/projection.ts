/**
 * Metric coordinates for buffer distances. Distances in degrees are meaningless for a 600 m buffer,
 * and spherical formulas (turf's haversine) err by up to 0.5 % against the WGS-84 ellipsoid — 3 m at
 * 600 m — so geometry is projected with proj4 onto the ellipsoid:
 *  - `utm`: the UTM zone of the data (EPSG 326zz/327zz), what QGIS users expect; scale error up to
 *    4·10⁻⁴ (0.24 m at 600 m) at the zone centre and edges;
 *  - `local`: a transverse Mercator with scale 1 on a meridian through the data, which over a city
 *    (±50 km) keeps scale error under 3·10⁻⁵ (< 2 cm at 600 m). The default for buffer membership.
 */
import proj4 from "proj4";
import { utmEpsg, utmProj, utmZone } from "../core/crs";
export { utmEpsg, utmZone };
import type { LonLat } from "./datum";

export type MetricFrameKind = "utm" | "local";

export interface MetricFrame {
  kind: MetricFrameKind;
  /** proj4 definition string of the projected system (always on the WGS-84 ellipsoid). */
  proj: string;
  /** EPSG code where one exists (UTM), for GeoTIFF/GeoJSON outputs. */
  epsg?: number;
  /** Central meridian, degrees. */
  lon0: number;
}


export function utmFrame(lon: number, lat: number): MetricFrame {
  const zone = utmZone(lon);
  return {
    kind: "utm",
    proj: utmProj(zone, lat < 0),
    epsg: utmEpsg(lon, lat),
    lon0: zone * 6 - 183,
  };
}

export function localFrame(lon0: number, lat0 = 0): MetricFrame {
  if (!Number.isFinite(lon0) || !Number.isFinite(lat0)) throw new Error("localFrame: centre is not finite");
  return {
    kind: "local",
    proj: `+proj=tmerc +lat_0=${lat0} +lon_0=${lon0} +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs`,
    lon0,
  };
}

/** A frame suited to a set of WGS-84 coordinates: UTM zone or local TM through their centre. */
export function frameFor(points: readonly LonLat[], kind: MetricFrameKind = "local"): MetricFrame {
  if (points.length === 0) throw new Error("frameFor: no coordinates to centre the metric frame on");
  let minLon = Infinity;
  let maxLon = -Infinity;
  let minLat = Infinity;
  let maxLat = -Infinity;
  for (const [lon, lat] of points) {
    if (lon < minLon) minLon = lon;
    if (lon > maxLon) maxLon = lon;
    if (lat < minLat) minLat = lat;
    if (lat > maxLat) maxLat = lat;
  }
  const lon = (minLon + maxLon) / 2;
  const lat = (minLat + maxLat) / 2;
  return kind === "utm" ? utmFrame(lon, lat) : localFrame(Number(lon.toFixed(6)), Number(lat.toFixed(6)));
}

type Converter = { forward(p: number[]): number[]; inverse(p: number[]): number[] };
const cache = new Map<string, Converter>();

function converter(frame: MetricFrame): Converter {
  let c = cache.get(frame.proj);
  if (!c) {
    c = proj4("EPSG:4326", frame.proj) as unknown as Converter;
    cache.set(frame.proj, c);
  }
  return c;
}

/** WGS-84 lon/lat → frame x, y in metres. */
export function toMetric(frame: MetricFrame, p: LonLat): [number, number] {
  const r = converter(frame).forward([p[0], p[1]]);
  return [r[0], r[1]];
}

/** Frame x, y in metres → WGS-84 lon/lat. */
export function fromMetric(frame: MetricFrame, x: number, y: number): LonLat {
  const r = converter(frame).inverse([x, y]);
  return [r[0], r[1]];
}

/** Projects many points at once into interleaved x,y metres. */
export function toMetricArray(frame: MetricFrame, lon: ArrayLike<number>, lat: ArrayLike<number>): Float64Array {
  if (lon.length !== lat.length) throw new Error(`toMetricArray: ${lon.length} longitudes but ${lat.length} latitudes`);
  const c = converter(frame);
  const out = new Float64Array(lon.length * 2);
  for (let i = 0; i < lon.length; i++) {
    const r = c.forward([lon[i], lat[i]]);
    out[2 * i] = r[0];
    out[2 * i + 1] = r[1];
  }
  return out;
}
