/**
 * The checks every reader of this folder shares before it hands over an IfgramStack: dates valid and
 * increasing, no pair twice, every band the stack's size, baselines finite, and no-data turned into NaN.
 * Pairs are sorted by (reference, secondary) date as assemble.ts sorts them.
 */
import { basename } from "node:path";
import { FileError } from "../../core/errors";
import { normalizeDate } from "../dates";
import type { GeoTransform } from "../../io/raster";
import type { IfgramStack, SbasGeometry } from "../types";

export interface PairData {
  date1: string;
  date2: string;
  /** The unwrapped-phase file, named in every error about this pair. */
  file: string;
  phase: Float32Array;
  coherence?: Float32Array;
  bperp: number;
}

export interface BuildOptions {
  source: string;
  width: number;
  height: number;
  wavelength: number;
  attrs: Record<string, string | number>;
  /** Phase value meaning "no data" (GAMMA, ISCE2, ROI_PAC and ARIA write 0 outside the unwrapped area). */
  zeroIsNoData: boolean;
  geometry?: SbasGeometry;
  transform?: GeoTransform;
  epsg?: number;
}

/** YYYYMMDD (or YYMMDD) pair in a name: "20180106_20180130", "20180106-20180130", "070101-070215". */
export function datePairFromName(name: string): [string, string] | null {
  const m = /(?:^|[^\d])(\d{8}|\d{6})[-_](\d{8}|\d{6})(?:[^\d]|$)/.exec(basename(name));
  if (!m || m[1].length !== m[2].length) return null;
  try {
    return [normalizeDate(m[1]), normalizeDate(m[2])];
  } catch {
    return null;
  }
}

export function requireWavelength(wavelength: number, file: string, key: string): number {
  if (!Number.isFinite(wavelength) || wavelength <= 0 || wavelength > 1)
    throw new FileError(file, `${key} is ${wavelength}; expected a radar wavelength in metres (0 < λ ≤ 1)`);
  return wavelength;
}

export function buildStack(pairs: PairData[], o: BuildOptions): IfgramStack {
  if (!pairs.length) throw new FileError(o.source, "no interferograms found");
  const n = o.width * o.height;
  const seen = new Map<string, string>();
  for (const p of pairs) {
    if (p.date1 >= p.date2) throw new FileError(p.file, `pair dates ${p.date1}_${p.date2} are not in increasing order`);
    const key = `${p.date1}_${p.date2}`;
    const prev = seen.get(key);
    if (prev) throw new FileError(p.file, `duplicates pair ${key} already read from ${prev}`);
    seen.set(key, p.file);
    if (p.phase.length !== n) throw new FileError(p.file, `holds ${p.phase.length} pixels, the stack is ${o.width}×${o.height}`);
    if (p.coherence && p.coherence.length !== n) throw new FileError(p.file, `coherence holds ${p.coherence.length} pixels, the stack is ${o.width}×${o.height}`);
    if (!Number.isFinite(p.bperp)) throw new FileError(p.file, `perpendicular baseline is ${p.bperp}`);
  }
  const sorted = [...pairs].sort((a, b) => (a.date1 + a.date2 < b.date1 + b.date2 ? -1 : 1));
  const dates = [...new Set(sorted.flatMap((p) => [p.date1, p.date2]))].sort();
  const di = new Map(dates.map((d, i) => [d, i]));
  for (const p of sorted) {
    const ph = p.phase;
    for (let i = 0; i < n; i++) {
      const v = ph[i];
      if (!Number.isFinite(v) || (o.zeroIsNoData && v === 0)) ph[i] = NaN;
    }
  }
  return {
    source: o.source,
    width: o.width,
    height: o.height,
    dates,
    pairs: sorted.map((p) => [di.get(p.date1)!, di.get(p.date2)!] as [number, number]),
    unwrapPhase: sorted.map((p) => p.phase),
    coherence: sorted.map((p) => p.coherence ?? new Float32Array(n).fill(1)),
    bperp: Float64Array.from(sorted.map((p) => p.bperp)),
    keep: sorted.map(() => true),
    wavelength: o.wavelength,
    geometry: o.geometry ?? {},
    transform: o.transform,
    epsg: o.epsg,
    attrs: o.attrs,
  };
}

/** Incidence (degrees) at slant range r on a sphere: sin θ = (R_s / R_e) · sin(look). */
export function incidenceFromRange(r: number, satRadius: number, earthRadius: number): number {
  const cosLook = (satRadius * satRadius + r * r - earthRadius * earthRadius) / (2 * satRadius * r);
  const look = Math.acos(Math.max(-1, Math.min(1, cosLook)));
  return (Math.asin(Math.min(1, (satRadius / earthRadius) * Math.sin(look))) * 180) / Math.PI;
}
