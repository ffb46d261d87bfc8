/**
 * What every SLC stack reader returns: the stack's metadata and a row-block reader, so a full
 * Sentinel-1 burst stack never has to sit in memory at once. Readers: ISCE2 folders (`stack.ts`),
 * complex GeoTIFF folders (`stack-tiff.ts`), HDF5 (`stack-h5.ts`), and memory (`memoryStack`, for
 * simulations and the readers that load everything).
 */
import { FileError } from "../core/errors";

export interface StackMeta {
  /** Where the stack came from (folder or "memory"). */
  source: string;
  /** ISO yyyy-mm-dd, ascending. */
  dates: string[];
  /** Range samples per line. */
  width: number;
  /** Azimuth lines. */
  height: number;
  /** Perpendicular baseline of each date relative to the reference (first) date, m. */
  bperp: Float64Array;
  wavelength: number;
  /** Slant range at scene centre, m (eq. 1's R). */
  slantRange: number;
  /** Incidence angle at scene centre, degrees (eq. 1's θ). */
  incidenceDeg: number;
  /** WGS-84 position of each pixel (row-major width*height). */
  lon: Float64Array;
  lat: Float64Array;
}

/** A stack whose complex rows can be read per date: interleaved re,im float32, `rows*width*2` values. */
export interface StackSource {
  meta: StackMeta;
  readRows(dateIndex: number, row0: number, rows: number): Float32Array;
  /** The file a date is read from, for messages (readers with one file per date). */
  fileOf?(dateIndex: number): string;
  close?(): void;
}

/** Sentinel-1 IW defaults used when a stack carries no stack.json (ESA S1 product specification). */
export const SENTINEL1_GEOMETRY = { wavelength: 0.05546576, slantRange: 875_000, incidenceDeg: 39 };

export function memoryStack(meta: StackMeta, slc: Float32Array[]): StackSource {
  validateMeta(meta, "memory stack");
  if (slc.length !== meta.dates.length) {
    throw new FileError("memory stack", `${slc.length} SLCs for ${meta.dates.length} dates`);
  }
  slc.forEach((s, i) => {
    if (s.length !== meta.width * meta.height * 2) {
      throw new FileError("memory stack", `SLC ${meta.dates[i]} has ${s.length / 2} pixels, expected ${meta.width}×${meta.height}`);
    }
  });
  return {
    meta,
    readRows(d, row0, rows) {
      const w = meta.width * 2;
      return slc[d].subarray(row0 * w, (row0 + rows) * w);
    },
  };
}

export function validateMeta(m: StackMeta, file: string): void {
  const n = m.width * m.height;
  if (!(m.width > 0 && m.height > 0)) throw new FileError(file, `empty image ${m.width}×${m.height}`);
  if (m.dates.length < 3) throw new FileError(file, `needs at least 3 dates, found ${m.dates.length}`);
  for (let i = 0; i < m.dates.length; i++) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(m.dates[i]) || Number.isNaN(Date.parse(m.dates[i]))) {
      throw new FileError(file, `malformed date "${m.dates[i]}"`);
    }
    if (i > 0 && m.dates[i] <= m.dates[i - 1]) {
      throw new FileError(file, `dates not strictly increasing at ${m.dates[i - 1]} → ${m.dates[i]}`);
    }
  }
  if (m.bperp.length !== m.dates.length) {
    throw new FileError(file, `${m.bperp.length} perpendicular baselines for ${m.dates.length} dates`);
  }
  if (m.lon.length !== n || m.lat.length !== n) {
    throw new FileError(file, `geometry has ${m.lon.length} lon / ${m.lat.length} lat values for ${n} pixels`);
  }
}

export interface StackJson {
  sensor?: string;
  wavelength?: number;
  slantRange?: number;
  incidenceDeg?: number;
  flattened?: boolean;
  /**
   * Complex GeoTIFF layout only (`stack-tiff.ts`): the dates (YYYYMMDD or yyyy-mm-dd) and the perpendicular
   * baseline of each, m relative to the first date. The ISCE2 layout takes both from its folders.
   */
  dates?: string[];
  bperp?: number[];
}
