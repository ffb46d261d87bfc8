/**
 * The Zigui study scene for whole-area inference (notebook 12, `npm run landslide -- predict`): a
 * 14-band float32 GeoTIFF in Landslide4Sense order — Sentinel-2 B1–B12 (no B8A) on a 10 m grid, slope
 * in degrees, elevation in metres — assembled from Sentinel-2 L1C SAFE products and ALOS DEM tiles.
 *
 * 1. The grid: the study bbox (WGS-84) projected to the study UTM zone, enclosed by a rectangle of
 *    whole pixels on the lattice of the Sentinel-2 10 m grid, so the 10 m bands are copied, not
 *    interpolated. Pixels of the rectangle outside the lon/lat bbox keep their data.
 * 2. The DEM: every tile resampled onto the grid (reprojected when its UTM zone differs) and
 *    mosaicked (src/grid/resample.ts); slope by Horn's method on the 10 m grid (src/grid/terrain.ts). It comes
 *    first because it is quick: a DEM that misses the area fails before minutes of decoding.
 * 3. Each Sentinel-2 band: every granule of every product decoded, converted DN → TOA reflectance
 *    with its product's QUANTIFICATION_VALUE and RADIO_ADD_OFFSET, scaled (`SceneParams.s2Scale`) and
 *    resampled/mosaicked onto the grid; NODATA and SATURATED pixels are left out.
 * 4. Bands are written one at a time to a temporary file renamed into place at the end, so a failure
 *    leaves an earlier scene.tif as it was and no partial file behind.
 * Pixels no input reaches are NaN (the GeoTIFF's nodata); more than `maxUncoveredFraction` of them in
 * any band is an error naming the inputs.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { createRasterWriter, readRaster, type RasterWriter } from "../io/raster";
import { accumulate, crsDefinition, crsTransform, finish, newAccumulator, uncoveredFraction, type Grid, type ResamplingMethod } from "../grid/resample";
import { hornSlopeDegrees } from "../grid/terrain";
import { findSafeProducts, openSafe, readBand, reflectanceTransform, type S2Band, type S2Product } from "../grid/sentinel2";
import { progress } from "../core/progress";
import { L4S_BAND_COUNT, L4S_BAND_NAMES } from "./features";
import { DEFAULT_SCENE, type SceneParams } from "./params";

/** The Sentinel-2 band behind each of the first 12 L4S bands (L4S has no B8A). */
export const SCENE_S2_BANDS: readonly S2Band[] = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B09", "B10", "B11", "B12"];

export interface Bbox {
  west: number;
  south: number;
  east: number;
  north: number;
}

export interface SceneInputs {
  /** `.SAFE` folders, zipped products, or folders holding them. */
  safe: string[];
  /** DEM GeoTIFFs, or folders searched for `*.dem.tif` (else any `*.tif`). */
  dem: string[];
}

export interface AssembleOptions {
  /** Overrides of DEFAULT_SCENE (a study passes its own scene parameters here). */
  params?: Partial<SceneParams>;
  /** Study area, WGS-84. */
  bbox: Bbox;
  /** Output CRS (a WGS 84 / UTM zone). */
  epsg: number;
  /** A DEM value that means no data, besides each file's own nodata and NaN. */
  demNoData?: number;
  quiet?: boolean;
}

export interface SceneSummary {
  file: string;
  grid: Grid;
  products: string[];
  demFiles: string[];
  /** Share of the grid without data, per band name. */
  uncovered: Record<string, number>;
}

// ---------------------------------------------------------------- grid

/**
 * The smallest grid of `pixel`-sized cells in `epsg` that encloses the bbox, with cell corners on the
 * lattice through `anchor` (default: multiples of the pixel size).
 */
export function gridForBbox(bbox: Bbox, epsg: number, pixel: number, anchor: { x: number; y: number } = { x: 0, y: 0 }): Grid {
  const { west, south, east, north } = bbox;
  if (!(west < east && south < north && west >= -180 && east <= 180 && south >= -90 && north <= 90)) {
    throw new Error(`study bbox ${JSON.stringify(bbox)} is not a west < east, south < north rectangle in degrees`);
  }
  if (!(pixel > 0)) throw new Error(`pixel size must be positive, not ${pixel}`);
  const toGrid = crsTransform(4326, epsg);
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  // Edges of a lon/lat box are curves in UTM: follow them, not just the corners.
  const k = 64;
  for (let i = 0; i <= k; i++) {
    const f = i / k;
    const lon = west + f * (east - west);
    const lat = south + f * (north - south);
    for (const [x, y] of [toGrid(lon, south), toGrid(lon, north), toGrid(west, lat), toGrid(east, lat)]) {
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
  }
  // Snapping tolerates float noise of a micrometre, so a bbox edge on the lattice stays there.
  const eps = 1e-6;
  const originX = anchor.x + Math.floor((minX - anchor.x) / pixel + eps) * pixel;
  const originY = anchor.y + Math.ceil((maxY - anchor.y) / pixel - eps) * pixel;
  const width = Math.max(1, Math.ceil((maxX - originX) / pixel - eps));
  const height = Math.max(1, Math.ceil((originY - minY) / pixel - eps));
  return { width, height, epsg, transform: { originX, originY, pixelWidth: pixel, pixelHeight: -pixel } };
}

// ---------------------------------------------------------------- DEM

function walkTifs(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walkTifs(p));
    else if (/\.tiff?$/i.test(e.name)) out.push(p);
  }
  return out;
}

/** DEM files among `paths`: files as given, folders searched for `*.dem.tif` (ALOS RTC), else any GeoTIFF. */
export function findDemFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new Error(`${p}: no such DEM file or folder`);
    if (!statSync(p).isDirectory()) {
      out.push(p);
      continue;
    }
    const tifs = walkTifs(p).sort();
    const dems = tifs.filter((f) => /\.dem\.tiff?$/i.test(f));
    const chosen = dems.length ? dems : tifs;
    if (chosen.length === 0) throw new Error(`${p}: no DEM GeoTIFF (*.dem.tif or *.tif) in the folder`);
    out.push(...chosen);
  }
  return out;
}

/** Elevation on `grid` from DEM tiles (mosaicked, reprojected as needed); NaN where none reaches. */
export async function demOnGrid(files: string[], grid: Grid, method: ResamplingMethod, demNoData?: number): Promise<Float32Array> {
  if (files.length === 0) throw new Error("no DEM files given");
  const acc = newAccumulator(grid);
  for (const file of files) {
    const r = await readRaster(file, { bands: [0] });
    if (!r.transform) throw new Error(`${file}: DEM has no georeference (no ModelPixelScale/ModelTransformation tags)`);
    if (r.epsg === undefined) throw new Error(`${file}: DEM has no CRS (no EPSG code in its GeoKeys)`);
    crsDefinition(r.epsg, file);
    const noData = [r.noData, demNoData].filter((v): v is number => v !== undefined && !Number.isNaN(v));
    accumulate(acc, { width: r.width, height: r.height, transform: r.transform, epsg: r.epsg, data: r.bands[0], noData }, method);
  }
  return finish(acc);
}

function nanFraction(a: Float32Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== a[i]) n++;
  return n / a.length;
}

const pct = (f: number): string => `${(f * 100).toFixed(f < 0.001 ? 4 : 2)} %`;

function listNames(paths: string[]): string {
  const names = paths.map((p) => basename(p));
  return names.length <= 4 ? names.join(", ") : `${names.slice(0, 4).join(", ")} and ${names.length - 4} more`;
}

// ---------------------------------------------------------------- assembly

function checkParams(p: SceneParams): void {
  if (p.s2Scale !== "l4s" && p.s2Scale !== "reflectance") throw new Error(`scene: s2Scale must be "l4s" or "reflectance", not "${String(p.s2Scale)}"`);
  if (p.resampling !== "bilinear" && p.resampling !== "nearest") throw new Error(`scene: resampling must be bilinear or nearest, not "${String(p.resampling)}"`);
  if (!(p.pixelM > 0)) throw new Error(`scene: pixelM must be positive, not ${p.pixelM}`);
  if (!(p.maxUncoveredFraction >= 0 && p.maxUncoveredFraction <= 1)) {
    throw new Error(`scene: maxUncoveredFraction must be within 0–1, not ${p.maxUncoveredFraction}`);
  }
  if (p.l4sBandMeans.length !== L4S_BAND_COUNT || !p.l4sBandMeans.every((m) => m > 0)) {
    throw new Error(`scene: l4sBandMeans must hold ${L4S_BAND_COUNT} positive numbers`);
  }
}

/** Multiplier from TOA reflectance to the stored value of L4S band `i` (0-based). */
export function s2ScaleFactor(p: Pick<SceneParams, "s2Scale" | "l4sBandMeans">, i: number): number {
  // L4S divides L1C DN (= reflectance × 10000 before baseline 04.00) by the band mean.
  return p.s2Scale === "l4s" ? 10000 / p.l4sBandMeans[i] : 1;
}

/**
 * Assembles the study scene into `out` (see the module comment). Inputs are checked (metadata, band
 * files present, CRS) before any pixel is decoded.
 */
export async function assembleScene(inputs: SceneInputs, out: string, opts: AssembleOptions): Promise<SceneSummary> {
  const p: SceneParams = { ...DEFAULT_SCENE, ...opts.params };
  checkParams(p);
  const { bbox, epsg } = opts;
  crsDefinition(epsg, "scene output CRS");
  if (inputs.safe.length === 0) throw new Error("scene: no Sentinel-2 product given");
  if (inputs.dem.length === 0) throw new Error("scene: no DEM given");
  const products: S2Product[] = findSafeProducts(inputs.safe).map((s) => openSafe(s, SCENE_S2_BANDS));
  for (const pr of products) for (const g of pr.granules) crsDefinition(g.epsg, pr.files.where(g.metadata));
  const demFiles = findDemFiles(inputs.dem);

  // The first granule in the output CRS sets the lattice, so its 10 m pixels map one to one.
  const ref = products.flatMap((pr) => pr.granules).find((g) => g.epsg === epsg);
  const anchor = ref ? { x: ref.geo[10].ulx, y: ref.geo[10].uly } : undefined;
  const grid = gridForBbox(bbox, epsg, p.pixelM, anchor);
  const granules = products.reduce((a, pr) => a + pr.granules.length, 0);
  const bar = progress(`scene ${basename(out)} ${grid.width}×${grid.height}`, SCENE_S2_BANDS.length * granules + 1, { unit: "steps", quiet: opts.quiet });
  const uncovered: Record<string, number> = {};

  // Always bilinear: a nearest-neighbour DEM would put 12.5 m steps into the slope.
  const elevation = await demOnGrid(demFiles, grid, "bilinear", opts.demNoData);
  uncovered.dem = nanFraction(elevation);
  if (uncovered.dem > p.maxUncoveredFraction) {
    throw new Error(
      `DEM (${listNames(demFiles)}) does not cover the study area: ${pct(uncovered.dem)} of the ` +
        `${grid.width}×${grid.height} grid for bbox ${bbox.west},${bbox.south},${bbox.east},${bbox.north} has no elevation ` +
        `(at most ${pct(p.maxUncoveredFraction)} allowed); add the missing DEM tiles or relax maxUncoveredFraction (--max-uncovered)`,
    );
  }
  const slope = hornSlopeDegrees(elevation, grid.width, grid.height, grid.transform.pixelWidth, grid.transform.pixelHeight);
  uncovered.slope = nanFraction(slope);
  bar.tick(1, "DEM and slope");

  const writer: RasterWriter = createRasterWriter(out, {
    width: grid.width,
    height: grid.height,
    transform: grid.transform,
    epsg,
    noData: NaN,
    bandNames: [...L4S_BAND_NAMES],
    bandCount: L4S_BAND_COUNT,
    sampleType: "float32",
    metadata: {
      DESCRIPTION: "Zigui study scene: Sentinel-2 L1C B1-B12 (no B8A), slope (deg, Horn), DEM (m); Landslide4Sense band order",
      S2_PRODUCTS: products.map((pr) => pr.name).join(" "),
      S2_PROCESSING_BASELINES: products.map((pr) => pr.baseline || "?").join(" "),
      S2_SCALE: p.s2Scale,
      S2_VALUE:
        p.s2Scale === "l4s"
          ? "TOA reflectance x 10000 / Landslide4Sense band mean (img_mean, bands 1-12)"
          : "TOA reflectance",
      RESAMPLING: `S2 ${p.resampling}, DEM bilinear`,
      DEM_FILES: demFiles.map((f) => basename(f)).join(" "),
      REFERENCE: "Yin, Liu, He 2025, South China Geology 41(2), section 2.2; Ghorbanzadeh et al. 2022 (Landslide4Sense)",
    },
  });
  try {
    for (let i = 0; i < SCENE_S2_BANDS.length; i++) {
      const band = SCENE_S2_BANDS[i];
      const acc = newAccumulator(grid);
      for (const pr of products) {
        for (const g of pr.granules) {
          const r = await readBand(pr, g, band);
          const { offset, gain } = reflectanceTransform(pr, band, s2ScaleFactor(p, i));
          accumulate(acc, { ...r, data: r.dn, noData: pr.noData, offset, gain }, p.resampling);
          bar.tick(1, `${band} ${g.id}`);
        }
      }
      uncovered[L4S_BAND_NAMES[i]] = uncoveredFraction(acc);
      if (uncovered[L4S_BAND_NAMES[i]] > p.maxUncoveredFraction) {
        throw new Error(
          `Sentinel-2 ${band}: the products (${listNames(products.map((pr) => pr.files.source))}) leave ` +
            `${pct(uncovered[L4S_BAND_NAMES[i]])} of the study grid without data (at most ${pct(p.maxUncoveredFraction)} allowed); ` +
            "add the products of the missing tiles or relax maxUncoveredFraction (--max-uncovered)",
        );
      }
      writer.writeBand(finish(acc));
    }
    writer.writeBand(slope);
    writer.writeBand(elevation);
    writer.close();
  } catch (e) {
    writer.abort();
    throw e;
  }
  bar.done();
  return { file: out, grid, products: products.map((pr) => pr.files.source), demFiles, uncovered };
}
