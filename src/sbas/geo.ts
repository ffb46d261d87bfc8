/** Pixel ↔ lon/lat for the CRSs SBAS products come in (geographic, UTM), through proj4. */
import proj4 from "proj4";
import { pixelToGeo, geoToPixel, type GeoTransform } from "../io/raster";
import { projDef } from "../core/crs";


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
