/**
 * Sentinel-2 Level-1C products (SAFE format), read from an unpacked `.SAFE` folder or the zip the
 * Copernicus Data Space delivers, without unpacking it.
 *
 * - Product metadata (`MTD_MSIL1C.xml`, or `S2?_OPER_MTD_SAFL1C_*.xml` for pre-2017 products): the
 *   processing baseline, QUANTIFICATION_VALUE, RADIO_ADD_OFFSET per band (baseline 04.00 and later;
 *   products before it have no offset) and the special values (NODATA, SATURATED).
 * - Granule metadata (`GRANULE/<id>/MTD_TL.xml`): Tile_Geocoding gives the CRS (HORIZONTAL_CS_CODE)
 *   and, per resolution (10, 20, 60 m), the size and the upper-left corner (ULX, ULY, XDIM, YDIM).
 * - Band files: `GRANULE/<id>/IMG_DATA/*_B01.jp2` … `*_B12.jp2` (and B8A), JPEG 2000, uint16 DN.
 *
 * Top-of-atmosphere reflectance = (DN + RADIO_ADD_OFFSET) / QUANTIFICATION_VALUE (ESA, Sentinel-2
 * products specification; the offset is −1000 from baseline 04.00 on). DN 0 is no data, 65535 saturated.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { FileError } from "../core/errors";
import { basename, join } from "node:path";
import { listZip, readZipEntry, type ZipEntry } from "../data/archive";
import { decodeJp2 } from "../io/jp2";
import type { Grid } from "./resample";

/** Bands in ESA's band_id order (the index RADIO_ADD_OFFSET and Spectral_Information use). */
export const S2_BANDS = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"] as const;
export type S2Band = (typeof S2_BANDS)[number];
export type S2Resolution = 10 | 20 | 60;

/** Native pixel size of each band in metres. */
export const S2_RESOLUTION: Record<S2Band, S2Resolution> = {
  B01: 60, B02: 10, B03: 10, B04: 10, B05: 20, B06: 20, B07: 20, B08: 10, B8A: 20, B09: 60, B10: 60, B11: 20, B12: 20,
};

/** A Sentinel-2 SAFE product is unreadable or wrong (a FileError, kept as its own type for `instanceof`). */
export class SafeError extends FileError {}

/** The files of one product, whether a folder or a zip: paths relative to the `.SAFE` root, `/`-separated. */
export interface ProductFiles {
  /** The folder or zip given. */
  source: string;
  paths: string[];
  read(rel: string): Buffer;
  /** How errors name a file of the product. */
  where(rel: string): string;
}

export interface S2Geoposition {
  ulx: number;
  uly: number;
  xdim: number;
  ydim: number;
  nrows: number;
  ncols: number;
}

export interface S2Granule {
  id: string;
  /** Granule metadata file, relative to the product root. */
  metadata: string;
  epsg: number;
  geo: Record<S2Resolution, S2Geoposition>;
  /** Band file of each band present, relative to the product root. */
  bands: Partial<Record<S2Band, string>>;
}

export interface S2Product {
  files: ProductFiles;
  /** Product name (the `.SAFE` folder name). */
  name: string;
  metadata: string;
  /** e.g. "05.10"; "" when the metadata does not say (products before baseline 02.06). */
  baseline: string;
  quantification: number;
  /** RADIO_ADD_OFFSET per band (0 for every band before baseline 04.00). */
  offsets: Record<S2Band, number>;
  /** Raw values that carry no measurement (NODATA, SATURATED). */
  noData: number[];
  granules: S2Granule[];
}

// ---------------------------------------------------------------- files of a product

const PRODUCT_MTD = /^(MTD_MSIL1C\.xml|S2[A-D]_OPER_MTD_SAFL1C_.*\.xml)$/;
const GRANULE_MTD = /^(MTD_TL\.xml|S2[A-D]_OPER_MTD_L1C_TL_.*\.xml)$/;
const BAND_FILE = /_(B(?:0[1-9]|1[0-2]|8A))\.jp2$/;

function walk(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(join(dir, e.name), rel));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

function folderFiles(dir: string): ProductFiles {
  return {
    source: dir,
    paths: walk(dir),
    read: (rel) => {
      try {
        return readFileSync(join(dir, ...rel.split("/")));
      } catch (e) {
        throw new SafeError(join(dir, rel), `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    },
    where: (rel) => join(dir, ...rel.split("/")),
  };
}

function zipFiles(zip: string): ProductFiles {
  let entries: ZipEntry[];
  try {
    entries = listZip(zip);
  } catch (e) {
    throw new SafeError(zip, `not a readable zip (${(e as Error).message})`);
  }
  const roots = entries.filter((e) => !e.isDir && PRODUCT_MTD.test(basename(e.name))).map((e) => e.name.slice(0, e.name.length - basename(e.name).length));
  // The product metadata sits at the SAFE root; deeper copies (none in real products) do not count.
  const shallowest = roots.sort((a, b) => a.length - b.length)[0];
  if (shallowest === undefined) throw new SafeError(zip, "no product metadata (MTD_MSIL1C.xml) in the zip: not a Sentinel-2 L1C SAFE product");
  const others = roots.filter((r) => r.split("/").length === shallowest.split("/").length && r !== shallowest);
  if (others.length) throw new SafeError(zip, `holds several SAFE products (${[shallowest, ...others].join(", ")}); unpack them and pass each folder`);
  const byRel = new Map<string, ZipEntry>();
  for (const e of entries) if (!e.isDir && e.name.startsWith(shallowest)) byRel.set(e.name.slice(shallowest.length), e);
  return {
    source: zip,
    paths: [...byRel.keys()],
    read: (rel) => {
      const e = byRel.get(rel);
      if (!e) throw new SafeError(`${zip}!/${shallowest}${rel}`, "no such entry in the zip");
      return readZipEntry(zip, e);
    },
    where: (rel) => `${zip}!/${shallowest}${rel}`,
  };
}

/** The files of a `.SAFE` folder or a zipped SAFE product. */
export function productFiles(path: string): ProductFiles {
  if (!existsSync(path)) throw new SafeError(path, "no such file or folder");
  if (statSync(path).isDirectory()) {
    const files = folderFiles(path);
    if (!files.paths.some((p) => !p.includes("/") && PRODUCT_MTD.test(p))) {
      throw new SafeError(path, "no product metadata (MTD_MSIL1C.xml) in the folder: not a Sentinel-2 L1C SAFE product");
    }
    return files;
  }
  return zipFiles(path);
}

/** `.SAFE` folders and `.zip` products among `paths`; a folder that is not itself a product is searched one level down. */
export function findSafeProducts(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new SafeError(p, "no such file or folder");
    if (!statSync(p).isDirectory()) {
      out.push(p);
      continue;
    }
    if (readdirSync(p).some((f) => PRODUCT_MTD.test(f))) {
      out.push(p);
      continue;
    }
    const inside = readdirSync(p)
      .filter((f) => /\.SAFE$/i.test(f) || /\.zip$/i.test(f))
      .sort()
      .map((f) => join(p, f));
    if (inside.length === 0) throw new SafeError(p, "neither a SAFE product nor a folder holding .SAFE folders or .zip products");
    out.push(...inside);
  }
  return out;
}

// ---------------------------------------------------------------- metadata

/** Text of the first element named `tag` (any namespace prefix), or undefined. */
function element(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<(?:[\\w.-]+:)?${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w.-]+:)?${tag}>`).exec(xml);
  return m ? m[1] : undefined;
}

/** Every element named `tag`: its attributes and text. */
function elements(xml: string, tag: string): { attrs: Record<string, string>; text: string }[] {
  const re = new RegExp(`<(?:[\\w.-]+:)?${tag}(\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w.-]+:)?${tag}>`, "g");
  const out: { attrs: Record<string, string>; text: string }[] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(xml))) {
    const attrs = Object.fromEntries([...(m[1] ?? "").matchAll(/([\w:.-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
    out.push({ attrs, text: m[2].trim() });
  }
  return out;
}

function numberIn(xml: string, tag: string, file: string, context: string): number {
  const t = element(xml, tag);
  if (t === undefined) throw new SafeError(file, `${context} has no ${tag}`);
  const v = Number(t.trim());
  if (!Number.isFinite(v)) throw new SafeError(file, `${context}: ${tag} is "${t.trim()}", not a number`);
  return v;
}

/** Parses product metadata (`MTD_MSIL1C.xml`). */
export function parseProductMetadata(
  xml: string,
  file: string,
): Pick<S2Product, "baseline" | "quantification" | "offsets" | "noData"> & { imageFiles: string[] } {
  const baseline = (element(xml, "PROCESSING_BASELINE") ?? "").trim();
  const quantification = numberIn(xml, "QUANTIFICATION_VALUE", file, "product metadata");
  if (!(quantification > 0)) throw new SafeError(file, `QUANTIFICATION_VALUE is ${quantification}, expected a positive number`);
  const offsets = Object.fromEntries(S2_BANDS.map((b) => [b, 0])) as Record<S2Band, number>;
  const listed = elements(xml, "RADIO_ADD_OFFSET");
  for (const o of listed) {
    const id = Number(o.attrs.band_id);
    const v = Number(o.text);
    if (!Number.isInteger(id) || id < 0 || id >= S2_BANDS.length || !Number.isFinite(v)) {
      throw new SafeError(file, `RADIO_ADD_OFFSET band_id="${o.attrs.band_id}" value "${o.text}" is not a band 0–12 and a number`);
    }
    offsets[S2_BANDS[id]] = v;
  }
  if (Number(baseline) >= 4 && listed.length < S2_BANDS.length) {
    throw new SafeError(
      file,
      `processing baseline ${baseline} (04.00 or later) needs RADIO_ADD_OFFSET for all 13 bands, found ${listed.length}`,
    );
  }
  const noData: number[] = [];
  for (const sv of elements(xml, "Special_Values")) {
    const text = element(sv.text, "SPECIAL_VALUE_TEXT")?.trim();
    const index = Number(element(sv.text, "SPECIAL_VALUE_INDEX"));
    if ((text === "NODATA" || text === "SATURATED") && Number.isFinite(index)) noData.push(index);
  }
  if (noData.length === 0) noData.push(0); // L1C's documented NODATA value
  const imageFiles = elements(xml, "IMAGE_FILE").map((e) => e.text);
  return { baseline, quantification, offsets, noData, imageFiles };
}

/** Parses granule metadata (`MTD_TL.xml`): CRS and the geoposition of each resolution. */
export function parseGranuleMetadata(xml: string, file: string): Pick<S2Granule, "epsg" | "geo"> {
  const geocoding = element(xml, "Tile_Geocoding");
  if (geocoding === undefined) throw new SafeError(file, "no Tile_Geocoding: the granule metadata gives no georeference");
  const code = element(geocoding, "HORIZONTAL_CS_CODE")?.trim();
  const m = code ? /^EPSG:(\d+)$/i.exec(code) : null;
  if (!m) throw new SafeError(file, `Tile_Geocoding has HORIZONTAL_CS_CODE "${code ?? ""}", expected EPSG:<code>`);
  const sizes = new Map(elements(geocoding, "Size").map((s) => [Number(s.attrs.resolution), s.text]));
  const positions = new Map(elements(geocoding, "Geoposition").map((g) => [Number(g.attrs.resolution), g.text]));
  const geo = {} as Record<S2Resolution, S2Geoposition>;
  for (const res of [10, 20, 60] as const) {
    const size = sizes.get(res);
    const pos = positions.get(res);
    if (size === undefined || pos === undefined) {
      throw new SafeError(file, `Tile_Geocoding has no ${size === undefined ? "Size" : "Geoposition"} for resolution ${res} m`);
    }
    const ctx = `Tile_Geocoding resolution ${res} m`;
    geo[res] = {
      nrows: numberIn(size, "NROWS", file, ctx),
      ncols: numberIn(size, "NCOLS", file, ctx),
      ulx: numberIn(pos, "ULX", file, ctx),
      uly: numberIn(pos, "ULY", file, ctx),
      xdim: numberIn(pos, "XDIM", file, ctx),
      ydim: numberIn(pos, "YDIM", file, ctx),
    };
  }
  return { epsg: Number(m[1]), geo };
}

// ---------------------------------------------------------------- opening a product

/**
 * Opens a product: parses its metadata and finds every granule's band files; each of `bands` (default
 * all 13) must be there in every granule.
 */
export function openSafe(path: string, bands: readonly S2Band[] = S2_BANDS): S2Product {
  const files = productFiles(path);
  const metadata = files.paths.find((p) => !p.includes("/") && PRODUCT_MTD.test(p))!;
  const meta = parseProductMetadata(files.read(metadata).toString("utf8"), files.where(metadata));
  const granuleIds = [...new Set(files.paths.filter((p) => p.startsWith("GRANULE/")).map((p) => p.split("/")[1]))].sort();
  if (granuleIds.length === 0) throw new SafeError(files.where("GRANULE"), "no granule folders: the product holds no image data");
  const granules = granuleIds.map((id): S2Granule => {
    const dir = `GRANULE/${id}`;
    const mtd = files.paths.find((p) => p.startsWith(`${dir}/`) && p.split("/").length === 3 && GRANULE_MTD.test(p.split("/")[2]));
    if (!mtd) throw new SafeError(files.where(`${dir}/MTD_TL.xml`), "missing: the granule metadata (georeference) is not in the product");
    const g = parseGranuleMetadata(files.read(mtd).toString("utf8"), files.where(mtd));
    const found: Partial<Record<S2Band, string>> = {};
    for (const p of files.paths) {
      if (!p.startsWith(`${dir}/IMG_DATA/`)) continue;
      const b = BAND_FILE.exec(p)?.[1] as S2Band | undefined;
      if (b) found[b] = p;
    }
    // The product metadata names each band file (without extension): a listed file that is absent is
    // named exactly; without that list the folder and the file pattern are named.
    const listed = meta.imageFiles.filter((f) => f.startsWith(`${dir}/`));
    for (const b of bands) {
      if (found[b]) continue;
      const expected = listed.find((f) => f.endsWith(`_${b}`));
      throw new SafeError(
        expected ? files.where(`${expected}.jp2`) : files.where(`${dir}/IMG_DATA`),
        expected ? `band file missing (listed in ${metadata})` : `no ${b} band file (*_${b}.jp2)`,
      );
    }
    return { id, metadata: mtd, ...g, bands: found };
  });
  const name = basename(files.source).replace(/\.zip$/i, "").replace(/\.SAFE$/i, "");
  return { files, name, metadata, ...meta, granules };
}

/** A band's native grid in its granule. */
export function bandGrid(g: S2Granule, band: S2Band): Grid {
  const p = g.geo[S2_RESOLUTION[band]];
  return {
    width: p.ncols,
    height: p.nrows,
    epsg: g.epsg,
    transform: { originX: p.ulx, originY: p.uly, pixelWidth: p.xdim, pixelHeight: p.ydim },
  };
}

/** Decodes one band of one granule: raw DN on the band's grid, checked against the granule metadata. */
export async function readBand(product: S2Product, g: S2Granule, band: S2Band): Promise<Grid & { dn: Uint16Array }> {
  const rel = g.bands[band];
  if (!rel) throw new SafeError(product.files.where(`GRANULE/${g.id}/IMG_DATA`), `no ${band} band file (*_${band}.jp2)`);
  const where = product.files.where(rel);
  const img = await decodeJp2(product.files.read(rel), where);
  const grid = bandGrid(g, band);
  if (img.components !== 1) throw new SafeError(where, `has ${img.components} components, expected 1`);
  if (!(img.data instanceof Uint16Array) && !(img.data instanceof Uint8Array)) {
    throw new SafeError(where, `holds ${img.signed ? "signed" : ""} ${img.bitsPerSample}-bit samples, expected unsigned DN`);
  }
  if (img.width !== grid.width || img.height !== grid.height) {
    throw new SafeError(
      where,
      `is ${img.width}×${img.height} pixels but ${product.files.where(g.metadata)} gives ${grid.width}×${grid.height} at ${S2_RESOLUTION[band]} m`,
    );
  }
  const dn = img.data instanceof Uint16Array ? img.data : Uint16Array.from(img.data);
  return { ...grid, dn };
}

/** value = (DN + offset) × gain gives TOA reflectance × `scale` for a band. */
export function reflectanceTransform(product: S2Product, band: S2Band, scale = 1): { offset: number; gain: number } {
  return { offset: product.offsets[band], gain: scale / product.quantification };
}
