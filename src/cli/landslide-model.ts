/**
 * `npm run landslide -- train | evaluate | predict`: the U-Net half of the landslide CLI, with the same
 * parameters as notebook 11 (defaults from ZIGUI_LANDSLIDES.unet in src/studies/zigui/landslides.ts).
 */
import { join } from "node:path";
import { dataProfile, outputsDir, type DataProfile } from "../core/project";
import { ZIGUI_LANDSLIDES } from "../studies/zigui/landslides";
import { parseBackendName, selectBackend, type BackendName } from "../landslide/backend";
import { l4sDir } from "../samples/landslide-input";
import { FEATURE_NAMES } from "../landslide/features";
import { loadModel, predictGeoTiff, readModelMeta } from "../landslide/infer";
import { loadL4SPatches } from "../landslide/patches";
import { evaluateSet, train, type TrainConfig } from "../landslide/train";
import { PAPER_UNET, type UNetConfig } from "../landslide/unet";

const U = ZIGUI_LANDSLIDES.unet;

export const MODEL_HELP = `Usage: npm run landslide -- <train | evaluate | predict> [options]

  train     train the Zigui U-Net (Fig 1) on Landslide4Sense patches; resumes from <out>/checkpoint.ckpt
  evaluate  precision, recall and F1 of a trained model on labelled patches, printed as JSON
  predict   landslide probability GeoTIFF from an 11-band feature GeoTIFF (npm run landslide -- features)

Data (train, evaluate):
  --data <folder>             L4S folder with image_N.h5 + mask_N.h5 (side by side or img/ + mask/)
  --profile sample|mirror|full  where to find it when --data is absent (default DLAB_PROFILE or sample)
  --limit <n>                 only the first n patches
  --crop <px>                 cut patches into px×px tiles (must divide 128; the model's input size follows)

Training (defaults from src/studies/zigui/landslides.ts):
  --out <dir>                 output folder (default outputs/zigui-training)
  --epochs <n>                (default ${U.epochs})
  --batch-size <n>            (default ${U.batchSize})
  --learning-rate <x>         Adam learning rate (default ${U.learningRate})
  --validation-fraction <x>   held out when no --val-data (default ${U.validationFraction})
  --val-data <folder>         separate labelled validation folder
  --seed <n>                  split, initialisation, batch order, dropout (default ${U.seed})
  --filters <a,b,...>         encoder filters (default ${U.encoderFilters.join(",")}); dropout lists keep their length
  --no-resume                 start afresh even if a checkpoint exists

Evaluate / predict:
  --model <dir>               a saved model (default outputs/zigui-training/best)
  --threshold <x>             probability threshold (default ${U.threshold})
  --input <features.tif>      (predict) 11 bands in Table 2 order
  --out <prob.tif>            (predict) probability GeoTIFF, same grid as the input
  --overlap <px>              (predict) tile overlap (default a quarter of the tile)

Common:
  --backend auto|tensorflow|webgpu|wasm|cpu   TensorFlow.js backend (default DLAB_TF_BACKEND or auto)
  --batch <n>                 inference batch size (default 8)
  --help
`;

export interface ModelArgs {
  command: "train" | "evaluate" | "predict";
  data?: string;
  valData?: string;
  profile: DataProfile;
  limit?: number;
  crop?: number;
  out?: string;
  model?: string;
  input?: string;
  train: Partial<TrainConfig>;
  filters?: number[];
  resume: boolean;
  threshold: number;
  overlap?: number;
  inferBatch: number;
  backend?: BackendName | "auto";
}

function num(flag: string, v: string, opts: { int?: boolean; min?: number; max?: number } = {}): number {
  const x = Number(v);
  if (!Number.isFinite(x) || (opts.int && !Number.isInteger(x)) || (opts.min !== undefined && x < opts.min) || (opts.max !== undefined && x > opts.max)) {
    throw new Error(`${flag} must be ${opts.int ? "an integer" : "a number"}${opts.min !== undefined ? ` ≥ ${opts.min}` : ""}${opts.max !== undefined ? ` ≤ ${opts.max}` : ""}, not "${v}"`);
  }
  return x;
}

export function parseModelArgs(argv: string[]): ModelArgs | "help" {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h") return "help";
  if (command !== "train" && command !== "evaluate" && command !== "predict") {
    throw new Error(`unknown command "${command}" (train, evaluate or predict; see --help)`);
  }
  const a: ModelArgs = { command, profile: dataProfile(), train: {}, resume: true, threshold: U.threshold, inferBatch: 8 };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${command}: ${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--help":
      case "-h":
        return "help";
      case "--data": a.data = value(); break;
      case "--val-data": a.valData = value(); break;
      case "--profile": {
        const v = value();
        if (v !== "sample" && v !== "mirror" && v !== "full") throw new Error(`--profile must be sample, mirror or full, not "${v}"`);
        a.profile = v;
        break;
      }
      case "--limit": a.limit = num(flag, value(), { int: true, min: 1 }); break;
      case "--crop": a.crop = num(flag, value(), { int: true, min: 16 }); break;
      case "--out": a.out = value(); break;
      case "--model": a.model = value(); break;
      case "--input": a.input = value(); break;
      case "--epochs": a.train.epochs = num(flag, value(), { int: true, min: 1 }); break;
      case "--batch-size": a.train.batchSize = num(flag, value(), { int: true, min: 1 }); break;
      case "--learning-rate": a.train.learningRate = num(flag, value(), { min: 0 }); break;
      case "--validation-fraction": a.train.validationFraction = num(flag, value(), { min: 0, max: 0.9 }); break;
      case "--seed": a.train.seed = num(flag, value(), { int: true, min: 0 }); break;
      case "--threshold": a.threshold = num(flag, value(), { min: 0, max: 1 }); a.train.threshold = a.threshold; break;
      case "--filters": a.filters = value().split(",").map((f) => num(flag, f, { int: true, min: 1 })); break;
      case "--no-resume": a.resume = false; break;
      case "--overlap": a.overlap = num(flag, value(), { int: true, min: 0 }); break;
      case "--batch": a.inferBatch = num(flag, value(), { int: true, min: 1 }); break;
      case "--backend": a.backend = parseBackendName(value(), "--backend"); break;
      default:
        throw new Error(`${command}: unknown option "${flag}" (see --help)`);
    }
  }
  if (a.command === "predict" && (!a.input || !a.out)) throw new Error("predict: --input <features.tif> and --out <prob.tif> are required");
  return a;
}

/** The U-Net configuration for given filters and patch size, keeping the paper's dropout pattern. */
export function unetFor(filters: number[] | undefined, size: number): UNetConfig {
  const base = PAPER_UNET;
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

export async function main(argv: string[]): Promise<void> {
  const a = parseModelArgs(argv);
  if (a === "help") {
    process.stdout.write(MODEL_HELP);
    return;
  }
  const backend = await selectBackend({ backend: a.backend });
  const defaultModel = join(outputsDir("zigui-training"), "best");

  if (a.command === "predict") {
    const dir = a.model ?? defaultModel;
    const model = await loadModel(dir);
    const threshold = (readModelMeta(dir).threshold as number | undefined) ?? a.threshold;
    const { prob, raster } = await predictGeoTiff(model, a.input!, a.out, { overlap: a.overlap, batchSize: a.inferBatch, threshold });
    let n = 0;
    for (const p of prob) if (p > threshold) n++;
    process.stdout.write(JSON.stringify({ output: a.out, width: raster.width, height: raster.height, landslidePixels: n, threshold, backend: backend.name }) + "\n");
    return;
  }

  const dataFolder = a.data ?? (await l4sDir(a.profile));
  const data = await loadL4SPatches(dataFolder, { limit: a.limit, crop: a.crop });

  if (a.command === "evaluate") {
    const dir = a.model ?? defaultModel;
    const model = await loadModel(dir);
    const m = await evaluateSet(model, data, a.inferBatch, a.threshold);
    process.stdout.write(
      JSON.stringify({ model: dir, data: dataFolder, patches: data.count, threshold: a.threshold, precision: m.precision, recall: m.recall, f1: m.f1, kerasPrecision: m.kerasPrecision, kerasRecall: m.kerasRecall, kerasF1: m.kerasF1, loss: m.loss, backend: backend.name }, null, 2) + "\n",
    );
    return;
  }

  const validation = a.valData ? await loadL4SPatches(a.valData, { crop: a.crop }) : undefined;
  const outDir = a.out ?? outputsDir("zigui-training");
  const r = await train(data, {
    outDir,
    validation,
    unet: unetFor(a.filters, data.size),
    config: a.train,
    resume: a.resume,
    backend: a.backend,
    features: [...FEATURE_NAMES],
  });
  const last = r.log[r.log.length - 1];
  process.stdout.write(
    JSON.stringify({ outDir, bestModel: r.bestDir, bestEpoch: r.bestEpoch, bestValF1: r.bestValF1, epochs: r.log.length, completed: r.completed, last, trainPatches: r.trainCount, valPatches: r.valCount, backend: r.backend }, null, 2) + "\n",
  );
}
