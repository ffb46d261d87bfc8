/**
 * `npm run landslide -- train | evaluate | predict`: the U-Net half of the landslide CLI, with the same
 * parameters as notebook 11 (the area's schema in src/landslide/params.ts, the Zigui study's values).
 */
import { existsSync } from "node:fs";
import { assertWritableFile, prepareOutputDir } from "../core/atomic";
import { join } from "node:path";
import { optionHelp, parseCommand, type OptionTable } from "../core/cli";
import { UsageError } from "../core/errors";
import { applyParams, paramHelp, parseAssignments, type ParamSchema } from "../core/params";
import { dataProfile, outputsDir, type DataProfile } from "../core/project";
import { parseBackendName, selectBackend } from "../landslide/backend";
import { loadModel, predictGeoTiff, readModelMeta } from "../landslide/infer";
import { DEFAULT_INFERENCE, FEATURE_SCHEMA, INFERENCE_SCHEMA, L4S_BANDS_SCHEMA, POLYGON_SCHEMA, UNET_SCHEMA, type FeatureOptions, type FeatureParams, type InferenceParams, type L4SBands, type PolygonParams, type UNetParams } from "../landslide/params";
import { loadL4SPatches } from "../landslide/patches";
import { polygonize, writeGeoJson } from "../landslide/polygons";
import { evaluateSet, train } from "../landslide/train";
import { trainConfigFromParams } from "../landslide/train-config";
import { PAPER_UNET, type UNetConfig } from "../landslide/unet";
import { l4sDir } from "../samples/landslide-input";
import { ZIGUI_BAND_OVERRIDES, ZIGUI_FEATURE_OVERRIDES, ZIGUI_LANDSLIDES, ZIGUI_POLYGON_OVERRIDES, ZIGUI_UNET_OVERRIDES } from "../studies/zigui/landslides";

type ModelParams = UNetParams & InferenceParams & PolygonParams & FeatureOptions & L4SBands;
const MODEL_SCHEMA = { ...UNET_SCHEMA, ...INFERENCE_SCHEMA, ...POLYGON_SCHEMA, ...FEATURE_SCHEMA, ...L4S_BANDS_SCHEMA } as ParamSchema<ModelParams>;
const Z = ZIGUI_LANDSLIDES;
const STUDY: ModelParams = { ...Z.unet, ...DEFAULT_INFERENCE, ...Z.polygons, ...Z.features, ...Z.features.bands };

export const MODEL_OPTIONS = {
  data: { type: "string", value: "DIR", description: "L4S folder with image_N.h5 + mask_N.h5 (side by side or img/ + mask/)" },
  profile: { type: "string", value: "sample|mirror|full", description: "where to find the data when --data is absent (default DLAB_PROFILE or sample)" },
  limit: { type: "string", value: "N", description: "only the first N patches" },
  crop: { type: "string", value: "PX", description: "cut patches into PX×PX tiles (must divide 128; the model's input size follows)" },
  out: { type: "string", value: "PATH", description: "train: output folder (default outputs/zigui-training); predict: probability GeoTIFF" },
  epochs: { type: "string", value: "N", description: "= --param epochs=N" },
  "batch-size": { type: "string", value: "N", description: "= --param batchSize=N" },
  "learning-rate": { type: "string", value: "X", description: "= --param learningRate=X" },
  "validation-fraction": { type: "string", value: "X", description: "= --param validationFraction=X (0: train on all patches; only final/ is written)" },
  seed: { type: "string", value: "N", description: "= --param seed=N" },
  threshold: { type: "string", value: "X", description: "= --param threshold=X; evaluate/predict: overrides the model's saved threshold" },
  "val-data": { type: "string", value: "DIR", description: "train: separate labelled validation folder" },
  filters: { type: "string", value: "A,B,…", description: "encoder filters; the dropout lists keep the paper's pattern" },
  "no-resume": { type: "boolean", description: "train: start afresh even if a checkpoint exists" },
  model: { type: "string", value: "DIR", description: "evaluate/predict: a saved model (default outputs/zigui-training/best, else …/final)" },
  input: { type: "string", value: "FILE", description: "predict: a 14-band L4S-order scene (features made by the model's recipe) or an 11-band feature GeoTIFF" },
  polygons: { type: "string", value: "FILE", description: "predict: landslide polygons GeoJSON (default <out>.geojson)" },
  overlap: { type: "string", value: "PX", description: "= --param overlap=PX" },
  batch: { type: "string", value: "N", description: "= --param batch=N (inference)" },
  backend: { type: "string", value: "NAME", description: "auto|tensorflow|webgpu|wasm|cpu (default DLAB_TF_BACKEND or auto)" },
  param: { type: "string", multiple: true, value: "NAME=VALUE", description: "set a parameter (list below)" },
  help: { type: "boolean", short: "h", description: "this text" },
} as const satisfies OptionTable;

/** Convenience flags and the parameter each sets. */
const FLAG_PARAMS: Record<string, keyof ModelParams> = {
  epochs: "epochs",
  "batch-size": "batchSize",
  "learning-rate": "learningRate",
  "validation-fraction": "validationFraction",
  seed: "seed",
  threshold: "threshold",
  overlap: "overlap",
  batch: "batch",
};

export const MODEL_HELP = `Usage: npm run landslide -- <train | evaluate | predict> [options]

  train     train the U-Net (Zigui Fig 1) on Landslide4Sense patches; resumes from <out>/checkpoint.ckpt;
            writes <out>/best/ (best validation F1) and <out>/final/ (last epoch), each with unet.json
            holding the feature recipe
  evaluate  precision, recall and F1 of a trained model on labelled patches (features by the model's
            recipe), as JSON; the Keras metrics are averaged per patch
  predict   landslide probability GeoTIFF and polygons (GeoJSON) for a scene

Options:
${optionHelp(MODEL_OPTIONS)}

Parameters (--param name=value; default, then the Zigui study's value):
${paramHelp(UNET_SCHEMA, ZIGUI_UNET_OVERRIDES, "zigui")}
${paramHelp(INFERENCE_SCHEMA)}
${paramHelp(POLYGON_SCHEMA, ZIGUI_POLYGON_OVERRIDES, "zigui")}
${paramHelp(FEATURE_SCHEMA, ZIGUI_FEATURE_OVERRIDES, "zigui")}
${paramHelp(L4S_BANDS_SCHEMA, ZIGUI_BAND_OVERRIDES, "zigui")}
`;

export interface ModelArgs {
  command: "train" | "evaluate" | "predict";
  params: ModelParams;
  /** Whether the threshold was given on the command line (it then beats the model's saved one). */
  thresholdGiven: boolean;
  data?: string;
  valData?: string;
  profile: DataProfile;
  limit?: number;
  crop?: number;
  out?: string;
  model?: string;
  input?: string;
  polygons?: string;
  filters?: number[];
  resume: boolean;
  backend?: ReturnType<typeof parseBackendName>;
}

function int(flag: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isInteger(x) || x < min) throw new UsageError(`--${flag} must be an integer ≥ ${min}, not "${v}"`);
  return x;
}

export function parseModelArgs(argv: string[]): ModelArgs | "help" {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h") return "help";
  if (command !== "train" && command !== "evaluate" && command !== "predict") throw new UsageError(`unknown command "${command}" (train, evaluate or predict)`);
  const { options: o } = parseCommand(rest, MODEL_OPTIONS);
  if (o.help) return "help";
  const assign: Record<string, string> = parseAssignments(o.param);
  for (const [flag, name] of Object.entries(FLAG_PARAMS)) {
    const v = (o as Record<string, unknown>)[flag];
    if (typeof v === "string") assign[name] = v;
  }
  const params = applyParams(MODEL_SCHEMA, STUDY, assign);
  if (params.connectivity !== 4 && params.connectivity !== 8) throw new UsageError(`parameter connectivity: ${params.connectivity} is not 4 or 8`);
  const profile = o.profile ?? dataProfile();
  if (profile !== "sample" && profile !== "mirror" && profile !== "full") throw new UsageError(`--profile must be sample, mirror or full, not "${profile}"`);
  const a: ModelArgs = {
    command,
    params,
    thresholdGiven: "threshold" in assign,
    data: o.data,
    valData: o["val-data"],
    profile,
    limit: int("limit", o.limit, 1),
    crop: int("crop", o.crop, 16),
    out: o.out,
    model: o.model,
    input: o.input,
    polygons: o.polygons,
    filters: o.filters?.split(",").map((f) => int("filters", f, 1)!),
    resume: !o["no-resume"],
    backend: o.backend === undefined ? undefined : parseBackendName(o.backend, "--backend"),
  };
  if (command === "predict" && (!a.input || !a.out)) throw new UsageError("predict: --input <scene.tif | features.tif> and --out <prob.tif> are required");
  return a;
}

/** The U-Net configuration for given filters and patch size, keeping the paper's dropout pattern. */
export function unetFor(filters: number[] | undefined, size: number, base: UNetConfig = PAPER_UNET): UNetConfig {
  if (!filters) return { ...base, inputSize: size };
  const L = filters.length;
  const pick = (rates: number[], n: number): number[] => Array.from({ length: n }, (_, i) => rates[Math.min(i, rates.length - 1)]);
  return {
    ...base,
    inputSize: size,
    filters,
    encoderDropout: L === base.filters.length ? base.encoderDropout : pick(base.encoderDropout, L),
    decoderDropout: L === base.filters.length ? base.decoderDropout : pick(base.decoderDropout.slice(base.decoderDropout.length - (L - 1)), L - 1),
  };
}

function featureParams(p: ModelParams): FeatureParams {
  return {
    mode: p.mode, extent: p.extent, block: p.block, nanFill: p.nanFill, epsilon: p.epsilon, normaliseBsi: p.normaliseBsi,
    bands: { blue: p.blue, green: p.green, red: p.red, nir: p.nir, swir1: p.swir1, midInfrared: p.midInfrared, slope: p.slope, elevation: p.elevation },
    fixedRanges: Z.features.fixedRanges,
  };
}

/** The default model: `best/` of the default training folder, else its `final/` (a run without validation). */
export function defaultModelDir(): string {
  const root = outputsDir("zigui-training");
  return existsSync(join(root, "best", "model.json")) ? join(root, "best") : join(root, "final");
}

function print(x: unknown): void {
  process.stdout.write(JSON.stringify(x, null, 2) + "\n");
}

export async function main(argv: string[]): Promise<number> {
  const a = parseModelArgs(argv);
  if (a === "help") {
    process.stdout.write(MODEL_HELP);
    return 0;
  }
  const p = a.params;
  // The output path is checked before a backend starts or a model loads (a folder given for a file, a
  // path under /proc, an unwritable folder fail at once).
  if (a.command === "predict" && a.out) assertWritableFile(a.out);
  if (a.command === "train") prepareOutputDir(a.out ?? outputsDir("zigui-training"));
  const backend = await selectBackend({ backend: a.backend });

  if (a.command === "predict") {
    const dir = a.model ?? defaultModelDir();
    const model = await loadModel(dir);
    const meta = readModelMeta(dir);
    const threshold = a.thresholdGiven ? p.threshold : (meta.threshold ?? p.threshold);
    const { prob, raster, from } = await predictGeoTiff(model, a.input!, a.out, { overlap: p.overlap, batchSize: p.batch, threshold, recipe: meta.recipe });
    let n = 0;
    for (const v of prob) if (v > threshold) n++;
    let polygons: { file: string; count: number } | { skipped: string };
    if (raster.transform && raster.epsg) {
      const fc = polygonize(prob, raster.width, raster.height, { transform: raster.transform, epsg: raster.epsg, threshold, minAreaM2: p.minAreaM2, connectivity: p.connectivity });
      const file = a.polygons ?? a.out!.replace(/\.tiff?$/i, "") + ".geojson";
      writeGeoJson(file, fc);
      polygons = { file, count: fc.features.length };
    } else polygons = { skipped: `${a.input}: no georeference, so no polygons` };
    print({ output: a.out, input: from, width: raster.width, height: raster.height, landslidePixels: n, threshold, thresholdFrom: a.thresholdGiven ? "command line" : meta.threshold !== undefined ? "model" : "study", polygons, backend: backend.name });
    return 0;
  }

  const dataFolder = a.data ?? (await l4sDir(a.profile));
  if (a.command === "evaluate") {
    const dir = a.model ?? defaultModelDir();
    const model = await loadModel(dir);
    const meta = readModelMeta(dir);
    const data = await loadL4SPatches(dataFolder, { limit: a.limit, crop: a.crop, ...(meta.recipe ? { recipe: meta.recipe } : { features: featureParams(p) }) });
    const threshold = a.thresholdGiven ? p.threshold : (meta.threshold ?? p.threshold);
    const m = await evaluateSet(model, data, p.batch, threshold);
    print({ model: dir, data: dataFolder, patches: data.count, threshold, precision: m.precision, recall: m.recall, f1: m.f1, kerasPrecision: m.kerasPrecision, kerasRecall: m.kerasRecall, kerasF1: m.kerasF1, kerasAveragedOver: "patches", loss: m.loss, backend: backend.name });
    return 0;
  }

  const data = await loadL4SPatches(dataFolder, { limit: a.limit, crop: a.crop, features: featureParams(p) });
  const validation = a.valData ? await loadL4SPatches(a.valData, { crop: a.crop, recipe: data.recipe }) : undefined;
  const outDir = a.out ?? outputsDir("zigui-training");
  const r = await train(data, {
    outDir,
    validation,
    unet: unetFor(a.filters ?? p.encoderFilters, data.size, { ...PAPER_UNET, encoderDropout: p.encoderDropout, decoderDropout: p.decoderDropout, kernelSize: p.kernelSize }),
    config: trainConfigFromParams(p),
    resume: a.resume,
    backend: a.backend,
    recipe: data.recipe,
  });
  const last = r.log[r.log.length - 1];
  print({ outDir, model: r.bestDir, bestModel: r.valCount > 0 ? join(outDir, "best") : null, finalModel: r.finalDir, bestEpoch: r.bestEpoch, bestValF1: r.valCount > 0 ? r.bestValF1 : null, epochs: r.log.length, completed: r.completed, last, trainPatches: r.trainCount, valPatches: r.valCount, backend: r.backend });
  return 0;
}
