/**
 * The Zigui landslide study (Yin, Liu, He 2025, South China Geology 41(2):263–276;
 * `../shared/seeds/000_e96a110c36bb909b.txt`, summarised in `../shared/PAPERS.md`): only the values the
 * paper fixes (or the choices this reproduction makes for it), each with its source, over the generic
 * defaults of src/landslide/params.ts. Notebooks 10–12 and `npm run landslide` read the resolved objects
 * from here. Values the paper reports are facts to compare a run against (`ZIGUI_PAPER_VALUES`), never
 * numbers to print as results.
 */
import { withOverrides, type StudyOverrides } from "../../core/params";
import {
  FEATURE_SCHEMA,
  L4S_BANDS_SCHEMA,
  POLYGON_SCHEMA,
  SCENE_SCHEMA,
  UNET_SCHEMA,
  type DamParams,
  type FactorName,
  type FactorRange,
  type FeatureOptions,
  type FeatureParams,
  type L4SBands,
  type PolygonParams,
  type SceneParams,
  type UNetParams,
} from "../../landslide/params";

export {
  FEATURE_LABELS,
  FEATURE_NAMES,
  type FeatureName,
  type FeatureParams,
  type NormalisationExtent,
  type NormalisationMode,
  type RangedQuantity,
  type L4SBands,
  type UNetParams,
  type DamParams,
  type FactorName,
  type FactorRange,
  type PolygonParams,
  type S2Scale,
  type SceneParams,
} from "../../landslide/params";

export const ZIGUI_BAND_OVERRIDES: StudyOverrides<L4SBands> = {
  blue: { value: 2, source: 'Table 1, BSI: "BLUE is the 2nd channel"' },
  green: { value: 3, source: 'Table 1, GNDVI/BRIGHTNESS: "GREEN is the 3rd channel"' },
  red: { value: 4, source: 'Table 1, NDVI: "RED is the 4th channel"' },
  nir: { value: 8, source: 'Table 1, NDVI: "NIR is the 8th channel"' },
  swir1: { value: 11, source: 'Table 1, NDMI: "SWIR1 is the 11th channel"' },
  // Not stated. Table 2 row 9 says the mid-infrared band serves "atmospheric correction and cloud
  // detection, e.g. cirrus", which is Sentinel-2 B10 (1375 nm) = L4S channel 10; B12 (2190 nm) is the
  // other reading (docs/landslide-model.md compares them on real patches).
  midInfrared: { value: 10, source: "Table 2 row 9 (paper-text reading: 'cirrus' = S2 B10)" },
  slope: { value: 13, source: "§1.2 / L4S: channel 13 slope (ALOS PALSAR)" },
  elevation: { value: 14, source: "§1.2 / L4S: channel 14 DEM (ALOS PALSAR)" },
};

export const ZIGUI_FEATURE_OVERRIDES: StudyOverrides<FeatureOptions> = {
  mode: { value: "keras-l4s", source: "§3.1: P/R/F1 0.80/0.60/0.70 match the public Keras L4S notebook (max/2 per patch); eq. 1 (§2.2) is offered as eq1" },
  extent: { value: "patch", source: "choice: §2.2 says only 'minimum of the data set'; per patch is what eq. 1 per tile and the Keras notebook do" },
  normaliseBsi: { value: false, source: 'Table 2 row 11: "inverted BSI" without "normalised"' },
};

export const ZIGUI_UNET_OVERRIDES: StudyOverrides<UNetParams> = {
  patchSize: { value: 128, source: "§1.2 (L4S 128×128 patches), Fig 1 output (None,128,128,1)" },
  inputChannels: { value: 11, source: "Table 2: 11 features" },
  encoderFilters: { value: [16, 32, 64, 128, 256], source: "Fig 1 architecture (1,942,257 parameters with 11 inputs)" },
  encoderDropout: { value: [0.1, 0.1, 0.2, 0.2, 0.3], source: "Fig 1 architecture (Keras L4S notebook U-Net)" },
  decoderDropout: { value: [0.2, 0.2, 0.1, 0.1], source: "Fig 1 architecture (Keras L4S notebook U-Net)" },
  kernelSize: { value: 3, source: "Fig 1: conv 3×3, same padding" },
  activation: { value: "relu", source: "Fig 1" },
  kernelInitializer: { value: "heNormal", source: "Fig 1 architecture (Keras L4S notebook)" },
  learningRate: { value: 1e-3, source: "§3.1 training (Adam, Keras default 1e-3)" },
  loss: { value: "binaryCrossentropy", source: "§3.1 loss curve (Fig 3a)" },
  batchSize: { value: 16, source: "§3.1 training setup (Keras L4S notebook)" },
  epochs: { value: 100, source: "§3.1 / Fig 3: curves to 100 epochs, stable after ≈20" },
  threshold: { value: 0.5, source: "§3.1 prediction mask (Fig 4a)" },
  validationFraction: { value: 0.2, source: "not stated; Keras L4S notebook uses train_test_split(test_size=0.2)" },
};

export const ZIGUI_POLYGON_OVERRIDES: StudyOverrides<PolygonParams> = {
  minAreaM2: { value: 900, source: "not stated; 9 pixels at 10 m (L4S / Sentinel-2 resolution, §1.2)" },
  connectivity: { value: 8, source: "not stated; diagonal neighbours form one body" },
};

export const ZIGUI_SCENE_OVERRIDES: StudyOverrides<SceneParams> = {
  // The model is trained on the released L4S patches, so the scene's bands must be on their scale: the
  // L4S maintainers say the 14 released bands are "simply divided by a mean vector" (iarai/Landslide4Sense-
  // 2022, issues #2 and #4, Y. Xu, 2022); the 15 mirrored patches agree (docs/DATA.md, "Zigui study scene").
  s2Scale: { value: "l4s", source: "not stated (§2.2 names the data, not their scale); the training patches' scale" },
  pixelM: { value: 10, source: "§1.2: L4S bands at ~10 m; Sentinel-2 B2/B3/B4/B8 native 10 m" },
};

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
    ...withOverrides(FEATURE_SCHEMA, ZIGUI_FEATURE_OVERRIDES),
    bands: withOverrides(L4S_BANDS_SCHEMA, ZIGUI_BAND_OVERRIDES),
    fixedRanges: {},
  },
  unet: withOverrides(UNET_SCHEMA, ZIGUI_UNET_OVERRIDES),
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
  polygons: withOverrides(POLYGON_SCHEMA, ZIGUI_POLYGON_OVERRIDES),
  bbox: { west: 110.3, south: 30.6333, east: 111.0, north: 31.1833 }, // §1.1: 110°18′–111°0′E, 30°38′–31°11′N
  utmEpsg: 32649, // WGS 84 / UTM 49N, the zone of 108–114°E
  scene: withOverrides(SCENE_SCHEMA, ZIGUI_SCENE_OVERRIDES),
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
