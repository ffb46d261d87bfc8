/**
 * Flat binary rasters (GAMMA, ISCE2, ROI_PAC): one or more bands of fixed-size samples, interleaved by
 * line (BIL: per row, band 1 then band 2 …), by band (BSQ) or by pixel (BIP), either byte order. The
 * header (.par, .xml/.vrt, .rsc) gives width and band count; the file size must then match exactly, so a
 * 2-band file described as 1-band, or a truncated file, is an error and never a silently wrong band.
 */
import { openSync, readSync, closeSync, statSync } from "node:fs";
import { FileError } from "../../core/errors";

export type SampleType = "float32" | "float64" | "int16" | "uint8";

export interface RawLayout {
  width: number;
  height: number;
  bands: number;
  interleave: "BIL" | "BSQ" | "BIP";
  sample: SampleType;
  littleEndian: boolean;
}

export const SAMPLE_BYTES: Record<SampleType, number> = { float32: 4, float64: 8, int16: 2, uint8: 1 };

export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch (e) {
    throw new FileError(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Rows of a file whose header gives only the width; the size must be a whole number of rows. */
export function rowsFromSize(file: string, width: number, bands: number, sample: SampleType): number {
  const size = fileSize(file);
  const row = width * bands * SAMPLE_BYTES[sample];
  if (size === 0 || size % row !== 0)
    throw new FileError(file, `has ${size} bytes, not a whole number of ${width}-sample ${sample} rows × ${bands} band(s) (${row} bytes a row)`);
  return size / row;
}

/** Checks that the file holds exactly what the layout says, naming what it more likely holds when not. */
export function checkLayoutSize(file: string, l: RawLayout): void {
  const size = fileSize(file);
  const plane = l.width * l.height * SAMPLE_BYTES[l.sample];
  const want = plane * l.bands;
  if (size === want) return;
  const hint = size % plane === 0 ? ` — that is ${size / plane} band(s) of ${l.width}×${l.height}, the header says ${l.bands}` : "";
  throw new FileError(file, `has ${size} bytes but its header describes ${l.bands} band(s) of ${l.width}×${l.height} ${l.sample} (${want} bytes)${hint}`);
}

/**
 * Reads band `band` (1-based) as float32 row-major. Reads a row at a time so the whole file never sits
 * in memory next to the band.
 */
export function readRawBand(file: string, l: RawLayout, band: number): Float32Array {
  if (!Number.isInteger(band) || band < 1 || band > l.bands) throw new FileError(file, `band ${band} requested, the file has ${l.bands}`);
  checkLayoutSize(file, l);
  const bytes = SAMPLE_BYTES[l.sample];
  const out = new Float32Array(l.width * l.height);
  const fd = openSync(file, "r");
  try {
    const rowBytes = l.interleave === "BIP" ? l.width * l.bands * bytes : l.width * bytes;
    const buf = Buffer.alloc(rowBytes);
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const get =
      l.sample === "float32"
        ? (o: number) => dv.getFloat32(o, l.littleEndian)
        : l.sample === "float64"
          ? (o: number) => dv.getFloat64(o, l.littleEndian)
          : l.sample === "int16"
            ? (o: number) => dv.getInt16(o, l.littleEndian)
            : (o: number) => dv.getUint8(o);
    for (let r = 0; r < l.height; r++) {
      const pos =
        l.interleave === "BIL"
          ? (r * l.bands + (band - 1)) * l.width * bytes
          : l.interleave === "BSQ"
            ? ((band - 1) * l.height + r) * l.width * bytes
            : r * rowBytes;
      readSync(fd, buf, 0, rowBytes, pos);
      const stride = l.interleave === "BIP" ? l.bands * bytes : bytes;
      const first = l.interleave === "BIP" ? (band - 1) * bytes : 0;
      const o = r * l.width;
      for (let c = 0; c < l.width; c++) out[o + c] = get(first + c * stride);
    }
  } finally {
    closeSync(fd);
  }
  return out;
}
