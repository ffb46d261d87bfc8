/**
 * GeoTIFF raster I/O. Reading goes through geotiff.js (strips and tiles, LZW/deflate/packbits, any CRS:
 * HyP3 products, GDAL output). Writing uses our own encoder because geotiff.js writes only 8-bit
 * big-endian data correctly: this one writes little-endian uncompressed strips of any numeric type,
 * one plane per band, with GeoKeys (EPSG), GDAL_NODATA and band descriptions in GDAL_METADATA, which
 * QGIS and GDAL read. Files are written to a temporary name and renamed into place.
 * Complex rasters (GDAL CFloat32 and CInt16), which geotiff.js cannot decode on its own, have their own
 * reader and writer: `readComplexRaster` / `writeComplexRaster`.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { fromArrayBuffer, fromFile, type GeoTIFF } from "geotiff";
import { writeFileAtomic } from "../core/atomic";
import { isGeographicEpsg } from "../core/crs";

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

export class RasterError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = "RasterError";
  }
}

/** Pixel centre of (col, row) in CRS coordinates. */
export function pixelToGeo(t: GeoTransform, col: number, row: number): [number, number] {
  return [t.originX + (col + 0.5) * t.pixelWidth, t.originY + (row + 0.5) * t.pixelHeight];
}

/** Fractional (col, row) of a CRS coordinate; integer part = the pixel that contains it. */
export function geoToPixel(t: GeoTransform, x: number, y: number): [number, number] {
  return [(x - t.originX) / t.pixelWidth, (y - t.originY) / t.pixelHeight];
}


// ---------------------------------------------------------------- reading

interface GeoTiffImageLike {
  getWidth(): number;
  getHeight(): number;
  getSamplesPerPixel(): number;
  getOrigin(): number[];
  getResolution(): number[];
  getGDALNoData(): number | null;
  readRasters(opts: { samples?: number[]; interleave: false }): Promise<ArrayLike<number>[] & { width: number; height: number }>;
  geoKeys: Record<string, number | string> | null;
  fileDirectory: Record<string, unknown>;
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
  return readTiff(() => fromArrayBuffer(buf), name, opts);
}

async function readTiff(open: () => Promise<GeoTIFF>, name: string, opts: { bands?: number[] }): Promise<Raster> {
  let tiff: GeoTIFF | undefined;
  try {
    let image: GeoTiffImageLike;
    try {
      tiff = await open();
      image = (await tiff.getImage()) as unknown as GeoTiffImageLike;
    } catch (e) {
      throw new RasterError(name, `not a readable GeoTIFF (${(e as Error).message})`);
    }
    return await readImage(image, name, opts);
  } finally {
    // Only a file source holds anything to release.
    await tiff?.close();
  }
}

async function readImage(image: GeoTiffImageLike, name: string, opts: { bands?: number[] }): Promise<Raster> {
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
    data = await image.readRasters({ samples: wanted, interleave: false });
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
function georeferenceOf(image: GeoTiffImageLike): {
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
function readFileBuffer(file: string): ArrayBuffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new RasterError(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
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

// ---------------------------------------------------------------- writing

const TIFF = { BYTE: 1, ASCII: 2, SHORT: 3, LONG: 4, DOUBLE: 12 } as const;

interface SampleType {
  bits: number;
  format: 1 | 2 | 3; // uint, int, IEEE float
}

function sampleType(a: TypedArray): SampleType {
  if (a instanceof Float32Array) return { bits: 32, format: 3 };
  if (a instanceof Float64Array) return { bits: 64, format: 3 };
  if (a instanceof Int8Array) return { bits: 8, format: 2 };
  if (a instanceof Uint8Array) return { bits: 8, format: 1 };
  if (a instanceof Int16Array) return { bits: 16, format: 2 };
  if (a instanceof Uint16Array) return { bits: 16, format: 1 };
  if (a instanceof Int32Array) return { bits: 32, format: 2 };
  return { bits: 32, format: 1 };
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function formatNoData(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return String(v);
}

interface Entry {
  tag: number;
  type: number;
  values: number[] | string;
}

/** Encodes a raster as a little-endian, uncompressed, band-planar GeoTIFF. */
export function encodeGeoTiff(r: Raster): Uint8Array {
  const { width, height, bands } = r;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`encodeGeoTiff: invalid size ${width}×${height}`);
  }
  if (bands.length === 0) throw new Error("encodeGeoTiff: no bands");
  const st = sampleType(bands[0]);
  bands.forEach((b, i) => {
    if (b.length !== width * height) {
      throw new Error(`encodeGeoTiff: band ${i + 1} has ${b.length} values, expected ${width}×${height}`);
    }
    const t = sampleType(b);
    if (t.bits !== st.bits || t.format !== st.format || b.constructor !== bands[0].constructor) {
      throw new Error("encodeGeoTiff: all bands must share one array type");
    }
  });
  return encodeTiff(r, st);
}

/** What a TIFF header needs to know of a raster: everything but the pixels. */
type RasterHeader = Omit<Raster, "bands">;

/** The bytes before the pixel data, and where each band's pixels go (bands follow one another). */
interface TiffLayout {
  /** IFD and tag values, zero-padded up to `dataStart`. */
  head: Uint8Array;
  dataStart: number;
  bandBytes: number;
}

/**
 * The encoder proper. `st` is the TIFF sample type of one pixel of one band; for complex types (format
 * 5/6) each band array holds interleaved (re, im) pairs, i.e. 2 × width × height values.
 */
function encodeTiff(r: Raster, st: { bits: number; format: number }): Uint8Array {
  const { head, dataStart, bandBytes } = tiffLayout(r, st, r.bands.length);
  const out = new Uint8Array(dataStart + bandBytes * r.bands.length);
  out.set(head);
  // Typed arrays are little-endian on every platform Node runs on, so bands copy byte for byte.
  let o = dataStart;
  for (const b of r.bands) {
    out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), o);
    o += b.byteLength;
  }
  return out;
}

/** Lays out a little-endian, uncompressed, band-planar TIFF of `n` bands (strips of each band in turn). */
function tiffLayout(r: RasterHeader, st: { bits: number; format: number }, n: number): TiffLayout {
  const { width, height } = r;
  const bytesPerSample = st.bits / 8;
  const rowBytes = width * bytesPerSample;
  const rowsPerStrip = Math.max(1, Math.min(height, Math.floor((1 << 20) / rowBytes)));
  const stripsPerBand = Math.ceil(height / rowsPerStrip);
  const nStrips = stripsPerBand * n;
  const dataBytes = rowBytes * height * n;
  if (dataBytes > 0xffffffff - (1 << 24)) throw new Error("encodeGeoTiff: raster too large for classic TIFF (4 GiB)");

  const entries: Entry[] = [
    { tag: 256, type: TIFF.LONG, values: [width] },
    { tag: 257, type: TIFF.LONG, values: [height] },
    { tag: 258, type: TIFF.SHORT, values: new Array(n).fill(st.bits) },
    { tag: 259, type: TIFF.SHORT, values: [1] },
    { tag: 262, type: TIFF.SHORT, values: [1] },
    { tag: 273, type: TIFF.LONG, values: new Array(nStrips).fill(0) }, // offsets patched below
    { tag: 277, type: TIFF.SHORT, values: [n] },
    { tag: 278, type: TIFF.LONG, values: [rowsPerStrip] },
    { tag: 279, type: TIFF.LONG, values: [] },
    { tag: 284, type: TIFF.SHORT, values: [2] },
  ];
  const counts: number[] = [];
  for (let b = 0; b < n; b++) {
    for (let s = 0; s < stripsPerBand; s++) {
      const rows = Math.min(rowsPerStrip, height - s * rowsPerStrip);
      counts.push(rows * rowBytes);
    }
  }
  entries[8].values = counts;
  if (n > 1) entries.push({ tag: 338, type: TIFF.SHORT, values: new Array(n - 1).fill(0) });
  entries.push({ tag: 339, type: TIFF.SHORT, values: new Array(n).fill(st.format) });

  if (r.transform) {
    const t = r.transform;
    entries.push({ tag: 33550, type: TIFF.DOUBLE, values: [t.pixelWidth, -t.pixelHeight, 0] });
    entries.push({ tag: 33922, type: TIFF.DOUBLE, values: [0, 0, 0, t.originX, t.originY, 0] });
  }
  if (r.epsg !== undefined) {
    const geographic = isGeographicEpsg(r.epsg);
    const citation = `EPSG:${r.epsg}|`;
    const keys: number[][] = [
      [1024, 0, 1, geographic ? 2 : 1], // GTModelType
      [1025, 0, 1, 1], // GTRasterType: PixelIsArea
      [1026, 34737, citation.length, 0], // GTCitation in GeoAsciiParams
      geographic ? [2048, 0, 1, r.epsg] : [3072, 0, 1, r.epsg],
    ];
    entries.push({ tag: 34735, type: TIFF.SHORT, values: [1, 1, 0, keys.length, ...keys.flat()] });
    entries.push({ tag: 34737, type: TIFF.ASCII, values: citation });
  }
  const items: string[] = [];
  for (const [k, v] of Object.entries(r.metadata ?? {})) items.push(`<Item name="${xmlEscape(k)}">${xmlEscape(v)}</Item>`);
  (r.bandNames ?? []).forEach((name, i) => {
    items.push(`<Item name="DESCRIPTION" sample="${i}" role="description">${xmlEscape(name)}</Item>`);
  });
  if (items.length) entries.push({ tag: 42112, type: TIFF.ASCII, values: `<GDALMetadata>\n${items.join("\n")}\n</GDALMetadata>` });
  if (r.noData !== undefined) entries.push({ tag: 42113, type: TIFF.ASCII, values: formatNoData(r.noData) });
  entries.sort((a, b) => a.tag - b.tag);

  const typeSize = (type: number): number => (type === TIFF.SHORT ? 2 : type === TIFF.LONG ? 4 : type === TIFF.DOUBLE ? 8 : 1);
  const count = (e: Entry): number => (typeof e.values === "string" ? e.values.length + 1 : e.values.length);
  const ifdOffset = 8;
  const ifdSize = 2 + entries.length * 12 + 4;
  let extra = ifdOffset + ifdSize;
  const extraOffsets = new Map<Entry, number>();
  for (const e of entries) {
    const size = count(e) * typeSize(e.type);
    if (size > 4) {
      extra += extra % 2 === 1 ? 1 : 0;
      if (e.type === TIFF.DOUBLE) extra += (8 - (extra % 8)) % 8;
      extraOffsets.set(e, extra);
      extra += size;
    }
  }
  // Pixel data starts aligned to its sample size so readers may map it directly.
  const dataStart = extra + ((8 - (extra % 8)) % 8);
  const offsets = entries.find((e) => e.tag === 273)!;
  let pos = dataStart;
  offsets.values = counts.map((c) => {
    const o = pos;
    pos += c;
    return o;
  });

  const out = new Uint8Array(dataStart);
  const dv = new DataView(out.buffer);
  out[0] = 0x49;
  out[1] = 0x49;
  dv.setUint16(2, 42, true);
  dv.setUint32(4, ifdOffset, true);
  dv.setUint16(ifdOffset, entries.length, true);
  const writeValues = (e: Entry, at: number): void => {
    if (typeof e.values === "string") {
      for (let i = 0; i < e.values.length; i++) out[at + i] = e.values.charCodeAt(i) & 0x7f;
      out[at + e.values.length] = 0;
      return;
    }
    e.values.forEach((v, i) => {
      if (e.type === TIFF.SHORT) dv.setUint16(at + 2 * i, v, true);
      else if (e.type === TIFF.LONG) dv.setUint32(at + 4 * i, v, true);
      else if (e.type === TIFF.DOUBLE) dv.setFloat64(at + 8 * i, v, true);
      else out[at + i] = v;
    });
  };
  entries.forEach((e, i) => {
    const p = ifdOffset + 2 + i * 12;
    dv.setUint16(p, e.tag, true);
    dv.setUint16(p + 2, e.type, true);
    dv.setUint32(p + 4, count(e), true);
    const ext = extraOffsets.get(e);
    if (ext !== undefined) {
      dv.setUint32(p + 8, ext, true);
      writeValues(e, ext);
    } else {
      writeValues(e, p + 8);
    }
  });
  dv.setUint32(ifdOffset + 2 + entries.length * 12, 0, true);
  return { head: out, dataStart, bandBytes: rowBytes * height };
}

export function writeRaster(file: string, r: Raster): void {
  writeFileAtomic(file, encodeGeoTiff(r));
}

/** Sample types the streaming writer takes, by name. */
export type SampleTypeName = "float32" | "float64" | "int8" | "uint8" | "int16" | "uint16" | "int32" | "uint32";

const SAMPLE_ARRAYS: Record<SampleTypeName, new (n: number) => TypedArray> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
};

/** Writes a GeoTIFF band by band, so a raster larger than memory never sits in one buffer. */
export interface RasterWriter {
  readonly file: string;
  /** Bands written so far. */
  readonly written: number;
  /** Appends the next band (width × height values of the declared sample type). */
  writeBand(band: TypedArray): void;
  /** After the last band: moves the file into place. */
  close(): void;
  /** Drops the partial file; whatever was at `file` before stays as it was. Safe to call twice. */
  abort(): void;
}

/**
 * Opens a band-by-band GeoTIFF writer: the same layout as `writeRaster` (uncompressed, band-planar), so
 * bands go to disk in order, to a temporary name that `close` renames into place once every band is
 * there. `header.bandNames`, when given, must name every band.
 */
export function createRasterWriter(
  file: string,
  header: RasterHeader & { bandCount: number; sampleType: SampleTypeName },
): RasterWriter {
  const { width, height, bandCount, sampleType: typeName, ...rest } = header;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`${file}: invalid raster size ${width}×${height}`);
  }
  if (!(Number.isInteger(bandCount) && bandCount > 0)) throw new Error(`${file}: invalid band count ${bandCount}`);
  if (rest.bandNames && rest.bandNames.length !== bandCount) {
    throw new Error(`${file}: ${rest.bandNames.length} band names for ${bandCount} bands`);
  }
  const Ctor = SAMPLE_ARRAYS[typeName];
  if (!Ctor) throw new Error(`${file}: unknown sample type ${String(typeName)}`);
  const st = sampleType(new Ctor(0));
  const { head, bandBytes } = tiffLayout({ width, height, ...rest }, st, bandCount);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  let fd: number | undefined = openSync(tmp, "w");
  let written = 0;
  const writeAll = (bytes: Uint8Array): void => {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd!, bytes, off, Math.min(bytes.length - off, 1 << 30));
  };
  const abort = (): void => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    rmSync(tmp, { force: true });
  };
  try {
    writeAll(head);
  } catch (e) {
    abort();
    throw new RasterError(file, `cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return {
    file,
    get written() {
      return written;
    },
    writeBand(band: TypedArray): void {
      if (fd === undefined) throw new RasterError(file, "writer is closed");
      if (written >= bandCount) throw new RasterError(file, `all ${bandCount} bands are already written`);
      if (band.constructor !== Ctor) throw new RasterError(file, `band ${written + 1} is a ${band.constructor.name}, expected ${typeName}`);
      if (band.byteLength !== bandBytes) {
        throw new RasterError(file, `band ${written + 1} has ${band.length} values, expected ${width}×${height}`);
      }
      try {
        writeAll(new Uint8Array(band.buffer, band.byteOffset, band.byteLength));
      } catch (e) {
        abort();
        throw new RasterError(file, `cannot write band ${written + 1} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      written++;
    },
    close(): void {
      if (fd === undefined) throw new RasterError(file, "writer is closed");
      if (written !== bandCount) {
        abort();
        throw new RasterError(file, `closed after ${written} of ${bandCount} bands; nothing was written`);
      }
      closeSync(fd);
      fd = undefined;
      renameSync(tmp, file);
    },
    abort,
  };
}

// ---------------------------------------------------------------- complex rasters

/** GDAL's complex sample types that are read and written here. */
export type ComplexDataType = "CFloat32" | "CInt16";

/** One complex band: real and imaginary parts as separate row-major arrays of width × height. */
export interface ComplexRaster {
  width: number;
  height: number;
  re: Float32Array;
  im: Float32Array;
  /** On reading: the file's sample type. On writing: the type to write (default CFloat32). */
  dataType?: ComplexDataType;
  transform?: GeoTransform;
  epsg?: number;
  noData?: number;
  bandName?: string;
  metadata?: Record<string, string>;
}

const COMPLEX_TYPES: Record<ComplexDataType, { bits: number; format: 5 | 6 }> = {
  CFloat32: { bits: 64, format: 6 }, // TIFF SampleFormat 6 = complex IEEE float
  CInt16: { bits: 32, format: 5 }, // TIFF SampleFormat 5 = complex signed integer
};

/**
 * Reads one complex band (GDAL CFloat32: SampleFormat 6 / 64 bits; CInt16: SampleFormat 5 / 32 bits) of a
 * GeoTIFF, stripped or tiled, compressed with anything geotiff.js decodes.
 *
 * geotiff.js has no complex types, so the image's directory is told the samples are a real type of the
 * same width (CFloat32 → float64, CInt16 → uint32); geotiff.js then decodes strips/tiles/compression and
 * predictors as usual, and the bytes of each container are reinterpreted as the (re, im) pair. The uint32
 * container is lossless. The float64 container passes through a JavaScript number: its bit pattern is
 * kept except possibly when it is a NaN, which happens only if the imaginary part is ±inf or NaN (the
 * high 4 bytes of the little-endian double are the imaginary float32, whose exponent bits then are all
 * ones); such pixels may come back with a different NaN payload or a changed real part. Finite samples —
 * including −0, subnormals and the full float32 range — are exact.
 */
export async function readComplexRasterBuffer(buf: ArrayBuffer, name: string, opts: { band?: number } = {}): Promise<ComplexRaster> {
  let image: GeoTiffImageLike;
  let littleEndian = true;
  try {
    const tiff = await fromArrayBuffer(buf);
    littleEndian = (tiff as unknown as { littleEndian?: boolean }).littleEndian !== false;
    image = (await tiff.getImage()) as unknown as GeoTiffImageLike;
  } catch (e) {
    throw new RasterError(name, `not a readable GeoTIFF (${(e as Error).message})`);
  }
  const fd = image.fileDirectory;
  const nBands = image.getSamplesPerPixel();
  const band = opts.band ?? 0;
  if (!Number.isInteger(band) || band < 0 || band >= nBands) {
    throw new RasterError(name, `band index ${band} out of range (file has ${nBands} bands)`);
  }
  const formats = Array.from((fd.SampleFormat as ArrayLike<number> | undefined) ?? new Array<number>(nBands).fill(1));
  const bits = Array.from(fd.BitsPerSample as ArrayLike<number>);
  const format = formats[band] ?? formats[0];
  const bps = bits[band] ?? bits[0];
  let dataType: ComplexDataType;
  if (format === 6 && bps === 64) dataType = "CFloat32";
  else if (format === 5 && bps === 32) dataType = "CInt16";
  else {
    const kind = format === 5 || format === 6 ? `complex ${format === 6 ? "float" : "integer"} of ${bps} bits` : `real ${["", "uint", "int", "float"][format] ?? `format ${format}`}${bps}`;
    throw new RasterError(name, `not a CFloat32 or CInt16 complex raster (band ${band + 1} is ${kind})`);
  }
  // Same-width real containers: CFloat32 → float64, CInt16 → uint32 (only for the samples geotiff decodes).
  fd.SampleFormat = formats.map((f) => (f === 6 ? 3 : f === 5 ? 1 : f));
  const width = image.getWidth();
  const height = image.getHeight();
  let data: ArrayLike<number>[];
  try {
    data = await image.readRasters({ samples: [band], interleave: false });
  } catch (e) {
    throw new RasterError(name, `cannot decode pixels (${(e as Error).message})`);
  } finally {
    fd.SampleFormat = formats;
  }
  const n = width * height;
  const container = data[0] as unknown as Float64Array | Uint32Array;
  if (container.length !== n) throw new RasterError(name, `decoded ${container.length} pixels, expected ${width}×${height}`);
  // The container's bytes, in this (little-endian) machine's order, are the file's pixel bytes when the
  // file is little-endian; a big-endian file's reader swapped the whole 8 (4) bytes, i.e. the pair order.
  const [ri, ii] = littleEndian ? [0, 1] : [1, 0];
  const re = new Float32Array(n);
  const im = new Float32Array(n);
  if (dataType === "CFloat32") {
    const pairs = new Float32Array(container.buffer, container.byteOffset, 2 * n);
    for (let i = 0; i < n; i++) {
      re[i] = pairs[2 * i + ri];
      im[i] = pairs[2 * i + ii];
    }
  } else {
    const pairs = new Int16Array(container.buffer, container.byteOffset, 2 * n);
    for (let i = 0; i < n; i++) {
      re[i] = pairs[2 * i + ri];
      im[i] = pairs[2 * i + ii];
    }
  }
  const out: ComplexRaster = { width, height, re, im, dataType };
  const { meta, ...geo } = georeferenceOf(image);
  Object.assign(out, geo);
  const bn = meta.bandNames.get(band);
  if (bn !== undefined) out.bandName = bn;
  if (Object.keys(meta.items).length) out.metadata = meta.items;
  return out;
}

/** Reads a complex GeoTIFF band (CFloat32 or CInt16); anything else is a RasterError naming the file. */
export async function readComplexRaster(file: string, opts: { band?: number } = {}): Promise<ComplexRaster> {
  const buf = readFileBuffer(file);
  return readComplexRasterBuffer(buf, file, opts);
}

/**
 * Encodes one complex band as a little-endian uncompressed GeoTIFF: CFloat32 (interleaved (re, im) float32
 * pairs, SampleFormat 6, BitsPerSample 64; the default) or CInt16 (int16 pairs, SampleFormat 5,
 * BitsPerSample 32; values must be integers in −32768…32767).
 */
export function encodeComplexGeoTiff(r: ComplexRaster): Uint8Array {
  const { width, height, re, im } = r;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`encodeComplexGeoTiff: invalid size ${width}×${height}`);
  }
  const n = width * height;
  if (re.length !== n || im.length !== n) {
    throw new Error(`encodeComplexGeoTiff: ${re.length} real / ${im.length} imaginary values, expected ${width}×${height}`);
  }
  const dataType = r.dataType ?? "CFloat32";
  const st = COMPLEX_TYPES[dataType];
  if (!st) throw new Error(`encodeComplexGeoTiff: unsupported complex type "${dataType}" (CFloat32, CInt16)`);
  let pairs: Float32Array | Int16Array;
  if (dataType === "CFloat32") {
    pairs = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      pairs[2 * i] = re[i];
      pairs[2 * i + 1] = im[i];
    }
  } else {
    pairs = new Int16Array(2 * n);
    for (let i = 0; i < 2 * n; i++) {
      const v = i % 2 === 0 ? re[i >> 1] : im[i >> 1];
      if (!Number.isInteger(v) || v < -32768 || v > 32767) {
        throw new Error(`encodeComplexGeoTiff: CInt16 pixel ${i >> 1} has ${i % 2 === 0 ? "real" : "imaginary"} part ${v} (not an int16)`);
      }
      pairs[i] = v;
    }
  }
  return encodeTiff(
    {
      width,
      height,
      bands: [pairs],
      transform: r.transform,
      epsg: r.epsg,
      noData: r.noData,
      metadata: r.metadata,
      ...(r.bandName !== undefined ? { bandNames: [r.bandName] } : {}),
    },
    st,
  );
}

/** Writes a complex GeoTIFF atomically (temporary name, then rename). */
export function writeComplexRaster(file: string, r: ComplexRaster): void {
  writeFileAtomic(file, encodeComplexGeoTiff(r));
}
