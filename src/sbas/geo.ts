/** Pixel ↔ lon/lat for the CRSs SBAS products come in (geographic, UTM), through proj4. */
import proj4 from "proj4";
import { pixelToGeo, geoToPixel, isGeographicEpsg, type GeoTransform } from "../raster";

export function projDef(epsg: number): string | null {
  if (isGeographicEpsg(epsg)) return "EPSG:4326";
  if (epsg >= 32601 && epsg <= 32660) return `+proj=utm +zone=${epsg - 32600} +datum=WGS84 +units=m +no_defs`;
  if (epsg >= 32701 && epsg <= 32760) return `+proj=utm +zone=${epsg - 32700} +south +datum=WGS84 +units=m +no_defs`;
  if (epsg === 3857) return "EPSG:3857";
  return null;
}

/** Lon/lat of a pixel centre, or null when the CRS is unknown to this module. */
export function pixelLonLat(t: GeoTransform, epsg: number | undefined, col: number, row: number): [number, number] | null {
  const xy = pixelToGeo(t, col, row);
  const def = projDef(epsg ?? 4326);
  if (!def) return null;
  if (def === "EPSG:4326") return xy;
  return proj4(def, "EPSG:4326", xy) as [number, number];
}

/** Pixel (col,row) containing a lon/lat point. */
export function lonLatPixel(t: GeoTransform, epsg: number | undefined, lon: number, lat: number): [number, number] | null {
  const def = projDef(epsg ?? 4326);
  if (!def) return null;
  const xy = def === "EPSG:4326" ? [lon, lat] : (proj4("EPSG:4326", def, [lon, lat]) as number[]);
  const [c, r] = geoToPixel(t, xy[0], xy[1]);
  return [Math.floor(c), Math.floor(r)];
}
