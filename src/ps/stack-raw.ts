/**
 * ISCE2 raw rasters: a flat binary band described by a GDAL `.vrt` or an ISCE `.xml` header beside
 * it (SLCs complex64, geometry float64/float32, band-interleaved by line), read and written here.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { writeFileAtomic } from "../core/atomic";
import { FileError } from "../core/errors";

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
    if (!w || !h) throw new FileError(vrt, "no rasterXSize/rasterYSize");
    const bands = [...t.matchAll(/<VRTRasterBand([^>]*)>([\s\S]*?)<\/VRTRasterBand>/g)];
    const b = bands[band - 1];
    if (!b) throw new FileError(vrt, `has ${bands.length} band(s), band ${band} requested`);
    const dt = /dataType="(\w+)"/.exec(b[1])?.[1] ?? "";
    if (!(dt in BYTES)) throw new FileError(vrt, `unsupported dataType "${dt}" (CFloat32, Float32, Float64)`);
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
    if (!(width > 0 && height > 0)) throw new FileError(xml, "no width/length");
    if (!dt) throw new FileError(xml, `unsupported data_type "${prop("data_type")}"`);
    if (band > bands) throw new FileError(xml, `has ${bands} band(s), band ${band} requested`);
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
  throw new FileError(file, "no .vrt or .xml header beside the raster");
}

export function checkSize(file: string, h: RawBandInfo): void {
  if (!existsSync(file)) throw new FileError(file, "raster file missing (header present)");
  const need = h.imageOffset + (h.height - 1) * h.lineOffset + h.width * h.pixelOffset;
  const have = statSync(file).size;
  if (have < need) {
    throw new FileError(file, `truncated: ${have} bytes, header says ${h.width}×${h.height} ${h.dataType} needs ${need}`);
  }
}

/** Reads a whole real band (Float32/Float64) as Float64Array. */
export function readRealBand(file: string, band = 1): { width: number; height: number; data: Float64Array } {
  const h = readRawHeader(file, band);
  if (h.dataType === "CFloat32") throw new FileError(file, "expected a real band, found complex");
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
