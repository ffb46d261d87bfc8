/**
 * Tiled, DEFLATE-compressed GeoTIFF writing (the layout GDAL writes with TILED=YES COMPRESS=DEFLATE),
 * with the TIFF horizontal predictor for integers (2) or the floating-point predictor (3), which make
 * smooth rasters compress several times better. Tiles are compressed by node:zlib; bands are planar
 * (PlanarConfiguration 2: all tiles of band 1, then band 2 …) as the strip writer lays them out.
 */
import { deflateSync } from "node:zlib";
import { writeFileAtomic } from "../core/atomic";
import { RasterError, type Raster, type TypedArray } from "./geotiff-read";
import { geoEntries, sampleType, serializeTiff, TIFF, type Entry } from "./geotiff-write";

export interface TiledOptions {
  /** Tile edge in pixels, a multiple of 16 (TIFF 6.0); default 256. */
  tileSize?: number;
  /** 1 = none, 2 = horizontal differencing (integers), 3 = floating point; default 3 for floats, 2 otherwise. */
  predictor?: 1 | 2 | 3;
  /** zlib level 1–9, default 6 (GDAL's ZLEVEL default). */
  level?: number;
}

/** One tile of one band, padded with zeros past the raster edge (tiles are always full size). */
function tileBytes(band: TypedArray, width: number, height: number, tx: number, ty: number, ts: number): Uint8Array {
  const Ctor = band.constructor as { new (n: number): TypedArray };
  const tile = new Ctor(ts * ts);
  const x0 = tx * ts;
  const y0 = ty * ts;
  const w = Math.min(ts, width - x0);
  for (let r = 0; r < ts && y0 + r < height; r++) tile.set(band.subarray((y0 + r) * width + x0, (y0 + r) * width + x0 + w), r * ts);
  return new Uint8Array(tile.buffer);
}

/** Predictor 2: each sample minus its left neighbour, per row (integer wrap-around as TIFF specifies). */
function horizontalDiff(bytes: Uint8Array, ts: number, bits: number): void {
  const view = bits === 8 ? bytes : bits === 16 ? new Uint16Array(bytes.buffer) : new Uint32Array(bytes.buffer);
  for (let r = 0; r < ts; r++) for (let c = ts - 1; c > 0; c--) view[r * ts + c] -= view[r * ts + c - 1];
}

/**
 * Predictor 3 (Adobe tech note 3): per row, the sample bytes are regrouped most-significant byte first
 * (all byte-0s, then all byte-1s …) and then byte-differenced left to right.
 */
function floatingPointDiff(bytes: Uint8Array, ts: number, bytesPerSample: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  const row = ts * bytesPerSample;
  for (let r = 0; r < ts; r++) {
    const base = r * row;
    for (let c = 0; c < ts; c++)
      for (let k = 0; k < bytesPerSample; k++) out[base + k * ts + c] = bytes[base + c * bytesPerSample + (bytesPerSample - 1 - k)];
    for (let j = row - 1; j > 0; j--) out[base + j] = (out[base + j] - out[base + j - 1]) & 0xff;
  }
  return out;
}

export function encodeGeoTiffTiled(r: Raster, opts: TiledOptions = {}): Uint8Array {
  const { width, height, bands } = r;
  if (!bands.length) throw new Error("encodeGeoTiffTiled: no bands");
  const ts = opts.tileSize ?? 256;
  if (ts % 16 !== 0 || ts <= 0) throw new Error(`encodeGeoTiffTiled: tile size ${ts} is not a positive multiple of 16`);
  const st = sampleType(bands[0]);
  bands.forEach((b, i) => {
    if (b.length !== width * height) throw new Error(`encodeGeoTiffTiled: band ${i + 1} has ${b.length} values, expected ${width}×${height}`);
    if (b.constructor !== bands[0].constructor) throw new Error("encodeGeoTiffTiled: all bands must share one array type");
  });
  const predictor = opts.predictor ?? (st.format === 3 ? 3 : 2);
  if (predictor === 3 && st.format !== 3) throw new Error("encodeGeoTiffTiled: predictor 3 is for floating-point bands");
  if (predictor === 2 && (st.format === 3 || st.bits === 64)) throw new Error("encodeGeoTiffTiled: predictor 2 is for integer bands");
  const across = Math.ceil(width / ts);
  const down = Math.ceil(height / ts);
  const tiles: Uint8Array[] = [];
  for (const band of bands)
    for (let ty = 0; ty < down; ty++)
      for (let tx = 0; tx < across; tx++) {
        let t = tileBytes(band, width, height, tx, ty, ts);
        if (predictor === 2) horizontalDiff(t, ts, st.bits);
        else if (predictor === 3) t = floatingPointDiff(t, ts, st.bits / 8);
        tiles.push(deflateSync(t, { level: opts.level ?? 6 }));
      }
  const n = bands.length;
  const entries: Entry[] = [
    { tag: 256, type: TIFF.LONG, values: [width] },
    { tag: 257, type: TIFF.LONG, values: [height] },
    { tag: 258, type: TIFF.SHORT, values: new Array(n).fill(st.bits) },
    { tag: 259, type: TIFF.SHORT, values: [8] }, // Adobe DEFLATE
    { tag: 262, type: TIFF.SHORT, values: [1] },
    { tag: 277, type: TIFF.SHORT, values: [n] },
    { tag: 284, type: TIFF.SHORT, values: [2] },
    { tag: 317, type: TIFF.SHORT, values: [predictor] },
    { tag: 322, type: TIFF.SHORT, values: [ts] },
    { tag: 323, type: TIFF.SHORT, values: [ts] },
    { tag: 324, type: TIFF.LONG, values: new Array(tiles.length).fill(0) },
    { tag: 325, type: TIFF.LONG, values: tiles.map((t) => t.length) },
    { tag: 339, type: TIFF.SHORT, values: new Array(n).fill(st.format) },
    ...(n > 1 ? [{ tag: 338, type: TIFF.SHORT, values: new Array(n - 1).fill(0) }] : []),
    ...geoEntries(r),
  ];
  const total = tiles.reduce((a, t) => a + t.length, 0);
  if (total > 0xffffffff - (1 << 24)) throw new Error("encodeGeoTiffTiled: raster too large for classic TIFF (4 GiB)");
  const { head, dataStart } = serializeTiff(entries, 324, tiles.map((t) => t.length));
  const out = new Uint8Array(dataStart + total);
  out.set(head);
  let o = dataStart;
  for (const t of tiles) {
    out.set(t, o);
    o += t.length;
  }
  return out;
}

/** Writes a tiled DEFLATE GeoTIFF atomically (temporary name, then rename). */
export function writeRasterTiled(file: string, r: Raster, opts: TiledOptions = {}): void {
  let bytes: Uint8Array;
  try {
    bytes = encodeGeoTiffTiled(r, opts);
  } catch (e) {
    throw new RasterError(file, (e as Error).message);
  }
  writeFileAtomic(file, bytes);
}
