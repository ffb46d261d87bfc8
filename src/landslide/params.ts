/**
 * The parameters of the landslide area, each declared once with its generic default, range and meaning
 * (src/core/params.ts). Generic defaults are the Landslide4Sense conventions (Ghorbanzadeh et al. 2022)
 * and the public Keras L4S U-Net notebook; a study (src/studies/zigui/landslides.ts) overrides only
 * what its paper states, with the paper's section.
 */
import { defaultsOf, type ParamSchema, type ParamSpec } from "../core/params";

// ---------------------------------------------------------------- bands

/** 1-based Landslide4Sense band numbers (1–12 Sentinel-2 B1–B12 without B8A, 13 slope, 14 DEM). */
export interface L4SBands {
  blue: number;
  green: number;
  red: number;
  nir: number;
  swir1: number;
  midInfrared: number;
  slope: number;
  elevation: number;
}

const band = (d: number, description: string, source: string): ParamSpec<number> => ({
  kind: "integer",
  default: d,
  description,
  source,
  min: 1,
  max: 14,
  group: "bands (1-based L4S channel)",
});

export const L4S_BANDS_SCHEMA: ParamSchema<L4SBands> = {
  blue: band(2, "blue band (S2 B2)", "L4S band order"),
  green: band(3, "green band (S2 B3)", "L4S band order"),
  red: band(4, "red band (S2 B4)", "L4S band order"),
  nir: band(8, "near-infrared band (S2 B8)", "L4S band order"),
  swir1: band(11, "SWIR-1 band (S2 B11, 1610 nm)", "L4S band order"),
  midInfrared: band(
    10,
    "band of feature 9 'inverted normalised mid-infrared': 10 = S2 B10 cirrus (1375 nm), 12 = S2 B12 SWIR-2 (2190 nm)",
    "choice: B10 is the paper-text reading; see docs/landslide-model.md for the measured B10/B12 comparison",
  ),
  slope: band(13, "slope band (°)", "L4S band order"),
  elevation: band(14, "elevation band (m)", "L4S band order"),
};

// ---------------------------------------------------------------- features

/**
 * Where eq. 1's x_min/x_max (or the Keras max) come from:
 * - `patch`: each image passed on its own (a patch, or a whole scene);
 * - `block`: each `block`×`block` window of the image's own grid, so a scene normalised by blocks equals
 *   the same blocks cut out as patches (the extent the training patches had);
 * - `dataset`: statistics over the training patches, saved with the model and reused at inference;
 * - `fixed`: physical bounds given in `fixedRanges`.
 */
export type NormalisationExtent = "patch" | "block" | "dataset" | "fixed";

/**
 * - `eq1`: x_norm = (x − min)/(max − min), inverted = 1 − x_norm (paper eq. 1);
 * - `keras-l4s`: per image 1 − x/(max/2), one max shared by the three visible bands, NaN → 1e-6 first.
 */
export type NormalisationMode = "eq1" | "keras-l4s";

/** The quantities whose min/max the normalisation needs. */
export type RangedQuantity = "red" | "green" | "blue" | "slope" | "elevation" | "midInfrared" | "brightness";
export const RANGED_QUANTITIES: readonly RangedQuantity[] = ["red", "green", "blue", "slope", "elevation", "midInfrared", "brightness"];

/** The scalar feature settings (bands and ranges are structured, see FeatureParams). */
export interface FeatureOptions {
  mode: NormalisationMode;
  extent: NormalisationExtent;
  /** Window side for extent `block`. */
  block: number;
  nanFill: number;
  epsilon: number;
  normaliseBsi: boolean;
}

export const FEATURE_SCHEMA: ParamSchema<FeatureOptions> = {
  mode: { kind: "enum", values: ["keras-l4s", "eq1"], default: "keras-l4s", description: "normalisation of the 'inverted normalised' features", source: "Keras L4S notebook", group: "features" },
  extent: { kind: "enum", values: ["patch", "block", "dataset", "fixed"], default: "patch", description: "what min/max are taken over", source: "Keras L4S notebook (per patch)", group: "features" },
  block: { kind: "integer", default: 128, min: 1, unit: "px", description: "window side for extent block", source: "L4S patch size", group: "features" },
  nanFill: { kind: "number", default: 1e-6, description: "value NaN input samples are replaced with", source: "Keras L4S notebook: data[np.isnan(data)] = 0.000001", group: "features" },
  epsilon: { kind: "number", default: 1e-12, min: 0, description: "|denominator| below this counts as zero", source: "choice: numerical zero", group: "features" },
  normaliseBsi: { kind: "boolean", default: false, description: "normalise BSI by eq. 1 before inverting", source: "choice: 'inverted BSI' without 'normalised'", group: "features" },
};

export interface FeatureParams extends FeatureOptions {
  bands: L4SBands;
  /** Bounds for extent `fixed`, per quantity, [min, max]. */
  fixedRanges: Partial<Record<RangedQuantity, [number, number]>>;
}

export const DEFAULT_FEATURES: FeatureParams = { ...defaultsOf(FEATURE_SCHEMA), bands: defaultsOf(L4S_BANDS_SCHEMA), fixedRanges: {} };

/** The 11 model inputs (Table 2 of the Zigui paper, features a–k of its Fig 2), in channel order. */
export const FEATURE_NAMES = [
  "inv_norm_red",
  "inv_norm_green",
  "inv_norm_blue",
  "ndvi",
  "inv_norm_slope",
  "inv_norm_elevation",
  "ndmi",
  "gndvi",
  "inv_norm_mid_infrared",
  "inv_norm_brightness",
  "inv_bsi",
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

export const FEATURE_LABELS: Record<FeatureName, string> = {
  inv_norm_red: "a. inverted normalised red",
  inv_norm_green: "b. inverted normalised green",
  inv_norm_blue: "c. inverted normalised blue",
  ndvi: "d. NDVI",
  inv_norm_slope: "e. inverted normalised slope",
  inv_norm_elevation: "f. inverted normalised elevation",
  ndmi: "g. NDMI",
  gndvi: "h. GNDVI",
  inv_norm_mid_infrared: "i. inverted normalised mid-infrared",
  inv_norm_brightness: "j. inverted normalised brightness",
  inv_bsi: "k. inverted BSI",
};

// ---------------------------------------------------------------- U-Net and training

export interface UNetParams {
  patchSize: number;
  inputChannels: number;
  encoderFilters: number[];
  encoderDropout: number[];
  decoderDropout: number[];
  kernelSize: number;
  activation: "relu";
  kernelInitializer: "heNormal";
  learningRate: number;
  loss: "binaryCrossentropy";
  batchSize: number;
  epochs: number;
  threshold: number;
  validationFraction: number;
  seed: number;
}

const K = "Keras L4S notebook U-Net";
export const UNET_SCHEMA: ParamSchema<UNetParams> = {
  patchSize: { kind: "integer", default: 128, min: 8, unit: "px", description: "input patch side", source: "L4S 128×128 patches", group: "architecture" },
  inputChannels: { kind: "integer", default: 11, min: 1, description: "input feature channels", source: "the 11 features", group: "architecture" },
  encoderFilters: { kind: "integers", default: [16, 32, 64, 128, 256], min: 1, description: "filters per encoder level, the bottleneck last", source: K, group: "architecture" },
  encoderDropout: { kind: "numbers", default: [0.1, 0.1, 0.2, 0.2, 0.3], min: 0, max: 0.99, description: "dropout after the first conv of each encoder level", source: K, group: "architecture" },
  decoderDropout: { kind: "numbers", default: [0.2, 0.2, 0.1, 0.1], min: 0, max: 0.99, description: "dropout after the first conv of each decoder level, deepest first", source: K, group: "architecture" },
  kernelSize: { kind: "integer", default: 3, min: 1, description: "convolution kernel side (same padding)", source: K, group: "architecture" },
  activation: { kind: "enum", values: ["relu"], default: "relu", description: "hidden activation", source: K, group: "architecture" },
  kernelInitializer: { kind: "enum", values: ["heNormal"], default: "heNormal", description: "conv initialiser (Keras he_normal: truncated normal)", source: K, group: "architecture" },
  learningRate: { kind: "number", default: 1e-3, min: 0, description: "Adam learning rate", source: "Keras Adam default", group: "training" },
  loss: { kind: "enum", values: ["binaryCrossentropy"], default: "binaryCrossentropy", description: "training loss", source: K, group: "training" },
  batchSize: { kind: "integer", default: 16, min: 1, description: "patches per training step", source: K, group: "training" },
  epochs: { kind: "integer", default: 100, min: 1, description: "training epochs", source: K, group: "training" },
  threshold: { kind: "number", default: 0.5, min: 0, max: 1, description: "probability above which a pixel is a landslide", source: "Keras K.round", group: "inference" },
  validationFraction: { kind: "number", default: 0.2, min: 0, max: 0.9, description: "share of patches held out for validation (0: train on all, no best-by-validation model)", source: "Keras L4S notebook train_test_split(test_size=0.2)", group: "training" },
  seed: { kind: "integer", default: 42, min: 0, description: "seed of split, initialisation, batch order and dropout", source: "choice: any fixed seed", group: "training" },
};

export const DEFAULT_UNET: UNetParams = defaultsOf(UNET_SCHEMA);

// ---------------------------------------------------------------- inference

export interface InferenceParams {
  /** Tile overlap in pixels; 0 = a quarter of the tile. */
  overlap: number;
  /** Tiles per forward pass. */
  batch: number;
}

export const INFERENCE_SCHEMA: ParamSchema<InferenceParams> = {
  overlap: { kind: "integer", default: 0, min: 0, unit: "px", description: "overlap of neighbouring scene tiles (0: a quarter of the tile; block-normalised recipes keep tiles on the block grid)", source: "choice", group: "inference" },
  batch: { kind: "integer", default: 8, min: 1, description: "tiles or patches per forward pass", source: "choice: memory", group: "inference" },
};

export const DEFAULT_INFERENCE: InferenceParams = defaultsOf(INFERENCE_SCHEMA);

// ---------------------------------------------------------------- polygons

export interface PolygonParams {
  /** Smallest polygon kept, in m². */
  minAreaM2: number;
  /** Pixel connectivity of a landslide body: 8 joins diagonal neighbours, 4 does not. */
  connectivity: 4 | 8;
}

export const POLYGON_SCHEMA: ParamSchema<PolygonParams> = {
  minAreaM2: { kind: "number", default: 900, min: 0, unit: "m²", description: "smallest polygon kept", source: "choice: 3×3 pixels at 10 m removes speckle", group: "polygons" },
  connectivity: { kind: "integer", default: 8, min: 4, max: 8, description: "pixel connectivity of one landslide (4 or 8)", source: "choice", group: "polygons" },
};

export const DEFAULT_POLYGONS: PolygonParams = defaultsOf(POLYGON_SCHEMA);

// ---------------------------------------------------------------- study-area values (types only)

export interface DamParams {
  lon: number;
  lat: number;
  /** Distance bin edges in km. */
  binEdgesKm: number[];
}

export type FactorName = "elevation" | "slope" | "ndvi" | "ndmi" | "brightness" | "bsi";

export interface FactorRange {
  min: number;
  max: number;
  binWidth: number;
  unit: string;
  label: string;
}

// ---------------------------------------------------------------- scene assembly

/**
 * Value scale of the 12 Sentinel-2 bands of an assembled scene.
 * - `l4s`: as the released Landslide4Sense patches: TOA reflectance × 10000 divided by the L4S per-band
 *   mean (`l4sBandMeans`), so values sit around 1;
 * - `reflectance`: TOA reflectance, 0–1.
 */
export type S2Scale = "l4s" | "reflectance";

export interface SceneParams {
  s2Scale: S2Scale;
  /** Divisors of the released L4S bands 1–14 (S2 B1–B12 in DN, slope °, DEM m). */
  l4sBandMeans: number[];
  pixelM: number;
  resampling: "bilinear" | "nearest";
  maxUncoveredFraction: number;
}

export const SCENE_SCHEMA: ParamSchema<SceneParams> = {
  s2Scale: { kind: "enum", values: ["l4s", "reflectance"], default: "l4s", description: "value scale of the Sentinel-2 bands", source: "the L4S training patches' scale", group: "scene" },
  l4sBandMeans: {
    kind: "numbers",
    default: [
      1111.81236406, 824.63171476, 663.41636217, 445.17289745, 645.8582926, 1547.73508126, 1960.44401001, 1941.32229668, 674.07572865, 9.04787384,
      1113.98338755, 519.90397929, 20.29228266, 772.83144788,
    ],
    min: 0,
    description: "L4S per-band divisors, bands 1–14",
    source: "iarai/Landslide4Sense-2022 issues #2/#4: img_mean",
    group: "scene",
  },
  pixelM: { kind: "number", default: 10, min: 0, unit: "m", description: "output pixel size", source: "Sentinel-2 10 m bands", group: "scene" },
  resampling: { kind: "enum", values: ["bilinear", "nearest"], default: "bilinear", description: "resampling of the 20/60 m bands (the DEM is always bilinear)", source: "choice", group: "scene" },
  maxUncoveredFraction: { kind: "number", default: 0, min: 0, max: 1, description: "share of the grid a band may leave without data", source: "choice: full coverage unless relaxed", group: "scene" },
};

export const DEFAULT_SCENE: SceneParams = defaultsOf(SCENE_SCHEMA);
