/**
 * Landslide mask → landslide bodies: connected components, their outlines as GeoJSON polygons in
 * WGS-84 (what QGIS and the paper's Fig 5/6 maps take), area, centroid and the mean of each factor of
 * Fig 7 over the body's pixels.
 *
 * Outlines follow pixel edges exactly (no smoothing), so a polygon's planar area equals its pixel count
 * times the pixel area in a projected CRS. Geometries are valid in the OGC sense (what GEOS, QGIS and
 * PostGIS check): a traced ring that passes twice through a corner (two pixels touching only there) is
 * split into simple rings at that corner (a hole pinched at a corner becomes two holes touching there; a
 * bay closed by a corner becomes a hole touching the outline there), and with 8-connectivity a body whose
 * 4-connected pieces touch only at corners becomes a MultiPolygon whose polygons touch at those points.
 */
import { writeFileAtomic } from "../core/atomic";
import { projDef } from "../core/crs";
import proj4 from "proj4";
import { area as turfArea } from "@turf/turf";
import type { Feature, FeatureCollection, MultiPolygon, Polygon, Position } from "geojson";
import type { GeoTransform } from "../io/raster";
import { componentBoxes, connectedComponents, groupRings, ringArea, traceRings } from "./rings";
import { DEFAULT_POLYGONS, DEFAULT_UNET, type PolygonParams } from "./params";

export { componentBoxes, connectedComponents, groupRings, ringArea, splitAtRepeats, traceRings, type BBox, type Components } from "./rings";

/** proj4 definition of an EPSG code this module reprojects from. */
export function projDefinition(epsg: number): string {
  const def = projDef(epsg);
  if (def) return def;
  throw new Error(`EPSG:${epsg} is not supported for polygon output (use WGS-84, UTM 326xx/327xx or 3857)`);
}

/** A function mapping CRS coordinates to WGS-84 [lon, lat]. */
export function toWgs84(epsg: number): (x: number, y: number) => [number, number] {
  if (epsg === 4326) return (x, y) => [x, y];
  const conv = proj4(projDefinition(epsg), "EPSG:4326");
  return (x, y) => {
    const [lon, lat] = conv.forward([x, y]);
    return [lon, lat];
  };
}

/** A function mapping WGS-84 [lon, lat] to CRS coordinates. */
export function fromWgs84(epsg: number): (lon: number, lat: number) => [number, number] {
  if (epsg === 4326) return (x, y) => [x, y];
  const conv = proj4(projDefinition(epsg), "EPSG:4326");
  return (lon, lat) => {
    const [x, y] = conv.inverse([lon, lat]);
    return [x, y];
  };
}

export interface LandslideProperties {
  id: number;
  pixels: number;
  /** km²: pixel count × pixel area in a projected CRS, geodesic (turf) area for EPSG:4326. */
  area_km2: number;
  centroid_lon: number;
  centroid_lat: number;
  /** Means of the factor planes passed in (e.g. elevation, slope, ndvi…), keyed by factor name. */
  [factor: string]: number;
}

export type LandslideFeature = Feature<Polygon | MultiPolygon, LandslideProperties>;
export type LandslideCollection = FeatureCollection<Polygon | MultiPolygon, LandslideProperties>;

/** The outer rings of a landslide's geometry (one for a Polygon, one per part of a MultiPolygon). */
export function outerRings(g: Polygon | MultiPolygon): Position[][] {
  return g.type === "Polygon" ? [g.coordinates[0]] : g.coordinates.map((p) => p[0]);
}

export interface PolygonizeOptions extends Partial<PolygonParams> {
  transform: GeoTransform;
  epsg: number;
  /** Per-pixel factor planes (width×height) averaged over each polygon, e.g. { elevation, slope, ndvi }. */
  factors?: Record<string, ArrayLike<number>>;
  /** Probability above which a pixel is foreground (default 0.5, U-Net threshold). */
  threshold?: number;
}

/**
 * Mask (0/1 or probability) → landslide polygons in WGS-84 with area, centroid and factor means.
 * Components smaller than `minAreaM2` are dropped; ids are 1… in the order kept.
 */
export function polygonize(
  mask: ArrayLike<number>,
  width: number,
  height: number,
  opts: PolygonizeOptions,
): LandslideCollection {
  const p = { ...DEFAULT_POLYGONS, ...opts };
  const t = opts.transform;
  const threshold = opts.threshold ?? DEFAULT_UNET.threshold;
  const cc = connectedComponents(mask, width, height, p.connectivity, threshold);
  const project = toWgs84(opts.epsg);
  const geographic = opts.epsg === 4326;
  const pixelAreaM2 = Math.abs(t.pixelWidth * t.pixelHeight);
  const factorNames = Object.keys(opts.factors ?? {});
  for (const f of factorNames) {
    if (opts.factors![f].length !== width * height) {
      throw new Error(`polygonize: factor "${f}" has ${opts.factors![f].length} pixels, expected ${width}×${height}`);
    }
  }
  // Per component sums in one pass.
  const k = cc.count + 1;
  const sx = new Float64Array(k);
  const sy = new Float64Array(k);
  const fs = factorNames.map(() => new Float64Array(k));
  const fn = factorNames.map(() => new Float64Array(k));
  for (let i = 0; i < width * height; i++) {
    const id = cc.labels[i];
    if (id === 0) continue;
    const x = i % width;
    sx[id] += x + 0.5;
    sy[id] += (i - x) / width + 0.5;
    factorNames.forEach((name, j) => {
      const v = opts.factors![name][i];
      if (Number.isFinite(v)) {
        fs[j][id] += v;
        fn[j][id]++;
      }
    });
  }
  // Each body is drawn as its 4-connected pieces (with 8-connectivity, pieces touching only at corners
  // become the polygons of a MultiPolygon): a piece's outline and holes then never touch themselves or
  // each other at more than isolated points, which OGC validity requires.
  const cc4 = p.connectivity === 4 ? cc : connectedComponents(mask, width, height, 4, threshold);
  const boxes = componentBoxes(cc4, width);
  const pieces: number[][] = Array.from({ length: cc.count + 1 }, () => []);
  if (cc4 === cc) for (let id = 1; id <= cc.count; id++) pieces[id].push(id);
  else {
    const seen = new Uint8Array(cc4.count + 1);
    for (let i = 0; i < width * height; i++) {
      const id4 = cc4.labels[i];
      if (id4 && !seen[id4]) {
        seen[id4] = 1;
        pieces[cc.labels[i]].push(id4);
      }
    }
  }
  const features: LandslideFeature[] = [];
  const toGeo = (px: number, py: number): Position => {
    const [lon, lat] = project(t.originX + px * t.pixelWidth, t.originY + py * t.pixelHeight);
    return [lon, lat];
  };
  for (let id = 1; id <= cc.count; id++) {
    const n = cc.sizes[id];
    if (!geographic && n * pixelAreaM2 < p.minAreaM2) continue;
    const parts = pieces[id].flatMap((id4) => groupRings(traceRings(cc4.labels, width, height, id4, 4, boxes[id4]))).map((poly) =>
      poly.map((ring, r) => {
        // GeoJSON (RFC 7946): outer rings counter-clockwise in lon/lat, holes clockwise, whatever the
        // raster's orientation.
        const pts = ring.map(([x, y]) => toGeo(x, y));
        pts.push(pts[0]);
        if ((r === 0) !== ringArea(pts) > 0) pts.reverse();
        return pts;
      }),
    );
    const geom: Polygon | MultiPolygon = parts.length === 1 ? { type: "Polygon", coordinates: parts[0] } : { type: "MultiPolygon", coordinates: parts };
    const areaM2 = geographic ? turfArea(geom) : n * pixelAreaM2;
    if (geographic && areaM2 < p.minAreaM2) continue;
    const [clon, clat] = toGeo(sx[id] / n, sy[id] / n);
    const props: LandslideProperties = {
      id: features.length + 1,
      pixels: n,
      area_km2: areaM2 / 1e6,
      centroid_lon: clon,
      centroid_lat: clat,
    };
    factorNames.forEach((name, j) => {
      props[name] = fn[j][id] > 0 ? fs[j][id] / fn[j][id] : NaN;
    });
    features.push({ type: "Feature", properties: props, geometry: geom });
  }
  return { type: "FeatureCollection", features };
}

/** Total area of a collection in km². */
export function totalAreaKm2(fc: LandslideCollection): number {
  return fc.features.reduce((s, f) => s + f.properties.area_km2, 0);
}

/** Writes GeoJSON atomically (temporary name, then rename). NaN factor values become null. */
export function writeGeoJson(file: string, fc: FeatureCollection): void {
  writeFileAtomic(file, JSON.stringify(fc, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v)));
}
