import { describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import {
  bandGrid,
  findSafeProducts,
  openSafe,
  parseGranuleMetadata,
  parseProductMetadata,
  readBand,
  reflectanceTransform,
  S2_BANDS,
} from "../../src/grid/sentinel2";
import { granuleMetadataXml, productMetadataXml, writeFakeSafe, type FakeGranule, type FakeProduct } from "../helpers/sentinel2";
import { makeZip } from "../data/archives";

const X0 = 451980; // on the 60 m lattice, as real tile corners are
const Y0 = 3418020;

function granule(over: Partial<FakeGranule> = {}): FakeGranule {
  return {
    id: "L1C_T49RDP_A049976_20250119T031942",
    tile: "T49RDP",
    epsg: 32649,
    ulx: X0,
    uly: Y0,
    sizeM: 120,
    dn: (band, x, y) => 1000 + 100 * S2_BANDS.indexOf(band) + 0.2 * (x - X0) - 0.4 * (y - Y0),
    ...over,
  };
}

function product(over: Partial<FakeProduct> = {}): FakeProduct {
  return {
    name: "S2A_MSIL1C_20250119T031051_N0511_R118_T49RDP_20250119T051234",
    baseline: "05.11",
    quantification: 10000,
    offset: -1000,
    granules: [granule()],
    ...over,
  };
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

describe("Sentinel-2 L1C products", () => {
  it("parses product metadata: baseline, quantification, offsets per band_id, special values", () => {
    const m = parseProductMetadata(productMetadataXml(product()), "MTD_MSIL1C.xml");
    expect(m.baseline).toBe("05.11");
    expect(m.quantification).toBe(10000);
    expect(m.offsets.B01).toBe(-1000);
    expect(m.offsets.B12).toBe(-1000);
    expect(m.noData).toEqual([0, 65535]);
    expect(m.imageFiles.length).toBe(13);
    // before baseline 04.00 there is no offset list: DN / 10000 is the reflectance
    const old = parseProductMetadata(productMetadataXml(product({ baseline: "02.09", offset: null })), "old.xml");
    expect(Object.values(old.offsets).every((v) => v === 0)).toBe(true);
    expect(() => parseProductMetadata(productMetadataXml(product({ baseline: "04.00", offset: null })), "MTD_MSIL1C.xml")).toThrow(
      /MTD_MSIL1C\.xml: processing baseline 04\.00 \(04\.00 or later\) needs RADIO_ADD_OFFSET for all 13 bands, found 0/,
    );
    const noQ = productMetadataXml(product()).replace(/<QUANTIFICATION_VALUE[^]*?<\/QUANTIFICATION_VALUE>/, "");
    expect(() => parseProductMetadata(noQ, "MTD_MSIL1C.xml")).toThrow(/MTD_MSIL1C\.xml: product metadata has no QUANTIFICATION_VALUE/);
  });

  it("parses granule geocoding per resolution and refuses metadata without it", () => {
    const g = parseGranuleMetadata(granuleMetadataXml(granule({ sizeM: 600 })), "MTD_TL.xml");
    expect(g.epsg).toBe(32649);
    expect(g.geo[10]).toEqual({ ulx: X0, uly: Y0, xdim: 10, ydim: -10, nrows: 60, ncols: 60 });
    expect(g.geo[60]).toEqual({ ulx: X0, uly: Y0, xdim: 60, ydim: -60, nrows: 10, ncols: 10 });
    expect(() => parseGranuleMetadata(granuleMetadataXml(granule(), { geocoding: false }), "GRANULE/x/MTD_TL.xml")).toThrow(
      /GRANULE\/x\/MTD_TL\.xml: no Tile_Geocoding/,
    );
    const noCode = granuleMetadataXml(granule()).replace("EPSG:32649", "WGS84");
    expect(() => parseGranuleMetadata(noCode, "MTD_TL.xml")).toThrow(/HORIZONTAL_CS_CODE "WGS84", expected EPSG:<code>/);
  });

  it("opens a SAFE folder and the same product zipped, and decodes a band with its georeference", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s2-"));
    const safe = await writeFakeSafe(dir, product());
    const zip = join(dir, "product.zip");
    const top = "S2A_MSIL1C_20250119T031051_N0511_R118_T49RDP_20250119T051234.SAFE";
    writeFileSync(zip, makeZip(walk(safe).map((f) => ({ name: `${top}/${relative(safe, f)}`, data: readFileSync(f), deflate: f.endsWith(".xml") }))));
    for (const path of [safe, zip]) {
      const p = openSafe(path);
      expect(p.granules.length).toBe(1);
      const g = p.granules[0];
      expect(bandGrid(g, "B05")).toEqual({ width: 6, height: 6, epsg: 32649, transform: { originX: X0, originY: Y0, pixelWidth: 20, pixelHeight: -20 } });
      const b = await readBand(p, g, "B05");
      // first 20 m pixel centre: (X0 + 10, Y0 − 10)
      expect(b.dn[0]).toBe(1000 + 100 * 4 + 0.2 * 10 + 0.4 * 10);
      expect(b.dn.length).toBe(36);
      const t = reflectanceTransform(p, "B05");
      expect((b.dn[0] + t.offset) * t.gain).toBeCloseTo((400 + 6) / 10000, 12);
    }
    expect(findSafeProducts([dir])).toEqual([safe, zip]);
  });

  it("names a missing band file, a product without metadata and a granule without geocoding", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s2-"));
    const safe = await writeFakeSafe(dir, product());
    const b07 = walk(safe).find((f) => f.endsWith("_B07.jp2"))!;
    rmSync(b07);
    expect(() => openSafe(safe)).toThrow(new RegExp(`${b07.replace(/[.]/g, "\\.")}: band file missing \\(listed in MTD_MSIL1C\\.xml\\)`));
    // not among the bands asked for: fine
    expect(openSafe(safe, ["B02", "B03"]).granules[0].bands.B07).toBeUndefined();
    const mtl = walk(safe).find((f) => f.endsWith("MTD_TL.xml"))!;
    writeFileSync(mtl, granuleMetadataXml(granule(), { geocoding: false }));
    expect(() => openSafe(safe, ["B02"])).toThrow(/MTD_TL\.xml: no Tile_Geocoding/);
    rmSync(join(safe, "MTD_MSIL1C.xml"));
    expect(() => openSafe(safe)).toThrow(/no product metadata \(MTD_MSIL1C\.xml\) in the folder/);
    writeFileSync(join(dir, "junk.zip"), "not a zip");
    expect(() => openSafe(join(dir, "junk.zip"))).toThrow(/junk\.zip: not a readable zip/);
    expect(() => findSafeProducts([join(dir, "nowhere")])).toThrow(/nowhere: no such file or folder/);
  });
});
