/**
 * The typed interferogram stack every reader produces and every SBAS step consumes. Layout follows
 * MintPy's ifgramStack.h5 (one band per interferogram, row-major, radians, NaN = no data) so the steps
 * can keep MintPy's semantics and the outputs can be written in MintPy's layout.
 */
import type { GeoTransform } from "../io/raster";
import { FileError } from "../core/errors";

export interface SbasGeometry {
  /** Terrain height (m), `height` in MintPy's geometry file. */
  height?: Float32Array;
  /** Incidence angle at the ground (degrees). */
  incidenceAngle?: Float32Array;
  /** Slant range distance (m). */
  slantRangeDistance?: Float32Array;
  /** 1 = land, 0 = water (pixels skipped by the inversion). */
  waterMask?: Uint8Array;
}

export interface IfgramStack {
  /** File or folder it was read from (for error messages and output metadata). */
  source: string;
  width: number;
  height: number;
  /** Acquisition dates, YYYYMMDD, sorted ascending, unique. */
  dates: string[];
  /** Interferograms as [reference, secondary] indices into `dates`, reference < secondary. */
  pairs: [number, number][];
  /** Per pair: unwrapped phase (radians), NaN where no data. */
  unwrapPhase: Float32Array[];
  /** Per pair: spatial coherence 0..1, NaN where no data. */
  coherence: Float32Array[];
  /** Per pair: perpendicular baseline (m), secondary minus reference. */
  bperp: Float64Array;
  /** Per pair: false when network modification dropped it (MintPy `dropIfgram` inverted). */
  keep: boolean[];
  /** Radar wavelength (m). */
  wavelength: number;
  geometry: SbasGeometry;
  transform?: GeoTransform;
  epsg?: number;
  /** Metadata in MintPy's attribute vocabulary (ALOOKS, RLOOKS, PLATFORM, ORBIT_DIRECTION, ...). */
  attrs: Record<string, string | number>;
}

/** A stack file (or folder) that cannot be read as one: names the file and the problem. */
export class SbasInputError extends FileError {}

/** "20180106-20180130" style name of a pair. */
export function pairName(stack: Pick<IfgramStack, "dates">, pair: [number, number]): string {
  return `${stack.dates[pair[0]]}_${stack.dates[pair[1]]}`;
}
