/**
 * GeoTIFF raster I/O. Reading goes through geotiff.js (strips and tiles, LZW/deflate/packbits, any CRS:
 * HyP3 products, GDAL output). Writing uses our own encoder because geotiff.js writes only 8-bit
 * big-endian data correctly: this one writes little-endian uncompressed strips of any numeric type,
 * one plane per band, with GeoKeys (EPSG), GDAL_NODATA and band descriptions in GDAL_METADATA, which
 * QGIS and GDAL read. Files are written to a temporary name and renamed into place.
 * Complex rasters (GDAL CFloat32 and CInt16), which geotiff.js cannot decode on its own, have their own
 * reader and writer: `readComplexRaster` / `writeComplexRaster`.
 */
import { readFileSync, statSync } from "node:fs";
import { FileError } from "../core/errors";
import { fromArrayBuffer, fromFile, type GeoTIFF } from "geotiff";
import { decodeBands } from "./geotiff-decode";

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

/** Affine north-up transform: (originX, originY) is the outer corner of pixel (0, 0). */
export interface GeoTransform {
  originX: number;
  originY: number;
  pixelWidth: number;
  /** Negative for north-up rasters. */
  pixelHeight: number;
}

export interface Raster<T extends TypedArray = TypedArray> {
  width: number;
  height: number;
  /** One row-major array of width × height per band. */
  bands: T[];
  transform?: GeoTransform;
  /** EPSG code of the CRS, e.g. 4326 or 32649. */
  epsg?: number;
  noData?: number;
  bandNames?: string[];
  /** Dataset-level GDAL metadata items. */
  metadata?: Record<string, string>;
}

/** A GeoTIFF is unreadable or wrong (a FileError, kept as its own type for `instanceof`). */
export class RasterError extends FileError {}

/** Pixel centre of (col, row) in CRS coordinates. */
export function pixelToGeo(t: GeoTransform, col: number, row: number): [number, number] {
  return [t.originX + (col + 0.5) * t.pixelWidth, t.originY + (row + 0.5) * t.pixelHeight];
}

/** Fractional (col, row) of a CRS coordinate; integer part = the pixel that contains it. */
export function geoToPixel(t: GeoTransform, x: number, y: number): [number, number] {
  return [(x - t.originX) / t.pixelWidth, (y - t.originY) / t.pixelHeight];
}


// ---------------------------------------------------------------- reading

export interface GeoTiffImageLike {
  getWidth(): number;
  getHeight(): number;
  getSamplesPerPixel(): number;
  getOrigin(): number[];
  getResolution(): number[];
  getGDALNoData(): number | null;
  readRasters(opts: { samples?: number[]; interleave: false }): Promise<ArrayLike<number>[] & { width: number; height: number }>;
  geoKeys: Record<string, number | string> | null;
  fileDirectory: Record<string, unknown>;
  littleEndian?: boolean;
}

function parseGdalMetadata(xml: string | undefined): { bandNames: Map<number, string>; items: Record<string, string> } {
  const bandNames = new Map<number, string>();
  const items: Record<string, string> = {};
  if (!xml) return { bandNames, items };
  const re = /<Item\s+([^>]*)>([\s\S]*?)<\/Item>/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(xml))) {
    const attrs = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
    const value = m[2].replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
    if (attrs.sample !== undefined) {
      if (attrs.role === "description" || attrs.name === "DESCRIPTION") bandNames.set(Number(attrs.sample), value);
    } else if (attrs.name) {
      items[attrs.name] = value;
    }
  }
  return { bandNames, items };
}

export async function readRasterBuffer(buf: ArrayBuffer, name: string, opts: { bands?: number[] } = {}): Promise<Raster> {
  return readTiff(() => fromArrayBuffer(buf), name, opts, new Uint8Array(buf));
}

async function readTiff(open: () => Promise<GeoTIFF>, name: string, opts: { bands?: number[] }, bytes?: Uint8Array): Promise<Raster> {
  let tiff: GeoTIFF | undefined;
  try {
    let image: GeoTiffImageLike;
    try {
      tiff = await open();
      image = (await tiff.getImage()) as unknown as GeoTiffImageLike;
    } catch (e) {
      throw new RasterError(name, `not a readable GeoTIFF (${(e as Error).message})`);
    }
    return await readImage(image, name, opts, bytes);
  } finally {
    // Only a file source holds anything to release.
    await tiff?.close();
  }
}

async function readImage(image: GeoTiffImageLike, name: string, opts: { bands?: number[] }, bytes?: Uint8Array): Promise<Raster> {
  const width = image.getWidth();
  const height = image.getHeight();
  const nBands = image.getSamplesPerPixel();
  const wanted = opts.bands ?? Array.from({ length: nBands }, (_, i) => i);
  for (const b of wanted) {
    if (!Number.isInteger(b) || b < 0 || b >= nBands) {
      throw new RasterError(name, `band index ${b} out of range (file has ${nBands} bands)`);
    }
  }
  let data: ArrayLike<number>[];
  try {
    // The whole file in memory: decode its blocks on the fast path when the layout allows.
    const fast = bytes && decodeBands(bytes, image.fileDirectory, image.littleEndian ?? false, wanted);
    data = fast || (await image.readRasters({ samples: wanted, interleave: false }));
  } catch (e) {
    throw new RasterError(name, `cannot decode pixels (${(e as Error).message})`);
  }
  const raster: Raster = { width, height, bands: wanted.map((_, i) => data[i] as unknown as TypedArray) };
  const { meta, ...geo } = georeferenceOf(image);
  Object.assign(raster, geo);
  if (meta.bandNames.size) raster.bandNames = wanted.map((b) => meta.bandNames.get(b) ?? `band_${b + 1}`);
  if (Object.keys(meta.items).length) raster.metadata = meta.items;
  return raster;
}

/** CRS, transform and nodata of an image (only the keys present), and its GDAL metadata. */
export function georeferenceOf(image: GeoTiffImageLike): {
  epsg?: number;
  transform?: GeoTransform;
  noData?: number;
  meta: ReturnType<typeof parseGdalMetadata>;
} {
  const out: { epsg?: number; transform?: GeoTransform; noData?: number } = {};
  const keys = image.geoKeys ?? {};
  const epsg = Number(keys.ProjectedCSTypeGeoKey ?? keys.GeographicTypeGeoKey);
  if (Number.isFinite(epsg) && epsg > 0 && epsg !== 32767) out.epsg = epsg;
  const fd = image.fileDirectory;
  if (fd.ModelPixelScale || fd.ModelTransformation) {
    const [ox, oy] = image.getOrigin();
    const [rx, ry] = image.getResolution();
    out.transform = { originX: ox, originY: oy, pixelWidth: rx, pixelHeight: ry };
  }
  const nd = image.getGDALNoData();
  if (nd !== null && nd !== undefined && !Number.isNaN(Number(nd))) out.noData = Number(nd);
  // The ASCII tag keeps its terminating NUL in geotiff.js's reading.
  else if (typeof fd.GDAL_NODATA === "string" && fd.GDAL_NODATA.replace(/\0/g, "").trim().toLowerCase() === "nan") out.noData = NaN;
  return { ...out, meta: parseGdalMetadata(fd.GDAL_METADATA as string | undefined) };
}

/** The file's bytes as an ArrayBuffer (what geotiff.js decodes), or a RasterError naming the file. */
export function readFileBuffer(file: string): ArrayBuffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new RasterError(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  // Large files get their own ArrayBuffer from readFileSync: use it as is rather than copy it.
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer as ArrayBuffer;
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Files above this are read strip by strip from disk instead of whole (Node reads at most 2 GiB at once). */
const WHOLE_FILE_LIMIT = 1 << 30;

/**
 * Reads a GeoTIFF (all bands, or those of `bands`, 0-based). Files up to 1 GiB are read whole; larger
 * ones (a 14-band study scene) and `streaming: true` read only the strips the bands need.
 */
export async function readRaster(file: string, opts: { bands?: number[]; streaming?: boolean } = {}): Promise<Raster> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (e) {
    throw new RasterError(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (opts.streaming ?? size > WHOLE_FILE_LIMIT) return readTiff(() => fromFile(file), file, opts);
  const buf = readFileBuffer(file);
  return readRasterBuffer(buf, file, opts);
}

