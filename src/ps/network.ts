/**
 * The PS arc network: a Delaunay triangulation of the candidates in metric (UTM) coordinates, arcs
 * longer than a maximum dropped because the atmospheric phase difference grows with distance and
 * eq. 1 assumes it small on an arc.
 */
import Delaunator from "delaunator";
import { utmEpsg, utmProj } from "../core/crs";
import proj4 from "proj4";


/** Projects WGS-84 lon/lat to UTM metres (zone of the first point's mean position). */
export function toMetric(lon: ArrayLike<number>, lat: ArrayLike<number>): { x: Float64Array; y: Float64Array; epsg: number } {
  const n = lon.length;
  let ml = 0;
  let mp = 0;
  for (let i = 0; i < n; i++) {
    ml += lon[i];
    mp += lat[i];
  }
  const epsg = utmEpsg(n ? ml / n : 0, n ? mp / n : 0);
  const zone = epsg % 100;
  const south = epsg >= 32700;
  const conv = proj4("WGS84", utmProj(zone, south));
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [e, nn] = conv.forward([lon[i], lat[i]]);
    x[i] = e;
    y[i] = nn;
  }
  return { x, y, epsg };
}

export interface Arcs {
  /** Arc end points (candidate indices), i < j is not guaranteed. */
  i: Int32Array;
  j: Int32Array;
  length: Float64Array;
}

/** Unique Delaunay edges not longer than `maxLength` metres. */
export function delaunayArcs(x: Float64Array, y: Float64Array, maxLength: number): Arcs {
  const n = x.length;
  if (n < 3) throw new Error(`PS network: ${n} candidate(s), a triangulation needs at least 3`);
  const coords = new Float64Array(2 * n);
  for (let k = 0; k < n; k++) {
    coords[2 * k] = x[k];
    coords[2 * k + 1] = y[k];
  }
  const d = new Delaunator(coords);
  const { triangles, halfedges } = d;
  const ai: number[] = [];
  const aj: number[] = [];
  const al: number[] = [];
  for (let e = 0; e < triangles.length; e++) {
    // Each interior edge appears twice (e and its twin); keep it once.
    if (halfedges[e] !== -1 && halfedges[e] < e) continue;
    const p = triangles[e];
    const q = triangles[e % 3 === 2 ? e - 2 : e + 1];
    const len = Math.hypot(x[p] - x[q], y[p] - y[q]);
    if (len > maxLength || len === 0) continue;
    ai.push(p);
    aj.push(q);
    al.push(len);
  }
  return { i: Int32Array.from(ai), j: Int32Array.from(aj), length: Float64Array.from(al) };
}

/** Connected components of an arc graph (union–find); `keep` masks arcs out. Returns a label per node. */
export function components(n: number, ai: Int32Array, aj: Int32Array, keep?: Uint8Array): Int32Array {
  const parent = Int32Array.from({ length: n }, (_, k) => k);
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  };
  for (let e = 0; e < ai.length; e++) {
    if (keep && !keep[e]) continue;
    const a = find(ai[e]);
    const b = find(aj[e]);
    if (a !== b) parent[a] = b;
  }
  const label = new Int32Array(n);
  for (let k = 0; k < n; k++) label[k] = find(k);
  return label;
}
