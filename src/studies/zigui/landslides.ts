/**
 * Every parameter of the Zigui landslide study (Yin, Liu, He 2025, South China Geology 41(2):263–276;
 * `../shared/seeds/000_e96a110c36bb909b.txt`, summarised in `../shared/PAPERS.md`), in one place.
 * Notebooks 10–12 and `npm run landslide` read their defaults from here. Values the paper reports are
 * facts to compare a run against (`ZIGUI_PAPER_VALUES`), never numbers to print as results.
 */

/** 1-based Landslide4Sense band numbers (Ghorbanzadeh et al. 2022; paper §1.2 and Table 1). */
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

/**
 * How eq. 1's x_min/x_max are taken. The paper says only "x_min is the minimum of the data set"
 * (§2.2, after eq. 1), which leaves open whether that is each patch, the whole data set or fixed
 * physical bounds.
 * - `patch`: min/max of each patch (or scene) on its own;
 * - `dataset`: min/max over every patch passed together (see `datasetRanges` in src/landslide/features);
 * - `fixed`: the bounds given in `fixedRanges`.
 */
export type NormalisationExtent = "patch" | "dataset" | "fixed";

/**
 * Which normalisation produces the "inverted normalised" features.
 * - `eq1`: the paper's eq. 1, x_norm = (x − min)/(max − min), inverted = 1 − x_norm;
 * - `keras-l4s`: the public Keras Landslide4Sense notebook the paper's numbers match: per patch
 *   1 − x/(max/2), with one max shared by the three visible bands, NaN replaced by 1e-6 first.
 */
export type NormalisationMode = "eq1" | "keras-l4s";

/** The quantities whose min/max eq. 1 needs. */
export type RangedQuantity = "red" | "green" | "blue" | "slope" | "elevation" | "midInfrared" | "brightness";

export interface FeatureParams {
  bands: L4SBands;
  mode: NormalisationMode;
  extent: NormalisationExtent;
  /** Bounds for `extent: "fixed"`, per quantity, [min, max]. */
  fixedRanges: Partial<Record<RangedQuantity, [number, number]>>;
  /** Value that NaN input samples are replaced with before any feature is computed. */
  nanFill: number;
  /** |denominator| below this counts as zero in ratios and normalised differences. */
  epsilon: number;
  /** Feature 11: true normalises BSI by eq. 1 before inverting; false inverts raw BSI (1 − BSI). */
  normaliseBsi: boolean;
}

/** Table 2 feature names in the paper's order (features a–k of Fig 2). */
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

/** Human labels of Table 2 / Fig 2 (a–k). */
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

export interface UNetParams {
  /** Input patch size (L4S patches are 128×128; paper Fig 1 output (None,128,128,1)). */
  patchSize: number;
  /** Input channels: the 11 features of Table 2. */
  inputChannels: number;
  /** Filters per encoder level; the bottleneck is the last. */
  encoderFilters: number[];
  /** Dropout after the first conv of each encoder level (bottleneck last). */
  encoderDropout: number[];
  /** Dropout after the first conv of each decoder level, deepest first. */
  decoderDropout: number[];
  kernelSize: number;
  activation: "relu";
  kernelInitializer: "heNormal";
  learningRate: number;
  loss: "binaryCrossentropy";
  batchSize: number;
  epochs: number;
  /** Probability above which a pixel is a landslide. */
  threshold: number;
  /** Share of patches held out for validation (L4S ships 3799 train / 245 validation: ≈ 6 %). */
  validationFraction: number;
  seed: number;
}

export interface DamParams {
  /** Three Gorges Dam (PAPERS.md reference point; ../shared/data/zigui/reference_points.geojson). */
  lon: number;
  lat: number;
  /** Table 3 bin edges in km: <10, 10–20, …, 50–60. */
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

export interface PolygonParams {
  /** Smallest polygon kept, in m² (paper: not stated; 3×3 pixels at 10 m removes speckle). */
  minAreaM2: number;
  /** Pixel connectivity of a landslide body: 8 joins diagonal neighbours, 4 does not (not stated). */
  connectivity: 4 | 8;
}

/**
 * Value scale of the 12 Sentinel-2 bands of the assembled study scene (src/landslide/scene.ts).
 * - `l4s`: as in the released Landslide4Sense patches the U-Net is trained on: top-of-atmosphere
 *   reflectance × 10000 (the L1C DN of products before processing baseline 04.00) divided by the L4S
 *   per-band mean (`l4sBandMeans`), so values sit around 1;
 * - `reflectance`: top-of-atmosphere reflectance, 0–1.
 */
export type S2Scale = "l4s" | "reflectance";

/** How the 14-band study scene is assembled from Sentinel-2 L1C products and the ALOS DEM. */
export interface SceneParams {
  s2Scale: S2Scale;
  /**
   * The divisors of the released L4S bands 1–14 (S2 B1–B12 in DN, slope °, DEM m). The scene divides
   * the S2 bands by the first 12 under `s2Scale: "l4s"`; slope and DEM stay in ° and m (below).
   */
  l4sBandMeans: number[];
  /** Output pixel size in metres, on the study UTM grid. */
  pixelM: number;
  /** Resampling of the 20 m and 60 m Sentinel-2 bands onto the output grid (the DEM is always bilinear). */
  resampling: "bilinear" | "nearest";
  /** Largest share of the study grid a band may leave without data (NaN) before assembly fails. */
  maxUncoveredFraction: number;
}

export interface ZiguiLandslideParams {
  features: FeatureParams;
  unet: UNetParams;
  dam: DamParams;
  /** Fig 7 axes: the ranges the paper's curves span. */
  factorRanges: Record<FactorName, FactorRange>;
  polygons: PolygonParams;
  /** Study area bbox, WGS-84 (§1.1: 110°18′–111°0′E, 30°38′–31°11′N). */
  bbox: { west: number; south: number; east: number; north: number };
  /** UTM zone of the study area (zone 49N, EPSG:32649, covers 108–114°E). */
  utmEpsg: number;
  scene: SceneParams;
}

export const ZIGUI_LANDSLIDES: ZiguiLandslideParams = {
  features: {
    bands: {
      blue: 2, // Table 1, BSI: "BLUE is the 2nd channel"
      green: 3, // Table 1, GNDVI/BRIGHTNESS: "GREEN is the 3rd channel"
      red: 4, // Table 1, NDVI: "RED is the 4th channel"
      nir: 8, // Table 1, NDVI: "NIR is the 8th channel"
      swir1: 11, // Table 1, NDMI: "SWIR1 is the 11th channel"
      // Not stated. Table 2 row 9 says the mid-infrared band serves "atmospheric correction and cloud
      // detection, e.g. cirrus", which is Sentinel-2 B10 (1375 nm, SWIR-cirrus) = L4S channel 10.
      // B11 (1610 nm) or B12 (2190 nm) are the other readings; a parameter.
      midInfrared: 10,
      slope: 13, // §1.2 / L4S: channel 13 slope (ALOS PALSAR)
      elevation: 14, // §1.2 / L4S: channel 14 DEM (ALOS PALSAR)
    },
    // The paper's numbers (P/R/F1 0.80/0.60/0.70, §3.1) match the public Keras L4S notebook, which
    // normalises per patch by max/2; eq. 1 (§2.2) is offered as `eq1`.
    mode: "keras-l4s",
    // Not stated (§2.2 "minimum of the data set"); per patch is what both eq. 1 per tile and the
    // Keras notebook do, and it needs no pass over the data set before inference.
    extent: "patch",
    fixedRanges: {},
    nanFill: 1e-6, // Keras L4S notebook: data[np.isnan(data)] = 0.000001
    epsilon: 1e-12, // numerical zero for ratios; documented choice
    normaliseBsi: false, // Table 2 row 11 says "inverted BSI" without "normalised"
  },
  unet: {
    patchSize: 128, // §1.2 (L4S 128×128 patches), Fig 1 output (None,128,128,1)
    inputChannels: 11, // Table 2: 11 features
    encoderFilters: [16, 32, 64, 128, 256], // Fig 1 architecture (1,942,257 parameters with 11 inputs)
    encoderDropout: [0.1, 0.1, 0.2, 0.2, 0.3], // Fig 1 architecture (Keras L4S notebook U-Net)
    decoderDropout: [0.2, 0.2, 0.1, 0.1], // Fig 1 architecture (Keras L4S notebook U-Net)
    kernelSize: 3, // Fig 1: conv 3×3, same padding
    activation: "relu", // Fig 1
    kernelInitializer: "heNormal", // Fig 1 architecture (Keras L4S notebook)
    learningRate: 1e-3, // §3.1 training (Adam, Keras default 1e-3)
    loss: "binaryCrossentropy", // §3.1 loss curve (Fig 3a)
    batchSize: 16, // §3.1 training setup (Keras L4S notebook)
    epochs: 100, // §3.1 / Fig 3: curves to 100 epochs, stable after ≈20
    threshold: 0.5, // §3.1 prediction mask (Fig 4a)
    validationFraction: 0.2, // not stated; Keras L4S notebook uses train_test_split(test_size=0.2)
    seed: 42, // not stated; any fixed seed
  },
  dam: {
    lon: 111.00367, // PAPERS.md reference point: Three Gorges Dam
    lat: 30.82386, // PAPERS.md reference point: Three Gorges Dam
    binEdgesKm: [0, 10, 20, 30, 40, 50, 60], // Table 3 columns
  },
  factorRanges: {
    // Fig 7 axes as the text of §3.2 describes them; bin widths are ours (not stated).
    elevation: { min: 0, max: 2000, binWidth: 100, unit: "m", label: "elevation" }, // §3.2: peaks 0–200, rises 500–1500, falls 1500–1700 m
    slope: { min: 0, max: 60, binWidth: 5, unit: "°", label: "slope" }, // §3.2: few <10° and >45°, rises 10–30°, falls 30–45°
    ndvi: { min: 0, max: 0.35, binWidth: 0.025, unit: "", label: "NDVI" }, // §3.2: rises 0–0.17, falls 0.17–0.3
    ndmi: { min: 0, max: 0.6, binWidth: 0.04, unit: "", label: "NDMI" }, // §3.2: rises 0–0.43, falls 0.43–0.52
    brightness: { min: 0, max: 1, binWidth: 0.05, unit: "", label: "normalised brightness" }, // §3.2: rises 0–0.92, flat 0.92–1
    bsi: { min: 0, max: 0.8, binWidth: 0.05, unit: "", label: "BSI" }, // §3.2: rises 0–0.64, falls 0.64–0.8
  },
  polygons: {
    minAreaM2: 900, // not stated; 9 pixels at 10 m (L4S / Sentinel-2 resolution, §1.2)
    connectivity: 8, // not stated
  },
  bbox: { west: 110.3, south: 30.6333, east: 111.0, north: 31.1833 }, // §1.1: 110°18′–111°0′E, 30°38′–31°11′N
  utmEpsg: 32649, // WGS 84 / UTM 49N, the zone of 108–114°E
  scene: {
    // Not stated in the paper (§2.2 names the data, not their scale). The model is trained on the
    // released L4S patches, so the scene's bands must be on their scale: the L4S maintainers say the
    // 14 released bands are "simply divided by a mean vector" (iarai/Landslide4Sense-2022, GitHub
    // issues #2 and #4, Y. Xu, 2022). The 15 mirrored patches agree (docs/DATA.md, "Zigui study
    // scene"): band values sit around 1, and median × mean gives L1C-like TOA DN (B2 ≈ 710; B10, the
    // cirrus band that L2A products drop, ≈ 13), slope ≈ 31° and elevation ≈ 2250 m. The ratio indices of
    // Table 1 (NDVI, NDMI, GNDVI, BSI) change with per-band scaling, so the scale reaches the model.
    s2Scale: "l4s",
    // iarai/Landslide4Sense-2022 issues #2/#4: img_mean, bands 1–14 (S2 B1–B12 DN, slope °, DEM m)
    l4sBandMeans: [
      1111.81236406, 824.63171476, 663.41636217, 445.17289745, 645.8582926, 1547.73508126, 1960.44401001,
      1941.32229668, 674.07572865, 9.04787384, 1113.98338755, 519.90397929, 20.29228266, 772.83144788,
    ],
    // Slope and DEM stay in ° and m: every feature normalises them per patch (scale-free, §2.2 eq. 1 and
    // the Keras L4S max/2), and Fig 7 reads them in ° and m.
    pixelM: 10, // §1.2: L4S bands at ~10 m; Sentinel-2 B2/B3/B4/B8 native 10 m
    resampling: "bilinear", // not stated; bilinear for the 20/60 m bands (nearest available)
    maxUncoveredFraction: 0, // not stated; the study area must be covered in full unless the user relaxes it
  },
};

/** Values the paper reports, to set beside a run's with `paperVsRun`. */
export const ZIGUI_PAPER_VALUES = {
  /** §3.1: U-Net precision, recall, F1 on the validation data. */
  precision: 0.8,
  recall: 0.6,
  f1: 0.7,
  /** §3.1 / Fig 3: metrics settle after about this many epochs. */
  epochsToConverge: 20,
  /** §3.2 / Fig 5: landslides identified in the county and their total area. */
  landslideCount: 287,
  landslideAreaKm2: 5.97,
  /** Table 3: landslides per distance bin to the dam, km bins of `dam.binEdgesKm`. */
  table3Counts: [25, 47, 73, 54, 58, 30],
  table3Total: 287,
  /** §3.2 / Fig 7 turning points of the frequency curves. */
  fig7: {
    elevationPeakM: [0, 200],
    slopePeakDeg: 30,
    ndviPeak: 0.17,
    ndmiPeak: 0.43,
    brightnessPlateau: 0.92,
    bsiPeak: 0.64,
  },
  /** Fig 6: the 12 surveyed landslides shown with identified polygons (§3.2). */
  fig6Landslides: [
    "Tianjiapo",
    "Tanjiahe",
    "Woshaxi",
    "Shangxiaoren",
    "Baishuihe",
    "Yangjiatuo",
    "Zhangjiawan",
    "Bazimen",
    "Yangjiaping",
    "Shuping",
    "Baijiabao",
    "Xiaxihe",
  ],
} as const;
