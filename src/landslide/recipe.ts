/**
 * The feature recipe: everything that turns 14 L4S bands into the model's input channels — the band of
 * each feature, the normalisation mode, and what min/max the normalisation takes — as one typed object
 * that training stores with the model (`unet.json`, key `recipe`) and every consumer repeats: `features`,
 * `predict`, notebook inference and tiled scene inference.
 *
 * The normalisation extent is resolved once, at training time, into one of two forms that give the same
 * numbers for a pixel however an image is cut:
 * - `block`: min/max over each `block`×`block` window of the image's own grid. A training patch of
 *   `block` pixels is one window, so a scene normalised by blocks equals the same blocks cut out as
 *   patches; scene inference then runs on tiles aligned to the blocks (a per-patch normalisation over
 *   arbitrary tiles would depend on the tiling);
 * - `ranges`: fixed min/max per quantity — statistics over the training patches (extent `dataset`),
 *   saved here so inference reuses them, or physical bounds (extent `fixed`). Independent of tiling.
 */
import { datasetRanges, FEATURE_COUNT, featureStack, featureStackBlocks, type BandImage, type QuantityRanges } from "./features";
import { FEATURE_NAMES, RANGED_QUANTITIES, type FeatureName, type FeatureParams, type L4SBands, type NormalisationMode } from "./params";
import { FileError } from "../core/errors";

export interface FeatureRecipe {
  version: 1;
  /** Channel order of the model's input. */
  features: FeatureName[];
  bands: L4SBands;
  mode: NormalisationMode;
  extent: "block" | "ranges";
  /** Window side for `block`. */
  block: number;
  /** Min/max per quantity for `ranges`. */
  ranges?: QuantityRanges;
  /** Where `ranges` came from: the training patches (`dataset`) or given bounds (`fixed`). */
  rangesFrom?: "dataset" | "fixed";
  nanFill: number;
  epsilon: number;
  normaliseBsi: boolean;
}

/**
 * The recipe of feature parameters for patches of `patchSize` pixels; extent `dataset` takes its ranges
 * over `images` (the training patches).
 */
export function recipeFromParams(p: FeatureParams, patchSize: number, images: BandImage[] = []): FeatureRecipe {
  const base = { version: 1 as const, features: [...FEATURE_NAMES], bands: { ...p.bands }, mode: p.mode, nanFill: p.nanFill, epsilon: p.epsilon, normaliseBsi: p.normaliseBsi };
  if (p.extent === "patch") return { ...base, extent: "block", block: patchSize };
  if (p.extent === "block") return { ...base, extent: "block", block: p.block };
  if (p.extent === "dataset") {
    if (images.length === 0) throw new Error('feature recipe: extent "dataset" needs the training images to take its ranges over');
    return { ...base, extent: "ranges", block: patchSize, ranges: datasetRanges(images, p), rangesFrom: "dataset" };
  }
  const ranges = {} as QuantityRanges;
  for (const k of RANGED_QUANTITIES) {
    const r = p.fixedRanges[k];
    if (!r) throw new Error(`feature recipe: extent "fixed" but fixedRanges.${k} is not set`);
    ranges[k] = [r[0], r[1]];
  }
  return { ...base, extent: "ranges", block: patchSize, ranges, rangesFrom: "fixed" };
}

/** The feature parameters that compute one block (or, for `ranges`, any image) of a recipe. */
export function recipeParams(r: FeatureRecipe): FeatureParams {
  const common = { bands: r.bands, mode: r.mode, block: r.block, nanFill: r.nanFill, epsilon: r.epsilon, normaliseBsi: r.normaliseBsi };
  return r.extent === "block" ? { ...common, extent: "patch", fixedRanges: {} } : { ...common, extent: "fixed", fixedRanges: { ...r.ranges } };
}

/** The model input of an image of any size under a recipe, channels-last H×W×11. */
export function recipeFeatures(img: BandImage, r: FeatureRecipe): Float32Array {
  const p = recipeParams(r);
  return r.extent === "block" ? featureStackBlocks(img, p, r.block) : featureStack(img, p);
}

/** Features of many same-size images, N×H×W×11 channels-last. */
export function recipeBatch(images: BandImage[], r: FeatureRecipe): Float32Array {
  if (images.length === 0) return new Float32Array(0);
  const per = images[0].width * images[0].height * FEATURE_COUNT;
  const out = new Float32Array(images.length * per);
  images.forEach((im, i) => {
    if (im.width * im.height * FEATURE_COUNT !== per) throw new Error(`recipeBatch: image ${i} is ${im.width}×${im.height}, the first differs`);
    out.set(recipeFeatures(im, r), i * per);
  });
  return out;
}

/** Scene tiles follow the recipe's blocks when normalisation is per block. */
export function tilesAlignToBlocks(r: FeatureRecipe): boolean {
  return r.extent === "block";
}

/** Checks a recipe read from a model folder; `file` names it in errors. */
export function checkRecipe(x: unknown, file: string): FeatureRecipe {
  const r = x as Partial<FeatureRecipe> | null;
  const fail = (why: string): never => {
    throw new FileError(file, `feature recipe: ${why}`);
  };
  if (!r || typeof r !== "object") return fail("missing");
  if (r.version !== 1) fail(`version ${String(r.version)}, expected 1`);
  if (!Array.isArray(r.features) || r.features.some((f) => !(FEATURE_NAMES as readonly string[]).includes(f))) fail("features must list known feature names");
  if (!r.bands || typeof r.bands !== "object") fail("bands missing");
  if (r.mode !== "eq1" && r.mode !== "keras-l4s") fail(`mode ${String(r.mode)}`);
  if (r.extent !== "block" && r.extent !== "ranges") fail(`extent ${String(r.extent)}, expected block or ranges`);
  if (r.extent === "block" && !(Number.isInteger(r.block) && (r.block as number) >= 1)) fail(`block ${String(r.block)}`);
  if (r.extent === "ranges") for (const k of RANGED_QUANTITIES) if (!Array.isArray(r.ranges?.[k])) fail(`ranges.${k} missing`);
  return r as FeatureRecipe;
}
