/**
 * Coordinate reference helpers shared by every area: UTM zones and proj4 strings on WGS-84, and the
 * aspect ratio that makes a lon/lat map show true distances (one degree of longitude is cos φ degrees
 * of latitude long), so maps are not stretched east–west (17 % at 31° N without it).
 */
export const GEOGRAPHIC_EPSG = 4326;

/** Geographic (lon/lat) CRS codes fall in EPSG's 4000–4999 block (4326 WGS 84, 4490 CGCS2000). */
export function isGeographicEpsg(epsg: number): boolean {
  return epsg >= 4000 && epsg < 5000;
}

export function utmZone(lon: number): number {
  if (!Number.isFinite(lon)) throw new Error(`utmZone: longitude ${lon} is not finite`);
  const l = ((((lon + 180) % 360) + 360) % 360) - 180;
  return Math.min(60, Math.floor((l + 180) / 6) + 1);
}

export function utmEpsg(lon: number, lat: number): number {
  return (lat >= 0 ? 32600 : 32700) + utmZone(lon);
}

export function utmProj(zone: number, south: boolean): string {
  return `+proj=utm +zone=${zone}${south ? " +south" : ""} +datum=WGS84 +units=m +no_defs`;
}

/** proj4 definition of an EPSG code this project handles (geographic, UTM, web Mercator), else null. */
export function projDef(epsg: number): string | null {
  if (isGeographicEpsg(epsg)) return "EPSG:4326";
  if (epsg >= 32601 && epsg <= 32660) return utmProj(epsg - 32600, false);
  if (epsg >= 32701 && epsg <= 32760) return utmProj(epsg - 32700, true);
  if (epsg === 3857) return "EPSG:3857";
  return null;
}

/** Metres per degree of latitude (mean, WGS-84) for quick extents; proj4 where accuracy matters. */
export const M_PER_DEG = 111_320;

/** Plotly's y/x scale ratio for a lon/lat map centred at latitude `lat` (degrees): equal distances. */
export function mapAspect(lat: number): number {
  return 1 / Math.cos((lat * Math.PI) / 180);
}

/** Plotly axis settings for a lon/lat map whose distances look true at latitude `lat`. */
export function lonLatAxes(lat: number): { xaxis: Record<string, unknown>; yaxis: Record<string, unknown> } {
  return {
    xaxis: { title: { text: "longitude (°E)" }, zeroline: false },
    yaxis: { title: { text: "latitude (°N)" }, zeroline: false, scaleanchor: "x", scaleratio: mapAspect(lat) },
  };
}
