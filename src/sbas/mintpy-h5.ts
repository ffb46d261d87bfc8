/**
 * MintPy's HDF5 layouts: reads `ifgramStack.h5` (with `geometryGeo.h5` / `geometryRadar.h5` beside
 * it or in the same `inputs/` folder) into the typed stack, and writes ifgramStack, geometry,
 * timeseries, velocity and temporalCoherence files that MintPy's tools (view.py, tsview.py,
 * timeseries2velocity.py) open: datasets and attribute names as MintPy writes them.
 *
 * HDF5 booleans cannot be written through h5wasm, so `dropIfgram` is stored as int8 (1 = keep);
 * tools/mintpy_compare.py converts it to bool before running MintPy on a stack written here.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { readH5, writeH5, type H5AttrValue, type H5Dataset } from "../io/hdf5";
import type { GeoTransform } from "../io/raster";
import { normalizeDate } from "./dates";
import { type IfgramStack, type SbasGeometry, SbasInputError } from "./types";

function num(attrs: Record<string, unknown>, key: string): number | undefined {
  const v = attrs[key];
  if (v === undefined) return undefined;
  const n = Number(Array.isArray(v) ? v[0] : v);
  return Number.isFinite(n) ? n : undefined;
}

function toF32(d: H5Dataset, file: string): Float32Array {
  if (Array.isArray(d.data)) throw new SbasInputError(file, `dataset ${d.name} is text, expected numbers`);
  return d.data instanceof Float32Array ? d.data : Float32Array.from(d.data);
}

export function geoAttrs(stack: Pick<IfgramStack, "width" | "height" | "transform" | "epsg">): Record<string, H5AttrValue> {
  const a: Record<string, H5AttrValue> = { WIDTH: String(stack.width), LENGTH: String(stack.height) };
  if (stack.transform) {
    const t = stack.transform;
    a.X_FIRST = String(t.originX);
    a.Y_FIRST = String(t.originY);
    a.X_STEP = String(t.pixelWidth);
    a.Y_STEP = String(t.pixelHeight);
    const geographic = stack.epsg === undefined || stack.epsg === 4326;
    a.X_UNIT = geographic ? "degrees" : "meters";
    a.Y_UNIT = geographic ? "degrees" : "meters";
  }
  if (stack.epsg) a.EPSG = String(stack.epsg);
  return a;
}

export function transformFromAttrs(attrs: Record<string, unknown>): { transform?: GeoTransform; epsg?: number } {
  const x0 = num(attrs, "X_FIRST");
  const y0 = num(attrs, "Y_FIRST");
  const dx = num(attrs, "X_STEP");
  const dy = num(attrs, "Y_STEP");
  if (x0 === undefined || y0 === undefined || dx === undefined || dy === undefined) return {};
  const epsg = num(attrs, "EPSG") ?? (String(attrs.X_UNIT ?? "degrees").startsWith("deg") ? 4326 : undefined);
  return { transform: { originX: x0, originY: y0, pixelWidth: dx, pixelHeight: dy }, epsg };
}

function stringAttrs(attrs: Record<string, string | number>): Record<string, H5AttrValue> {
  const out: Record<string, H5AttrValue> = {};
  for (const [k, v] of Object.entries(attrs)) out[k] = String(v);
  return out;
}

/** Reads MintPy's ifgramStack.h5 and the geometry file next to it. */
export async function readMintpyStack(file: string): Promise<IfgramStack> {
  if (!existsSync(file)) throw new SbasInputError(file, "does not exist");
  const { attrs, datasets } = await readH5(file).catch((e: Error) => {
    throw new SbasInputError(file, e.message);
  });
  if (attrs.FILE_TYPE !== undefined && attrs.FILE_TYPE !== "ifgramStack")
    throw new SbasInputError(file, `is a MintPy "${String(attrs.FILE_TYPE)}" file, not an ifgramStack`);
  for (const need of ["date", "unwrapPhase"])
    if (!datasets[need]) throw new SbasInputError(file, `has no "${need}" dataset`);
  const ph = datasets.unwrapPhase;
  if (ph.shape.length !== 3) throw new SbasInputError(file, `unwrapPhase has shape [${ph.shape}], expected [pairs, rows, cols]`);
  const [m, height, width] = ph.shape;
  const dateData = datasets.date.data;
  if (!Array.isArray(dateData) || dateData.length !== 2 * m)
    throw new SbasInputError(file, `date dataset should hold ${m}×2 YYYYMMDD strings`);
  const pairsTxt: [string, string][] = [];
  for (let k = 0; k < m; k++) {
    try {
      pairsTxt.push([normalizeDate(dateData[2 * k]), normalizeDate(dateData[2 * k + 1])]);
    } catch (e) {
      throw new SbasInputError(file, `date row ${k}: ${(e as Error).message}`);
    }
  }
  const seen = new Set<string>();
  pairsTxt.forEach(([a, b], k) => {
    if (a >= b) throw new SbasInputError(file, `pair ${k} (${a}_${b}) is not in increasing date order`);
    const key = `${a}_${b}`;
    if (seen.has(key)) throw new SbasInputError(file, `pair ${key} appears twice`);
    seen.add(key);
  });
  const dates = [...new Set(pairsTxt.flat())].sort();
  const di = new Map(dates.map((d, i) => [d, i]));
  const phase = toF32(ph, file);
  const nPix = width * height;
  const band = (arr: Float32Array, k: number): Float32Array => arr.slice(k * nPix, (k + 1) * nPix);
  const coh = datasets.coherence ? toF32(datasets.coherence, file) : undefined;
  if (coh && coh.length !== phase.length) throw new SbasInputError(file, "coherence and unwrapPhase differ in shape");
  const drop = datasets.dropIfgram?.data;
  const wavelength = num(attrs, "WAVELENGTH");
  if (!wavelength) throw new SbasInputError(file, "has no WAVELENGTH attribute");
  const geo = transformFromAttrs(attrs);
  const geometry = await readMintpyGeometry(file, width, height);
  const flatAttrs: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(attrs)) if (typeof v === "string" || typeof v === "number") flatAttrs[k] = v;
  return {
    source: file,
    width,
    height,
    dates,
    pairs: pairsTxt.map(([a, b]) => [di.get(a)!, di.get(b)!] as [number, number]),
    unwrapPhase: pairsTxt.map((_, k) => band(phase, k)),
    coherence: pairsTxt.map((_, k) => (coh ? band(coh, k) : new Float32Array(nPix).fill(1))),
    bperp: datasets.bperp && !Array.isArray(datasets.bperp.data) ? Float64Array.from(datasets.bperp.data) : new Float64Array(m),
    keep: pairsTxt.map((_, k) => (drop && !Array.isArray(drop) ? drop[k] !== 0 : true)),
    wavelength,
    geometry,
    transform: geo.transform,
    epsg: geo.epsg,
    attrs: flatAttrs,
  };
}

/** What the products' HDF5 attributes need of a stack: size, georeference, wavelength and MintPy attributes. */
export type StackMeta = Pick<IfgramStack, "source" | "width" | "height" | "transform" | "epsg" | "attrs" | "wavelength">;

/** The stack's metadata from the root attributes of an ifgramStack.h5 (no dataset read). */
export async function readMintpyStackMeta(file: string): Promise<StackMeta> {
  if (!existsSync(file)) throw new SbasInputError(file, "does not exist");
  const { attrs } = await readH5(file, []);
  const width = num(attrs, "WIDTH");
  const height = num(attrs, "LENGTH");
  const wavelength = num(attrs, "WAVELENGTH");
  if (!width || !height || !wavelength) throw new SbasInputError(file, "lacks WIDTH, LENGTH or WAVELENGTH attributes");
  const flat: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(attrs)) if (typeof v === "string" || typeof v === "number") flat[k] = v;
  return { source: file, width, height, wavelength, attrs: flat, ...transformFromAttrs(attrs) };
}

/** The geometry file beside a stack file (geometryGeo.h5 or geometryRadar.h5); empty when there is none. */
export async function readMintpyGeometry(stackFile: string, width: number, height: number): Promise<SbasGeometry> {
  const dir = dirname(stackFile);
  const cand = ["geometryGeo.h5", "geometryRadar.h5"].map((n) => join(dir, n)).find(existsSync);
  if (!cand) return {};
  const { datasets } = await readH5(cand);
  const g: SbasGeometry = {};
  const get = (name: string): Float32Array | undefined => {
    const d = datasets[name];
    if (!d) return undefined;
    if (d.shape[0] !== height || d.shape[1] !== width)
      throw new SbasInputError(cand, `${name} is ${d.shape.join("×")}, the stack is ${height}×${width}`);
    return toF32(d, cand);
  };
  g.height = get("height");
  g.incidenceAngle = get("incidenceAngle");
  g.slantRangeDistance = get("slantRangeDistance");
  const w = get("waterMask");
  if (w) g.waterMask = Uint8Array.from(w, (v) => (v ? 1 : 0));
  return g;
}

function stackBase(stack: StackMeta): Record<string, H5AttrValue> {
  return { ...stringAttrs(stack.attrs), ...geoAttrs(stack), WAVELENGTH: String(stack.wavelength) };
}

function concat(bands: Float32Array[]): Float32Array {
  const n = bands[0]?.length ?? 0;
  const out = new Float32Array(bands.length * n);
  bands.forEach((b, i) => out.set(b, i * n));
  return out;
}

/** Writes ifgramStack.h5 (phase NaN written as 0, MintPy's no-data value for unwrapPhase). */
export async function writeMintpyStack(file: string, stack: IfgramStack, extraAttrs: Record<string, H5AttrValue> = {}): Promise<void> {
  const m = stack.pairs.length;
  const shape = [m, stack.height, stack.width];
  const phase = concat(stack.unwrapPhase);
  for (let i = 0; i < phase.length; i++) if (phase[i] !== phase[i]) phase[i] = 0;
  const coh = concat(stack.coherence);
  for (let i = 0; i < coh.length; i++) if (coh[i] !== coh[i]) coh[i] = 0;
  await writeH5(
    file,
    [
      { name: "date", shape: [m, 2], data: stack.pairs.flatMap(([i, j]) => [stack.dates[i], stack.dates[j]]) },
      { name: "bperp", shape: [m], data: Float32Array.from(stack.bperp) },
      { name: "dropIfgram", shape: [m], data: Int8Array.from(stack.keep, (k) => (k ? 1 : 0)) },
      { name: "unwrapPhase", shape, data: phase, attrs: { UNIT: "radian" } },
      { name: "coherence", shape, data: coh, attrs: { UNIT: "1" } },
    ],
    { ...stackBase(stack), FILE_TYPE: "ifgramStack", UNIT: "radian", ...extraAttrs },
  );
}

export async function writeMintpyGeometry(file: string, stack: Pick<IfgramStack, "geometry" | "height" | "width"> & StackMeta): Promise<void> {
  const ds: H5Dataset[] = [];
  const shape = [stack.height, stack.width];
  const g = stack.geometry;
  if (g.height) ds.push({ name: "height", shape, data: g.height });
  if (g.incidenceAngle) ds.push({ name: "incidenceAngle", shape, data: g.incidenceAngle });
  if (g.slantRangeDistance) ds.push({ name: "slantRangeDistance", shape, data: g.slantRangeDistance });
  if (g.waterMask) ds.push({ name: "waterMask", shape, data: Int8Array.from(g.waterMask) });
  await writeH5(file, ds, { ...stackBase(stack), FILE_TYPE: "geometry" });
}

export interface TimeseriesOut {
  dates: string[];
  /** Per date, metres. */
  ts: Float32Array[];
  bperp: ArrayLike<number>;
  refDate: string;
}

export async function writeMintpyTimeseries(
  file: string,
  stack: StackMeta,
  out: TimeseriesOut,
  attrs: Record<string, H5AttrValue>,
): Promise<void> {
  await writeH5(
    file,
    [
      { name: "timeseries", shape: [out.dates.length, stack.height, stack.width], data: concat(out.ts) },
      { name: "date", shape: [out.dates.length], data: out.dates },
      { name: "bperp", shape: [out.dates.length], data: Float32Array.from(out.bperp) },
    ],
    { ...stackBase(stack), ...attrs, FILE_TYPE: "timeseries", UNIT: "m", REF_DATE: out.refDate },
  );
}

/** A single-file, multi-dataset 2-D product (velocity.h5, temporalCoherence.h5, demErr.h5). */
export async function writeMintpy2D(
  file: string,
  stack: StackMeta,
  fileType: string,
  datasets: Record<string, Float32Array>,
  attrs: Record<string, H5AttrValue>,
): Promise<void> {
  await writeH5(
    file,
    Object.entries(datasets).map(([name, data]) => ({ name, shape: [stack.height, stack.width], data })),
    { ...stackBase(stack), ...attrs, FILE_TYPE: fileType },
  );
}
