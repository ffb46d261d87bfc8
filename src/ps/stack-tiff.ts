/**
 * SLC stacks as complex GeoTIFFs (GDAL CFloat32 or CInt16, e.g. `gdal_translate -of GTiff` of ISCE2's merged
 * SLCs, or SNAP / other processors' GeoTIFF export). Layout of the folder:
 *   <yyyymmdd>.tif  (or <yyyymmdd>.slc.tif, <anything>_<yyyymmdd>.slc.tif)   one complex band per date
 *   lat.tif, lon.tif        real (Float64 preferred) GeoTIFFs, WGS-84 degrees per pixel, same size
 *   stack.json              the ISCE layout's metadata file (`StackJson`) with two more keys:
 *                           "dates": ["20150615", ...] and "bperp": [0, -12.3, ...] (m, vs. the first date);
 *                           wavelength, slantRange, incidenceDeg as in the ISCE layout (Sentinel-1 defaults)
 * Every date of stack.json needs its file and every date file needs its entry in stack.json.
 * geotiff.js reads asynchronously and the row-block interface is synchronous, so the SLCs are read into
 * memory on opening (as for HDF5): convert to the ISCE2 layout for stacks larger than memory.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { readComplexRaster, readRaster, RasterError, writeComplexRaster, writeRaster, type ComplexDataType } from "../io/raster";
import { writeFileAtomic } from "../core/atomic";
import { compactDate, isDate, isoDate } from "../core/dates";
import { FileError } from "../core/errors";
import {
  memoryStack,
  SENTINEL1_GEOMETRY,
  validateMeta,
  type StackJson,
  type StackMeta,
  type StackSource,
} from "./stack-source";

const DATE_TIF = /^(?:.*[_-])?(\d{8})(\.slc)?\.tiff?$/i;

/** The date files of a folder, by compact date; a date present twice is an error. */
function dateFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) {
    const m = DATE_TIF.exec(name);
    if (!m) {
      if (/\.slc\.tiff?$/i.test(name)) throw new FileError(join(dir, name), "SLC GeoTIFF name carries no YYYYMMDD date");
      continue;
    }
    const c = m[1];
    if (!isDate(c)) throw new FileError(join(dir, name), `"${c}" is not a valid date`);
    const prev = out.get(c);
    if (prev) throw new FileError(join(dir, name), `second SLC for date ${isoDate(c)} (also ${prev})`);
    out.set(c, join(dir, name));
  }
  return out;
}

/** True when `dir` is a folder holding stack.json and at least one date GeoTIFF (the layout above). */
export function isComplexTiffStack(dir: string): boolean {
  if (!existsSync(dir) || !statSync(dir).isDirectory() || !existsSync(join(dir, "stack.json"))) return false;
  return readdirSync(dir).some((n) => DATE_TIF.test(n));
}

function readStackJson(file: string): StackJson {
  if (!existsSync(file)) throw new FileError(file, "missing (the complex GeoTIFF layout keeps dates and baselines there)");
  try {
    return JSON.parse(readFileSync(file, "utf8")) as StackJson;
  } catch (e) {
    throw new FileError(file, `not valid JSON (${(e as Error).message})`);
  }
}

/** Opens a complex GeoTIFF stack folder (see the module comment). Every inconsistency is a FileError. */
export async function openComplexTiffStack(dir: string): Promise<StackSource> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new FileError(dir, "not a folder");
  const sjFile = join(dir, "stack.json");
  const sj = readStackJson(sjFile);
  if (!Array.isArray(sj.dates) || sj.dates.length === 0) throw new FileError(sjFile, `needs "dates": ["YYYYMMDD", ...] for the complex GeoTIFF layout`);
  if (!Array.isArray(sj.bperp)) throw new FileError(sjFile, `needs "bperp": [m per date] for the complex GeoTIFF layout`);
  const compact = sj.dates.map((d) => {
    const c = isDate(String(d)) ? compactDate(String(d)) : "";
    if (!/^\d{8}$/.test(c)) throw new FileError(sjFile, `date "${d}" is not YYYYMMDD or yyyy-mm-dd`);
    return c;
  });
  if (sj.bperp.length !== compact.length) throw new FileError(sjFile, `${sj.bperp.length} baselines for ${compact.length} dates`);
  sj.bperp.forEach((b, i) => {
    if (typeof b !== "number" || !Number.isFinite(b)) throw new FileError(sjFile, `bperp[${i}] = ${JSON.stringify(b)} is not a number`);
  });
  const files = dateFiles(dir);
  const listed = new Set(compact);
  for (const c of compact) {
    if (!files.has(c)) throw new FileError(join(dir, `${c}.tif`), `date ${isoDate(c)} is in stack.json but has no SLC GeoTIFF`);
  }
  for (const [c, f] of files) {
    if (!listed.has(c)) throw new FileError(f, `SLC for date ${isoDate(c)} which stack.json does not list`);
  }

  const wrap = (e: unknown): Error => (e instanceof RasterError ? new FileError(e.file, e.message.slice(e.file.length + 2)) : (e as Error));
  const slc: Float32Array[] = [];
  let width = 0;
  let height = 0;
  let first = "";
  for (const c of compact) {
    const f = files.get(c)!;
    const r = await readComplexRaster(f).catch((e: unknown) => {
      throw wrap(e);
    });
    if (!first) {
      [width, height, first] = [r.width, r.height, f];
    } else if (r.width !== width || r.height !== height) {
      throw new FileError(f, `size ${r.width}×${r.height} differs from ${first} (${width}×${height}); the stack is not coregistered`);
    }
    const z = new Float32Array(2 * width * height);
    for (let i = 0; i < width * height; i++) {
      z[2 * i] = r.re[i];
      z[2 * i + 1] = r.im[i];
    }
    slc.push(z);
  }
  const band = async (name: string): Promise<Float64Array> => {
    const f = join(dir, name);
    if (!existsSync(f)) throw new FileError(f, "missing (per-pixel WGS-84 geometry of the stack)");
    const r = await readRaster(f, { bands: [0] }).catch((e: unknown) => {
      throw wrap(e);
    });
    if (r.width !== width || r.height !== height) {
      throw new FileError(f, `geometry ${r.width}×${r.height} does not match the SLCs (${width}×${height})`);
    }
    return Float64Array.from(r.bands[0]);
  };
  const lat = await band("lat.tif");
  const lon = await band("lon.tif");
  const meta: StackMeta = {
    source: dir,
    dates: compact.map((c) => isoDate(c)),
    width,
    height,
    bperp: Float64Array.from(sj.bperp),
    wavelength: sj.wavelength ?? SENTINEL1_GEOMETRY.wavelength,
    slantRange: sj.slantRange ?? SENTINEL1_GEOMETRY.slantRange,
    incidenceDeg: sj.incidenceDeg ?? SENTINEL1_GEOMETRY.incidenceDeg,
    lon,
    lat,
  };
  validateMeta(meta, sjFile);
  return memoryStack(meta, slc);
}

/**
 * Writes a complex GeoTIFF stack folder: `<yyyymmdd>.tif` per date (CFloat32 unless `dataType` says CInt16,
 * whose values must then be integers), lat.tif / lon.tif (Float64), hgt.tif when given, stack.json last.
 */
export function writeComplexTiffStack(
  dir: string,
  meta: StackMeta,
  slc: Float32Array[],
  extra: { hgt?: Float64Array; sensor?: string; dataType?: ComplexDataType } = {},
): void {
  validateMeta(meta, dir);
  if (slc.length !== meta.dates.length) throw new FileError(dir, `${slc.length} SLCs for ${meta.dates.length} dates`);
  const n = meta.width * meta.height;
  meta.dates.forEach((iso, d) => {
    if (slc[d].length !== 2 * n) throw new FileError(dir, `SLC ${iso} has ${slc[d].length / 2} pixels, expected ${meta.width}×${meta.height}`);
    const re = new Float32Array(n);
    const im = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      re[i] = slc[d][2 * i];
      im[i] = slc[d][2 * i + 1];
    }
    const c = compactDate(iso);
    writeComplexRaster(join(dir, `${c}.tif`), { width: meta.width, height: meta.height, re, im, dataType: extra.dataType ?? "CFloat32", bandName: `SLC ${c}` });
  });
  writeRaster(join(dir, "lat.tif"), { width: meta.width, height: meta.height, bands: [Float64Array.from(meta.lat)], bandNames: ["latitude"] });
  writeRaster(join(dir, "lon.tif"), { width: meta.width, height: meta.height, bands: [Float64Array.from(meta.lon)], bandNames: ["longitude"] });
  if (extra.hgt) writeRaster(join(dir, "hgt.tif"), { width: meta.width, height: meta.height, bands: [Float64Array.from(extra.hgt)], bandNames: ["height"] });
  const sj: StackJson = {
    sensor: extra.sensor ?? "Sentinel-1",
    wavelength: meta.wavelength,
    slantRange: meta.slantRange,
    incidenceDeg: meta.incidenceDeg,
    flattened: true,
    dates: meta.dates.map((d) => compactDate(d)),
    bperp: Array.from(meta.bperp),
  };
  writeFileAtomic(join(dir, "stack.json"), JSON.stringify(sj, null, 2) + "\n");
}
