/**
 * Byte-identical HDF5 from a seeded simulator. HDF5 stamps every version-2 object header with access,
 * modification, change and birth times (h5wasm offers no `track_times = false`), so two runs with the
 * same seed differ in those 16 bytes and the header checksum. This rewrites the times to a fixed value
 * and recomputes each header's Jenkins lookup3 checksum, the way HDF5 itself computes it.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";

const rot = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** Bob Jenkins' lookup3 `hashlittle`, byte-wise (HDF5's H5_checksum_lookup3). */
export function lookup3(bytes: Uint8Array, initval = 0): number {
  let length = bytes.length;
  let a = (0xdeadbeef + length + initval) >>> 0;
  let b = a;
  let c = a;
  let k = 0;
  const u = (i: number): number => bytes[k + i];
  while (length > 12) {
    a = (a + (u(0) | (u(1) << 8) | (u(2) << 16) | (u(3) << 24))) >>> 0;
    b = (b + (u(4) | (u(5) << 8) | (u(6) << 16) | (u(7) << 24))) >>> 0;
    c = (c + (u(8) | (u(9) << 8) | (u(10) << 16) | (u(11) << 24))) >>> 0;
    a = (a - c) >>> 0; a = (a ^ rot(c, 4)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot(a, 6)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot(b, 8)) >>> 0; b = (b + a) >>> 0;
    a = (a - c) >>> 0; a = (a ^ rot(c, 16)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot(a, 19)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot(b, 4)) >>> 0; b = (b + a) >>> 0;
    length -= 12;
    k += 12;
  }
  if (length === 0) return c;
  // Tail: the remaining 1–12 bytes, little-endian into a, b, c.
  for (let i = length - 1; i >= 0; i--) {
    const v = u(i) << (8 * (i % 4));
    if (i >= 8) c = (c + v) >>> 0;
    else if (i >= 4) b = (b + v) >>> 0;
    else a = (a + v) >>> 0;
  }
  c = (c ^ b) >>> 0; c = (c - rot(b, 14)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rot(c, 11)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rot(a, 25)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot(b, 16)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rot(c, 4)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rot(a, 14)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot(b, 24)) >>> 0;
  return c;
}

/**
 * Sets the times of every version-2 object header ("OHDR" with flag bit 5) to `epochSeconds` and fixes
 * its checksum. Returns how many headers were rewritten. Headers whose stored checksum does not match
 * are left alone (a byte run that only looks like a header).
 */
export function pinHdf5Times(buf: Uint8Array, epochSeconds = 0): number {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let fixed = 0;
  for (let i = 0; i + 8 < buf.length; i++) {
    if (buf[i] !== 0x4f || buf[i + 1] !== 0x48 || buf[i + 2] !== 0x44 || buf[i + 3] !== 0x52) continue; // "OHDR"
    if (buf[i + 4] !== 2) continue;
    const flags = buf[i + 5];
    if (!(flags & 0x20)) continue;
    let p = i + 6 + 16 + (flags & 0x10 ? 4 : 0);
    const sizeLen = 1 << (flags & 3);
    if (p + sizeLen > buf.length) continue;
    let chunk = 0;
    for (let j = sizeLen - 1; j >= 0; j--) chunk = chunk * 256 + buf[p + j];
    p += sizeLen;
    const sumAt = p + chunk;
    if (sumAt + 4 > buf.length) continue;
    if (lookup3(buf.subarray(i, sumAt)) !== view.getUint32(sumAt, true)) continue;
    for (let t = 0; t < 4; t++) view.setUint32(i + 6 + 4 * t, epochSeconds >>> 0, true);
    view.setUint32(sumAt, lookup3(buf.subarray(i, sumAt)), true);
    fixed++;
  }
  return fixed;
}

/** Pins the object-header times of an HDF5 file in place (atomically). */
export function pinHdf5FileTimes(file: string, epochSeconds = 0): number {
  const buf = new Uint8Array(readFileSync(file));
  const n = pinHdf5Times(buf, epochSeconds);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, buf);
  renameSync(tmp, file);
  return n;
}
