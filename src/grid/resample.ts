/**
 * Resampling rasters onto a target grid, and mosaicking several sources into it, in one operation:
 * each source adds Σ w·v and Σ w to every target pixel it reaches, and the mosaic is Σ w·v / Σ w.
 *
 * - `bilinear`: the four source pixels around the target pixel centre, weighted by distance; weights of
 *   samples that are outside the source or invalid (no data, NaN) are dropped and the rest renormalised.
 *   The kernel reaches at most one source pixel beyond a source's edge.
 * - `nearest`: the source pixel whose footprint contains the target pixel centre.
 *
 * Mosaicking keeps two tiers of sums. A source whose whole kernel is valid at a target pixel adds to
 * the first; one that lost part of it (an edge, a no-data neighbour) adds to the second, used only where
 * the first is empty. So where tiles overlap, the tile in whose interior the pixel lies decides (an edge
 * tile's clamped value does not bias it), and where tiles of one lattice abut, a pixel between their
 * last centres sums one side's pixels from each: bilinear interpolation across the seam, exactly.
 * Complete kernels of several sources (overlapping tiles) are averaged.
 *
 * Sources in another CRS are reprojected with proj4. Projecting every target pixel costs more than the
 * rest of the resampling, so exact transforms are taken on a lattice every `LATTICE_STEP` target pixels
 * and interpolated bilinearly between its nodes; from UTM 49N to 50N over Zigui the error within a
 * 16-pixel cell of 10 m stays under 0.1 mm (the mapping is smooth on that scale), far below a pixel.
 */
import proj4 from "proj4";
import { projDef } from "../core/crs";
import type { GeoTransform, TypedArray } from "../io/raster";

export type ResamplingMethod = "bilinear" | "nearest";
export const RESAMPLING_METHODS: readonly ResamplingMethod[] = ["bilinear", "nearest"];

/** A north-up grid in a CRS given by EPSG code. */
export interface Grid {
  width: number;
  height: number;
  transform: GeoTransform;
  epsg: number;
}

/** One source raster: raw samples, and how to turn a raw sample into the value that is resampled. */
export interface Source extends Grid {
  data: TypedArray | ArrayLike<number>;
  /** Raw values marking no data (NaN is always no data). */
  noData?: readonly number[];
  /** value = (raw + offset) × gain (defaults 0 and 1). */
  offset?: number;
  gain?: number;
}

/** Running sums of a mosaic on a target grid: complete kernels, then partial ones (module comment). */
export interface Accumulator {
  grid: Grid;
  sum: Float64Array;
  weight: Float64Array;
  partialSum: Float64Array;
  partialWeight: Float64Array;
}

/** Target pixels between exactly projected lattice nodes (see the module comment). */
export const LATTICE_STEP = 16;

export function newAccumulator(grid: Grid): Accumulator {
  const n = grid.width * grid.height;
  return { grid, sum: new Float64Array(n), weight: new Float64Array(n), partialSum: new Float64Array(n), partialWeight: new Float64Array(n) };
}

/** The proj4 definition of an EPSG code, or an error that says which codes are understood. */
export function crsDefinition(epsg: number, what = "raster"): string {
  const def = projDef(epsg);
  if (!def) throw new Error(`${what}: EPSG:${epsg} is not supported (WGS 84 geographic, UTM 326xx/327xx or 3857)`);
  return def;
}

/** Maps CRS coordinates from one EPSG code to another (identity when equal). */
export function crsTransform(from: number, to: number): (x: number, y: number) => [number, number] {
  if (from === to) return (x, y) => [x, y];
  const conv = proj4(crsDefinition(from), crsDefinition(to));
  return (x, y) => {
    const [a, b] = conv.forward([x, y]);
    return [a, b];
  };
}

/** Column/row window [c0, c1) × [r0, r1) of `grid`. */
interface Window {
  c0: number;
  c1: number;
  r0: number;
  r1: number;
}

/**
 * The part of the target grid a source can reach: its outline (densified, so curved edges of a
 * reprojected footprint count) mapped into the target, grown by two target pixels, clipped.
 */
function reachWindow(src: Grid, target: Grid, toTarget: (x: number, y: number) => [number, number]): Window | null {
  const t = src.transform;
  const x0 = t.originX;
  const y0 = t.originY;
  // One extra source pixel all round: the bilinear kernel reaches that far.
  const ex = Math.abs(t.pixelWidth);
  const ey = Math.abs(t.pixelHeight);
  const xa = Math.min(x0, x0 + src.width * t.pixelWidth) - ex;
  const xb = Math.max(x0, x0 + src.width * t.pixelWidth) + ex;
  const ya = Math.min(y0, y0 + src.height * t.pixelHeight) - ey;
  const yb = Math.max(y0, y0 + src.height * t.pixelHeight) + ey;
  const pts: [number, number][] = [];
  const k = src.epsg === target.epsg ? 1 : 32;
  for (let i = 0; i <= k; i++) {
    const f = i / k;
    pts.push([xa + f * (xb - xa), ya], [xa + f * (xb - xa), yb], [xa, ya + f * (yb - ya)], [xb, ya + f * (yb - ya)]);
  }
  const tt = target.transform;
  let c0 = Infinity;
  let c1 = -Infinity;
  let r0 = Infinity;
  let r1 = -Infinity;
  for (const [x, y] of pts) {
    const [tx, ty] = toTarget(x, y);
    if (!Number.isFinite(tx) || !Number.isFinite(ty)) continue;
    const c = (tx - tt.originX) / tt.pixelWidth;
    const r = (ty - tt.originY) / tt.pixelHeight;
    c0 = Math.min(c0, c);
    c1 = Math.max(c1, c);
    r0 = Math.min(r0, r);
    r1 = Math.max(r1, r);
  }
  if (!Number.isFinite(c0) || !Number.isFinite(r0)) return null;
  const w = {
    c0: Math.max(0, Math.floor(c0) - 2),
    c1: Math.min(target.width, Math.ceil(c1) + 2),
    r0: Math.max(0, Math.floor(r0) - 2),
    r1: Math.min(target.height, Math.ceil(r1) + 2),
  };
  return w.c0 < w.c1 && w.r0 < w.r1 ? w : null;
}

/**
 * Fills `u`, `v` (length c1 − c0) with the fractional source pixel coordinates of the centres of
 * target row `row`, columns c0…c1−1, measured from source pixel centres (u = 0 at the centre of column 0).
 */
type RowMapper = (row: number, u: Float64Array, v: Float64Array) => void;

function rowMapper(src: Grid, target: Grid, win: Window): RowMapper {
  const s = src.transform;
  const t = target.transform;
  if (src.epsg === target.epsg) {
    // Affine: u = (x − ox)/pw − ½ with x = tx0 + (c + ½)·tpw.
    return (row, u, v) => {
      const y = t.originY + (row + 0.5) * t.pixelHeight;
      const vv = (y - s.originY) / s.pixelHeight - 0.5;
      for (let k = 0; k < u.length; k++) {
        const x = t.originX + (win.c0 + k + 0.5) * t.pixelWidth;
        u[k] = (x - s.originX) / s.pixelWidth - 0.5;
        v[k] = vv;
      }
    };
  }
  const toSource = crsTransform(target.epsg, src.epsg);
  const nodes = (a: number, b: number): number[] => {
    const out: number[] = [];
    for (let i = a; i < b - 1; i += LATTICE_STEP) out.push(i);
    out.push(b - 1);
    return out;
  };
  const cols = nodes(win.c0, win.c1);
  const rows = nodes(win.r0, win.r1);
  const nc = cols.length;
  const U = new Float64Array(rows.length * nc);
  const V = new Float64Array(rows.length * nc);
  rows.forEach((r, i) => {
    cols.forEach((c, j) => {
      const [x, y] = toSource(t.originX + (c + 0.5) * t.pixelWidth, t.originY + (r + 0.5) * t.pixelHeight);
      U[i * nc + j] = (x - s.originX) / s.pixelWidth - 0.5;
      V[i * nc + j] = (y - s.originY) / s.pixelHeight - 0.5;
    });
  });
  const rowU = new Float64Array(nc);
  const rowV = new Float64Array(nc);
  return (row, u, v) => {
    let i = 0;
    while (i < rows.length - 2 && rows[i + 1] <= row) i++;
    const span = rows.length > 1 ? rows[i + 1] - rows[i] : 1;
    const f = rows.length > 1 ? (row - rows[i]) / span : 0;
    const i1 = rows.length > 1 ? i + 1 : i;
    for (let j = 0; j < nc; j++) {
      rowU[j] = U[i * nc + j] * (1 - f) + U[i1 * nc + j] * f;
      rowV[j] = V[i * nc + j] * (1 - f) + V[i1 * nc + j] * f;
    }
    let j = 0;
    for (let k = 0; k < u.length; k++) {
      const c = win.c0 + k;
      while (j < nc - 2 && cols[j + 1] <= c) j++;
      if (nc === 1) {
        u[k] = rowU[0];
        v[k] = rowV[0];
        continue;
      }
      const g = (c - cols[j]) / (cols[j + 1] - cols[j]);
      u[k] = rowU[j] * (1 - g) + rowU[j + 1] * g;
      v[k] = rowV[j] * (1 - g) + rowV[j + 1] * g;
    }
  };
}

/**
 * Adds one source to a mosaic. Returns how many target pixels received a non-zero weight from it.
 */
export function accumulate(acc: Accumulator, src: Source, method: ResamplingMethod = "bilinear"): number {
  const target = acc.grid;
  if (src.data.length !== src.width * src.height) {
    throw new Error(`accumulate: source has ${src.data.length} samples, expected ${src.width}×${src.height}`);
  }
  const win = reachWindow(src, target, crsTransform(src.epsg, target.epsg));
  if (!win) return 0;
  const map = rowMapper(src, target, win);
  const n = win.c1 - win.c0;
  const u = new Float64Array(n);
  const v = new Float64Array(n);
  const { data, width: sw, height: sh } = src;
  // Two no-data values (Sentinel-2's NODATA and SATURATED) are compared directly, more through a set.
  const nd = src.noData ?? [];
  const nd1 = nd.length > 0 ? nd[0] : NaN;
  const nd2 = nd.length > 1 ? nd[1] : NaN;
  const ndMore = nd.length > 2 ? new Set(nd) : null;
  const offset = src.offset ?? 0;
  const gain = src.gain ?? 1;
  const W = target.width;
  let touched = 0;
  // NaN when no data, else the value; one place decides validity for both methods.
  const sample = (i: number): number => {
    const raw = data[i];
    return raw === nd1 || raw === nd2 || (ndMore !== null && ndMore.has(raw)) ? NaN : (raw + offset) * gain;
  };
  for (let row = win.r0; row < win.r1; row++) {
    map(row, u, v);
    const base = row * W + win.c0;
    for (let k = 0; k < n; k++) {
      const uu = u[k];
      const vv = v[k];
      if (method === "nearest") {
        const c = Math.floor(uu + 0.5);
        const r = Math.floor(vv + 0.5);
        if (c < 0 || r < 0 || c >= sw || r >= sh) continue;
        const val = sample(r * sw + c);
        if (val !== val) continue;
        acc.sum[base + k] += val;
        acc.weight[base + k] += 1;
        touched++;
        continue;
      }
      const c0 = Math.floor(uu);
      const r0 = Math.floor(vv);
      if (c0 < -1 || r0 < -1 || c0 >= sw || r0 >= sh) continue;
      const fx = uu - c0;
      const fy = vv - r0;
      let s = 0;
      let w = 0;
      let complete = true;
      for (let dr = 0; dr < 2; dr++) {
        const wy = dr === 0 ? 1 - fy : fy;
        if (wy === 0) continue;
        const r = r0 + dr;
        for (let dc = 0; dc < 2; dc++) {
          const wxy = (dc === 0 ? 1 - fx : fx) * wy;
          if (wxy === 0) continue;
          const c = c0 + dc;
          const val = r < 0 || r >= sh || c < 0 || c >= sw ? NaN : sample(r * sw + c);
          if (val !== val) {
            complete = false;
            continue;
          }
          s += wxy * val;
          w += wxy;
        }
      }
      if (w > 0) {
        if (complete) {
          acc.sum[base + k] += s;
          acc.weight[base + k] += w;
        } else {
          acc.partialSum[base + k] += s;
          acc.partialWeight[base + k] += w;
        }
        touched++;
      }
    }
  }
  return touched;
}

/** The mosaic: Σ w·v / Σ w of complete kernels, else of partial ones, NaN where no source reached. */
export function finish(acc: Accumulator): Float32Array {
  const out = new Float32Array(acc.sum.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = acc.weight[i] > 0 ? acc.sum[i] / acc.weight[i] : acc.partialWeight[i] > 0 ? acc.partialSum[i] / acc.partialWeight[i] : NaN;
  }
  return out;
}

/** Share of target pixels no source reached. */
export function uncoveredFraction(acc: Accumulator): number {
  let n = 0;
  for (let i = 0; i < acc.weight.length; i++) if (!(acc.weight[i] > 0) && !(acc.partialWeight[i] > 0)) n++;
  return n / acc.weight.length;
}
