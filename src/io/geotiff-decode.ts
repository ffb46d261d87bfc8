/**
 * A fast path for the GeoTIFFs InSAR stacks are made of (HyP3: LZW, 256² tiles, float32; GDAL output:
 * DEFLATE, strips or tiles, predictors 1–3; PyRate's GAMMA GeoTIFFs: PackBits strips). geotiff.js still
 * parses the IFD, but blocks are decoded here — LZW by a table decoder writing straight into a
 * preallocated buffer (geotiff.js grows a JS array byte by byte, about 20–28× slower on 20 HyP3-like
 * products), DEFLATE by node:zlib, PackBits by a few lines — and copied into the band arrays row by row.
 * Anything else (JPEG, big-endian, pixel-interleaved multi-band) returns undefined and geotiff.js
 * decodes it as before.
 */
import { inflateSync } from "node:zlib";

const CLEAR = 256;
const EOI = 257;

/**
 * TIFF LZW (MSB-first codes of 9–12 bits, "early change") into `out`; returns the bytes written.
 * Every table entry is a string already written to `out` (the previous code's string plus the next
 * byte, which follows it there), so an entry is kept as (start, length) and decoding a code is a copy
 * from earlier output, with no prefix-chain walk. Output past `out`'s end is an error.
 */
export function lzwDecode(input: Uint8Array, out: Uint8Array): number {
  const start = new Int32Array(4096);
  const len = new Int32Array(4096);
  const nBits = input.length * 8;
  const cap = out.length;
  let bit = 0;
  let width = 9;
  let mask = 511;
  let next = 258;
  let oldPos = -1;
  let oldLen = 0;
  let o = 0;
  while (bit + width <= nBits) {
    const b = bit >>> 3;
    const v = (input[b] << 16) | ((input[b + 1] | 0) << 8) | (input[b + 2] | 0);
    const code = (v >>> (24 - (bit & 7) - width)) & mask;
    bit += width;
    if (code === EOI) break;
    if (code === CLEAR) {
      width = 9;
      mask = 511;
      next = 258;
      oldPos = -1;
      continue;
    }
    let l: number;
    if (code < 256) {
      if (o >= cap) throw new Error(`LZW: block decodes to more than ${cap} bytes`);
      out[o] = code;
      l = 1;
    } else if (code < next && code >= 258) {
      l = len[code];
      if (o + l > cap) throw new Error(`LZW: block decodes to more than ${cap} bytes`);
      const s = start[code];
      for (let i = 0; i < l; i++) out[o + i] = out[s + i];
    } else if (code === next && oldPos >= 0) {
      l = oldLen + 1;
      if (o + l > cap) throw new Error(`LZW: block decodes to more than ${cap} bytes`);
      for (let i = 0; i < oldLen; i++) out[o + i] = out[oldPos + i];
      out[o + oldLen] = out[oldPos];
    } else throw new Error(`LZW: code ${code} not in the table (next ${next})`);
    if (oldPos >= 0 && next < 4096) {
      start[next] = oldPos;
      len[next] = oldLen + 1;
      next++;
      if (next + 1 >= 1 << width && width < 12) {
        width++;
        mask = (1 << width) - 1;
      }
    }
    oldPos = o;
    oldLen = l;
    o += l;
  }
  return o;
}

/** PackBits (TIFF compression 32773) into `out`; returns the bytes written. */
export function packBitsDecode(input: Uint8Array, out: Uint8Array): number {
  let i = 0;
  let o = 0;
  while (i < input.length && o < out.length) {
    const n = (input[i++] << 24) >> 24;
    if (n >= 0) {
      const end = Math.min(i + n + 1, input.length);
      while (i < end && o < out.length) out[o++] = input[i++];
    } else if (n !== -128) {
      const v = input[i++];
      for (let k = 0; k < 1 - n && o < out.length; k++) out[o++] = v;
    }
  }
  return o;
}

/** Undo predictor 2 (per-row sample differences, little-endian) in place. */
function undoHorizontal(buf: Uint8Array, w: number, rows: number, bytes: number): void {
  const view = bytes === 1 ? buf : bytes === 2 ? new Uint16Array(buf.buffer, buf.byteOffset, buf.length / 2) : new Uint32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  for (let r = 0; r < rows; r++) for (let c = 1; c < w; c++) view[r * w + c] += view[r * w + c - 1];
}

/** Undo predictor 3 (byte-differenced, MSB-first byte planes per row) into little-endian samples. */
function undoFloatingPoint(buf: Uint8Array, w: number, rows: number, bytes: number): Uint8Array {
  const out = new Uint8Array(buf.length);
  const row = w * bytes;
  for (let r = 0; r < rows; r++) {
    const base = r * row;
    for (let j = 1; j < row; j++) buf[base + j] = (buf[base + j] + buf[base + j - 1]) & 0xff;
    for (let k = 0; k < bytes; k++) for (let c = 0; c < w; c++) out[base + c * bytes + (bytes - 1 - k)] = buf[base + k * w + c];
  }
  return out;
}

interface Ifd {
  ImageWidth: number;
  ImageLength: number;
  BitsPerSample: number[];
  SampleFormat?: number[];
  SamplesPerPixel?: number;
  PlanarConfiguration?: number;
  Compression?: number;
  Predictor?: number;
  TileWidth?: number;
  TileLength?: number;
  TileOffsets?: number[];
  TileByteCounts?: number[];
  RowsPerStrip?: number;
  StripOffsets?: number[];
  StripByteCounts?: number[];
}

/** A numeric typed array (geotiff-read's TypedArray, named structurally to keep this module below it). */
type Samples = ArrayLike<number> & { readonly buffer: ArrayBufferLike };

function arrayType(bits: number, format: number): { new (n: number): Samples } | undefined {
  if (format === 3) return bits === 32 ? Float32Array : bits === 64 ? Float64Array : undefined;
  if (format === 2) return bits === 8 ? Int8Array : bits === 16 ? Int16Array : bits === 32 ? Int32Array : undefined;
  return bits === 8 ? Uint8Array : bits === 16 ? Uint16Array : bits === 32 ? Uint32Array : undefined;
}

/**
 * Decodes the wanted bands (0-based) of one image from the whole file's bytes, or undefined when the
 * layout is one this fast path leaves to geotiff.js.
 */
export function decodeBands(file: Uint8Array, fd: Record<string, unknown>, littleEndian: boolean, wanted: number[]): Samples[] | undefined {
  const d = fd as unknown as Ifd;
  const spp = d.SamplesPerPixel ?? 1;
  const comp = d.Compression ?? 1;
  const pred = d.Predictor ?? 1;
  const bits = d.BitsPerSample[0];
  const bytes = bits / 8;
  const Ctor = arrayType(bits, d.SampleFormat?.[0] ?? 1);
  if (!littleEndian || !Ctor || ![1, 5, 8, 32773, 32946].includes(comp) || (spp > 1 && (d.PlanarConfiguration ?? 1) !== 2)) return undefined;
  if (d.BitsPerSample.some((b) => b !== bits) || ![1, 2, 3].includes(pred)) return undefined;
  if ((pred === 2 && (d.SampleFormat?.[0] ?? 1) === 3) || (pred === 3 && (d.SampleFormat?.[0] ?? 1) !== 3)) return undefined;
  const W = d.ImageWidth;
  const H = d.ImageLength;
  const tiled = d.TileWidth !== undefined;
  const bw = tiled ? d.TileWidth! : W;
  const bh = tiled ? d.TileLength! : Math.min(d.RowsPerStrip ?? H, H);
  const offsets = (tiled ? d.TileOffsets : d.StripOffsets) ?? [];
  const counts = (tiled ? d.TileByteCounts : d.StripByteCounts) ?? [];
  const across = Math.ceil(W / bw);
  const down = Math.ceil(H / bh);
  if (offsets.length !== across * down * spp) return undefined;
  const blockBytes = bw * bh * bytes;
  const scratch = new Uint8Array(blockBytes);
  return wanted.map((band) => {
    const out = new Ctor(W * H);
    const outBytes = new Uint8Array(out.buffer);
    for (let by = 0; by < down; by++)
      for (let bx = 0; bx < across; bx++) {
        const i = band * across * down + by * across + bx;
        const raw = file.subarray(offsets[i], offsets[i] + counts[i]);
        const rows = tiled ? bh : Math.min(bh, H - by * bh);
        let blk: Uint8Array;
        if (comp === 1) blk = raw;
        else if (comp === 5) {
          const n = lzwDecode(raw, scratch);
          if (n < blockBytes) scratch.fill(0, n);
          blk = scratch;
        } else if (comp === 32773) {
          const n = packBitsDecode(raw, scratch);
          if (n < blockBytes) scratch.fill(0, n);
          blk = scratch;
        } else blk = new Uint8Array(inflateSync(raw));
        if (pred === 2) undoHorizontal(blk === raw ? (blk = raw.slice()) : blk, bw, rows, bytes);
        else if (pred === 3) blk = undoFloatingPoint(blk === raw ? raw.slice() : blk, bw, rows, bytes);
        const x0 = bx * bw;
        const w = Math.min(bw, W - x0);
        for (let r = 0; r < rows && by * bh + r < H; r++) {
          const src = r * bw * bytes;
          outBytes.set(blk.subarray(src, src + w * bytes), ((by * bh + r) * W + x0) * bytes);
        }
      }
    return out;
  });
}
