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

export interface StackMeta {
  /** Where the stack came from (folder or "memory"). */
  source: string;
  /** ISO yyyy-mm-dd, ascending. */
  dates: string[];
  /** Range samples per line. */
  width: number;
  /** Azimuth lines. */
  height: number;
  /** Perpendicular baseline of each date relative to the reference (first) date, m. */
  bperp: Float64Array;
  wavelength: number;
  /** Slant range at scene centre, m (eq. 1's R). */
  slantRange: number;
  /** Incidence angle at scene centre, degrees (eq. 1's θ). */
  incidenceDeg: number;
  /** WGS-84 position of each pixel (row-major width*height). */
  lon: Float64Array;
  lat: Float64Array;
}

/** A stack whose complex rows can be read per date: interleaved re,im float32, `rows*width*2` values. */
export interface StackSource {
  meta: StackMeta;
  readRows(dateIndex: number, row0: number, rows: number): Float32Array;
  close?(): void;
}

export class StackError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = "StackError";
  }
}

/** Sentinel-1 IW defaults used when a stack carries no stack.json (ESA S1 product specification). */
export const SENTINEL1_GEOMETRY = { wavelength: 0.05546576, slantRange: 875_000, incidenceDeg: 39 };

export function isoFromCompact(d: string): string {
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
}
export function compactFromIso(d: string): string {
  return d.replace(/-/g, "");
}

/** Years since the first date, per date. */
export function yearsSinceFirst(dates: string[]): Float64Array {
  const t0 = Date.parse(dates[0] + "T00:00:00Z");
  return Float64Array.from(dates, (d) => (Date.parse(d + "T00:00:00Z") - t0) / (365.25 * 86400e3));
}

// ---------------------------------------------------------------- in memory

/** A stack held in memory (simulations, tests): `slc[d]` is interleaved complex64 of the whole image. */
export function memoryStack(meta: StackMeta, slc: Float32Array[]): StackSource {
  validateMeta(meta, "memory stack");
  if (slc.length !== meta.dates.length) {
    throw new StackError("memory stack", `${slc.length} SLCs for ${meta.dates.length} dates`);
  }
  slc.forEach((s, i) => {
    if (s.length !== meta.width * meta.height * 2) {
      throw new StackError("memory stack", `SLC ${meta.dates[i]} has ${s.length / 2} pixels, expected ${meta.width}×${meta.height}`);
    }
  });
  return {
    meta,
    readRows(d, row0, rows) {
      const w = meta.width * 2;
      return slc[d].subarray(row0 * w, (row0 + rows) * w);
    },
  };
}

export function validateMeta(m: StackMeta, file: string): void {
  const n = m.width * m.height;
  if (!(m.width > 0 && m.height > 0)) throw new StackError(file, `empty image ${m.width}×${m.height}`);
  if (m.dates.length < 3) throw new StackError(file, `needs at least 3 dates, found ${m.dates.length}`);
  for (let i = 0; i < m.dates.length; i++) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(m.dates[i]) || Number.isNaN(Date.parse(m.dates[i]))) {
      throw new StackError(file, `malformed date "${m.dates[i]}"`);
    }
    if (i > 0 && m.dates[i] <= m.dates[i - 1]) {
      throw new StackError(file, `dates not strictly increasing at ${m.dates[i - 1]} → ${m.dates[i]}`);
    }
  }
  if (m.bperp.length !== m.dates.length) {
    throw new StackError(file, `${m.bperp.length} perpendicular baselines for ${m.dates.length} dates`);
  }
  if (m.lon.length !== n || m.lat.length !== n) {
    throw new StackError(file, `geometry has ${m.lon.length} lon / ${m.lat.length} lat values for ${n} pixels`);
  }
}

// ---------------------------------------------------------------- ISCE2 headers

export interface RawBandInfo {
  width: number;
  height: number;
  /** GDAL data type: CFloat32, Float32, Float64. */
  dataType: string;
  imageOffset: number;
  pixelOffset: number;
  lineOffset: number;
  littleEndian: boolean;
}

const BYTES: Record<string, number> = { CFloat32: 8, Float32: 4, Float64: 8 };

export function vrtText(file: string, width: number, height: number, dataType: string, bands = 1): string {
  const bytes = BYTES[dataType];
  const parts = [`<VRTDataset rasterXSize="${width}" rasterYSize="${height}">`];
  for (let b = 0; b < bands; b++) {
    // ISCE writes multi-band geometry as band-interleaved-by-line.
    parts.push(
      `    <VRTRasterBand dataType="${dataType}" band="${b + 1}" subClass="VRTRawRasterBand">`,
      `        <SourceFilename relativeToVRT="1">${basename(file)}</SourceFilename>`,
      `        <ByteOrder>LSB</ByteOrder>`,
      `        <ImageOffset>${b * width * bytes}</ImageOffset>`,
      `        <PixelOffset>${bytes}</PixelOffset>`,
      `        <LineOffset>${width * bytes * bands}</LineOffset>`,
      `    </VRTRasterBand>`,
    );
  }
  parts.push(`</VRTDataset>`);
  return parts.join("\n") + "\n";
}

export function isceXmlText(file: string, width: number, height: number, dataType: string, bands = 1): string {
  const isceType: Record<string, string> = { CFloat32: "CFLOAT", Float32: "FLOAT", Float64: "DOUBLE" };
  const prop = (name: string, value: string | number): string =>
    `    <property name="${name}">\n        <value>${value}</value>\n    </property>`;
  return [
    `<imageFile>`,
    prop("byte_order", "l"),
    prop("data_type", isceType[dataType]),
    prop("family", "image"),
    prop("file_name", basename(file)),
    prop("image_type", dataType === "CFloat32" ? "slc" : "bil"),
    prop("length", height),
    prop("number_bands", bands),
    prop("scheme", "BIL"),
    prop("width", width),
    `</imageFile>`,
  ].join("\n") + "\n";
}

/** Reads the raw-band layout from `<file>.vrt`, else `<file>.xml`; errors name the header at fault. */
export function readRawHeader(file: string, band = 1): RawBandInfo {
  const vrt = `${file}.vrt`;
  const xml = `${file}.xml`;
  if (existsSync(vrt)) {
    const t = readFileSync(vrt, "utf8");
    const w = /rasterXSize="(\d+)"/.exec(t);
    const h = /rasterYSize="(\d+)"/.exec(t);
    if (!w || !h) throw new StackError(vrt, "no rasterXSize/rasterYSize");
    const bands = [...t.matchAll(/<VRTRasterBand([^>]*)>([\s\S]*?)<\/VRTRasterBand>/g)];
    const b = bands[band - 1];
    if (!b) throw new StackError(vrt, `has ${bands.length} band(s), band ${band} requested`);
    const dt = /dataType="(\w+)"/.exec(b[1])?.[1] ?? "";
    if (!(dt in BYTES)) throw new StackError(vrt, `unsupported dataType "${dt}" (CFloat32, Float32, Float64)`);
    const num = (tag: string, dflt: number): number => {
      const m = new RegExp(`<${tag}>(\\d+)</${tag}>`).exec(b[2]);
      return m ? Number(m[1]) : dflt;
    };
    const width = Number(w[1]);
    return {
      width,
      height: Number(h[1]),
      dataType: dt,
      imageOffset: num("ImageOffset", 0),
      pixelOffset: num("PixelOffset", BYTES[dt]),
      lineOffset: num("LineOffset", BYTES[dt] * width),
      littleEndian: !/<ByteOrder>MSB<\/ByteOrder>/.test(b[2]),
    };
  }
  if (existsSync(xml)) {
    const t = readFileSync(xml, "utf8");
    const prop = (name: string): string | undefined =>
      new RegExp(`<property name="${name}">\\s*<value>([^<]*)</value>`).exec(t)?.[1]?.trim();
    const width = Number(prop("width"));
    const height = Number(prop("length"));
    const bands = Number(prop("number_bands") ?? 1);
    const types: Record<string, string> = { CFLOAT: "CFloat32", FLOAT: "Float32", DOUBLE: "Float64" };
    const dt = types[(prop("data_type") ?? "").toUpperCase()];
    if (!(width > 0 && height > 0)) throw new StackError(xml, "no width/length");
    if (!dt) throw new StackError(xml, `unsupported data_type "${prop("data_type")}"`);
    if (band > bands) throw new StackError(xml, `has ${bands} band(s), band ${band} requested`);
    const bytes = BYTES[dt];
    return {
      width,
      height,
      dataType: dt,
      imageOffset: (band - 1) * width * bytes,
      pixelOffset: bytes,
      lineOffset: width * bytes * bands,
      littleEndian: (prop("byte_order") ?? "l").toLowerCase().startsWith("l"),
    };
  }
  throw new StackError(file, "no .vrt or .xml header beside the raster");
}

function checkSize(file: string, h: RawBandInfo): void {
  if (!existsSync(file)) throw new StackError(file, "raster file missing (header present)");
  const need = h.imageOffset + (h.height - 1) * h.lineOffset + h.width * h.pixelOffset;
  const have = statSync(file).size;
  if (have < need) {
    throw new StackError(file, `truncated: ${have} bytes, header says ${h.width}×${h.height} ${h.dataType} needs ${need}`);
  }
}

/** Reads a whole real band (Float32/Float64) as Float64Array. */
export function readRealBand(file: string, band = 1): { width: number; height: number; data: Float64Array } {
  const h = readRawHeader(file, band);
  if (h.dataType === "CFloat32") throw new StackError(file, "expected a real band, found complex");
  checkSize(file, h);
  const buf = readFileSync(file);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = new Float64Array(h.width * h.height);
  for (let r = 0; r < h.height; r++) {
    for (let c = 0; c < h.width; c++) {
      const o = h.imageOffset + r * h.lineOffset + c * h.pixelOffset;
      out[r * h.width + c] = h.dataType === "Float64" ? dv.getFloat64(o, h.littleEndian) : dv.getFloat32(o, h.littleEndian);
    }
  }
  return { width: h.width, height: h.height, data: out };
}

export function writeRealBand(file: string, width: number, height: number, data: ArrayLike<number>[], dataType: "Float32" | "Float64"): void {
  const bytes = BYTES[dataType];
  const bands = data.length;
  const buf = new ArrayBuffer(width * height * bytes * bands);
  const dv = new DataView(buf);
  for (let r = 0; r < height; r++) {
    for (let b = 0; b < bands; b++) {
      for (let c = 0; c < width; c++) {
        const o = (r * bands + b) * width * bytes + c * bytes;
        const v = data[b][r * width + c];
        if (dataType === "Float64") dv.setFloat64(o, v, true);
        else dv.setFloat32(o, v, true);
      }
    }
  }
  writeFileAtomic(file, new Uint8Array(buf));
  writeFileAtomic(`${file}.vrt`, vrtText(file, width, height, dataType, bands));
  writeFileAtomic(`${file}.xml`, isceXmlText(file, width, height, dataType, bands));
}

/** Writes one SLC as complex64 little-endian with ISCE .vrt/.xml headers. */
export function writeSlc(file: string, width: number, height: number, slc: Float32Array): void {
  const bytes = new Uint8Array(slc.length * 4);
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < slc.length; i++) dv.setFloat32(i * 4, slc[i], true);
  writeFileAtomic(file, bytes);
  writeFileAtomic(`${file}.vrt`, vrtText(file, width, height, "CFloat32"));
  writeFileAtomic(`${file}.xml`, isceXmlText(file, width, height, "CFloat32"));
}

export interface StackJson {
  sensor?: string;
  wavelength?: number;
  slantRange?: number;
  incidenceDeg?: number;
  flattened?: boolean;
  /**
   * Complex GeoTIFF layout only (`stack-tiff.ts`): the dates (YYYYMMDD or yyyy-mm-dd) and the perpendicular
   * baseline of each, m relative to the first date. The ISCE2 layout takes both from its folders.
   */
  dates?: string[];
  bperp?: number[];
}

/** Writes a full ISCE2-style stack folder. */
export function writeIsceStack(dir: string, meta: StackMeta, slc: Float32Array[], extra: { hgt?: Float64Array; sensor?: string } = {}): void {
  validateMeta(meta, dir);
  const ref = compactFromIso(meta.dates[0]);
  meta.dates.forEach((iso, d) => {
    const c = compactFromIso(iso);
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
  throw new StackError(dir, "not an ISCE2 stack folder (no merged/SLC inside)");
}

/** Opens an ISCE2-style stack folder (see the module comment). Every inconsistency is a StackError. */
export function openIsceStack(dir: string): StackSource {
  const root = stackRoot(dir);
  const slcDir = join(root, "merged", "SLC");
  const compact = readdirSync(slcDir)
    .filter((d) => statSync(join(slcDir, d)).isDirectory())
    .sort();
  for (const c of compact) {
    if (!/^\d{8}$/.test(c) || Number.isNaN(Date.parse(isoFromCompact(c)))) {
      throw new StackError(join(slcDir, c), "SLC folder name is not a YYYYMMDD date");
    }
  }
  if (compact.length < 3) throw new StackError(slcDir, `needs at least 3 dates, found ${compact.length}`);
  const files = compact.map((c) => join(slcDir, c, `${c}.slc.full`));
  const headers = files.map((f) => readRawHeader(f));
  headers.forEach((h, i) => {
    if (h.dataType !== "CFloat32") throw new StackError(files[i], `expected complex64 (CFloat32) SLC, header says ${h.dataType}`);
    if (h.width !== headers[0].width || h.height !== headers[0].height) {
      throw new StackError(files[i], `size ${h.width}×${h.height} differs from ${files[0]} (${headers[0].width}×${headers[0].height}); the stack is not coregistered`);
    }
    checkSize(files[i], h);
  });
  const { width, height } = headers[0];
  const dates = compact.map(isoFromCompact);

  const bperp = new Float64Array(dates.length);
  const blDir = join(root, "baselines");
  for (let d = 1; d < compact.length; d++) {
    const f = join(blDir, `${compact[0]}_${compact[d]}`, `${compact[0]}_${compact[d]}.txt`);
    if (!existsSync(f)) throw new StackError(f, `missing baseline for date ${dates[d]} (every secondary date needs one)`);
    const m = /Bperp \(average\):\s*([-+0-9.eE]+)/.exec(readFileSync(f, "utf8"));
    if (!m) throw new StackError(f, `no "Bperp (average): <m>" line`);
    bperp[d] = Number(m[1]);
  }
  if (existsSync(blDir)) {
    const known = new Set(compact);
    for (const pair of readdirSync(blDir)) {
      const sec = pair.split("_")[1];
      if (sec && !known.has(sec)) throw new StackError(join(blDir, pair), `baseline for date ${sec} which has no SLC`);
    }
  }

  const geo = join(root, "merged", "geom_reference");
  const band = (name: string): Float64Array => {
    const f = join(geo, name);
    const b = readRealBand(f);
    if (b.width !== width || b.height !== height) {
      throw new StackError(f, `geometry ${b.width}×${b.height} does not match the SLCs (${width}×${height})`);
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
      throw new StackError(sjFile, `not valid JSON (${(e as Error).message})`);
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
    readRows(d, row0, rows) {
      if (row0 < 0 || row0 + rows > height) throw new StackError(files[d], `rows ${row0}..${row0 + rows} outside 0..${height}`);
      let fd = fds.get(d);
      if (fd === undefined) {
        fd = openSync(files[d], "r");
        if (fstatSync(fd).size < width * height * 8) throw new StackError(files[d], "file shrank while reading");
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
          if (n <= 0) throw new StackError(files[d], `unexpected end of file at row ${row0}`);
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
