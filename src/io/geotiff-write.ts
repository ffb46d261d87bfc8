/**
 * GeoTIFF writing (see raster.ts for why we encode ourselves): little-endian uncompressed strips of any
 * numeric type, one plane per band, GeoKeys, GDAL_NODATA and GDAL_METADATA, streamed row by row when large.
 */
import { RasterError, type Raster, type TypedArray } from "./geotiff-read";
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomic } from "../core/atomic";
import { isGeographicEpsg } from "../core/crs";

// ---------------------------------------------------------------- writing

export const TIFF = { BYTE: 1, ASCII: 2, SHORT: 3, LONG: 4, DOUBLE: 12 } as const;

interface SampleType {
  bits: number;
  format: 1 | 2 | 3; // uint, int, IEEE float
}

export function sampleType(a: TypedArray): SampleType {
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

export interface Entry {
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
export type RasterHeader = Omit<Raster, "bands">;

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
export function encodeTiff(r: Raster, st: { bits: number; format: number }): Uint8Array {
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

  entries.push(...geoEntries(r));
  const { head, dataStart } = serializeTiff(entries, 273, counts);
  return { head, dataStart, bandBytes: rowBytes * height };
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


/** GeoTIFF georeferencing (ModelPixelScale/Tiepoint, GeoKeys), GDAL_METADATA and GDAL_NODATA tags. */
export function geoEntries(r: RasterHeader): Entry[] {
  const entries: Entry[] = [];
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
  return entries;
}

/**
 * Serializes a little-endian classic TIFF header and IFD. Data blocks of `counts` bytes follow the
 * header back to back from the returned `dataStart`; their offsets are written into tag `offsetsTag`
 * (273 strips, 324 tiles).
 */
export function serializeTiff(entries: Entry[], offsetsTag: number, counts: number[]): { head: Uint8Array; dataStart: number } {
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
  const offsets = entries.find((e) => e.tag === offsetsTag)!;
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
  return { head: out, dataStart };
}
