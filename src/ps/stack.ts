/**
 * A coregistered single-look complex stack, read row-block by row-block so that a full Sentinel-1 burst
 * stack never has to sit in memory at once.
 *
 * On-disk layout read here (ISCE2 topsStack "merged" layout; what the `ps-stack` simulator writes):
 *   merged/SLC/YYYYMMDD/YYYYMMDD.slc.full (+ .vrt, .xml)   complex64 little-endian, one band, row-major
 *   merged/geom_reference/lat.rdr.full, lon.rdr.full       float64 per pixel (WGS-84 degrees)
 *   merged/geom_reference/hgt.rdr.full                     float64 per pixel (m), optional
 *   merged/geom_reference/los.rdr.full                     float32 2 bands BIL (incidence, azimuth °), optional
 *   baselines/REF_SEC/REF_SEC.txt                          "Bperp (average): <m>" per secondary date
 *   stack.json (optional)                                  wavelength, slant range, incidence overrides
 * The SLCs are expected flattened (reference topography removed with the DEM), so that the remaining
 * height term of eq. 1 is the DEM error only.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { writeFileAtomic } from "../core/atomic";
import { compactDate, isDate, isoDate } from "../core/dates";
import { FileError } from "../core/errors";
import { SENTINEL1_GEOMETRY, validateMeta, type StackJson, type StackMeta, type StackSource } from "./stack-source";
import { checkSize, readRawHeader, readRealBand, writeRealBand, writeSlc } from "./stack-raw";

export { memoryStack, SENTINEL1_GEOMETRY, validateMeta, type StackJson, type StackMeta, type StackSource } from "./stack-source";
export { isceXmlText, readRawHeader, readRealBand, vrtText, writeRealBand, writeSlc, type RawBandInfo } from "./stack-raw";

/** Writes a full ISCE2-style stack folder. */
export function writeIsceStack(dir: string, meta: StackMeta, slc: Float32Array[], extra: { hgt?: Float64Array; sensor?: string } = {}): void {
  validateMeta(meta, dir);
  const ref = compactDate(meta.dates[0]);
  meta.dates.forEach((iso, d) => {
    const c = compactDate(iso);
    writeSlc(join(dir, "merged", "SLC", c, `${c}.slc.full`), meta.width, meta.height, slc[d]);
    if (d > 0) {
      writeFileAtomic(
        join(dir, "baselines", `${ref}_${c}`, `${ref}_${c}.txt`),
        `swath: IW1\nBperp (average): ${meta.bperp[d].toFixed(4)}\nBpar (average): 0.0\n`,
      );
    }
  });
  const geo = join(dir, "merged", "geom_reference");
  writeRealBand(join(geo, "lat.rdr.full"), meta.width, meta.height, [meta.lat], "Float64");
  writeRealBand(join(geo, "lon.rdr.full"), meta.width, meta.height, [meta.lon], "Float64");
  if (extra.hgt) writeRealBand(join(geo, "hgt.rdr.full"), meta.width, meta.height, [extra.hgt], "Float64");
  const n = meta.width * meta.height;
  writeRealBand(join(geo, "los.rdr.full"), meta.width, meta.height, [new Float32Array(n).fill(meta.incidenceDeg), new Float32Array(n).fill(-100)], "Float32");
  const sj: StackJson = {
    sensor: extra.sensor ?? "Sentinel-1",
    wavelength: meta.wavelength,
    slantRange: meta.slantRange,
    incidenceDeg: meta.incidenceDeg,
    flattened: true,
  };
  writeFileAtomic(join(dir, "stack.json"), JSON.stringify(sj, null, 2) + "\n");
}

/** Finds the stack root: `dir` itself or a `merged` folder's parent. */
function stackRoot(dir: string): string {
  if (existsSync(join(dir, "merged", "SLC"))) return dir;
  if (basename(dir) === "merged" && existsSync(join(dir, "SLC"))) return join(dir, "..");
  if (basename(dir) === "SLC" && existsSync(join(dir, "..", "..", "merged"))) return join(dir, "..", "..");
  throw new FileError(dir, "not an ISCE2 stack folder (no merged/SLC inside)");
}

/** Opens an ISCE2-style stack folder (see the module comment). Every inconsistency is a FileError. */
export function openIsceStack(dir: string): StackSource {
  const root = stackRoot(dir);
  const slcDir = join(root, "merged", "SLC");
  const compact = readdirSync(slcDir)
    .filter((d) => statSync(join(slcDir, d)).isDirectory())
    .sort();
  for (const c of compact) {
    if (!/^\d{8}$/.test(c) || !isDate(c)) {
      throw new FileError(join(slcDir, c), "SLC folder name is not a YYYYMMDD date");
    }
  }
  if (compact.length < 3) throw new FileError(slcDir, `needs at least 3 dates, found ${compact.length}`);
  const files = compact.map((c) => join(slcDir, c, `${c}.slc.full`));
  const headers = files.map((f) => readRawHeader(f));
  headers.forEach((h, i) => {
    if (h.dataType !== "CFloat32") throw new FileError(files[i], `expected complex64 (CFloat32) SLC, header says ${h.dataType}`);
    if (h.width !== headers[0].width || h.height !== headers[0].height) {
      throw new FileError(files[i], `size ${h.width}×${h.height} differs from ${files[0]} (${headers[0].width}×${headers[0].height}); the stack is not coregistered`);
    }
    checkSize(files[i], h);
  });
  const { width, height } = headers[0];
  const dates = compact.map((c) => isoDate(c));

  const bperp = new Float64Array(dates.length);
  const blDir = join(root, "baselines");
  for (let d = 1; d < compact.length; d++) {
    const f = join(blDir, `${compact[0]}_${compact[d]}`, `${compact[0]}_${compact[d]}.txt`);
    if (!existsSync(f)) throw new FileError(f, `missing baseline for date ${dates[d]} (every secondary date needs one)`);
    const m = /Bperp \(average\):\s*([-+0-9.eE]+)/.exec(readFileSync(f, "utf8"));
    if (!m) throw new FileError(f, `no "Bperp (average): <m>" line`);
    bperp[d] = Number(m[1]);
  }
  if (existsSync(blDir)) {
    const known = new Set(compact);
    for (const pair of readdirSync(blDir)) {
      const sec = pair.split("_")[1];
      if (sec && !known.has(sec)) throw new FileError(join(blDir, pair), `baseline for date ${sec} which has no SLC`);
    }
  }

  const geo = join(root, "merged", "geom_reference");
  const band = (name: string): Float64Array => {
    const f = join(geo, name);
    const b = readRealBand(f);
    if (b.width !== width || b.height !== height) {
      throw new FileError(f, `geometry ${b.width}×${b.height} does not match the SLCs (${width}×${height})`);
    }
    return b.data;
  };
  const lat = band("lat.rdr.full");
  const lon = band("lon.rdr.full");

  let sj: StackJson = {};
  const sjFile = join(root, "stack.json");
  if (existsSync(sjFile)) {
    try {
      sj = JSON.parse(readFileSync(sjFile, "utf8")) as StackJson;
    } catch (e) {
      throw new FileError(sjFile, `not valid JSON (${(e as Error).message})`);
    }
  }
  let incidenceDeg = sj.incidenceDeg ?? SENTINEL1_GEOMETRY.incidenceDeg;
  if (sj.incidenceDeg === undefined && existsSync(join(geo, "los.rdr.full"))) {
    const inc = readRealBand(join(geo, "los.rdr.full"), 1).data;
    incidenceDeg = inc[Math.floor(inc.length / 2)];
  }
  const meta: StackMeta = {
    source: root,
    dates,
    width,
    height,
    bperp,
    wavelength: sj.wavelength ?? SENTINEL1_GEOMETRY.wavelength,
    slantRange: sj.slantRange ?? SENTINEL1_GEOMETRY.slantRange,
    incidenceDeg,
    lon,
    lat,
  };
  validateMeta(meta, root);

  const fds = new Map<number, number>();
  return {
    meta,
    fileOf: (d) => files[d],
    readRows(d, row0, rows) {
      if (row0 < 0 || row0 + rows > height) throw new FileError(files[d], `rows ${row0}..${row0 + rows} outside 0..${height}`);
      let fd = fds.get(d);
      if (fd === undefined) {
        fd = openSync(files[d], "r");
        if (fstatSync(fd).size < width * height * 8) throw new FileError(files[d], "file shrank while reading");
        fds.set(d, fd);
      }
      const h = headers[d];
      const out = new Float32Array(rows * width * 2);
      if (h.littleEndian && h.pixelOffset === 8 && h.lineOffset === width * 8 && new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) {
        // Contiguous little-endian rows on a little-endian machine: one read straight into the result.
        const view = new Uint8Array(out.buffer);
        let got = 0;
        while (got < view.length) {
          const n = readSync(fd, view, got, view.length - got, h.imageOffset + row0 * h.lineOffset + got);
          if (n <= 0) throw new FileError(files[d], `unexpected end of file at row ${row0}`);
          got += n;
        }
        return out;
      }
      const bytes = Buffer.alloc(width * 8);
      for (let r = 0; r < rows; r++) {
        readSync(fd, bytes, 0, bytes.length, h.imageOffset + (row0 + r) * h.lineOffset);
        const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
        const o = r * width * 2;
        for (let i = 0; i < width * 2; i++) out[o + i] = dv.getFloat32(i * 4, h.littleEndian);
      }
      return out;
    },
    close() {
      for (const fd of fds.values()) closeSync(fd);
      fds.clear();
    },
  };
}
