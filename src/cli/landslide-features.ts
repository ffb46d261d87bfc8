/**
 * `npm run landslide -- features --input <patch.h5 | scene.tif> --out <file.tif>`: the 11 model-input
 * features as a float32 GeoTIFF (band names set, georeference copied from a GeoTIFF input) that QGIS
 * opens, made by a feature recipe (src/landslide/recipe.ts): a trained model's (`--model`) or the one the
 * Zigui study's feature parameters give, with `--param` changes.
 */
import { extname } from "node:path";
import { assertWritableFile } from "../core/atomic";
import { optionHelp, parseCommand, requireOption, type OptionTable } from "../core/cli";
import { FileError, UsageError } from "../core/errors";
import { applyParams, paramHelp, parseAssignments, type ParamSchema } from "../core/params";
import { readRaster, writeRaster, type Raster } from "../io/raster";
import { channel, FEATURE_NAMES, L4S_BAND_COUNT, type BandImage } from "../landslide/features";
import { readModelMeta } from "../landslide/infer";
import { patchBands, readL4SImage } from "../landslide/l4s";
import { FEATURE_SCHEMA, L4S_BANDS_SCHEMA, type FeatureOptions, type L4SBands } from "../landslide/params";
import { recipeFeatures, recipeFromParams, type FeatureRecipe } from "../landslide/recipe";
import { ZIGUI_BAND_OVERRIDES, ZIGUI_FEATURE_OVERRIDES, ZIGUI_LANDSLIDES } from "../studies/zigui/landslides";

type FeatureCliParams = FeatureOptions & L4SBands;
const SCHEMA = { ...FEATURE_SCHEMA, ...L4S_BANDS_SCHEMA } as ParamSchema<FeatureCliParams>;
const Z = ZIGUI_LANDSLIDES;

export const FEATURE_OPTIONS = {
  input: { type: "string", value: "FILE", description: "an L4S patch (HDF5 dataset img, 128×128×14) or a 14-band GeoTIFF in L4S band order" },
  out: { type: "string", value: "FILE", description: "the 11-band feature GeoTIFF" },
  model: { type: "string", value: "DIR", description: "use this trained model's feature recipe (unet.json); no feature options then" },
  mode: { type: "string", value: "keras-l4s|eq1", description: "= --param mode=…" },
  block: { type: "string", value: "PX", description: "normalise per PX×PX block of the input grid (default: the U-Net patch size, 128, as the training patches); 0: over the whole input" },
  "mid-infrared": { type: "string", value: "BAND", description: "= --param midInfrared=BAND (10: S2 B10 cirrus, 12: S2 B12 SWIR-2)" },
  "normalise-bsi": { type: "boolean", description: "= --param normaliseBsi=true" },
  param: { type: "string", multiple: true, value: "NAME=VALUE", description: "set a feature parameter (list below)" },
  help: { type: "boolean", short: "h", description: "this text" },
} as const satisfies OptionTable;

export const FEATURES_HELP = `Usage: npm run landslide -- features --input <patch.h5 | scene.tif> --out <features.tif> [options]

Writes the 11 model-input features, in order, as a float32 GeoTIFF:
  ${FEATURE_NAMES.join(", ")}
Georeference and CRS of a GeoTIFF input are kept.

Options:
${optionHelp(FEATURE_OPTIONS)}

Parameters (--param name=value; default, then the Zigui study's value):
${paramHelp(FEATURE_SCHEMA, ZIGUI_FEATURE_OVERRIDES, "zigui")}
${paramHelp(L4S_BANDS_SCHEMA, ZIGUI_BAND_OVERRIDES, "zigui")}
`;

export interface FeaturesArgs {
  input: string;
  out: string;
  /** The recipe, unless it comes from `model` (read when the input's size is known). */
  recipe?: FeatureRecipe;
  model?: string;
  /** Normalisation block in pixels; 0 = the whole input. */
  block: number;
}

export function parseFeaturesArgs(argv: string[]): FeaturesArgs | "help" {
  const { options: o } = parseCommand(argv, FEATURE_OPTIONS);
  if (o.help) return "help";
  const input = requireOption(o.input, "input");
  const out = requireOption(o.out, "out");
  const assign: Record<string, string> = parseAssignments(o.param);
  if (o.mode !== undefined) assign.mode = o.mode;
  if (o["mid-infrared"] !== undefined) assign.midInfrared = o["mid-infrared"];
  if (o["normalise-bsi"]) assign.normaliseBsi = "true";
  const block = o.block === undefined ? Z.unet.patchSize : Number(o.block);
  if (!Number.isInteger(block) || block < 0) throw new UsageError(`--block must be a whole number of pixels ≥ 0, not "${o.block}"`);
  if (o.model) {
    if (Object.keys(assign).length || o.block !== undefined) throw new UsageError("--model takes the model's feature recipe: no feature options or --param with it");
    return { input, out, model: o.model, block };
  }
  const p = applyParams(SCHEMA, { ...Z.features, ...Z.features.bands }, assign);
  const params = {
    mode: p.mode, extent: p.extent, block: p.block, nanFill: p.nanFill, epsilon: p.epsilon, normaliseBsi: p.normaliseBsi,
    bands: { blue: p.blue, green: p.green, red: p.red, nir: p.nir, swir1: p.swir1, midInfrared: p.midInfrared, slope: p.slope, elevation: p.elevation },
    fixedRanges: Z.features.fixedRanges,
  };
  if (params.extent === "dataset") throw new UsageError('extent "dataset" needs the training statistics: use --model with a model trained that way');
  // Per patch at the U-Net's patch size is per block on a scene: what the model saw in training.
  return { input, out, block, recipe: recipeFromParams(params, block || Number.MAX_SAFE_INTEGER) };
}

/** Reads a patch or a scene as L4S-ordered bands, with the georeference when there is one. */
export async function readBandsForFeatures(input: string): Promise<{ img: BandImage; raster: Omit<Raster, "bands"> }> {
  const ext = extname(input).toLowerCase();
  if (ext === ".h5" || ext === ".hdf5") {
    const p = await readL4SImage(input);
    return { img: patchBands(p), raster: { width: p.width, height: p.height } };
  }
  if (ext === ".tif" || ext === ".tiff") {
    const r = await readRaster(input);
    if (r.bands.length !== L4S_BAND_COUNT) throw new FileError(input, `has ${r.bands.length} bands, expected ${L4S_BAND_COUNT} in L4S order (S2 B1–B12, slope, DEM)`);
    const bands = r.bands.map((b) => {
      if (r.noData === undefined) return b;
      const f = Float32Array.from(b);
      for (let i = 0; i < f.length; i++) if (f[i] === r.noData) f[i] = NaN;
      return f;
    });
    return { img: { width: r.width, height: r.height, bands }, raster: { width: r.width, height: r.height, transform: r.transform, epsg: r.epsg } };
  }
  throw new FileError(input, `unknown input type "${ext}" (expected .h5 or .tif)`);
}

export async function main(argv: string[]): Promise<number> {
  const args = parseFeaturesArgs(argv);
  if (args === "help") {
    process.stdout.write(FEATURES_HELP);
    return 0;
  }
  assertWritableFile(args.out);
  const { img, raster } = await readBandsForFeatures(args.input);
  let recipe = args.recipe;
  if (args.model) {
    recipe = readModelMeta(args.model).recipe;
    if (!recipe) throw new FileError(args.model, "unet.json has no feature recipe (a model trained before recipes were stored)");
  }
  const stack = recipeFeatures(img, recipe!);
  const n = img.width * img.height;
  const bands = FEATURE_NAMES.map((_k, c) => channel(stack, n, FEATURE_NAMES.length, c));
  const r = recipe!;
  writeRaster(args.out, {
    ...raster,
    bands,
    bandNames: [...FEATURE_NAMES],
    metadata: {
      SOURCE: args.input,
      NORMALISATION: r.mode,
      EXTENT: r.extent === "block" ? (r.block >= Math.max(img.width, img.height) ? "whole input" : `block ${r.block}`) : `ranges (${r.rangesFrom})`,
      MID_INFRARED_BAND: String(r.bands.midInfrared),
      RECIPE: JSON.stringify(r),
      REFERENCE: "Yin, Liu, He 2025, South China Geology 41(2), Table 2",
    },
  });
  process.stdout.write(`${args.out}: ${FEATURE_NAMES.length} features, ${img.width}×${img.height}\n`);
  return 0;
}
