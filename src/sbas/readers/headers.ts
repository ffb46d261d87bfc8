/**
 * Raster headers of the flat-binary processors: ISCE2 `.xml` (imageFile properties), GDAL `.vrt` over a
 * raw file (what ISCE2 writes beside every product) and ROI_PAC `.rsc` (KEY value lines). Each becomes a
 * RawLayout; a header that leaves out what the layout needs is a FileError naming the key.
 */
import { existsSync, readFileSync } from "node:fs";
import { FileError } from "../../core/errors";
import { SAMPLE_BYTES, type RawLayout, type SampleType } from "./raw";

const ISCE_TYPES: Record<string, SampleType> = { FLOAT: "float32", DOUBLE: "float64", SHORT: "int16", BYTE: "uint8", CFLOAT: "float32" };
const GDAL_TYPES: Record<string, SampleType> = { Float32: "float32", Float64: "float64", Int16: "int16", Byte: "uint8" };

function isceProperty(xml: string, name: string): string | undefined {
  const re = new RegExp(`<property\\s+name="${name}"\\s*>\\s*<value>([^<]*)</value>`, "i");
  return re.exec(xml)?.[1].trim();
}

/** Layout of an ISCE2 raster from its `.xml`. */
export function parseIsceXml(xml: string, file: string): RawLayout {
  const need = (k: string): string => {
    const v = isceProperty(xml, k);
    if (v === undefined) throw new FileError(file, `has no "${k}" property`);
    return v;
  };
  const width = Number(need("width"));
  const height = Number(need("length"));
  const bands = Number(isceProperty(xml, "number_bands") ?? "1");
  const type = need("data_type").toUpperCase();
  const sample = ISCE_TYPES[type];
  if (!sample || type === "CFLOAT") throw new FileError(file, `data_type ${type} is not a real-valued raster this reader handles`);
  const scheme = (isceProperty(xml, "scheme") ?? "BIP").toUpperCase();
  if (scheme !== "BIL" && scheme !== "BSQ" && scheme !== "BIP") throw new FileError(file, `scheme ${scheme} is not BIL, BSQ or BIP`);
  const order = (isceProperty(xml, "byte_order") ?? "l").toLowerCase();
  if (![width, height, bands].every((v) => Number.isInteger(v) && v > 0)) throw new FileError(file, `width ${width}, length ${height}, number_bands ${bands} are not positive integers`);
  return { width, height, bands, interleave: scheme, sample, littleEndian: order.startsWith("l") };
}

/** Layout of a GDAL VRTRawRasterBand description (every band in the same raw file). */
export function parseRawVrt(xml: string, file: string): RawLayout {
  const ds = /<VRTDataset\s+rasterXSize="(\d+)"\s+rasterYSize="(\d+)"/.exec(xml);
  if (!ds) throw new FileError(file, "is not a GDAL VRT (no <VRTDataset rasterXSize rasterYSize>)");
  const width = Number(ds[1]);
  const height = Number(ds[2]);
  const bands = [...xml.matchAll(/<VRTRasterBand\s([^>]*)>([\s\S]*?)<\/VRTRasterBand>/g)];
  if (!bands.length) throw new FileError(file, "describes no VRTRasterBand");
  const type = /dataType="(\w+)"/.exec(bands[0][1])?.[1] ?? "";
  const sample = GDAL_TYPES[type];
  if (!sample) throw new FileError(file, `band dataType ${type || "(none)"} is not one this reader handles`);
  if (!/VRTRawRasterBand/.test(bands[0][1])) throw new FileError(file, "is not a raw-file VRT (VRTRawRasterBand)");
  const tag = (body: string, t: string): number => Number(new RegExp(`<${t}>(\\d+)</${t}>`).exec(body)?.[1] ?? NaN);
  const b = SAMPLE_BYTES[sample];
  const pix = tag(bands[0][2], "PixelOffset");
  const line = tag(bands[0][2], "LineOffset");
  const n = bands.length;
  const second = n > 1 ? tag(bands[1][2], "ImageOffset") : NaN;
  const interleave: RawLayout["interleave"] =
    n === 1 || (pix === b && line === width * b * n && second === width * b)
      ? "BIL"
      : pix === b * n
        ? "BIP"
        : pix === b && line === width * b && second === width * height * b
          ? "BSQ"
          : (() => {
              throw new FileError(file, `band offsets (pixel ${pix}, line ${line}, band 2 at ${second}) match no BIL/BIP/BSQ layout`);
            })();
  const order = /<ByteOrder>(\w+)<\/ByteOrder>/.exec(bands[0][2])?.[1] ?? "LSB";
  return { width, height, bands: n, interleave, sample, littleEndian: order.toUpperCase() !== "MSB" };
}

/** Layout of an ISCE2 product from `<file>.xml`, else `<file>.vrt`; neither is a FileError. */
export function isceLayout(file: string): RawLayout {
  if (existsSync(`${file}.xml`)) return parseIsceXml(readFileSync(`${file}.xml`, "utf8"), `${file}.xml`);
  if (existsSync(`${file}.vrt`)) return parseRawVrt(readFileSync(`${file}.vrt`, "utf8"), `${file}.vrt`);
  throw new FileError(file, "has neither an .xml nor a .vrt header beside it (width, bands and byte order are unknown)");
}

/** ROI_PAC `.rsc`: "KEY   value" per line. */
export function parseRsc(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z0-9_]+)\s+(.+?)\s*$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

export function rscNumber(rsc: Record<string, string>, key: string, file: string): number {
  const n = Number(rsc[key]);
  if (rsc[key] === undefined || !Number.isFinite(n)) throw new FileError(file, `has no numeric ${key}`);
  return n;
}
