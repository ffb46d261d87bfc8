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
import { writeFileSync, renameSync } from "node:fs";
import { projDef } from "../core/crs";
import proj4 from "proj4";
import { area as turfArea } from "@turf/turf";
import type { Feature, FeatureCollection, MultiPolygon, Polygon, Position } from "geojson";
import type { GeoTransform } from "../io/raster";
import { DEFAULT_POLYGONS, DEFAULT_UNET, type PolygonParams } from "./params";

export interface Components {
  /** Component id per pixel, 1…count; 0 for background. */
  labels: Int32Array;
  count: number;
  /** Pixels per component; index 0 unused. */
  sizes: Int32Array;
}

/** Labels the connected foreground (mask ≥ 0.5 or > threshold) pixels, row-major scan order. */
export function connectedComponents(
  mask: ArrayLike<number>,
  width: number,
  height: number,
  connectivity: 4 | 8 = 8,
  threshold = 0.5,
): Components {
  const n = width * height;
  if (mask.length !== n) throw new Error(`connectedComponents: mask has ${mask.length} pixels, expected ${width}×${height}`);
  const labels = new Int32Array(n);
  const sizes: number[] = [0];
  const stack = new Int32Array(n);
  const nb4 = [
    [0, -1],
    [-1, 0],
    [1, 0],
    [0, 1],
  ];
  const nb8 = [...nb4, [-1, -1], [1, -1], [-1, 1], [1, 1]];
  const nb = connectivity === 8 ? nb8 : nb4;
  let count = 0;
  for (let s = 0; s < n; s++) {
    if (labels[s] !== 0 || !(mask[s] >= threshold)) continue;
    count++;
    let top = 0;
    stack[top++] = s;
    labels[s] = count;
    let size = 0;
    while (top > 0) {
      const p = stack[--top];
      size++;
      const x = p % width;
      const y = (p - x) / width;
      for (const [dx, dy] of nb) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const q = ny * width + nx;
        if (labels[q] === 0 && mask[q] >= threshold) {
          labels[q] = count;
          stack[top++] = q;
        }
      }
    }
    sizes.push(size);
  }
  return { labels, count, sizes: Int32Array.from(sizes) };
}

/** Inclusive pixel bounds. */
export interface BBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Bounding box of every component (index = component id; index 0 unused). */
export function componentBoxes(cc: Components, width: number): BBox[] {
  const boxes: BBox[] = [];
  for (let id = 0; id <= cc.count; id++) boxes.push({ x0: Infinity, y0: Infinity, x1: -1, y1: -1 });
  for (let i = 0; i < cc.labels.length; i++) {
    const id = cc.labels[i];
    if (id === 0) continue;
    const x = i % width;
    const y = (i - x) / width;
    const b = boxes[id];
    if (x < b.x0) b.x0 = x;
    if (x > b.x1) b.x1 = x;
    if (y < b.y0) b.y0 = y;
    if (y > b.y1) b.y1 = y;
  }
  return boxes;
}

/**
 * Outline rings of one component in pixel-corner coordinates (x right, y down). The first ring is the
 * outer boundary, clockwise on screen; the rest are holes. Collinear vertices are merged. `bbox`
 * (the component's bounds) limits the scan, which matters for scenes with many components.
 */
export function traceRings(
  labels: Int32Array,
  width: number,
  height: number,
  id: number,
  connectivity: 4 | 8 = 8,
  bbox?: BBox,
): Array<Array<[number, number]>> {
  const W1 = width + 1;
  const inside = (x: number, y: number): boolean =>
    x >= 0 && y >= 0 && x < width && y < height && labels[y * width + x] === id;
  // Directed boundary edges, interior on the right when walking on screen (y down).
  const out = new Map<number, number[]>(); // from-vertex → to-vertices
  const add = (x0: number, y0: number, x1: number, y1: number): void => {
    const a = y0 * W1 + x0;
    const list = out.get(a);
    if (list) list.push(y1 * W1 + x1);
    else out.set(a, [y1 * W1 + x1]);
  };
  let edges = 0;
  const b = bbox ?? { x0: 0, y0: 0, x1: width - 1, y1: height - 1 };
  for (let y = b.y0; y <= b.y1; y++) {
    for (let x = b.x0; x <= b.x1; x++) {
      if (labels[y * width + x] !== id) continue;
      if (!inside(x, y - 1)) (add(x, y, x + 1, y), edges++);
      if (!inside(x + 1, y)) (add(x + 1, y, x + 1, y + 1), edges++);
      if (!inside(x, y + 1)) (add(x + 1, y + 1, x, y + 1), edges++);
      if (!inside(x - 1, y)) (add(x, y + 1, x, y), edges++);
    }
  }
  const rings: Array<Array<[number, number]>> = [];
  const xy = (v: number): [number, number] => [v % W1, Math.floor(v / W1)];
  while (edges > 0) {
    // Start at the smallest remaining vertex: for the first ring that is the outer boundary's top-left.
    let start = -1;
    for (const [k, list] of out) if (list.length > 0 && (start < 0 || k < start)) start = k;
    const ring: number[] = [start];
    let prev = start;
    let cur = takeEdge(out, start, -1, W1, connectivity);
    edges--;
    while (cur !== start) {
      ring.push(cur);
      const next = takeEdge(out, cur, prev, W1, connectivity);
      edges--;
      prev = cur;
      cur = next;
    }
    for (const loop of splitAtRepeats(ring)) rings.push(simplifyCollinear(loop.map(xy)));
  }
  // Outer first: the ring with the largest absolute area.
  rings.sort((a, b) => Math.abs(ringArea(b)) - Math.abs(ringArea(a)));
  return rings;
}

function takeEdge(out: Map<number, number[]>, from: number, prev: number, W1: number, connectivity: 4 | 8): number {
  const list = out.get(from);
  if (!list || list.length === 0) throw new Error("traceRings: open boundary (internal error)");
  let pick = 0;
  if (list.length > 1 && prev >= 0) {
    // A corner where two pixels touch diagonally: 8-connectivity turns left (joins them into one
    // ring), 4-connectivity turns right (keeps each pixel's ring separate).
    const px = prev % W1;
    const py = Math.floor(prev / W1);
    const fx = from % W1;
    const fy = Math.floor(from / W1);
    const dx = fx - px;
    const dy = fy - py;
    for (let i = 0; i < list.length; i++) {
      const tx = (list[i] % W1) - fx;
      const ty = Math.floor(list[i] / W1) - fy;
      const cross = dx * ty - dy * tx; // > 0: right turn on screen (y down)
      if ((connectivity === 8 && cross < 0) || (connectivity === 4 && cross > 0)) pick = i;
    }
  }
  const [to] = list.splice(pick, 1);
  return to;
}

/** A closed vertex walk cut into simple loops wherever it comes back to a vertex it has passed. */
export function splitAtRepeats(ring: number[]): number[][] {
  const loops: number[][] = [];
  const stack: number[] = [];
  const at = new Map<number, number>();
  for (const v of ring) {
    const i = at.get(v);
    if (i !== undefined) {
      // The walk closed a loop at v: v … (back to v). Keep v on the stack for what follows.
      const loop = stack.splice(i + 1);
      for (const u of loop) at.delete(u);
      loops.push([v, ...loop]);
    } else {
      at.set(v, stack.length);
      stack.push(v);
    }
  }
  if (stack.length) loops.push(stack);
  return loops.filter((l) => l.length >= 3);
}

/** Even–odd point-in-ring test (the point never lies on a pixel edge: callers pass pixel centres). */
function insideRing(px: number, py: number, ring: Array<[number, number]>): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * The rings of a component grouped into polygons: each outer ring (positive `ringArea`, clockwise on
 * screen) with the holes inside it. A hole is placed by the centre of a background pixel beside its first
 * edge (foreground lies right of every traced edge, so background lies left).
 */
export function groupRings(rings: Array<Array<[number, number]>>): Array<Array<Array<[number, number]>>> {
  const shells = rings.filter((r) => ringArea(r) > 0);
  const polys = shells.map((r) => [r]);
  for (const h of rings.filter((r) => ringArea(r) < 0)) {
    const [a, b] = [h[0], h[1]];
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    const [dx, dy] = [(b[0] - a[0]) / len, (b[1] - a[1]) / len];
    const px = a[0] + dx * 0.5 + dy * 0.5;
    const py = a[1] + dy * 0.5 - dx * 0.5;
    // Innermost containing shell (shells of one component do not nest, but be safe).
    let best = -1;
    shells.forEach((sh, i) => {
      if (insideRing(px, py, sh) && (best < 0 || ringArea(sh) < ringArea(shells[best]))) best = i;
    });
    if (best < 0) throw new Error("traceRings: a hole lies in no outer ring (internal error)");
    polys[best].push(h);
  }
  return polys;
}

function simplifyCollinear(pts: Array<[number, number]>): Array<[number, number]> {
  const n = pts.length;
  const keep: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    const a = pts[(i - 1 + n) % n];
    const b = pts[i];
    const c = pts[(i + 1) % n];
    const cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]);
    if (cross !== 0) keep.push(b);
  }
  return keep;
}

/** Shoelace area of a closed or open ring (sign gives orientation). */
export function ringArea(ring: ArrayLike<ArrayLike<number>>): number {
  let s = 0;
  const n = ring.length;
  for (let i = 0; i < n; i++) {
    const a = ring[i];
    const b = ring[(i + 1) % n];
    s += a[0] * b[1] - b[0] * a[1];
  }
  return s / 2;
}

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
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(fc, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v)));
  renameSync(tmp, file);
}
