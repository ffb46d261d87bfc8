/** Byte-level writers for the reader tests: files built from each format's spec, not by our readers. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export function f32Bytes(values: ArrayLike<number>, littleEndian: boolean): Buffer {
  const b = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    if (littleEndian) b.writeFloatLE(values[i], i * 4);
    else b.writeFloatBE(values[i], i * 4);
  }
  return b;
}

export function put(file: string, data: string | Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, data);
}

/** Band-interleaved-by-line bytes: per row, each band's row in turn. */
export function bil(bands: Float32Array[], width: number, littleEndian: boolean): Buffer {
  const h = bands[0].length / width;
  const rows: number[] = [];
  for (let r = 0; r < h; r++) for (const b of bands) for (let c = 0; c < width; c++) rows.push(b[r * width + c]);
  return f32Bytes(rows, littleEndian);
}

export const ramp = (n: number, k: number): Float32Array => Float32Array.from({ length: n }, (_, i) => 0.01 * (i + 1) * (k + 1));
