/**
 * The products the SBAS steps pass to each other, and their files in `--out` (MintPy's names and
 * HDF5 layout where MintPy has one, JSON where it keeps the information in a text file or an
 * attribute). Each file carries the hash of the parameters that made it (`SBAS_STEP_HASH` attribute or
 * `stepHash` field), which is how a step knows its product on disk is up to date.
 */
import { existsSync, readFileSync } from "node:fs";
import { readH5, type H5AttrValue } from "../io/hdf5";
import { writeFileAtomic } from "../core/atomic";
import { FileError } from "../core/errors";
import { writeMintpy2D, writeMintpyTimeseries, type StackMeta } from "./mintpy-h5";

export const HASH_ATTR = "SBAS_STEP_HASH";

/** A displacement time series (m) per date. */
export interface Series {
  dates: string[];
  ts: Float32Array[];
  /** Per-date perpendicular baseline (m) relative to the first date. */
  bperp: Float64Array;
  refDate: string;
}

function bands(data: ArrayLike<number>, n: number, nPix: number, file: string): Float32Array[] {
  if (data.length !== n * nPix) throw new FileError(file, `holds ${data.length} values, expected ${n}×${nPix}`);
  const f = data instanceof Float32Array ? data : Float32Array.from(data);
  return Array.from({ length: n }, (_, i) => f.slice(i * nPix, (i + 1) * nPix));
}

function need(file: string, step: string): void {
  if (!existsSync(file)) throw new FileError(file, `missing: run the step "${step}" (or the steps before it) first`);
}

export async function writeSeries(file: string, meta: StackMeta, s: Series, attrs: Record<string, H5AttrValue>): Promise<void> {
  await writeMintpyTimeseries(file, meta, { dates: s.dates, ts: s.ts, bperp: s.bperp, refDate: s.refDate }, attrs);
}

export async function readSeries(file: string, meta: StackMeta, step: string): Promise<Series & { attrs: Record<string, unknown> }> {
  need(file, step);
  const { attrs, datasets } = await readH5(file, ["timeseries", "date", "bperp"]);
  const dates = datasets.date.data as string[];
  const bp = datasets.bperp.data;
  if (Array.isArray(bp)) throw new FileError(file, "bperp is text");
  return {
    dates,
    ts: bands(datasets.timeseries.data as Float32Array, dates.length, meta.width * meta.height, file),
    bperp: Float64Array.from(bp),
    refDate: String(attrs.REF_DATE ?? dates[0]),
    attrs,
  };
}

export async function write2D(
  file: string,
  meta: StackMeta,
  fileType: string,
  datasets: Record<string, Float32Array>,
  attrs: Record<string, H5AttrValue>,
): Promise<void> {
  await writeMintpy2D(file, meta, fileType, datasets, attrs);
}

export async function read2D(file: string, names: string[], step: string): Promise<{ attrs: Record<string, unknown>; data: Record<string, Float32Array> }> {
  need(file, step);
  const { attrs, datasets } = await readH5(file, names);
  const data: Record<string, Float32Array> = {};
  for (const n of names) {
    const d = datasets[n].data;
    if (Array.isArray(d)) throw new FileError(file, `${n} is text`);
    data[n] = d instanceof Float32Array ? d : Float32Array.from(d);
  }
  return { attrs, data };
}

/** Infinity and NaN would become null in JSON: they are written as text and read back as numbers. */
function jsonReplacer(_k: string, v: unknown): unknown {
  return typeof v === "number" && !Number.isFinite(v) ? String(v) : v;
}

export function writeJson(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, jsonReplacer, 1));
}

export function readJson<T>(file: string, step: string): T {
  need(file, step);
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch (e) {
    throw new FileError(file, `is not valid JSON (${(e as Error).message})`);
  }
}

/** The step hash a product file carries, or undefined when the file is absent or carries none. */
export async function storedHash(file: string): Promise<string | undefined> {
  if (!existsSync(file)) return undefined;
  try {
    if (file.endsWith(".json")) return (JSON.parse(readFileSync(file, "utf8")) as { stepHash?: string }).stepHash;
    const { attrs } = await readH5(file, []);
    return attrs[HASH_ATTR] === undefined ? undefined : String(attrs[HASH_ATTR]);
  } catch {
    return undefined;
  }
}
