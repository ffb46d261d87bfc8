import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromArrayBuffer } from "geotiff";
import { describe, expect, it } from "vitest";
import { decodeBands, lzwDecode, packBitsDecode } from "../../src/io/geotiff-decode";
import { writeRaster, writeRasterTiled } from "../../src/io/raster";

const hasGdal = spawnSync("gdal_translate", ["--version"]).status === 0;
const MIRROR = join(process.cwd(), "..", "shared", "data", "hyp3-sample", "test_unw_phase.tif");
const W = 203;
const H = 97;
const noisy = Float32Array.from({ length: W * H }, (_, i) => Math.sin(i / 37) * 4 + ((i * 2654435761) % 1000) / 1e4);

/** Both decoders on one file: ours (fast path) and geotiff.js's own readRasters. */
async function both(file: string): Promise<{ fast: ArrayLike<number>[]; ref: ArrayLike<number>[] }> {
  const bytes = readFileSync(file);
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const img = await (await fromArrayBuffer(buf)).getImage();
  const n = img.getSamplesPerPixel();
  const wanted = Array.from({ length: n }, (_, i) => i);
  const fast = decodeBands(new Uint8Array(buf), img.fileDirectory as Record<string, unknown>, img.littleEndian, wanted);
  expect(fast, "layout taken by the fast path").toBeDefined();
  const ref = (await img.readRasters({ samples: wanted, interleave: false })) as unknown as ArrayLike<number>[];
  return { fast: fast!, ref };
}

describe("fast GeoTIFF block decoder", () => {
  it("LZW: decodes the classic 'TOBEORNOT' code stream", () => {
    // 9-bit codes: T O B E O R N O T <TO>=258 <BE>=260 <OR>=262 <TOB>=267 <EO>=261 <RN>=263 <OT>=265 EOI; table starts at 258 after CLEAR=256
    const codes = [256, 84, 79, 66, 69, 79, 82, 78, 79, 84, 258, 260, 262, 267, 261, 263, 265, 257];
    let bits = "";
    for (const c of codes) bits += c.toString(2).padStart(9, "0");
    while (bits.length % 8) bits += "0";
    const input = Uint8Array.from(bits.match(/.{8}/g)!, (b) => parseInt(b, 2));
    const out = new Uint8Array(64);
    const n = lzwDecode(input, out);
    expect(Buffer.from(out.subarray(0, n)).toString("latin1")).toBe("TOBEORNOTTOBEORTOBEORNOT");
  });

  it("PackBits: the TIFF 6.0 specification's example", () => {
    const packed = Uint8Array.from([0xfe, 0xaa, 0x02, 0x80, 0x00, 0x2a, 0xfd, 0xaa, 0x03, 0x80, 0x00, 0x2a, 0x22, 0xf7, 0xaa]);
    const out = new Uint8Array(24);
    expect(packBitsDecode(packed, out)).toBe(24);
    expect(Array.from(out)).toEqual([0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0xaa, 0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0x22, ...new Array(10).fill(0xaa)]);
  });

  it("DEFLATE tiles with predictors 3 and 2 (our writer) and uncompressed strips decode exactly as geotiff.js decodes them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dec-"));
    writeRasterTiled(join(dir, "f.tif"), { width: W, height: H, bands: [noisy, Float32Array.from(noisy, (v) => v * 2)] }, { tileSize: 64 });
    writeRasterTiled(join(dir, "i.tif"), { width: W, height: H, bands: [Int16Array.from(noisy, (v) => Math.round(v * 1000))] }, { tileSize: 32 });
    writeRaster(join(dir, "s.tif"), { width: W, height: H, bands: [noisy] });
    for (const f of ["f.tif", "i.tif", "s.tif"]) {
      const { fast, ref } = await both(join(dir, f));
      expect(fast.length).toBe(ref.length);
      fast.forEach((b, i) => expect(Array.from(b)).toEqual(Array.from(ref[i])));
    }
  });

  it.skipIf(!hasGdal)("GDAL-written LZW tiles (HyP3's layout), LZW + predictor 2 strips and DEFLATE + predictor 3 decode as geotiff.js does (needs gdal-bin)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dec-"));
    writeRaster(join(dir, "plain.tif"), { width: W, height: H, bands: [noisy] });
    writeRaster(join(dir, "int.tif"), { width: W, height: H, bands: [Int32Array.from(noisy, (v) => Math.round(v * 1e5))] });
    const variants: [string, string, string[]][] = [
      ["lzw.tif", "plain.tif", ["-co", "TILED=YES", "-co", "COMPRESS=LZW"]],
      ["lzw-p3.tif", "plain.tif", ["-co", "COMPRESS=LZW", "-co", "PREDICTOR=3"]],
      ["lzw-p2.tif", "int.tif", ["-co", "COMPRESS=LZW", "-co", "PREDICTOR=2", "-co", "BLOCKYSIZE=7"]],
      ["packbits.tif", "plain.tif", ["-co", "COMPRESS=PACKBITS", "-co", "BLOCKYSIZE=20"]],
      ["dfl-p3.tif", "plain.tif", ["-co", "TILED=YES", "-co", "BLOCKXSIZE=128", "-co", "BLOCKYSIZE=64", "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=3"]],
    ];
    for (const [out, src, co] of variants) {
      execFileSync("gdal_translate", ["-q", ...co, join(dir, src), join(dir, out)]);
      const { fast, ref } = await both(join(dir, out));
      expect(Array.from(fast[0]), out).toEqual(Array.from(ref[0]));
    }
  });

  it.skipIf(!existsSync(MIRROR))("the real HyP3 product decodes as geotiff.js decodes it (mirror: needs ../shared/data)", async () => {
    const { fast, ref } = await both(MIRROR);
    expect(Array.from(fast[0])).toEqual(Array.from(ref[0]));
  });
});
