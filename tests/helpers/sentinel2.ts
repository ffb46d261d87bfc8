/**
 * Writes tiny synthetic Sentinel-2 L1C SAFE products for tests: the folder layout, product and granule
 * metadata as ESA writes them (namespaced roots, Tile_Geocoding per resolution, RADIO_ADD_OFFSET per
 * band) and JP2 band files encoded with the project's codec. DN values come from a function of the
 * map coordinates of each pixel centre, so tests can state the expected scene in closed form.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeJp2 } from "../../src/io/jp2";
import { S2_BANDS, S2_RESOLUTION, type S2Band } from "../../src/grid/sentinel2";

export interface FakeGranule {
  /** Granule folder name, e.g. L1C_T49RDP_A000001_20250119T031051. */
  id: string;
  /** Tile code used in band file names, e.g. T49RDP. */
  tile: string;
  epsg: number;
  /** Upper-left corner of all three resolutions (on the 60 m lattice, as real tiles are). */
  ulx: number;
  uly: number;
  /** Side in metres (a multiple of 60). */
  sizeM: number;
  /** DN at a pixel centre (x, y) of the granule's CRS; rounded and clamped to uint16. */
  dn: (band: S2Band, x: number, y: number) => number;
}

export interface FakeProduct {
  name: string;
  baseline: string;
  quantification: number;
  /** RADIO_ADD_OFFSET for every band; null leaves the list out (products before baseline 04.00). */
  offset: number | null;
  granules: FakeGranule[];
}

const NS_PRODUCT = "https://psd-14.sentinel2.eo.esa.int/PSD/User_Product_Level-1C.xsd";
const NS_TILE = "https://psd-14.sentinel2.eo.esa.int/PSD/S2_PDI_Level-1C_Tile_Metadata.xsd";

function bandFileStem(g: FakeGranule, band: S2Band): string {
  return `GRANULE/${g.id}/IMG_DATA/${g.tile}_20250119T031051_${band}`;
}

export function productMetadataXml(p: FakeProduct): string {
  const granules = p.granules
    .map(
      (g) =>
        `<Granule datastripIdentifier="DS" granuleIdentifier="${g.id}" imageFormat="JPEG2000">\n` +
        S2_BANDS.map((b) => `<IMAGE_FILE>${bandFileStem(g, b)}</IMAGE_FILE>`).join("\n") +
        "\n</Granule>",
    )
    .join("\n");
  const offsets =
    p.offset === null
      ? ""
      : `<Radiometric_Offset_List>\n${S2_BANDS.map((_, i) => `<RADIO_ADD_OFFSET band_id="${i}">${p.offset}</RADIO_ADD_OFFSET>`).join("\n")}\n</Radiometric_Offset_List>`;
  return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<n1:Level-1C_User_Product xmlns:n1="${NS_PRODUCT}">
<n1:General_Info>
<Product_Info>
<PRODUCT_URI>${p.name}.SAFE</PRODUCT_URI>
<PROCESSING_LEVEL>Level-1C</PROCESSING_LEVEL>
<PRODUCT_TYPE>S2MSI1C</PRODUCT_TYPE>
<PROCESSING_BASELINE>${p.baseline}</PROCESSING_BASELINE>
<Product_Organisation>
<Granule_List>
${granules}
</Granule_List>
</Product_Organisation>
</Product_Info>
<Product_Image_Characteristics>
<Special_Values><SPECIAL_VALUE_TEXT>NODATA</SPECIAL_VALUE_TEXT><SPECIAL_VALUE_INDEX>0</SPECIAL_VALUE_INDEX></Special_Values>
<Special_Values><SPECIAL_VALUE_TEXT>SATURATED</SPECIAL_VALUE_TEXT><SPECIAL_VALUE_INDEX>65535</SPECIAL_VALUE_INDEX></Special_Values>
<QUANTIFICATION_VALUE unit="none">${p.quantification}</QUANTIFICATION_VALUE>
${offsets}
</Product_Image_Characteristics>
</n1:General_Info>
</n1:Level-1C_User_Product>
`;
}

export function granuleMetadataXml(g: FakeGranule, opts: { geocoding?: boolean } = {}): string {
  const zone = g.epsg % 100;
  const geocoding = `<Tile_Geocoding metadataLevel="Brief">
<HORIZONTAL_CS_NAME>WGS84 / UTM zone ${zone}N</HORIZONTAL_CS_NAME>
<HORIZONTAL_CS_CODE>EPSG:${g.epsg}</HORIZONTAL_CS_CODE>
${[10, 20, 60].map((r) => `<Size resolution="${r}"><NROWS>${g.sizeM / r}</NROWS><NCOLS>${g.sizeM / r}</NCOLS></Size>`).join("\n")}
${[10, 20, 60].map((r) => `<Geoposition resolution="${r}"><ULX>${g.ulx}</ULX><ULY>${g.uly}</ULY><XDIM>${r}</XDIM><YDIM>-${r}</YDIM></Geoposition>`).join("\n")}
</Tile_Geocoding>`;
  return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<n1:Level-1C_Tile_ID xmlns:n1="${NS_TILE}">
<n1:General_Info><TILE_ID metadataLevel="Brief">${g.id}</TILE_ID></n1:General_Info>
<n1:Geometric_Info>
${opts.geocoding === false ? "" : geocoding}
</n1:Geometric_Info>
</n1:Level-1C_Tile_ID>
`;
}

/** DN of every pixel of one band of a granule, row-major. */
export function bandDn(g: FakeGranule, band: S2Band): { width: number; height: number; data: Uint16Array } {
  const res = S2_RESOLUTION[band];
  const n = g.sizeM / res;
  const data = new Uint16Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const v = Math.round(g.dn(band, g.ulx + (c + 0.5) * res, g.uly - (r + 0.5) * res));
      data[r * n + c] = Math.max(0, Math.min(65535, v));
    }
  }
  return { width: n, height: n, data };
}

/** Writes `<dir>/<name>.SAFE` and returns its path. */
export async function writeFakeSafe(dir: string, p: FakeProduct): Promise<string> {
  const root = join(dir, `${p.name}.SAFE`);
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, "MTD_MSIL1C.xml"), productMetadataXml(p));
  writeFileSync(join(root, "manifest.safe"), "<xfdu/>\n");
  for (const g of p.granules) {
    const gdir = join(root, "GRANULE", g.id);
    mkdirSync(join(gdir, "IMG_DATA"), { recursive: true });
    mkdirSync(join(gdir, "QI_DATA"), { recursive: true });
    writeFileSync(join(gdir, "MTD_TL.xml"), granuleMetadataXml(g));
    for (const b of S2_BANDS) {
      writeFileSync(join(root, `${bandFileStem(g, b)}.jp2`), await encodeJp2(bandDn(g, b)));
    }
  }
  return root;
}
