/**
 * Complex rasters (GDAL CFloat32 and CInt16), which geotiff.js cannot decode on its own.
 */
import { RasterError, georeferenceOf, readFileBuffer, type GeoTiffImageLike, type GeoTransform } from "./geotiff-read";
import { encodeTiff } from "./geotiff-write";
import { fromArrayBuffer } from "geotiff";
import { writeFileAtomic } from "../core/atomic";

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

