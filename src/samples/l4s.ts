/**
 * Sample dataset `l4s`: Landslide4Sense-like patches, written exactly as the released files are
 * (`image_N.h5` with dataset `img` 128×128×14, `mask_N.h5` with dataset `mask` 128×128 uint8), with the
 * planted landslides listed in `truth.json`.
 *
 * The scene model (shared with the `zigui-scene` simulator) is physical in spirit: terrain from a
 * river valley plus fractal relief; land cover as fractions of four spectral end-members (vegetation,
 * fresh landslide soil, bare fields/built-up, water); landslides are elongated bodies set on steep
 * hillslopes, oriented downslope, of bare soil with some surviving vegetation, so they are bright in red
 * and SWIR, low in NDVI and high in BSI like real ones; bare fields on flat ground are the look-alikes
 * that only slope tells apart. Sentinel-2 bands are surface reflectance × 10 (the magnitude of the
 * pre-scaled released bands, ≈ 0.3–5); slope is in degrees and the DEM in metres (the released files
 * rescale those too; every feature normalises them per patch, so the scale does not reach the model).
 * Images are float32 (the released files are float64; the reader takes both).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { normalDraw } from "../core/random";
import { join } from "node:path";
import { writeH5 } from "../io/hdf5";
import { progress } from "../core/progress";
import { pinHdf5FileTimes } from "./reproducible-h5";
import type { SampleBuildOptions, SampleDataset } from "./types";
import { mulberry32 } from "../core/random";

// ---------------------------------------------------------------- random numbers



/** Smooth noise in about [−1, 1]: bilinear value noise summed over octaves (cell halves each octave). */
export function valueNoise(width: number, height: number, cellPx: number, rng: () => number, octaves = 4): Float32Array {
  const out = new Float32Array(width * height);
  let amp = 1;
  let norm = 0;
  let cell = cellPx;
  for (let o = 0; o < octaves; o++) {
    const gw = Math.ceil(width / cell) + 2;
    const gh = Math.ceil(height / cell) + 2;
    const grid = new Float32Array(gw * gh);
    for (let i = 0; i < grid.length; i++) grid[i] = rng() * 2 - 1;
    for (let y = 0; y < height; y++) {
      const gy = y / cell;
      const y0 = Math.floor(gy);
      const fy = gy - y0;
      const sy = fy * fy * (3 - 2 * fy);
      for (let x = 0; x < width; x++) {
        const gx = x / cell;
        const x0 = Math.floor(gx);
        const fx = gx - x0;
        const sx = fx * fx * (3 - 2 * fx);
        const a = grid[y0 * gw + x0];
        const b = grid[y0 * gw + x0 + 1];
        const c = grid[(y0 + 1) * gw + x0];
        const d = grid[(y0 + 1) * gw + x0 + 1];
        out[y * width + x] += amp * (a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy);
      }
    }
    norm += amp;
    amp *= 0.5;
    cell = Math.max(1, cell / 2);
  }
  for (let i = 0; i < out.length; i++) out[i] /= norm;
  return out;
}

// ---------------------------------------------------------------- terrain

/** Slope in degrees from a DEM (central differences, one-sided at the edges). */
export function slopeDegrees(dem: ArrayLike<number>, width: number, height: number, pixelM: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const ya = Math.max(0, y - 1);
    const yb = Math.min(height - 1, y + 1);
    for (let x = 0; x < width; x++) {
      const xa = Math.max(0, x - 1);
      const xb = Math.min(width - 1, x + 1);
      const dzdx = (dem[y * width + xb] - dem[y * width + xa]) / ((xb - xa) * pixelM);
      const dzdy = (dem[yb * width + x] - dem[ya * width + x]) / ((yb - ya) * pixelM);
      out[y * width + x] = (Math.atan(Math.hypot(dzdx, dzdy)) * 180) / Math.PI;
    }
  }
  return out;
}

/** Unit vector pointing downhill at (x, y) (screen axes, y down). */
export function downslope(dem: ArrayLike<number>, width: number, height: number, x: number, y: number): [number, number] {
  const xa = Math.max(0, x - 1);
  const xb = Math.min(width - 1, x + 1);
  const ya = Math.max(0, y - 1);
  const yb = Math.min(height - 1, y + 1);
  const gx = dem[y * width + xb] - dem[y * width + xa];
  const gy = dem[yb * width + x] - dem[ya * width + x];
  const n = Math.hypot(gx, gy) || 1;
  return [-gx / n, -gy / n];
}

// ---------------------------------------------------------------- land cover and spectra

export type EndMember = "vegetation" | "soil" | "field" | "water";
export const END_MEMBERS: EndMember[] = ["vegetation", "soil", "field", "water"];

/**
 * Surface reflectance of each end-member in Sentinel-2 B1…B12 (B10 is the cirrus band and carries
 * atmosphere, not surface; it is set by `renderBands`). Typical library values: green vegetation with
 * the red edge and NIR plateau, fresh landslide scar soil bright in red and SWIR, dry fields/built-up a
 * little darker and flatter, water dark beyond green.
 */
export const REFLECTANCE: Record<EndMember, number[]> = {
  vegetation: [0.03, 0.035, 0.065, 0.035, 0.1, 0.25, 0.3, 0.33, 0.33, 0, 0.17, 0.08],
  soil: [0.08, 0.1, 0.14, 0.18, 0.21, 0.23, 0.24, 0.25, 0.25, 0, 0.33, 0.28],
  field: [0.07, 0.09, 0.12, 0.14, 0.17, 0.2, 0.22, 0.23, 0.23, 0, 0.27, 0.22],
  water: [0.05, 0.06, 0.05, 0.03, 0.03, 0.02, 0.02, 0.02, 0.02, 0, 0.01, 0.01],
};
/** Stored value = reflectance × this (the magnitude of the pre-scaled released L4S bands). */
export const REFLECTANCE_SCALE = 10;

/** Per-pixel fractions of each end-member (sum 1). */
export type Cover = Record<EndMember, Float32Array>;

export function emptyCover(n: number): Cover {
  return { vegetation: new Float32Array(n).fill(1), soil: new Float32Array(n), field: new Float32Array(n), water: new Float32Array(n) };
}

/** Sets pixel i to the given fractions of soil/field/water, vegetation taking the rest. */
export function setCover(c: Cover, i: number, soil: number, field: number, water: number): void {
  c.soil[i] = soil;
  c.field[i] = field;
  c.water[i] = water;
  c.vegetation[i] = Math.max(0, 1 - soil - field - water);
}

/**
 * The 14 L4S bands: 12 Sentinel-2 bands mixed linearly from the cover with hillshade illumination and
 * sensor noise, then slope (°) and DEM (m). Float32 planes, band-sequential.
 */
export function renderBands(
  cover: Cover,
  dem: Float32Array,
  slope: Float32Array,
  width: number,
  height: number,
  pixelM: number,
  rng: () => number,
  noiseSd = 0.006,
): Float32Array[] {
  const n = width * height;
  const bands: Float32Array[] = [];
  // Illumination from the north-west at 45° elevation (a simple Lambertian hillshade).
  const shade = new Float32Array(n);
  const sun = [-Math.SQRT1_2 * Math.SQRT1_2, -Math.SQRT1_2 * Math.SQRT1_2, Math.SQRT1_2];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const xa = Math.max(0, x - 1);
      const xb = Math.min(width - 1, x + 1);
      const ya = Math.max(0, y - 1);
      const yb = Math.min(height - 1, y + 1);
      const dzdx = (dem[y * width + xb] - dem[y * width + xa]) / ((xb - xa) * pixelM);
      const dzdy = (dem[yb * width + x] - dem[ya * width + x]) / ((yb - ya) * pixelM);
      const nn = Math.hypot(dzdx, dzdy, 1);
      const cos = (-dzdx * sun[0] - dzdy * sun[1] + sun[2]) / nn;
      shade[y * width + x] = 0.55 + 0.6 * Math.max(0, cos);
    }
  }
  const haze = valueNoise(width, height, Math.max(8, width / 3), rng, 2);
  for (let b = 0; b < 12; b++) {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let r: number;
      if (b === 9) {
        r = 0.004 + 0.002 * haze[i]; // B10 cirrus: thin haze, no surface signal
      } else {
        r = 0;
        for (const e of END_MEMBERS) r += cover[e][i] * REFLECTANCE[e][b];
        r *= cover.water[i] > 0.5 ? 1 : shade[i];
      }
      out[i] = Math.max(1e-4, r + noiseSd * normalDraw(rng)) * REFLECTANCE_SCALE;
    }
    bands.push(out);
  }
  bands.push(Float32Array.from(slope));
  bands.push(Float32Array.from(dem));
  return bands;
}

export interface PlantedBody {
  /** Centre pixel (column, row). */
  cx: number;
  cy: number;
  /** Half-length along the downslope direction and half-width across, in pixels. */
  a: number;
  b: number;
  /** Downslope unit vector (screen axes). */
  dir: [number, number];
  /** Soil fraction inside. */
  soil: number;
}

/**
 * Rasterises a landslide body: an ellipse along `dir` with a wavy outline (a few random harmonics),
 * widest in its lower half like a real slide's deposit. Returns the pixel indices inside.
 */
export function rasteriseBody(body: PlantedBody, width: number, height: number, rng: () => number): number[] {
  const harmonics = [2, 3, 5].map((k) => ({ k, amp: 0.08 + 0.08 * rng(), phase: rng() * 2 * Math.PI }));
  const r = Math.ceil(Math.max(body.a, body.b) * 1.4) + 1;
  const out: number[] = [];
  const [ux, uy] = body.dir;
  for (let y = Math.max(0, Math.floor(body.cy - r)); y <= Math.min(height - 1, Math.ceil(body.cy + r)); y++) {
    for (let x = Math.max(0, Math.floor(body.cx - r)); x <= Math.min(width - 1, Math.ceil(body.cx + r)); x++) {
      const dx = x + 0.5 - body.cx;
      const dy = y + 0.5 - body.cy;
      const u = dx * ux + dy * uy; // along downslope
      const v = -dx * uy + dy * ux; // across
      const widen = 1 + 0.25 * Math.tanh(u / body.a); // deposit wider than the scarp
      const rho = Math.hypot(u / body.a, v / (body.b * widen));
      const th = Math.atan2(v, u);
      let edge = 1;
      for (const h of harmonics) edge += h.amp * Math.cos(h.k * th + h.phase);
      if (rho < edge) out.push(y * width + x);
    }
  }
  return out;
}

/** A rectangular field or built-up block, axis-rotated, for look-alikes on flat ground. */
export function rasteriseField(cx: number, cy: number, hw: number, hh: number, angle: number, width: number, height: number): number[] {
  const out: number[] = [];
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const r = Math.ceil(Math.hypot(hw, hh)) + 1;
  for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(height - 1, Math.ceil(cy + r)); y++) {
    for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(width - 1, Math.ceil(cx + r)); x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      if (Math.abs(dx * c + dy * s) <= hw && Math.abs(-dx * s + dy * c) <= hh) out.push(y * width + x);
    }
  }
  return out;
}

// ---------------------------------------------------------------- one patch

export interface PatchTruth {
  id: number;
  /** Landslide bodies planted (each a connected region of the mask unless two overlap). */
  landslides: number;
  landslidePixels: number;
  /** Bare-field look-alikes on flat ground (mask 0). */
  lookalikes: number;
  hasRiver: boolean;
  /** Mean slope (°) inside and outside the landslides. */
  meanSlopeLandslide: number;
  meanSlopeElsewhere: number;
}

export interface SimulatedPatch {
  bands: Float32Array[];
  mask: Uint8Array;
  truth: PatchTruth;
}

/** One 128×128 patch at 10 m (the L4S grid). */
export function simulatePatch(id: number, rng: () => number, size = 128, pixelM = 10): SimulatedPatch {
  const n = size * size;
  // Terrain: a valley (river at its floor) in 60 % of patches, rolling hills elsewhere.
  const hasRiver = rng() < 0.6;
  const base = 150 + 900 * rng();
  const relief = 150 + 400 * rng();
  const rough = valueNoise(size, size, 96, rng, 4);
  const dem = new Float32Array(n);
  const riverDist = new Float32Array(n).fill(Infinity);
  const ang = rng() * Math.PI;
  const off = (rng() - 0.5) * size * 0.6;
  const bend = (rng() - 0.5) * 20;
  const valleyL = (350 + 700 * rng()) / pixelM; // e-folding distance of the valley side, px
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      let h: number;
      if (hasRiver) {
        const u = (x - size / 2) * Math.cos(ang) + (y - size / 2) * Math.sin(ang);
        const v = -(x - size / 2) * Math.sin(ang) + (y - size / 2) * Math.cos(ang);
        const d = Math.abs(v - off - bend * Math.sin((u / size) * Math.PI * 2));
        riverDist[i] = d;
        h = base + relief * (1 - Math.exp(-d / valleyL)) + 0.35 * relief * rough[i] * Math.min(1, d / valleyL);
      } else {
        h = base + relief * 0.8 * rough[i];
      }
      dem[i] = h;
    }
  }
  const slope = slopeDegrees(dem, size, size, pixelM);
  const cover = emptyCover(n);
  // Vegetation density varies; a little exposed soil/field everywhere.
  const vegNoise = valueNoise(size, size, 32, rng, 3);
  for (let i = 0; i < n; i++) {
    const thin = Math.max(0, 0.12 + 0.15 * vegNoise[i]);
    const water = riverDist[i] < 3.5 ? 1 : 0;
    setCover(cover, i, water ? 0 : thin * 0.4, water ? 0 : thin * 0.6, water);
  }
  // Look-alikes first (landslides win where they overlap).
  const nLook = Math.floor(rng() * 4);
  let lookalikes = 0;
  for (let k = 0; k < nLook; k++) {
    for (let t = 0; t < 40; t++) {
      const cx = 10 + rng() * (size - 20);
      const cy = 10 + rng() * (size - 20);
      const i = Math.floor(cy) * size + Math.floor(cx);
      if (slope[i] > 12 || riverDist[i] < 6) continue;
      const px = rasteriseField(cx, cy, 4 + rng() * 10, 3 + rng() * 8, rng() * Math.PI, size, size);
      const soil = 0.75 + 0.2 * rng();
      for (const p of px) if (cover.water[p] < 0.5) setCover(cover, p, 0, soil, 0);
      lookalikes++;
      break;
    }
  }
  // Landslides on steep hillslopes; ≈ 15 % of patches have none (like L4S ids 3 and 45).
  const mask = new Uint8Array(n);
  const nSlides = rng() < 0.15 ? 0 : 1 + Math.floor(rng() * 4);
  let landslides = 0;
  for (let k = 0; k < nSlides; k++) {
    for (let t = 0; t < 60; t++) {
      const cx = 8 + rng() * (size - 16);
      const cy = 8 + rng() * (size - 16);
      const x = Math.floor(cx);
      const y = Math.floor(cy);
      if (slope[y * size + x] < 18 || riverDist[y * size + x] < 5) continue;
      const a = 3 + rng() * 19; // half-length 30–220 m
      const b = a * (0.35 + 0.35 * rng());
      const body: PlantedBody = { cx, cy, a, b, dir: downslope(dem, size, size, x, y), soil: 0.7 + 0.3 * rng() };
      const px = rasteriseBody(body, size, size, rng);
      for (const p of px) {
        if (cover.water[p] >= 0.5) continue;
        setCover(cover, p, body.soil * (0.85 + 0.15 * rng()), 0, 0);
        mask[p] = 1;
      }
      landslides++;
      break;
    }
  }
  const bands = renderBands(cover, dem, slope, size, size, pixelM, rng);
  let sIn = 0;
  let nIn = 0;
  let sOut = 0;
  for (let i = 0; i < n; i++) {
    if (mask[i]) {
      sIn += slope[i];
      nIn++;
    } else sOut += slope[i];
  }
  return {
    bands,
    mask,
    truth: {
      id,
      landslides,
      landslidePixels: nIn,
      lookalikes,
      hasRiver,
      meanSlopeLandslide: nIn ? sIn / nIn : NaN,
      meanSlopeElsewhere: sOut / (n - nIn),
    },
  };
}

/** Band-sequential planes → channels-last H×W×C (the L4S `img` layout). */
export function toChannelsLast(bands: Float32Array[]): Float32Array {
  const c = bands.length;
  const n = bands[0].length;
  const out = new Float32Array(n * c);
  for (let k = 0; k < c; k++) for (let i = 0; i < n; i++) out[i * c + k] = bands[k][i];
  return out;
}

/** Patches in the default (size 1) sample: enough for a 80/20 train/validation split of some weight. */
export const L4S_SAMPLE_PATCHES = 64;

export async function buildL4S(outDir: string, opts: SampleBuildOptions): Promise<PatchTruth[]> {
  const count = Math.max(4, Math.round(L4S_SAMPLE_PATCHES * opts.size));
  const rng = mulberry32(opts.seed);
  mkdirSync(outDir, { recursive: true });
  const bar = progress("l4s patches", count, { unit: "patches", quiet: opts.quiet });
  const truth: PatchTruth[] = [];
  for (let id = 1; id <= count; id++) {
    const p = simulatePatch(id, rng);
    const img = join(outDir, `image_${id}.h5`);
    const mask = join(outDir, `mask_${id}.h5`);
    await writeH5(img, [{ name: "img", shape: [128, 128, 14], data: toChannelsLast(p.bands) }]);
    await writeH5(mask, [{ name: "mask", shape: [128, 128], data: p.mask }]);
    pinHdf5FileTimes(img);
    pinHdf5FileTimes(mask);
    truth.push(p.truth);
    bar.tick();
  }
  bar.done();
  const doc = {
    dataset: "l4s",
    description: L4S_DATASET_DESCRIPTION,
    seed: opts.seed,
    size: opts.size,
    pixelSizeM: 10,
    bands: ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10", "B11", "B12", "slope_deg", "dem_m"],
    reflectanceScale: REFLECTANCE_SCALE,
    patches: truth,
  };
  writeFileSync(join(outDir, "truth.json"), JSON.stringify(doc, null, 1) + "\n");
  return truth;
}

const L4S_DATASET_DESCRIPTION =
  "Landslide4Sense-like 128×128×14 patches (S2 B1–B12 as reflectance×10, slope °, DEM m) with uint8 masks; " +
  "landslides are bare-soil bodies on steep slopes, bare fields on flat ground are look-alikes.";

export const l4sSample: SampleDataset = {
  id: "l4s",
  version: "2",
  description: L4S_DATASET_DESCRIPTION,
  async build(outDir, opts) {
    await buildL4S(outDir, opts);
  },
};
