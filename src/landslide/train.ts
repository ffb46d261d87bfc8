/**
 * Training the U-Net: Adam on binary cross-entropy over seeded mini-batches, with per-epoch training and
 * validation loss, precision, recall and F1 (pixel-global and the Keras variant), the best model by
 * validation F1 (`<outDir>/best/`) and the model after the last epoch (`<outDir>/final/`), a JSON + CSV
 * log the notebooks plot, and resumption after an interruption.
 *
 * After every epoch a checkpoint (weights, Adam moments and step, epoch, both random generators, log,
 * best score) is written atomically to `<outDir>/checkpoint.ckpt`; a run started again with the same
 * `outDir` continues from it and ends bit-identical to an uninterrupted run.
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic";
import { progress } from "../core/progress";
import type { UNetConfig } from "../engine/unet-spec";
import type { GpuStepResult } from "../engine/gpu/unet";
import { selectBackend, type BackendName } from "./backend";
import { decodeCheckpoint, encodeCheckpoint, modelArrays, restoreArrays, type CheckpointHeader, type NamedArray } from "./checkpoint";
import { evaluateSet } from "./evaluate";
import { engineArrays, evaluateOnEngine, loadIntoEngine, openGpuTrainer, storeIntoModel } from "./gpu-train";
import { saveModel, yieldToEventLoop, type ModelMeta } from "./infer";
import { bceFromLogits } from "./loss";
import { MetricAccumulator, type EpochMetrics } from "./metrics";
import type { FeatureRecipe } from "./recipe";
import { checkPatchSet, gatherBatch, splitIndices, subset, type PatchSet } from "./patchset";
import { Rng } from "./rng";
import { PAPER_TRAINING, type TrainConfig } from "./train-config";
import { metricsRow, writeLogs, type EpochLog } from "./training-log";
import { buildUNet, logitsModel, PAPER_UNET } from "./unet";

// What callers (notebooks, CLIs) reach through this module.
export { checkPatchSet, gatherBatch, patchSetFromArrays, splitIndices, type PatchSet } from "./patchset";
export { PAPER_TRAINING, trainConfigFromParams, type TrainConfig } from "./train-config";
export { LOG_COLUMNS, logCsv, readTrainingLog, writeLogs, type EpochLog } from "./training-log";
export { bceFromLogits, bceLoss } from "./loss";
export { decodeCheckpoint, encodeCheckpoint, type CheckpointHeader, type NamedArray } from "./checkpoint";
export { evaluateSet } from "./evaluate";

export interface TrainOptions {
  config?: Partial<TrainConfig>;
  unet?: UNetConfig;
  /** Where checkpoint, best model (`best/`) and logs go. */
  outDir: string;
  /** Held-out set; otherwise `validationFraction` of the training patches (seeded; 0 trains on all). */
  validation?: PatchSet;
  /** Continue from `<outDir>/checkpoint.ckpt` when present (default true). */
  resume?: boolean;
  backend?: BackendName | "auto";
  /** Stop after this many epochs in this call (the run can be resumed later); for interruptions and tests. */
  stopAfter?: number;
  /** Channel names stored with the model (default: the recipe's). */
  features?: string[];
  /** How the features were made (stored with the model; inference repeats it). */
  recipe?: FeatureRecipe;
  onEpoch?: (row: EpochLog) => void;
  quiet?: boolean;
}

export interface TrainResult {
  log: EpochLog[];
  bestEpoch: number;
  bestValF1: number;
  /** The model to use: `best/` (by validation F1) when there is validation data, else `final/`. */
  bestDir: string;
  /** The model after the last epoch of this call. */
  finalDir: string;
  model: tf.LayersModel;
  backend: string;
  completed: boolean;
  trainCount: number;
  valCount: number;
}

/**
 * Trains a U-Net on `data`. Resumes from `<outDir>/checkpoint.ckpt` if present (and `resume` is not
 * false); the checkpoint must come from the same architecture, settings and data sizes.
 */
export async function train(data: PatchSet, opts: TrainOptions): Promise<TrainResult> {
  const cfg: TrainConfig = { ...PAPER_TRAINING, ...(opts.config ?? {}) };
  const unet: UNetConfig = { ...(opts.unet ?? PAPER_UNET), inputChannels: data.channels };
  checkPatchSet(data, "training data");
  if (!unet.variableInputSize && data.size !== unet.inputSize) {
    throw new Error(`training data: patches are ${data.size} px but the U-Net takes ${unet.inputSize} px (set unet.inputSize)`);
  }
  if (!(cfg.batchSize >= 1) || !(cfg.epochs >= 1)) throw new Error(`batchSize and epochs must be ≥ 1`);
  const backend = await selectBackend({ backend: opts.backend });
  mkdirSync(opts.outDir, { recursive: true });

  let trainSet = data;
  let valSet: PatchSet | null = opts.validation ?? null;
  if (valSet) {
    checkPatchSet(valSet, "validation data");
    if (valSet.channels !== data.channels || valSet.size !== data.size) throw new Error("validation data: patch size or channels differ from the training data");
  } else if (cfg.validationFraction > 0) {
    const sp = splitIndices(data.count, cfg.validationFraction, cfg.seed);
    trainSet = subset(data, sp.train);
    valSet = subset(data, sp.val);
  }

  const { model, dropoutRng } = buildUNet(unet, cfg.seed);
  const optimizer = tf.train.adam(cfg.learningRate);
  const shuffleRng = new Rng(cfg.seed ^ 0xba7c4);
  let log: EpochLog[] = [];
  let startEpoch = 0;
  let bestEpoch = 0;
  let bestValF1 = -1;
  const ckptFile = join(opts.outDir, "checkpoint.ckpt");
  const bestDir = join(opts.outDir, "best");
  const finalDir = join(opts.outDir, "final");
  const valCount = valSet?.count ?? 0;

  let restored: Map<string, NamedArray> | undefined;
  if (opts.resume !== false && existsSync(ckptFile)) {
    const { header, arrays } = decodeCheckpoint(new Uint8Array(readFileSync(ckptFile)), ckptFile);
    const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
    if (!same(header.unet, unet)) throw new Error(`${ckptFile}: saved for a different U-Net configuration; use another outDir or resume=false`);
    const { epochs: _e, ...restSaved } = header.train;
    const { epochs: _c, ...restNow } = cfg;
    if (!same(restSaved, restNow)) throw new Error(`${ckptFile}: saved with different training settings (${JSON.stringify(header.train)})`);
    if (header.trainCount !== trainSet.count || header.valCount !== valCount) {
      throw new Error(`${ckptFile}: saved for ${header.trainCount}+${header.valCount} patches, this data has ${trainSet.count}+${valCount}`);
    }
    await restoreArrays(model, optimizer, arrays, ckptFile);
    restored = arrays;
    startEpoch = header.epoch;
    shuffleRng.state = header.shuffleRng;
    dropoutRng.state = header.dropoutRng;
    log = header.log;
    bestEpoch = header.bestEpoch;
    bestValF1 = header.bestValF1;
  }

  // On webgpu the whole step runs in the GPU engine (src/landslide/gpu-train.ts) unless it is switched off.
  const gpu = backend.name === "webgpu" ? await openGpuTrainer(unet, cfg, trainSet.size) : null;
  if (gpu) await loadIntoEngine(gpu, model, restored);
  // Patch sets the GPU can hold stay there: each step then gathers its batch on the device.
  const trainOnGpu = gpu ? await gpu.uploadDataset(trainSet.images, trainSet.masks, trainSet.count) : null;
  const valOnGpu = gpu && trainOnGpu && valSet ? await gpu.uploadDataset(valSet.images, valSet.masks, valSet.count) : null;
  const backendDetail = gpu ? `${backend.detail} + GPU engine (${gpu.dispatchesPerStep} dispatches/step)` : backend.detail;
  const varList = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const logitsNet = logitsModel(model)!;
  const nBatches = Math.ceil(trainSet.count / cfg.batchSize);
  const endEpoch = Math.min(cfg.epochs, opts.stopAfter !== undefined ? startEpoch + opts.stopAfter : cfg.epochs);
  const meta = (): Record<string, unknown> => ({
    backend: backendDetail,
    unet,
    train: cfg,
    trainCount: trainSet.count,
    valCount,
    bestEpoch,
    bestValF1,
  });

  const modelMeta = (epoch: number, va: EpochMetrics | null): ModelMeta => ({
    unet,
    features: opts.features ?? opts.recipe?.features,
    recipe: opts.recipe,
    threshold: cfg.threshold,
    epoch,
    valF1: va?.f1 ?? null,
    valPrecision: va?.precision ?? null,
    valRecall: va?.recall ?? null,
    trainCount: trainSet.count,
    valCount,
    seed: cfg.seed,
    backend: backendDetail,
  });

  // The engine's GPU buffers are freed however the loop ends (a diverged run throws).
  try {
    for (let epoch = startEpoch; epoch < endEpoch; epoch++) {
      const t0 = Date.now();
      const order = shuffleRng.shuffle(Array.from({ length: trainSet.count }, (_, i) => i));
      const acc = new MetricAccumulator(cfg.threshold);
      const bar = progress(`epoch ${epoch + 1}/${cfg.epochs}`, nBatches, { unit: "batches", quiet: opts.quiet });
      // GPU engine: one step stays queued while the next batch is gathered and uploaded.
      let inflight: Promise<void> | null = null;
      for (let b = 0; gpu && b < nBatches; b++) {
        const idx = order.slice(b * cfg.batchSize, (b + 1) * cfg.batchSize);
        const seed = dropoutRng.nextUint32();
        let queued: Promise<GpuStepResult>;
        if (trainOnGpu) queued = gpu.trainStepOn(trainOnGpu, idx, seed);
        else {
          const { x, y } = gatherBatch(trainSet, idx);
          queued = gpu.trainStep(x, y, idx.length, seed);
        }
        const step = queued.then((r) => {
          if (!Number.isFinite(r.loss)) throw new Error(`training diverged: loss ${r.loss} at epoch ${epoch + 1}, batch ${b + 1}`);
          acc.addCounts(r, r.loss);
          bar.update(b + 1, `loss ${r.loss.toFixed(4)}`);
        });
        // If the step before fails, this one's own failure must not surface as an unhandled rejection.
        step.catch(() => undefined);
        if (inflight) await inflight;
        inflight = step;
      }
      if (inflight) await inflight;
      for (let b = 0; !gpu && b < nBatches; b++) {
        const idx = order.slice(b * cfg.batchSize, (b + 1) * cfg.batchSize);
        const { x, y } = gatherBatch(trainSet, idx);
        const xt = tf.tensor4d(x, [idx.length, trainSet.size, trainSet.size, trainSet.channels]);
        const yt = tf.tensor4d(y, [idx.length, trainSet.size, trainSet.size, 1]);
        let pred: tf.Tensor | undefined;
        const cost = optimizer.minimize(
          () => {
            const z = logitsNet.apply(xt, { training: true }) as tf.Tensor;
            pred = tf.keep(tf.sigmoid(z));
            return bceFromLogits(yt, z);
          },
          true,
          varList,
        );
        const lossValue = cost ? (await cost.data())[0] : NaN;
        if (!Number.isFinite(lossValue)) throw new Error(`training diverged: loss ${lossValue} at epoch ${epoch + 1}, batch ${b + 1}`);
        acc.addBatch((await pred!.data()) as Float32Array, y, lossValue);
        tf.dispose([xt, yt, pred!, cost!]);
        bar.update(b + 1, `loss ${lossValue.toFixed(4)}`);
        await yieldToEventLoop();
      }
      const tr = acc.result();
      const va = !valSet ? null : gpu ? await evaluateOnEngine(gpu, valSet, cfg.threshold, gatherBatch, valOnGpu) : await evaluateSet(model, valSet, cfg.batchSize, cfg.threshold);
      if (gpu) await storeIntoModel(gpu, model);
      const row = { epoch: epoch + 1, ...metricsRow("", tr), ...metricsRow("val", va), seconds: (Date.now() - t0) / 1000 } as EpochLog;
      log.push(row);
      bar.done(`loss ${tr.loss.toFixed(4)}` + (va ? ` val_loss ${va.loss.toFixed(4)} val_F1 ${va.f1.toFixed(3)}` : " (no validation data)"));
      if (va && va.f1 > bestValF1) {
        bestValF1 = va.f1;
        bestEpoch = epoch + 1;
        await saveModel(bestDir, model, modelMeta(epoch + 1, va));
      }
      // The last epoch of this call is exported as it stands: with no validation data it is the model.
      if (epoch + 1 === endEpoch) await saveModel(finalDir, model, modelMeta(epoch + 1, va));
      const arrays = gpu ? await engineArrays(gpu, model) : await modelArrays(model, optimizer);
      const header: Omit<CheckpointHeader, "tensors"> = {
        format: "dlab-unet-checkpoint",
        version: 1,
        epoch: epoch + 1,
        unet,
        train: cfg,
        shuffleRng: shuffleRng.state,
        dropoutRng: dropoutRng.state,
        bestEpoch,
        bestValF1,
        log,
        trainCount: trainSet.count,
        valCount,
      };
      writeFileAtomic(ckptFile, encodeCheckpoint(header, arrays));
      writeLogs(opts.outDir, log, meta());
      opts.onEpoch?.(row);
    }
  } finally {
    gpu?.destroy();
  }
  optimizer.dispose();
  return {
    log,
    bestEpoch,
    bestValF1,
    bestDir: valSet ? bestDir : finalDir,
    finalDir,
    model,
    backend: backendDetail,
    completed: log.length >= cfg.epochs,
    trainCount: trainSet.count,
    valCount,
  };
}
