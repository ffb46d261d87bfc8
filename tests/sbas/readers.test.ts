import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSbasStack } from "../../src/samples/sbas-stack";
import { readHyp3Stack } from "../../src/sbas/hyp3";
import { readGammaStack, parseBasePerp } from "../../src/sbas/gamma";
import { readMintpyStack, writeMintpyGeometry, writeMintpyStack } from "../../src/sbas/mintpy-h5";
import { detectStackFormat, loadStack } from "../../src/sbas/load";
import { readSingleBand } from "../../src/sbas/assemble";
import { writeRaster } from "../../src/io/raster";
import { projectRoot } from "../../src/core/project";

// ../shared/data from the main checkout, ../../shared/data from a worktree under wt/
const shared = [join(projectRoot(), "..", "shared", "data"), join(projectRoot(), "..", "..", "shared", "data")].find(existsSync) ?? "/nonexistent";
const cropA = join(shared, "pyrate-cropA");
let dir = "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sbas-readers-"));
  await buildSbasStack(join(dir, "stack"), { seed: 3, size: 0.2, quiet: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function copyStack(name: string): string {
  const d = join(dir, name);
  cpSync(join(dir, "stack"), d, { recursive: true });
  return d;
}

describe("HyP3 reader", () => {
  it("reads the simulated HyP3 products into one typed stack", async () => {
    const s = await readHyp3Stack(join(dir, "stack"), { quiet: true });
    expect(detectStackFormat(join(dir, "stack"))).toBe("hyp3");
    expect(s.dates.length).toBe(43);
    expect(s.dates[0]).toBe("20230209");
    expect(s.dates[42]).toBe("20250105");
    expect(s.pairs.length).toBe(42 + 41 + 40);
    expect(s.wavelength).toBeCloseTo(0.0554658, 6);
    expect(s.epsg).toBe(32649);
    expect(s.transform?.pixelWidth).toBe(80);
    const truth = JSON.parse(readFileSync(join(dir, "stack", "truth", "truth.json"), "utf8")) as { bperpDates: number[] };
    s.pairs.forEach(([i, j], k) => expect(s.bperp[k]).toBeCloseTo(truth.bperpDates[j] - truth.bperpDates[i], 3));
    const inc = s.geometry.incidenceAngle!;
    expect(Math.min(...inc)).toBeCloseTo(37.5, 3);
    expect(Math.max(...inc)).toBeCloseTo(38.4, 3);
    expect(s.geometry.slantRangeDistance![0]).toBeGreaterThan(800_000);
    expect(s.geometry.waterMask!.some((v) => v === 0)).toBe(true);
    const w = s.geometry.waterMask!.indexOf(0);
    expect(Number.isNaN(s.unwrapPhase[0][w])).toBe(true);
  });

  it("rejects duplicated pairs, mismatched sizes and missing metadata with the file named", async () => {
    const dup = copyStack("dup");
    const first = readdirSync(dup).find((f) => f.startsWith("S1AA_"))!;
    cpSync(join(dup, first), join(dup, first.replace(/_1A00$/, "_FFFF")), { recursive: true });
    for (const f of readdirSync(join(dup, first.replace(/_1A00$/, "_FFFF"))))
      renameSync(join(dup, first.replace(/_1A00$/, "_FFFF"), f), join(dup, first.replace(/_1A00$/, "_FFFF"), f.replace("_1A00", "_FFFF")));
    await expect(readHyp3Stack(dup, { quiet: true })).rejects.toThrow(/duplicates pair 20230209_20230221/);

    const bad = copyStack("badsize");
    const p = readdirSync(bad).find((f) => f.startsWith("S1AA_") && f.endsWith("1A05"))!;
    writeRaster(join(bad, p, `${p}_unw_phase.tif`), { width: 7, height: 5, bands: [new Float32Array(35).fill(1)] });
    await expect(readHyp3Stack(bad, { quiet: true })).rejects.toThrow(new RegExp(`${p}_unw_phase.tif: is 7×5`));

    const nometa = copyStack("nometa");
    const q = readdirSync(nometa).find((f) => f.startsWith("S1AA_"))!;
    rmSync(join(nometa, q, `${q}.txt`));
    await expect(readHyp3Stack(nometa, { quiet: true })).rejects.toThrow(/has no metadata file/);

    const corrupt = copyStack("corrupt");
    writeFileSync(join(corrupt, q, `${q}_corr.tif`), "not a tiff");
    await expect(readHyp3Stack(corrupt, { quiet: true })).rejects.toThrow(new RegExp(`${q}_corr.tif: cannot read GeoTIFF`));
    await expect(loadStack(join(dir, "nothing-here"))).rejects.toThrow(/does not exist/);
  });

  it("a 2-band unw_phase.tif is refused, naming the file (was read as band 1 without a word)", async () => {
    const two = copyStack("twoband");
    const p = readdirSync(two).find((f) => f.startsWith("S1AA_"))!;
    const file = join(two, p, `${p}_unw_phase.tif`);
    const { raster } = await readSingleBand(file);
    writeRaster(file, { ...raster, bands: [raster.bands[0], raster.bands[0]] });
    await expect(readHyp3Stack(two, { quiet: true })).rejects.toThrow(new RegExp(`${p}_unw_phase.tif: has 2 bands; a single-band raster is expected`));
  });
});

describe("MintPy ifgramStack.h5", () => {
  it("round-trips through MintPy's layout", async () => {
    const s = await readHyp3Stack(join(dir, "stack"), { quiet: true });
    s.keep[3] = false;
    const out = join(dir, "mintpy", "inputs");
    await writeMintpyStack(join(out, "ifgramStack.h5"), s);
    await writeMintpyGeometry(join(out, "geometryGeo.h5"), s);
    const r = await readMintpyStack(join(out, "ifgramStack.h5"));
    expect(r.dates).toEqual(s.dates);
    expect(r.pairs).toEqual(s.pairs);
    expect(r.keep[3]).toBe(false);
    expect(r.keep[2]).toBe(true);
    expect(r.wavelength).toBeCloseTo(s.wavelength, 12);
    expect(r.transform).toEqual(s.transform);
    expect(r.epsg).toBe(32649);
    for (let k = 0; k < s.pairs.length; k += 17) {
      expect(r.bperp[k]).toBeCloseTo(s.bperp[k], 3);
      for (let p = 0; p < s.width * s.height; p += 13) {
        const a = s.unwrapPhase[k][p];
        expect(Number.isNaN(a) ? 0 : a).toBe(r.unwrapPhase[k][p]);
      }
    }
    expect(Array.from(r.geometry.incidenceAngle!.slice(0, 5))).toEqual(Array.from(s.geometry.incidenceAngle!.slice(0, 5)));
    expect(r.geometry.waterMask!.filter((v) => v === 0).length).toBe(s.geometry.waterMask!.filter((v) => v === 0).length);
  });
});

describe.skipIf(!existsSync(cropA))("GAMMA / PyRate cropA reader (mirror: needs ../shared/data)", () => {
  it("reads the real 13-date, 30-pair stack with wavelength, baselines and per-pixel geometry", async () => {
    const s = await readGammaStack(cropA, { quiet: true });
    expect(detectStackFormat(cropA)).toBe("gamma");
    expect([s.width, s.height]).toEqual([100, 60]);
    expect(s.dates.length).toBe(13);
    expect(s.pairs.length).toBe(30);
    expect(s.dates[0]).toBe("20180106");
    expect(s.dates[12]).toBe("20180717");
    expect(s.wavelength).toBeCloseTo(299_792_458 / 5.4050005e9, 12);
    expect(s.bperp[0]).toBeCloseTo((32.9386 + 28.0833) / 2, 4);
    const inc = s.geometry.incidenceAngle!;
    expect(Math.min(...inc)).toBeGreaterThan(30.5);
    expect(Math.max(...inc)).toBeLessThan(32);
    expect(s.epsg).toBe(4326);
    expect(s.transform!.originX).toBeCloseTo(-99.19107, 5);
  });

  it("parses GAMMA base_perp listings as MintPy prep_gamma does", () => {
    const txt = "  line   range      B_t       B_c        B_n     look angle      bpara       bperp       blen\n****\n 0 0 0 1 1 27 22 10.0 39\n 0 200 0 1 1 27 22 20.0 39\n";
    expect(parseBasePerp(txt, "x_bperp.par")).toBe(15);
    expect(() => parseBasePerp("nothing", "x_bperp.par")).toThrow(/x_bperp.par: is not a GAMMA base_perp listing/);
  });
});

describe.skipIf(!existsSync(join(shared, "hyp3-sample")))("real HyP3 product (mirror: needs ../shared/data)", () => {
  it("decodes the LZW-tiled UTM unwrapped phase and names the missing pieces of a product", async () => {
    const f = join(shared, "hyp3-sample", "test_unw_phase.tif");
    const { raster, data } = await readSingleBand(f, true);
    expect([raster.width, raster.height]).toEqual([2314, 718]);
    expect(raster.epsg).toBe(32602);
    expect(data.some((v) => Number.isFinite(v))).toBe(true);
    await expect(readHyp3Stack(join(shared, "hyp3-sample"))).rejects.toThrow(/test_unw_phase.tif: has no reference\/secondary dates/);
  });
});
