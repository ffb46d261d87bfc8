import { beforeEach, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assembleScene, demOnGrid, gridForBbox, s2ScaleFactor, SCENE_S2_BANDS, type Bbox } from "../../src/landslide/scene";
import { sceneDir } from "../../src/samples/landslide-input";
import { STATE_FILE } from "../../src/data/fetch";
import { readRaster, writeRaster, type GeoTransform } from "../../src/io/raster";
import { crsTransform, type Grid } from "../../src/grid/resample";
import { S2_BANDS, type S2Band } from "../../src/grid/sentinel2";
import { L4S_BAND_NAMES } from "../../src/landslide/features";
import { ZIGUI_LANDSLIDES } from "../../src/studies/zigui/landslides";
import { writeFakeSafe, type FakeGranule, type FakeProduct } from "../helpers/sentinel2";
import { useTempDataDir } from "../helpers/data-dir";

// A study area near 114°E, where UTM zones 49 and 50 meet, so a zone-50 granule and DEM take part.
const EPSG = 32649;
const X0 = 785940; // zone-49 tile corner on the 60 m lattice
const Y0 = 3420000;
const MEANS = ZIGUI_LANDSLIDES.scene.l4sBandMeans;

/** TOA reflectance × 10000 + 1000 of band k at zone-49 map coordinates: a different ramp per band. */
function f(k: number, x: number, y: number): number {
  return 1500 + 37 * k + 0.2 * (1 + (k % 3)) * (x - X0) - 0.4 * (1 + (k % 2)) * (y - Y0);
}

const to49 = crsTransform(32650, 32649);
const to50 = crsTransform(32649, 32650);

function granule49(id: string, ulx: number, uly: number, sizeM: number): FakeGranule {
  // DN with the baseline ≥ 04.00 offset of −1000 built in: (DN − 1000)/10000 is the reflectance.
  return { id, tile: "T49RFP", epsg: 32649, ulx, uly, sizeM, dn: (b, x, y) => f(S2_BANDS.indexOf(b), x, y) };
}

/** A zone-50 granule of a pre-04.00 product (no offset): DN = reflectance × 10000, rounded. */
function granule50(): FakeGranule {
  const [ux, uy] = to50(X0 - 120, Y0 - 360);
  return {
    id: "L1C_T50RKU_A000002_20250119T031051",
    tile: "T50RKU",
    epsg: 32650,
    ulx: Math.round(ux / 60) * 60,
    uly: Math.round(uy / 60) * 60,
    sizeM: 1560,
    dn: (b, x, y) => {
      const [a, c] = to49(x, y);
      return f(S2_BANDS.indexOf(b), a, c) - 1000;
    },
  };
}

function products(): FakeProduct[] {
  return [
    {
      name: "S2A_MSIL1C_20250119T031051_N0511_R118_T49RFP_20250119T051234",
      baseline: "05.11",
      quantification: 10000,
      offset: -1000,
      granules: [granule49("L1C_T49RFP_A000001_20250119T031051", X0, Y0, 600), granule49("L1C_T49RGP_A000001_20250119T031051", X0 + 480, Y0, 600)],
    },
    { name: "S2A_MSIL1C_20190119T031051_N0207_R118_T50RKU_20190119T051234", baseline: "02.07", quantification: 10000, offset: null, granules: [granule50()] },
  ];
}

/** The lon/lat box of a zone-49 rectangle. */
function bboxOf(x0: number, y0: number, x1: number, y1: number): Bbox {
  const toLonLat = crsTransform(32649, 4326);
  const c = [toLonLat(x0, y0), toLonLat(x1, y0), toLonLat(x0, y1), toLonLat(x1, y1)];
  return {
    west: Math.max(...c.filter((_, i) => i % 2 === 0).map((p) => p[0])),
    east: Math.min(...c.filter((_, i) => i % 2 === 1).map((p) => p[0])),
    north: Math.min(c[0][1], c[1][1]),
    south: Math.max(c[2][1], c[3][1]),
  };
}
const BBOX = bboxOf(X0 + 100, Y0 - 100, X0 + 1000, Y0 - 900);

/** Plane z = 300 + A·(x − X0) + B·(y − Y0) in the given zone's coordinates. */
const A = 0.1;
const B = 0.05;
const plane = (x: number, y: number, ox = X0, oy = Y0): number => 300 + A * (x - ox) + B * (y - oy);

/** A 12.5 m DEM tile with z = g(x, y) at its pixel centres. */
function writeDem(file: string, epsg: number, t: GeoTransform, w: number, h: number, g: (x: number, y: number) => number, noData?: number): void {
  const z = Float32Array.from({ length: w * h }, (_, i) => g(t.originX + ((i % w) + 0.5) * t.pixelWidth, t.originY + (Math.floor(i / w) + 0.5) * t.pixelHeight));
  writeRaster(file, { width: w, height: h, bands: [z], transform: t, epsg, noData });
}

const centre = (g: Grid, i: number): [number, number] => [
  g.transform.originX + ((i % g.width) + 0.5) * g.transform.pixelWidth,
  g.transform.originY + (Math.floor(i / g.width) + 0.5) * g.transform.pixelHeight,
];

const slopeDeg = (Math.atan(Math.hypot(A, B)) * 180) / Math.PI;

describe("study scene assembly", () => {
  let dir: string;
  let safes: string[];
  let demFile: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "scene-"));
    safes = [];
    for (const p of products()) safes.push(await writeFakeSafe(join(dir, "s2"), p));
    mkdirSync(join(dir, "dem"));
    demFile = join(dir, "dem", "AP_1_RT1.dem.tif");
    writeDem(demFile, 32649, { originX: X0 - 200, originY: Y0 + 100, pixelWidth: 12.5, pixelHeight: -12.5 }, 112, 104, plane);
  });

  it("mosaics granules of two zones and two baselines into the L4S band stack, with closed-form values", async () => {
    const out = join(dir, "zigui", "scene.tif");
    const summary = await assembleScene({ safe: [join(dir, "s2")], dem: [join(dir, "dem")] }, out, { bbox: BBOX, epsg: EPSG, quiet: true });
    const r = await readRaster(out);
    // georeference: 10 m pixels on the tile lattice, enclosing the bbox
    const g = gridForBbox(BBOX, EPSG, 10, { x: X0, y: Y0 });
    expect(r.epsg).toBe(EPSG);
    expect(r.transform).toEqual(g.transform);
    expect((r.transform!.originX - X0) % 10).toBe(0);
    expect((Y0 - r.transform!.originY) % 10).toBe(0);
    expect(r.transform!.originX).toBeLessThanOrEqual(X0 + 100);
    expect(r.transform!.originX + 10 * r.width).toBeGreaterThanOrEqual(X0 + 1000);
    expect([r.width, r.height]).toEqual([g.width, g.height]);
    expect(r.bandNames).toEqual([...L4S_BAND_NAMES]);
    expect(r.bands.length).toBe(14);
    expect(r.bands[0]).toBeInstanceOf(Float32Array);
    expect(r.metadata?.S2_SCALE).toBe("l4s");
    expect(summary.products.length).toBe(2);
    expect(summary.uncovered.B1).toBe(0);

    const grid: Grid = { width: r.width, height: r.height, transform: r.transform!, epsg: EPSG };
    let fromZone50 = 0;
    for (let k = 0; k < 12; k++) {
      const s2Index = S2_BANDS.indexOf(SCENE_S2_BANDS[k] as S2Band);
      const band = r.bands[k];
      for (let i = 0; i < band.length; i++) {
        const [x, y] = centre(grid, i);
        // (DN + offset)/10000 × 10000/mean: exact for the zone-49 tiles (a ramp is reproduced exactly by
        // bilinear interpolation); the zone-50 granule's DN were rounded to integers, ± 0.5 DN.
        const want = (f(s2Index, x, y) - 1000) / MEANS[k];
        // The zone-50 granule's kernels are complete from ≈ 320 m below Y0 on (its top edge is tilted by
        // the zones' 3° difference in grid north); above that only the zone-49 tiles count.
        const tol = y > Y0 - 250 ? 1e-6 * Math.abs(want) : 0.5 / MEANS[k] + 1e-6;
        if (Math.abs(band[i] - want) > tol) throw new Error(`band ${k + 1} pixel ${i} (${x}, ${y}): ${band[i]} vs ${want}`);
        if (k === 0 && y < Y0 - 620) fromZone50++;
      }
    }
    expect(fromZone50).toBeGreaterThan(2000); // a good part of the scene comes from the zone-50 granule only
    // slope of the plane everywhere, the plane itself as elevation
    for (let i = 0; i < r.width * r.height; i++) {
      expect(r.bands[12][i]).toBeCloseTo(slopeDeg, 3);
      const [x, y] = centre(grid, i);
      expect(r.bands[13][i]).toBeCloseTo(plane(x, y), 2);
    }
  });

  it("reads zipped products, scales to reflectance and resamples by nearest neighbour when asked", async () => {
    const { makeZip } = await import("../data/archives");
    const only = products()[0];
    const safe = safes[0];
    const files: { name: string; data: Buffer }[] = [];
    const walk = (d: string, rel: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name), `${rel}/${e.name}`);
        else files.push({ name: `${rel}/${e.name}`, data: readFileSync(join(d, e.name)) });
      }
    };
    walk(safe, `${only.name}.SAFE`);
    const zip = join(dir, `${only.name}.zip`);
    writeFileSync(zip, makeZip(files));
    const out = join(dir, "r.tif");
    const bbox = bboxOf(X0 + 100, Y0 - 100, X0 + 1000, Y0 - 500);
    await assembleScene({ safe: [zip], dem: [demFile] }, out, {
      bbox,
      epsg: EPSG,
      quiet: true,
      params: { s2Scale: "reflectance", resampling: "nearest" },
    });
    const r = await readRaster(out);
    const grid: Grid = { width: r.width, height: r.height, transform: r.transform!, epsg: EPSG };
    expect(r.metadata?.S2_SCALE).toBe("reflectance");
    for (let i = 0; i < r.width * r.height; i += 13) {
      const [x, y] = centre(grid, i);
      // B1 (60 m): the 60 m pixel holding the centre; B2 (10 m): the pixel itself
      const x60 = X0 + 60 * Math.floor((x - X0) / 60) + 30;
      const y60 = Y0 - 60 * Math.floor((Y0 - y) / 60) - 30;
      expect(r.bands[0][i]).toBeCloseTo((f(0, x60, y60) - 1000) / 10000, 6);
      expect(r.bands[1][i]).toBeCloseTo((f(1, x, y) - 1000) / 10000, 6);
    }
    expect(s2ScaleFactor({ s2Scale: "l4s", l4sBandMeans: MEANS }, 1)).toBeCloseTo(10000 / 824.63171476, 9);
  });

  it("DEM: plane slope is atan(√(a²+b²)), two abutting tiles join without a seam, another zone is reprojected", async () => {
    const grid = gridForBbox(BBOX, EPSG, 10, { x: X0, y: Y0 });
    // two tiles split at x = X0 + 550 (on the 12.5 m lattice), abutting
    const left = join(dir, "left.tif");
    const right = join(dir, "right.tif");
    writeDem(left, 32649, { originX: X0 - 200, originY: Y0 + 100, pixelWidth: 12.5, pixelHeight: -12.5 }, 60, 104, plane);
    writeDem(right, 32649, { originX: X0 + 550, originY: Y0 + 100, pixelWidth: 12.5, pixelHeight: -12.5 }, 52, 104, plane);
    const z = await demOnGrid([left, right], grid, "bilinear");
    for (let i = 0; i < z.length; i++) {
      const [x, y] = centre(grid, i);
      expect(z[i]).toBeCloseTo(plane(x, y), 3);
    }
    // a DEM in zone 50: its plane is in zone-50 coordinates; check points against the exact transform
    const [ox, oy] = to50(X0 - 300, Y0 + 300);
    const o50 = { x: Math.round(ox / 12.5) * 12.5, y: Math.round(oy / 12.5) * 12.5 };
    const plane50 = (x: number, y: number): number => plane(x, y, o50.x, o50.y);
    const dem50 = join(dir, "z50.dem.tif");
    writeDem(dem50, 32650, { originX: o50.x, originY: o50.y, pixelWidth: 12.5, pixelHeight: -12.5 }, 140, 140, plane50, -9999);
    const z50 = await demOnGrid([dem50], grid, "bilinear");
    for (const i of [0, 517, Math.floor(z50.length / 2), z50.length - 1]) {
      const [x, y] = centre(grid, i);
      const [x5, y5] = to50(x, y);
      expect(z50[i]).toBeCloseTo(plane50(x5, y5), 3);
    }
  });

  it("fails with the file and the problem for bad input, leaving an existing scene.tif as it was", async () => {
    const out = join(dir, "zigui", "scene.tif");
    mkdirSync(join(dir, "zigui"));
    writeFileSync(out, "an earlier scene");
    const run = (): Promise<unknown> => assembleScene({ safe: [join(dir, "s2")], dem: [demFile] }, out, { bbox: BBOX, epsg: EPSG, quiet: true });
    const bandFile = (band: string, safe = safes[0]): string => {
      const g = readdirSync(join(safe, "GRANULE")).sort()[0];
      const img = join(safe, "GRANULE", g, "IMG_DATA");
      return join(img, readdirSync(img).find((n) => n.endsWith(`_${band}.jp2`))!);
    };
    const unchanged = (): void => {
      expect(readFileSync(out, "utf8")).toBe("an earlier scene");
      expect(readdirSync(join(dir, "zigui"))).toEqual(["scene.tif"]);
    };

    // corrupt JP2: found while the bands are written (after the DEM), so the partial file must go
    const b03 = bandFile("B03");
    const good = readFileSync(b03);
    writeFileSync(b03, Buffer.concat([good.subarray(0, 40), Buffer.alloc(200, 0x55)]));
    await expect(run()).rejects.toThrow(new RegExp(`${b03.replace(/[.]/g, "\\.")}: cannot decode`));
    unchanged();
    writeFileSync(b03, good);

    // missing band file
    const b05 = bandFile("B05");
    rmSync(b05);
    await expect(run()).rejects.toThrow(new RegExp(`${b05.replace(/[.]/g, "\\.")}: band file missing`));
    unchanged();
    writeFileSync(b05, good); // any bytes: the next check comes first

    // granule metadata without geocoding
    const g = readdirSync(join(safes[1], "GRANULE"))[0];
    const mtl = join(safes[1], "GRANULE", g, "MTD_TL.xml");
    const mtlText = readFileSync(mtl, "utf8");
    writeFileSync(mtl, mtlText.replace(/<Tile_Geocoding[^]*<\/Tile_Geocoding>/, ""));
    await expect(run()).rejects.toThrow(/MTD_TL\.xml: no Tile_Geocoding: the granule metadata gives no georeference/);
    unchanged();
    writeFileSync(mtl, mtlText);

    // a DEM that covers only the northern half of the area
    const half = join(dir, "half.dem.tif");
    writeDem(half, 32649, { originX: X0 - 200, originY: Y0 + 100, pixelWidth: 12.5, pixelHeight: -12.5 }, 112, 48, plane);
    await expect(
      assembleScene({ safe: [join(dir, "s2")], dem: [half] }, out, { bbox: BBOX, epsg: EPSG, quiet: true }),
    ).rejects.toThrow(/DEM \(half\.dem\.tif\) does not cover the study area: \d+\.\d+ % of the \d+×\d+ grid .* has no elevation/);
    unchanged();
    // a DEM without a CRS
    const nocrs = join(dir, "nocrs.tif");
    writeRaster(nocrs, { width: 2, height: 2, bands: [new Float32Array(4)], transform: { originX: X0, originY: Y0, pixelWidth: 12.5, pixelHeight: -12.5 } });
    await expect(assembleScene({ safe: [join(dir, "s2")], dem: [nocrs] }, out, { bbox: BBOX, epsg: EPSG, quiet: true })).rejects.toThrow(
      /nocrs\.tif: DEM has no CRS/,
    );
    unchanged();
  });
});

describe("full-profile scene location", () => {
  useTempDataDir();

  it("assembles scene.tif from the two downloads when it is absent or older, and not otherwise", async () => {
    const data = process.env.DLAB_DATA_DIR!;
    await expect(sceneDir("full")).rejects.toThrow(/downloads it is assembled from are missing \(s2-zigui-l1c, alos-dem-zigui\)/);
    // what `npm run data -- fetch` leaves: a state file, zips/SAFE under safe/, DEMs under dem/
    const s2 = join(data, "s2-zigui-l1c");
    const dem = join(data, "alos-dem-zigui");
    mkdirSync(join(dem, "dem", "AP_1"), { recursive: true });
    mkdirSync(s2, { recursive: true });
    writeFileSync(join(s2, STATE_FILE), "{}");
    writeFileSync(join(dem, STATE_FILE), "{}");
    await writeFakeSafe(join(s2, "safe"), products()[0]);
    writeDem(join(dem, "dem", "AP_1", "AP_1.dem.tif"), 32649, { originX: X0 - 200, originY: Y0 + 100, pixelWidth: 12.5, pixelHeight: -12.5 }, 112, 104, plane);
    const bbox = bboxOf(X0 + 100, Y0 - 100, X0 + 1000, Y0 - 500);
    const opts = { quiet: true, assemble: { bbox, epsg: EPSG } };
    const sceneDirPath = await sceneDir("full", opts);
    const scene = join(sceneDirPath, "scene.tif");
    expect(sceneDirPath).toBe(join(data, "zigui"));
    expect((await readRaster(scene)).bands.length).toBe(14);
    // newer than its inputs: kept as it is
    const later = new Date(Date.now() + 60_000);
    utimesSync(scene, later, later);
    writeFileSync(scene, Buffer.concat([readFileSync(scene), Buffer.from("marker")]));
    utimesSync(scene, later, later);
    await sceneDir("full", opts);
    expect(readFileSync(scene).subarray(-6).toString()).toBe("marker");
    // an input newer than the scene: assembled again
    const evenLater = new Date(Date.now() + 120_000);
    utimesSync(join(dem, "dem", "AP_1", "AP_1.dem.tif"), evenLater, evenLater);
    await sceneDir("full", opts);
    expect(readFileSync(scene).subarray(-6).toString()).not.toBe("marker");
    expect(existsSync(scene)).toBe(true);
  });
});
