/**
 * The Zigui study's model inputs: the five indices of Table 1 and the 11-feature stack of Table 2,
 * computed from Landslide4Sense-ordered bands (1–12 Sentinel-2 B1–B12, 13 slope, 14 DEM).
 *
 * Conventions, all documented choices the paper leaves open:
 * - NaN input samples are replaced by `nanFill` (1e-6, as the public Keras L4S notebook does) before
 *   anything is computed, so every output is finite.
 * - A ratio or normalised difference whose |denominator| < `epsilon` is 0: a pixel with no signal in
 *   either band carries no index information, and 0 is the neutral value of every index here.
 * - eq. 1 with max − min < `epsilon` (a constant band) gives x_norm = 0, so the inverted value is 1.
 * - `keras-l4s` with max/2 < `epsilon` (an all-zero band) gives 1 − 0 = 1 for the same reason.
 * - Values outside `fixed` ranges are not clipped: the model sees what the data hold.
 */
import { DEFAULT_FEATURES, FEATURE_NAMES, type FeatureName, type FeatureParams, type RangedQuantity } from "./params";

export { FEATURE_NAMES, type FeatureName } from "./params";

export const FEATURE_COUNT = FEATURE_NAMES.length;
/** Bands of a Landslide4Sense patch: 12 Sentinel-2 bands, slope, DEM. */
export const L4S_BAND_COUNT = 14;
/** Names of the 14 L4S bands, in order (band names of scene GeoTIFFs). */
export const L4S_BAND_NAMES = [
  "B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10", "B11", "B12", "slope", "dem",
] as const;

export type NumArray = Float32Array | Float64Array;

/** A multi-band image, band-sequential: `bands[i]` is L4S band i+1, row-major width×height. */
export interface BandImage {
  width: number;
  height: number;
  bands: ArrayLike<number>[];
}

/** Splits a channels-last (H×W×C, as L4S HDF5 stores it) array into band-sequential planes. */
export function fromChannelsLast(data: ArrayLike<number>, width: number, height: number, channels: number): BandImage {
  const n = width * height;
  if (data.length !== n * channels) {
    throw new Error(`fromChannelsLast: ${data.length} values, expected ${height}×${width}×${channels} = ${n * channels}`);
  }
  const bands: Float64Array[] = [];
  for (let c = 0; c < channels; c++) {
    const b = new Float64Array(n);
    for (let i = 0; i < n; i++) b[i] = data[i * channels + c];
    bands.push(b);
  }
  return { width, height, bands };
}

function band(img: BandImage, oneBased: number): ArrayLike<number> {
  const b = img.bands[oneBased - 1];
  if (!b) throw new Error(`band ${oneBased} requested but the image has ${img.bands.length} bands`);
  if (b.length !== img.width * img.height) {
    throw new Error(`band ${oneBased} has ${b.length} values, expected ${img.width}×${img.height}`);
  }
  return b;
}

/** Copies a band with NaN (and ±Infinity) replaced by `fill`. */
export function filled(x: ArrayLike<number>, fill: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    out[i] = Number.isFinite(v) ? v : fill;
  }
  return out;
}

/** (a − b)/(a + b), 0 where |a + b| < eps. */
export function normalisedDifference(a: ArrayLike<number>, b: ArrayLike<number>, eps = 1e-12): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const d = a[i] + b[i];
    out[i] = Math.abs(d) < eps ? 0 : (a[i] - b[i]) / d;
  }
  return out;
}

/** sqrt(RED²/GREEN²) as Table 1 prints it (= |RED/GREEN|), 0 where |GREEN| < eps. */
export function brightnessIndex(red: ArrayLike<number>, green: ArrayLike<number>, eps = 1e-12): Float32Array {
  const out = new Float32Array(red.length);
  for (let i = 0; i < red.length; i++) {
    const g = green[i];
    out[i] = Math.abs(g) < eps ? 0 : Math.sqrt((red[i] * red[i]) / (g * g));
  }
  return out;
}

/** ((SWIR1 + RED) − (NIR + BLUE)) / ((SWIR1 + RED) + (NIR + BLUE)), 0 where the sum is ~0. */
export function bareSoilIndex(
  swir1: ArrayLike<number>,
  red: ArrayLike<number>,
  nir: ArrayLike<number>,
  blue: ArrayLike<number>,
  eps = 1e-12,
): Float32Array {
  const out = new Float32Array(red.length);
  for (let i = 0; i < red.length; i++) {
    const a = swir1[i] + red[i];
    const b = nir[i] + blue[i];
    const d = a + b;
    out[i] = Math.abs(d) < eps ? 0 : (a - b) / d;
  }
  return out;
}

export interface Indices {
  ndvi: Float32Array;
  ndmi: Float32Array;
  gndvi: Float32Array;
  brightness: Float32Array;
  bsi: Float32Array;
}

/** The five indices of Table 1 with the paper's band numbers (NaN inputs filled first). */
export function computeIndices(img: BandImage, p: FeatureParams = DEFAULT_FEATURES): Indices {
  const b = p.bands;
  const get = (n: number): Float64Array => filled(band(img, n), p.nanFill);
  const red = get(b.red);
  const green = get(b.green);
  const blue = get(b.blue);
  const nir = get(b.nir);
  const swir1 = get(b.swir1);
  return {
    ndvi: normalisedDifference(nir, red, p.epsilon),
    ndmi: normalisedDifference(nir, swir1, p.epsilon),
    gndvi: normalisedDifference(nir, green, p.epsilon),
    brightness: brightnessIndex(red, green, p.epsilon),
    bsi: bareSoilIndex(swir1, red, nir, blue, p.epsilon),
  };
}

/** [min, max] of the finite values; [NaN, NaN] when there are none. */
export function finiteRange(x: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Number.isFinite(lo) ? [lo, hi] : [NaN, NaN];
}

/** eq. 1: (x − min)/(max − min); 0 where max − min < eps. */
export function normaliseMinMax(x: ArrayLike<number>, range: [number, number], eps = 1e-12): Float32Array {
  const [lo, hi] = range;
  const span = hi - lo;
  const out = new Float32Array(x.length);
  if (!(span >= eps)) return out;
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - lo) / span;
  return out;
}

/** "Inverted" (反值): 1 − x, in place. */
export function invertInPlace(x: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) x[i] = 1 - x[i];
  return x;
}

/** Keras L4S convention: 1 − x/(max/2); 1 everywhere where max/2 < eps. */
export function invertHalfMax(x: ArrayLike<number>, max: number, eps = 1e-12): Float32Array {
  const half = max / 2;
  const out = new Float32Array(x.length);
  if (!(Math.abs(half) >= eps)) return out.fill(1);
  for (let i = 0; i < x.length; i++) out[i] = 1 - x[i] / half;
  return out;
}

/** Per-quantity [min, max] that normalisation uses. */
export type QuantityRanges = Record<RangedQuantity, [number, number]>;

const RANGED: RangedQuantity[] = ["red", "green", "blue", "slope", "elevation", "midInfrared", "brightness"];

function quantityBands(img: BandImage, p: FeatureParams): Record<RangedQuantity, ArrayLike<number>> {
  const b = p.bands;
  const get = (n: number): Float64Array => filled(band(img, n), p.nanFill);
  const red = get(b.red);
  const green = get(b.green);
  return {
    red,
    green,
    blue: get(b.blue),
    slope: get(b.slope),
    elevation: get(b.elevation),
    midInfrared: get(b.midInfrared),
    brightness: brightnessIndex(red, green, p.epsilon),
  };
}

/** The min/max of every normalised quantity over one image (after NaN fill). */
export function imageRanges(img: BandImage, p: FeatureParams = DEFAULT_FEATURES): QuantityRanges {
  const q = quantityBands(img, p);
  const out = {} as QuantityRanges;
  for (const k of RANGED) out[k] = finiteRange(q[k]);
  return out;
}

/** Union of ranges: the `dataset` extent over several images. */
export function mergeRanges(list: QuantityRanges[]): QuantityRanges {
  if (list.length === 0) throw new Error("mergeRanges: no images to take a data-set range over");
  const out = {} as QuantityRanges;
  for (const k of RANGED) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of list) {
      if (r[k][0] < lo) lo = r[k][0];
      if (r[k][1] > hi) hi = r[k][1];
    }
    out[k] = [lo, hi];
  }
  return out;
}

/** Min/max over every image passed (extent `dataset`). */
export function datasetRanges(images: BandImage[], p: FeatureParams = DEFAULT_FEATURES): QuantityRanges {
  return mergeRanges(images.map((im) => imageRanges(im, p)));
}

function rangesFor(img: BandImage, p: FeatureParams, given?: QuantityRanges): QuantityRanges {
  if (p.extent === "patch") return imageRanges(img, p);
  if (p.extent === "dataset") {
    if (!given) throw new Error('features: extent "dataset" needs the data-set ranges (datasetRanges(images))');
    return given;
  }
  const out = {} as QuantityRanges;
  for (const k of RANGED) {
    const f = p.fixedRanges[k];
    if (!f) throw new Error(`features: extent "fixed" but fixedRanges.${k} is not set`);
    out[k] = f;
  }
  return out;
}

/** The 11 Table 2 features of one image as separate planes, in Table 2 order. */
export function featurePlanes(
  img: BandImage,
  p: FeatureParams = DEFAULT_FEATURES,
  ranges?: QuantityRanges,
): Record<FeatureName, Float32Array> {
  const q = quantityBands(img, p);
  const idx = computeIndices(img, p);
  const r = rangesFor(img, p, ranges);
  const eps = p.epsilon;
  let inv: (k: RangedQuantity) => Float32Array;
  if (p.mode === "eq1") {
    inv = (k) => invertInPlace(normaliseMinMax(q[k], r[k], eps));
  } else {
    // One max shared by the three visible bands, as the Keras notebook's data[:, :, 1:4].max().
    const visMax = Math.max(r.red[1], r.green[1], r.blue[1]);
    inv = (k) => invertHalfMax(q[k], k === "red" || k === "green" || k === "blue" ? visMax : r[k][1], eps);
  }
  let bsiFeature: Float32Array;
  if (p.normaliseBsi) {
    const bsiRange = finiteRange(idx.bsi);
    bsiFeature = invertInPlace(normaliseMinMax(idx.bsi, bsiRange, eps));
  } else {
    bsiFeature = invertInPlace(Float32Array.from(idx.bsi));
  }
  return {
    inv_norm_red: inv("red"),
    inv_norm_green: inv("green"),
    inv_norm_blue: inv("blue"),
    ndvi: idx.ndvi,
    inv_norm_slope: inv("slope"),
    inv_norm_elevation: inv("elevation"),
    ndmi: idx.ndmi,
    gndvi: idx.gndvi,
    inv_norm_mid_infrared: inv("midInfrared"),
    inv_norm_brightness: inv("brightness"),
    inv_bsi: bsiFeature,
  };
}

/** Interleaves planes into channels-last H×W×C, writing at `offset` of `out`. */
export function interleave(planes: ArrayLike<number>[], out: Float32Array, offset = 0): Float32Array {
  const c = planes.length;
  const n = planes[0]?.length ?? 0;
  for (let k = 0; k < c; k++) {
    const pl = planes[k];
    for (let i = 0; i < n; i++) out[offset + i * c + k] = pl[i];
  }
  return out;
}

/** The 11-feature stack of one image, channels-last H×W×11 (what the U-Net consumes). */
export function featureStack(
  img: BandImage,
  p: FeatureParams = DEFAULT_FEATURES,
  ranges?: QuantityRanges,
): Float32Array {
  const planes = featurePlanes(img, p, ranges);
  const out = new Float32Array(img.width * img.height * FEATURE_COUNT);
  return interleave(FEATURE_NAMES.map((k) => planes[k]), out);
}

/**
 * Feature stacks of many patches of one size, N×H×W×11 channels-last. With extent `dataset` the
 * min/max are taken over all of them (or over `ranges` when given, e.g. the training set's ranges
 * applied to validation patches).
 */
export function featureBatch(
  images: BandImage[],
  p: FeatureParams = DEFAULT_FEATURES,
  ranges?: QuantityRanges,
): Float32Array {
  if (images.length === 0) return new Float32Array(0);
  const { width, height } = images[0];
  for (const [i, im] of images.entries()) {
    if (im.width !== width || im.height !== height) {
      throw new Error(`featureBatch: image ${i} is ${im.width}×${im.height}, the first is ${width}×${height}`);
    }
  }
  const r = p.extent === "dataset" ? (ranges ?? datasetRanges(images, p)) : ranges;
  const per = width * height * FEATURE_COUNT;
  const out = new Float32Array(images.length * per);
  images.forEach((im, i) => {
    const planes = featurePlanes(im, p, r);
    interleave(FEATURE_NAMES.map((k) => planes[k]), out, i * per);
  });
  return out;
}

/** One channel of a channels-last stack as its own plane (for figures). */
export function channel(stack: Float32Array, pixels: number, channels: number, k: number): Float32Array {
  const out = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) out[i] = stack[i * channels + k];
  return out;
}

/**
 * Per-pixel values of the Fig 7 factors: elevation and slope as stored (m, °), NDVI, NDMI, BSI as
 * computed, and brightness normalised by eq. 1 over the image (Fig 7's "normalised brightness" spans 0–1).
 */
export function factorPlanes(
  img: BandImage,
  p: FeatureParams = DEFAULT_FEATURES,
): { elevation: Float32Array; slope: Float32Array; ndvi: Float32Array; ndmi: Float32Array; brightness: Float32Array; bsi: Float32Array } {
  const ix = computeIndices(img, p);
  return {
    elevation: Float32Array.from(band(img, p.bands.elevation)),
    slope: Float32Array.from(band(img, p.bands.slope)),
    ndvi: ix.ndvi,
    ndmi: ix.ndmi,
    brightness: normaliseMinMax(ix.brightness, finiteRange(ix.brightness), p.epsilon),
    bsi: ix.bsi,
  };
}

/**
 * The 11-feature stack of a scene normalised block by block (`block`×`block` windows, edge blocks
 * smaller), H×W×11 channels-last. A U-Net trained on per-patch normalised L4S patches then sees scene
 * features on the scale it was trained on, as when the study area is cut into 128×128 patches; with
 * normalisation over the whole scene, elevation and slope would sit on a different scale.
 */
export function featureStackBlocks(
  img: BandImage,
  p: FeatureParams = DEFAULT_FEATURES,
  block = 128,
): Float32Array {
  if (!(block >= 1)) throw new Error(`featureStackBlocks: block must be ≥ 1, not ${block}`);
  const { width: W, height: H } = img;
  const out = new Float32Array(W * H * FEATURE_COUNT);
  for (let y0 = 0; y0 < H; y0 += block) {
    for (let x0 = 0; x0 < W; x0 += block) {
      const w = Math.min(block, W - x0);
      const h = Math.min(block, H - y0);
      const bands = img.bands.map((b) => {
        const sub = new Float64Array(w * h);
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) sub[y * w + x] = b[(y0 + y) * W + x0 + x];
        return sub;
      });
      const planes = featurePlanes({ width: w, height: h, bands }, p);
      FEATURE_NAMES.forEach((name, k) => {
        const pl = planes[name];
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) out[((y0 + y) * W + x0 + x) * FEATURE_COUNT + k] = pl[y * w + x];
        }
      });
    }
  }
  return out;
}
