/**
 * Builds the typed stack from per-pair GeoTIFFs, with the checks every reader shares: same size and
 * georeference everywhere, valid dates, no duplicated pair, phase nodata converted to NaN.
 */
import { basename } from "node:path";
import { readRaster, type Raster } from "../io/raster";
import { progress } from "../core/progress";
import { normalizeDate } from "./dates";
import { type IfgramStack, type SbasGeometry, SbasInputError } from "./types";

export interface PairFiles {
  date1: string;
  date2: string;
  phaseFile: string;
  coherenceFile?: string;
  /** Perpendicular baseline (m) of the pair, secondary minus reference. */
  bperp: number;
}

/** Two YYYYMMDD dates in a file name: "20180106-20180130", "20180106_20180130" or HyP3 "…_20230209T…_20230221T…". */
export function datesFromName(file: string): [string, string] | null {
  const name = basename(file);
  const m = /(?:^|[^\d])(\d{8})(?:T\d{6})?[-_](\d{8})(?:T\d{6})?(?:[^\d]|$)/.exec(name);
  if (!m) return null;
  try {
    return [normalizeDate(m[1]), normalizeDate(m[2])];
  } catch {
    return null;
  }
}

function toFloat32Nan(r: Raster, file: string, zeroIsNoData: boolean): Float32Array {
  const band = r.bands[0];
  if (!band) throw new SbasInputError(file, "has no raster band");
  // A multi-band file here is a mix-up (an amplitude+phase product, a stacked export): reading band 1
  // silently would invert the wrong quantity.
  if (r.bands.length > 1) {
    throw new SbasInputError(file, `has ${r.bands.length} bands; a single-band raster is expected here (phase, coherence or geometry: one file per quantity)`);
  }
  const out = new Float32Array(band.length);
  const nd = r.noData;
  for (let i = 0; i < band.length; i++) {
    const v = band[i];
    out[i] = (nd !== undefined && v === nd) || (zeroIsNoData && v === 0) || !Number.isFinite(v) ? NaN : v;
  }
  return out;
}

function checkSameGrid(ref: Raster, refFile: string, r: Raster, file: string): void {
  if (r.width !== ref.width || r.height !== ref.height)
    throw new SbasInputError(file, `is ${r.width}×${r.height} but ${basename(refFile)} is ${ref.width}×${ref.height}`);
  const a = ref.transform;
  const b = r.transform;
  if (a && b) {
    const tol = Math.abs(a.pixelWidth) * 1e-3;
    if (Math.abs(a.originX - b.originX) > tol || Math.abs(a.originY - b.originY) > tol)
      throw new SbasInputError(file, `has a different georeference (origin ${b.originX}, ${b.originY}) from ${basename(refFile)}`);
  }
  if (ref.epsg && r.epsg && ref.epsg !== r.epsg)
    throw new SbasInputError(file, `is in EPSG:${r.epsg} but ${basename(refFile)} is in EPSG:${ref.epsg}`);
}

export async function readSingleBand(file: string, zeroIsNoData = false): Promise<{ raster: Raster; data: Float32Array }> {
  let raster: Raster;
  try {
    raster = await readRaster(file);
  } catch (e) {
    throw new SbasInputError(file, `cannot read GeoTIFF (${(e as Error).message})`);
  }
  return { raster, data: toFloat32Nan(raster, file, zeroIsNoData) };
}

export interface AssembleOptions {
  source: string;
  wavelength: number;
  attrs: Record<string, string | number>;
  /** Phase value meaning "no data" besides GDAL_NODATA (GAMMA/HyP3 write 0). */
  phaseZeroIsNoData: boolean;
  quiet?: boolean;
}

export async function assembleStack(
  pairs: PairFiles[],
  geometryFiles: { height?: string; incidenceAngle?: string; lvTheta?: string; waterMask?: string },
  opts: AssembleOptions,
): Promise<IfgramStack & { geometryRaw: SbasGeometry }> {
  if (pairs.length === 0) throw new SbasInputError(opts.source, "no interferograms found");
  const seen = new Map<string, string>();
  for (const p of pairs) {
    if (p.date1 >= p.date2)
      throw new SbasInputError(p.phaseFile, `pair dates ${p.date1}-${p.date2} are not in increasing order`);
    const key = `${p.date1}_${p.date2}`;
    const prev = seen.get(key);
    if (prev) throw new SbasInputError(p.phaseFile, `duplicates pair ${key} already read from ${prev}`);
    seen.set(key, p.phaseFile);
  }
  const sorted = [...pairs].sort((a, b) => (a.date1 + a.date2 < b.date1 + b.date2 ? -1 : 1));
  const dates = [...new Set(sorted.flatMap((p) => [p.date1, p.date2]))].sort();
  const di = new Map(dates.map((d, i) => [d, i]));
  const bar = progress("reading interferograms", sorted.length, { unit: "pairs", quiet: opts.quiet });
  let first: Raster | undefined;
  let firstFile = "";
  const unwrapPhase: Float32Array[] = [];
  const coherence: Float32Array[] = [];
  for (const p of sorted) {
    const ph = await readSingleBand(p.phaseFile, opts.phaseZeroIsNoData);
    if (!first) {
      first = ph.raster;
      firstFile = p.phaseFile;
    } else checkSameGrid(first, firstFile, ph.raster, p.phaseFile);
    unwrapPhase.push(ph.data);
    if (p.coherenceFile) {
      const c = await readSingleBand(p.coherenceFile);
      checkSameGrid(first, firstFile, c.raster, p.coherenceFile);
      coherence.push(c.data);
    } else {
      coherence.push(new Float32Array(ph.data.length).fill(1));
    }
    bar.tick();
  }
  bar.done();
  const ref = first!;
  const geometry: SbasGeometry = {};
  const readGeom = async (file: string): Promise<Float32Array> => {
    const g = await readSingleBand(file);
    checkSameGrid(ref, firstFile, g.raster, file);
    return g.data;
  };
  if (geometryFiles.height) geometry.height = await readGeom(geometryFiles.height);
  if (geometryFiles.incidenceAngle) geometry.incidenceAngle = await readGeom(geometryFiles.incidenceAngle);
  else if (geometryFiles.lvTheta) {
    // HyP3 lv_theta is the look-vector elevation from the horizontal (radians): incidence = 90° − θ.
    const t = await readGeom(geometryFiles.lvTheta);
    geometry.incidenceAngle = Float32Array.from(t, (v) => (v === v ? 90 - (v * 180) / Math.PI : NaN));
  }
  if (geometryFiles.waterMask) {
    const w = await readGeom(geometryFiles.waterMask);
    geometry.waterMask = Uint8Array.from(w, (v) => (v === v && v !== 0 ? 1 : 0));
  }
  return {
    source: opts.source,
    width: ref.width,
    height: ref.height,
    dates,
    pairs: sorted.map((p) => [di.get(p.date1)!, di.get(p.date2)!] as [number, number]),
    unwrapPhase,
    coherence,
    bperp: Float64Array.from(sorted.map((p) => p.bperp)),
    keep: sorted.map(() => true),
    wavelength: opts.wavelength,
    geometry,
    geometryRaw: geometry,
    transform: ref.transform,
    epsg: ref.epsg,
    attrs: opts.attrs,
  };
}

/**
 * Slant range from the incidence angle on a spherical Earth (MintPy
 * incidence_angle2slant_range_distance): (R+H)² = R² + r² + 2·R·r·cos θ.
 */
export function slantRangeFromIncidence(incDeg: Float32Array, earthRadius: number, satHeight: number): Float32Array {
  return Float32Array.from(incDeg, (inc) => {
    if (inc !== inc) return NaN;
    const c = Math.cos((inc * Math.PI) / 180);
    const R = earthRadius;
    const Rs = R + satHeight;
    return -R * c + Math.sqrt(R * R * c * c - R * R + Rs * Rs);
  });
}
