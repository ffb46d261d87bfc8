import { describe, expect, it } from "vitest";
import {
  FEATURE_NAMES,
  bareSoilIndex,
  brightnessIndex,
  computeIndices,
  datasetRanges,
  featureBatch,
  featurePlanes,
  featureStack,
  fromChannelsLast,
  normalisedDifference,
  type BandImage,
} from "../../src/landslide/features";
import { ZIGUI_LANDSLIDES, type FeatureParams } from "../../src/studies/zigui/landslides";

/** A 2×1 image whose band k (1-based) holds `vals[k]` per pixel. */
function image(vals: Record<number, [number, number]>): BandImage {
  const bands: Float64Array[] = [];
  for (let b = 1; b <= 14; b++) bands.push(Float64Array.from(vals[b] ?? [1, 1]));
  return { width: 2, height: 1, bands };
}

const eq1: FeatureParams = { ...ZIGUI_LANDSLIDES.features, mode: "eq1" };
const keras: FeatureParams = { ...ZIGUI_LANDSLIDES.features, mode: "keras-l4s" };

describe("Table 1 indices", () => {
  it("match hand-computed values with the paper's band numbers", () => {
    // blue=B2, green=B3, red=B4, nir=B8, swir1=B11
    const img = image({ 2: [0.1, 0.2], 3: [0.2, 0.4], 4: [0.3, 0.1], 8: [0.5, 0.7], 11: [0.4, 0.3] });
    const ix = computeIndices(img);
    expect(ix.ndvi[0]).toBeCloseTo((0.5 - 0.3) / 0.8, 6);
    expect(ix.ndvi[1]).toBeCloseTo((0.7 - 0.1) / 0.8, 6);
    expect(ix.ndmi[0]).toBeCloseTo((0.5 - 0.4) / 0.9, 6);
    expect(ix.gndvi[1]).toBeCloseTo((0.7 - 0.4) / 1.1, 6);
    expect(ix.brightness[0]).toBeCloseTo(1.5, 6); // sqrt(0.09/0.04)
    expect(ix.brightness[1]).toBeCloseTo(0.25, 6);
    // ((0.4+0.3) − (0.5+0.1)) / (0.7 + 0.6)
    expect(ix.bsi[0]).toBeCloseTo(0.1 / 1.3, 6);
  });

  it("give 0 where a denominator is zero and never NaN", () => {
    expect(Array.from(normalisedDifference([0, 2], [0, -2]))).toEqual([0, 0]);
    expect(Array.from(brightnessIndex([3, 0], [0, 0]))).toEqual([0, 0]);
    expect(Array.from(bareSoilIndex([0], [0], [0], [0]))).toEqual([0]);
    expect(brightnessIndex([-3], [2])[0]).toBeCloseTo(1.5, 6); // sqrt of squares: |RED/GREEN|
  });

  it("fill NaN inputs with nanFill (1e-6) before computing", () => {
    const img = image({ 4: [NaN, 0.2], 8: [0.5, NaN] });
    const ix = computeIndices(img);
    expect(ix.ndvi[0]).toBeCloseTo((0.5 - 1e-6) / (0.5 + 1e-6), 6);
    expect(ix.ndvi[1]).toBeCloseTo((1e-6 - 0.2) / (1e-6 + 0.2), 6);
    for (const k of ["ndvi", "ndmi", "gndvi", "brightness", "bsi"] as const) {
      for (const v of ix[k]) expect(Number.isFinite(v)).toBe(true);
    }
  });
});

describe("Table 2 stack", () => {
  it("eq. 1 per patch: inverted = 1 − (x − min)/(max − min)", () => {
    const img = image({ 4: [2, 6], 13: [10, 40], 14: [100, 300], 12: [1, 3] });
    const f = featurePlanes(img, eq1);
    expect(Array.from(f.inv_norm_red)).toEqual([1, 0]);
    expect(Array.from(f.inv_norm_slope)).toEqual([1, 0]);
    expect(Array.from(f.inv_norm_elevation)).toEqual([1, 0]);
    expect(Array.from(f.inv_norm_mid_infrared)).toEqual([1, 0]); // Zigui mid-infrared = band 12 (S2 B12)
    // constant green (1, 1): max − min = 0 → normalised 0 → inverted 1
    expect(Array.from(f.inv_norm_green)).toEqual([1, 1]);
    // brightness = red/green = 2, 6 → normalised 0, 1
    expect(Array.from(f.inv_norm_brightness)).toEqual([1, 0]);
  });

  it("keras-l4s: 1 − x/(max/2) with one max for the three visible bands", () => {
    const img = image({ 2: [1, 2], 3: [1, 4], 4: [2, 8], 13: [10, 20], 14: [50, 100] });
    const f = featurePlanes(img, keras);
    // visible max = 8 → half 4
    expect(f.inv_norm_red[0]).toBeCloseTo(1 - 2 / 4, 6);
    expect(f.inv_norm_red[1]).toBeCloseTo(1 - 8 / 4, 6);
    expect(f.inv_norm_green[1]).toBeCloseTo(1 - 4 / 4, 6);
    expect(f.inv_norm_blue[0]).toBeCloseTo(1 - 1 / 4, 6);
    expect(f.inv_norm_slope[0]).toBeCloseTo(1 - 10 / 10, 6);
    expect(f.inv_norm_elevation[0]).toBeCloseTo(1 - 50 / 50, 6);
    // all-zero band: max/2 = 0 → 1
    const z = featurePlanes(image({ 13: [0, 0] }), keras);
    expect(Array.from(z.inv_norm_slope)).toEqual([1, 1]);
  });

  it("feature 11 is 1 − BSI unless normaliseBsi", () => {
    const img = image({ 2: [0.1, 0.2], 4: [0.3, 0.1], 8: [0.5, 0.7], 11: [0.4, 0.3] });
    const bsi = computeIndices(img).bsi;
    const f = featurePlanes(img, eq1);
    expect(f.inv_bsi[0]).toBeCloseTo(1 - bsi[0], 6);
    const g = featurePlanes(img, { ...eq1, normaliseBsi: true });
    expect(Array.from(g.inv_bsi).map((v) => Math.round(v * 1e6) / 1e6)).toEqual(bsi[0] > bsi[1] ? [0, 1] : [1, 0]);
  });

  it("stacks channels-last in Table 2 order", () => {
    const img = image({ 4: [2, 6], 8: [5, 7] });
    const s = featureStack(img, eq1);
    const planes = featurePlanes(img, eq1);
    expect(s.length).toBe(2 * 11);
    FEATURE_NAMES.forEach((name, k) => {
      expect(s[k]).toBe(planes[name][0]);
      expect(s[11 + k]).toBe(planes[name][1]);
    });
    expect(FEATURE_NAMES[3]).toBe("ndvi");
    expect(FEATURE_NAMES[10]).toBe("inv_bsi");
  });

  it("dataset extent takes min/max over every patch; fixed uses the given bounds", () => {
    const a = image({ 4: [2, 4] });
    const b = image({ 4: [6, 10] });
    const p: FeatureParams = { ...eq1, extent: "dataset" };
    const r = datasetRanges([a, b], p);
    expect(r.red).toEqual([2, 10]);
    const batch = featureBatch([a, b], p);
    expect(batch.length).toBe(2 * 2 * 11);
    expect(batch[0]).toBeCloseTo(1 - 0, 6); // red 2 → 0
    expect(batch[2 * 11 + 11]).toBeCloseTo(1 - 1, 6); // patch b, pixel 1: red 10 → 1
    expect(batch[2 * 11]).toBeCloseTo(1 - 0.5, 6); // patch b, pixel 0: red 6 → 0.5
    const fixed: FeatureParams = {
      ...eq1,
      extent: "fixed",
      fixedRanges: { red: [0, 20], green: [0, 1], blue: [0, 1], slope: [0, 90], elevation: [0, 3000], midInfrared: [0, 1], brightness: [0, 10] },
    };
    expect(featurePlanes(a, fixed).inv_norm_red[1]).toBeCloseTo(1 - 0.2, 6);
    expect(() => featurePlanes(a, { ...eq1, extent: "fixed" })).toThrow(/fixedRanges/);
  });

  it("splits channels-last input and rejects the wrong size", () => {
    const data = new Float64Array(2 * 14);
    for (let i = 0; i < 2; i++) for (let c = 0; c < 14; c++) data[i * 14 + c] = 100 * i + c;
    const img = fromChannelsLast(data, 2, 1, 14);
    expect(img.bands[3][1]).toBe(103);
    expect(() => fromChannelsLast(data, 3, 1, 14)).toThrow(/expected 1×3×14/);
  });
});

describe("block-wise scene features", () => {
  it("equal the per-patch stack of each block", async () => {
    const { featureStackBlocks } = await import("../../src/landslide/features");
    const W = 5, H = 3;
    const bands = Array.from({ length: 14 }, (_, b) => Float64Array.from({ length: W * H }, (_, i) => 1 + b + ((i * 7 + b) % 11) / 3));
    const img: BandImage = { width: W, height: H, bands };
    const s = featureStackBlocks(img, ZIGUI_LANDSLIDES.features, 2);
    // block (x0=2, y0=2) is 2×1: pixels (2,2), (3,2)
    const sub: BandImage = { width: 2, height: 1, bands: bands.map((b) => Float64Array.of(b[2 * W + 2], b[2 * W + 3])) };
    const ref = featureStack(sub);
    for (let k = 0; k < 11; k++) {
      expect(s[(2 * W + 2) * 11 + k]).toBeCloseTo(ref[k], 6);
      expect(s[(2 * W + 3) * 11 + k]).toBeCloseTo(ref[11 + k], 6);
    }
    // one block over the whole scene = the whole-scene stack
    const whole = featureStackBlocks(img, ZIGUI_LANDSLIDES.features, 8);
    expect(Array.from(whole)).toEqual(Array.from(featureStack(img)));
  });
});
