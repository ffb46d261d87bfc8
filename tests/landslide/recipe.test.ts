import { describe, expect, it } from "vitest";
import { FEATURE_COUNT, featureStack, type BandImage } from "../../src/landslide/features";
import { DEFAULT_FEATURES } from "../../src/landslide/params";
import { checkRecipe, recipeBatch, recipeFeatures, recipeFromParams, recipeParams } from "../../src/landslide/recipe";
import { Rng } from "../../src/landslide/rng";

function scene(width: number, height: number, seed: number): BandImage {
  const rng = new Rng(seed);
  // Smooth trends plus noise, so that every block has its own min and max.
  const bands = Array.from({ length: 14 }, (_, b) => Float64Array.from({ length: width * height }, (_, i) => 0.5 + 0.01 * b + 0.002 * (i % width) + 0.003 * Math.floor(i / width) + 0.2 * rng.next()));
  return { width, height, bands };
}

function cut(img: BandImage, x0: number, y0: number, w: number, h: number): BandImage {
  return { width: w, height: h, bands: img.bands.map((b) => Float64Array.from({ length: w * h }, (_, i) => b[(y0 + Math.floor(i / w)) * img.width + x0 + (i % w)])) };
}

function window(stack: Float32Array, W: number, x0: number, y0: number, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h * FEATURE_COUNT);
  for (let y = 0; y < h; y++) out.set(stack.subarray(((y0 + y) * W + x0) * FEATURE_COUNT, ((y0 + y) * W + x0 + w) * FEATURE_COUNT), y * w * FEATURE_COUNT);
  return out;
}

describe("feature recipe", () => {
  const img = scene(40, 28, 5);

  it("per-patch training features become per-block scene features: a scene's features equal the same pixels cut out as a patch", () => {
    const r = recipeFromParams({ ...DEFAULT_FEATURES, extent: "patch" }, 8);
    expect(r).toMatchObject({ extent: "block", block: 8 });
    const whole = recipeFeatures(img, r);
    for (const [bx, by] of [[0, 0], [2, 1], [4, 2]]) {
      const patch = cut(img, bx * 8, by * 8, 8, 8);
      // The patch as training saw it: its own min/max (extent "patch").
      expect(Array.from(window(whole, 40, bx * 8, by * 8, 8, 8))).toEqual(Array.from(featureStack(patch, { ...DEFAULT_FEATURES, extent: "patch" })));
      expect(Array.from(recipeFeatures(patch, r))).toEqual(Array.from(window(whole, 40, bx * 8, by * 8, 8, 8)));
    }
    // Edge blocks (40×28 is not a multiple of 8 in y) are their own extent as well.
    expect(Array.from(window(whole, 40, 32, 24, 8, 4))).toEqual(Array.from(featureStack(cut(img, 32, 24, 8, 4), { ...DEFAULT_FEATURES, extent: "patch" })));
  });

  it("dataset statistics are saved in the recipe and make features independent of how the scene is cut", () => {
    const patches = [cut(img, 0, 0, 8, 8), cut(img, 8, 8, 8, 8), cut(img, 24, 16, 8, 8)];
    const r = recipeFromParams({ ...DEFAULT_FEATURES, extent: "dataset" }, 8, patches);
    expect(r.extent).toBe("ranges");
    expect(r.rangesFrom).toBe("dataset");
    const stored = checkRecipe(JSON.parse(JSON.stringify(r)), "unet.json");
    const whole = recipeFeatures(img, stored);
    for (const [x0, y0, w, h] of [[3, 5, 11, 7], [20, 0, 20, 28]]) {
      expect(Array.from(recipeFeatures(cut(img, x0, y0, w, h), stored))).toEqual(Array.from(window(whole, 40, x0, y0, w, h)));
    }
    // Training features under the recipe are those of eq. 1 with the data-set ranges.
    expect(Array.from(recipeBatch(patches, r).subarray(0, 64 * FEATURE_COUNT))).toEqual(Array.from(featureStack(patches[0], recipeParams(r))));
  });

  it("records the band of feature 9 and refuses a malformed stored recipe by file", () => {
    const r = recipeFromParams({ ...DEFAULT_FEATURES, bands: { ...DEFAULT_FEATURES.bands, midInfrared: 12 } }, 128);
    expect(r.bands.midInfrared).toBe(12);
    expect(() => checkRecipe({ ...r, extent: "tiles" }, "m/unet.json")).toThrow(/m\/unet\.json: feature recipe: extent tiles/);
    expect(() => checkRecipe({ ...r, extent: "ranges" }, "m/unet.json")).toThrow(/ranges\.red missing/);
  });
});
