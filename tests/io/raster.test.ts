import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  createRasterWriter,
  encodeComplexGeoTiff,
  encodeGeoTiff,
  geoToPixel,
  pixelToGeo,
  readComplexRaster,
  readRaster,
  readRasterBuffer,
  writeComplexRaster,
  writeRaster,
  type Raster,
} from "../../src/io/raster";

const MIRROR = join(process.cwd(), "..", "shared", "data");

function ramp(w: number, h: number, k: number): Float32Array {
  return Float32Array.from({ length: w * h }, (_, i) => k * 1000 + (i % w) + 0.5 * Math.floor(i / w));
}

describe("GeoTIFF writer and reader", () => {
  it("round-trips a multi-band float32 raster with georeference, nodata and band names", async () => {
    const dir = mkdtempSync(join(tmpdir(), "raster-"));
    const r: Raster = {
      width: 37,
      height: 23,
      bands: [ramp(37, 23, 0), ramp(37, 23, 1), ramp(37, 23, 2)],
      transform: { originX: 500000, originY: 3420000, pixelWidth: 10, pixelHeight: -10 },
      epsg: 32649,
      noData: -9999,
      bandNames: ["red", "green", "blue"],
      metadata: { SOURCE: "test & <check>" },
    };
    const file = join(dir, "a.tif");
    writeRaster(file, r);
    const back = await readRaster(file);
    expect(back.width).toBe(37);
    expect(back.height).toBe(23);
    expect(back.bands.length).toBe(3);
    expect(Array.from(back.bands[2])).toEqual(Array.from(r.bands[2]));
    expect(back.transform).toEqual(r.transform);
    expect(back.epsg).toBe(32649);
    expect(back.noData).toBe(-9999);
    expect(back.bandNames).toEqual(["red", "green", "blue"]);
    expect(back.metadata?.SOURCE).toBe("test & <check>");
    expect(readdirSync(dir)).toEqual(["a.tif"]); // no temporary left behind
  });

  it("keeps integer types, tall strips and geographic CRS", async () => {
    const w = 300;
    const h = 2000; // several strips per band
    const band = Int16Array.from({ length: w * h }, (_, i) => (i % 65536) - 32768);
    const bytes = encodeGeoTiff({ width: w, height: h, bands: [band], epsg: 4326, transform: { originX: 110.3, originY: 31.2, pixelWidth: 1e-4, pixelHeight: -1e-4 } });
    const back = await readRasterBuffer(bytes.buffer.slice(0) as ArrayBuffer, "mem.tif");
    expect(back.bands[0]).toBeInstanceOf(Int16Array);
    expect(back.bands[0][w * h - 1]).toBe(band[w * h - 1]);
    expect(back.epsg).toBe(4326);
    expect(back.transform?.originX).toBeCloseTo(110.3, 12);
  });

  it("converts between pixels and coordinates (pixel centres)", () => {
    const t = { originX: 100, originY: 50, pixelWidth: 2, pixelHeight: -2 };
    expect(pixelToGeo(t, 0, 0)).toEqual([101, 49]);
    expect(geoToPixel(t, 101, 49)).toEqual([0.5, 0.5]);
  });

  it("rejects bad input with the file name", async () => {
    const dir = mkdtempSync(join(tmpdir(), "raster-"));
    const bad = join(dir, "corrupt.tif");
    writeFileSync(bad, "this is not a tiff");
    await expect(readRaster(bad)).rejects.toThrow(/corrupt\.tif: not a readable GeoTIFF/);
    await expect(readRaster(join(dir, "missing.tif"))).rejects.toThrow(/missing\.tif: cannot read \(ENOENT\)/);
    expect(() => encodeGeoTiff({ width: 2, height: 2, bands: [new Float32Array(3)] })).toThrow(/band 1 has 3 values/);
    expect(existsSync(join(dir, "x.tif"))).toBe(false);
  });

  it.skipIf(!existsSync(join(MIRROR, "hyp3-sample")))("(mirror) reads the real tiled LZW HyP3 product in UTM", async () => {
    const r = await readRaster(join(MIRROR, "hyp3-sample", "test_unw_phase.tif"));
    expect([r.width, r.height]).toEqual([2314, 718]);
    expect(r.epsg).toBe(32602);
    expect(r.transform?.pixelWidth).toBe(80);
    expect(r.bands[0]).toBeInstanceOf(Float32Array);
  });
});

/**
 * A minimal one-strip TIFF of one complex band written independently of src/raster.ts, to test what our
 * encoder does not produce: big-endian byte order and deflate compression (Compression 8).
 */
function handTiff(o: { le: boolean; deflate: boolean; type: "CFloat32" | "CInt16"; w: number; h: number; re: number[]; im: number[] }): Uint8Array {
  const comp = o.type === "CFloat32" ? 4 : 2;
  const pix = new DataView(new ArrayBuffer(o.w * o.h * 2 * comp));
  for (let i = 0; i < o.w * o.h; i++) {
    for (const [k, v] of [[0, o.re[i]], [1, o.im[i]]] as const) {
      if (o.type === "CFloat32") pix.setFloat32((2 * i + k) * 4, v, o.le);
      else pix.setInt16((2 * i + k) * 2, v, o.le);
    }
  }
  const raw = new Uint8Array(pix.buffer);
  const data = o.deflate ? new Uint8Array(deflateSync(raw)) : raw;
  const tags: [number, number, number][] = [
    [256, 4, o.w],
    [257, 4, o.h],
    [258, 3, 2 * comp * 8],
    [259, 3, o.deflate ? 8 : 1],
    [262, 3, 1],
    [273, 4, 0], // patched
    [277, 3, 1],
    [278, 4, o.h],
    [279, 4, data.length],
    [284, 3, 1],
    [339, 3, o.type === "CFloat32" ? 6 : 5],
  ];
  const ifdSize = 2 + tags.length * 12 + 4;
  const dataAt = 8 + ifdSize;
  tags[5][2] = dataAt;
  const out = new Uint8Array(dataAt + data.length);
  const dv = new DataView(out.buffer);
  out.set(o.le ? [0x49, 0x49] : [0x4d, 0x4d], 0);
  dv.setUint16(2, 42, o.le);
  dv.setUint32(4, 8, o.le);
  dv.setUint16(8, tags.length, o.le);
  tags.forEach(([tag, type, v], i) => {
    const p = 10 + 12 * i;
    dv.setUint16(p, tag, o.le);
    dv.setUint16(p + 2, type, o.le);
    dv.setUint32(p + 4, 1, o.le);
    if (type === 3) dv.setUint16(p + 8, v, o.le);
    else dv.setUint32(p + 8, v, o.le);
  });
  out.set(data, dataAt);
  return out;
}

describe("band-by-band GeoTIFF writer", () => {
  it("writes the same bytes as writeRaster, band by band, and reads back in streaming mode", async () => {
    const dir = mkdtempSync(join(tmpdir(), "raster-"));
    const r: Raster = {
      width: 300,
      height: 1000, // several strips per band
      bands: [ramp(300, 1000, 0), ramp(300, 1000, 1), ramp(300, 1000, 2)],
      transform: { originX: 450000, originY: 3420000, pixelWidth: 10, pixelHeight: -10 },
      epsg: 32649,
      noData: NaN,
      bandNames: ["B1", "slope", "dem"],
      metadata: { S2_SCALE: "l4s" },
    };
    const whole = join(dir, "whole.tif");
    writeRaster(whole, r);
    const streamed = join(dir, "streamed.tif");
    const { bands, ...header } = r;
    const w = createRasterWriter(streamed, { ...header, bandCount: 3, sampleType: "float32" });
    expect(existsSync(streamed)).toBe(false);
    for (const b of bands) w.writeBand(b);
    expect(w.written).toBe(3);
    w.close();
    expect(readFileSync(streamed).equals(readFileSync(whole))).toBe(true);
    const back = await readRaster(streamed, { streaming: true, bands: [2] });
    expect(Array.from(back.bands[0])).toEqual(Array.from(r.bands[2]));
    expect(back.bandNames).toEqual(["dem"]);
    expect(Number.isNaN(back.noData)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["streamed.tif", "whole.tif"]);
  });

  it("refuses wrong bands and leaves an earlier file untouched when aborted or closed early", () => {
    const dir = mkdtempSync(join(tmpdir(), "raster-"));
    const file = join(dir, "scene.tif");
    writeFileSync(file, "earlier");
    const w = createRasterWriter(file, { width: 4, height: 3, bandCount: 2, sampleType: "float32" });
    expect(() => w.writeBand(new Float64Array(12))).toThrow(/scene\.tif: band 1 is a Float64Array, expected float32/);
    expect(() => w.writeBand(new Float32Array(11))).toThrow(/band 1 has 11 values, expected 4×3/);
    w.writeBand(new Float32Array(12));
    expect(() => w.close()).toThrow(/closed after 1 of 2 bands; nothing was written/);
    expect(readFileSync(file, "utf8")).toBe("earlier");
    const w2 = createRasterWriter(file, { width: 4, height: 3, bandCount: 1, sampleType: "uint16" });
    w2.abort();
    w2.abort();
    expect(readdirSync(dir)).toEqual(["scene.tif"]);
    expect(() => createRasterWriter(file, { width: 4, height: 3, bandCount: 2, sampleType: "float32", bandNames: ["a"] })).toThrow(
      /1 band names for 2 bands/,
    );
  });
});

describe("complex GeoTIFF (CFloat32, CInt16)", () => {
  const special = [0, -0, 1, -1, 3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45, -1.1754943508222875e-38, 1e-30, 12345.678, Math.PI, -2.5e20];

  it("round-trips CFloat32 exactly, incl. −0, extreme and subnormal magnitudes, with georeference and metadata", async () => {
    const dir = mkdtempSync(join(tmpdir(), "craster-"));
    const w = 7;
    const h = 5;
    const n = w * h;
    const re = Float32Array.from({ length: n }, (_, i) => (i < special.length ? special[i] : Math.fround(Math.sin(i) * 10 ** ((i % 9) - 4))));
    const im = Float32Array.from({ length: n }, (_, i) => (i < special.length ? special[special.length - 1 - i] : Math.fround(Math.cos(i) * 10 ** (4 - (i % 9)))));
    const file = join(dir, "slc.tif");
    const transform = { originX: 113.1, originY: 23.2, pixelWidth: 1e-4, pixelHeight: -1e-4 };
    writeComplexRaster(file, { width: w, height: h, re, im, transform, epsg: 4326, metadata: { SENSOR: "S1A & <x>" }, bandName: "SLC 20150615" });
    expect(readdirSync(dir)).toEqual(["slc.tif"]);
    const back = await readComplexRaster(file);
    expect([back.width, back.height, back.dataType]).toEqual([w, h, "CFloat32"]);
    expect(back.re).toEqual(re);
    expect(back.im).toEqual(im);
    expect(Object.is(back.re[1], -0)).toBe(true);
    expect(Object.is(back.im[special.length - 2], -0)).toBe(true);
    expect(back.re[6]).toBe(1.401298464324817e-45);
    expect(back.epsg).toBe(4326);
    expect(back.transform?.originX).toBeCloseTo(113.1, 12);
    expect(back.transform?.pixelHeight).toBeCloseTo(-1e-4, 15);
    expect(back.metadata).toEqual({ SENSOR: "S1A & <x>" });
    expect(back.bandName).toBe("SLC 20150615");
    // The header says what GDAL expects of CFloat32: SampleFormat 6, BitsPerSample 64.
    const bytes = encodeComplexGeoTiff({ width: 1, height: 1, re: new Float32Array([1]), im: new Float32Array([2]) });
    const tagValue = (tag: number): number => {
      const dv = new DataView(bytes.buffer);
      for (let i = 0; i < dv.getUint16(8, true); i++) if (dv.getUint16(10 + 12 * i, true) === tag) return dv.getUint16(10 + 12 * i + 8, true);
      return -1;
    };
    expect([tagValue(339), tagValue(258)]).toEqual([6, 64]);
  });

  it("round-trips CInt16 (SampleFormat 5, 32 bits) over the whole int16 range and rejects non-int16 values", async () => {
    const dir = mkdtempSync(join(tmpdir(), "craster-"));
    const w = 300;
    const h = 2;
    const re = Float32Array.from({ length: w * h }, (_, i) => ((i * 211) % 65536) - 32768);
    const im = Float32Array.from({ length: w * h }, (_, i) => 32767 - ((i * 97) % 65536));
    re[0] = -32768;
    im[0] = 32767;
    re[1] = 0;
    im[1] = -1;
    const file = join(dir, "cint.tif");
    writeComplexRaster(file, { width: w, height: h, re, im, dataType: "CInt16" });
    const back = await readComplexRaster(file);
    expect(back.dataType).toBe("CInt16");
    expect(back.re).toEqual(re);
    expect(back.im).toEqual(im);
    expect(() => encodeComplexGeoTiff({ width: 1, height: 1, re: new Float32Array([0.5]), im: new Float32Array([0]), dataType: "CInt16" })).toThrow(
      /CInt16 pixel 0 has real part 0\.5/,
    );
    expect(() => encodeComplexGeoTiff({ width: 1, height: 1, re: new Float32Array([0]), im: new Float32Array([40000]), dataType: "CInt16" })).toThrow(
      /imaginary part 40000/,
    );
    expect(() => encodeComplexGeoTiff({ width: 2, height: 1, re: new Float32Array(2), im: new Float32Array(1) })).toThrow(/2 real \/ 1 imaginary/);
  });

  it("decodes deflate-compressed and big-endian complex files written by an independent writer", async () => {
    const dir = mkdtempSync(join(tmpdir(), "craster-"));
    const w = 4;
    const h = 3;
    const re = Array.from({ length: w * h }, (_, i) => (i < special.length ? Math.fround(special[i]) : i * 7 - 40));
    const im = Array.from({ length: w * h }, (_, i) => Math.fround(-i * 0.125 + 1e-20));
    for (const le of [true, false]) {
      for (const deflate of [false, true]) {
        const f = join(dir, `f-${le}-${deflate}.tif`);
        writeFileSync(f, handTiff({ le, deflate, type: "CFloat32", w, h, re, im }));
        const r = await readComplexRaster(f);
        expect(Array.from(r.re)).toEqual(re);
        expect(Array.from(r.im)).toEqual(im);
        const ire = re.map((_, i) => i * 301 - 2000);
        const iim = re.map((_, i) => -i * 1001 + 32767);
        const g = join(dir, `i-${le}-${deflate}.tif`);
        writeFileSync(g, handTiff({ le, deflate, type: "CInt16", w, h, re: ire, im: iim }));
        const q = await readComplexRaster(g);
        expect(Array.from(q.re)).toEqual(ire);
        expect(Array.from(q.im)).toEqual(iim);
      }
    }
  });

  it("rejects real and unsupported complex files, and unreadable ones, naming the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "craster-"));
    const real = join(dir, "real.tif");
    writeRaster(real, { width: 2, height: 2, bands: [new Float32Array(4)] });
    await expect(readComplexRaster(real)).rejects.toThrow(/real\.tif: not a CFloat32 or CInt16 complex raster \(band 1 is real float32\)/);
    const bad = join(dir, "corrupt.tif");
    writeFileSync(bad, "nope");
    await expect(readComplexRaster(bad)).rejects.toThrow(/corrupt\.tif: not a readable GeoTIFF/);
    await expect(readComplexRaster(join(dir, "missing.tif"))).rejects.toThrow(/missing\.tif: cannot read \(ENOENT\)/);
    // CFloat64 (SampleFormat 6, 128 bits) is complex but not supported.
    const c64 = handTiff({ le: true, deflate: false, type: "CFloat32", w: 1, h: 1, re: [1], im: [2] });
    const dv = new DataView(c64.buffer);
    for (let i = 0; i < dv.getUint16(8, true); i++) if (dv.getUint16(10 + 12 * i, true) === 258) dv.setUint16(10 + 12 * i + 8, 128, true);
    const cf64 = join(dir, "cf64.tif");
    writeFileSync(cf64, c64);
    await expect(readComplexRaster(cf64)).rejects.toThrow(/cf64\.tif: not a CFloat32 or CInt16 complex raster \(band 1 is complex float of 128 bits\)/);
    // The existing real reader still rejects complex files with the file named (geotiff.js has no complex types).
    const cf = join(dir, "c.tif");
    writeComplexRaster(cf, { width: 1, height: 1, re: new Float32Array([1]), im: new Float32Array([2]) });
    await expect(readRaster(cf)).rejects.toThrow(/c\.tif: /);
  });
});
