/**
 * Training the Zigui U-Net: Adam on binary cross-entropy over seeded mini-batches, with per-epoch
 * training and validation loss, precision, recall and F1 (pixel-global and the batch-averaged Keras
 * variant), the best model by validation F1, a JSON + CSV log the notebooks plot, and resumption after an
 * interruption.
 *
 * After every epoch a checkpoint (weights, Adam moments and step, epoch, both random generators, log,
 * best score) is written atomically to `<outDir>/checkpoint.ckpt`; a run started again with the same
 * `outDir` continues from it and ends bit-identical to an uninterrupted run.
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { progress } from "../core/progress";
import { selectBackend, type BackendName } from "./backend";
import { saveModel, yieldToEventLoop, type ModelMeta } from "./infer";
import { MetricAccumulator, type EpochMetrics } from "./metrics";
import { ZIGUI_LANDSLIDES, type UNetParams } from "../studies/zigui/landslides";
import { engineArrays, evaluateOnEngine, loadIntoEngine, openGpuTrainer, storeIntoModel } from "./gpu-train";
import type { GpuStepResult } from "../engine/gpu/unet";
import { buildUNet, logitsModel, PAPER_UNET, Rng, type UNetConfig } from "./unet";

/** Patches in memory: channels-last images and 0/1 masks, back to back. */
export interface PatchSet {
  /** count × size × size × channels. */
  images: Float32Array;
  /** count × size × size, 1 = landslide (0/1 bytes or floats). */
  masks: Uint8Array | Float32Array;
  count: number;
  size: number;
  channels: number;
  /** Optional names (e.g. file names) for error messages and logs. */
  ids?: string[];
}

/** Features and masks as `trainingArrays` (src/landslide/l4s) returns them. */
export function patchSetFromArrays(a: { x: Float32Array; y: Float32Array | Uint8Array; count: number; size: number; channels: number; ids?: (number | string)[] }): PatchSet {
  return { images: a.x, masks: a.y, count: a.count, size: a.size, channels: a.channels, ids: a.ids?.map(String) };
}

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Probability above which a pixel counts as landslide in the metrics. */
  threshold: number;
  /** Share of the patches held out for validation when no validation set is given. */
  validationFraction: number;
  /** Seed of the split, the initialisation, the batch order and the dropout masks. */
  seed: number;
}

/** The training part of the study's U-Net parameters (`ZIGUI_LANDSLIDES.unet`). */
export function trainConfigFromStudy(p: UNetParams = ZIGUI_LANDSLIDES.unet): TrainConfig {
  return {
    epochs: p.epochs,
    batchSize: p.batchSize,
    learningRate: p.learningRate,
    threshold: p.threshold,
    validationFraction: p.validationFraction,
    seed: p.seed,
  };
}

/** The paper's training settings (values and sources in src/studies/zigui/landslides.ts). */
export const PAPER_TRAINING: TrainConfig = trainConfigFromStudy();

export interface EpochLog {
  epoch: number;
  loss: number;
  precision: number;
  recall: number;
  f1: number;
  kerasPrecision: number;
  kerasRecall: number;
  kerasF1: number;
  valLoss: number;
  valPrecision: number;
  valRecall: number;
  valF1: number;
  valKerasPrecision: number;
  valKerasRecall: number;
  valKerasF1: number;
  seconds: number;
}

export const LOG_COLUMNS: (keyof EpochLog)[] = [
  "epoch",
  "loss",
  "precision",
  "recall",
  "f1",
  "kerasPrecision",
  "kerasRecall",
  "kerasF1",
  "valLoss",
  "valPrecision",
  "valRecall",
  "valF1",
  "valKerasPrecision",
  "valKerasRecall",
  "valKerasF1",
  "seconds",
];

export interface TrainOptions {
  config?: Partial<TrainConfig>;
  unet?: UNetConfig;
  /** Where checkpoint, best model (`best/`) and logs go. */
  outDir: string;
  /** Held-out set; otherwise `validationFraction` of the training patches (seeded). */
  validation?: PatchSet;
  /** Continue from `<outDir>/checkpoint.ckpt` when present (default true). */
  resume?: boolean;
  backend?: BackendName | "auto";
  /** Stop after this many epochs in this call (the run can be resumed later); for interruptions and tests. */
  stopAfter?: number;
  /** Channel names stored with the model. */
  features?: string[];
  onEpoch?: (row: EpochLog) => void;
  quiet?: boolean;
}

export interface TrainResult {
  log: EpochLog[];
  bestEpoch: number;
  bestValF1: number;
  /** Directory of the best model (by validation F1). */
  bestDir: string;
  model: tf.LayersModel;
  backend: string;
  completed: boolean;
  trainCount: number;
  valCount: number;
}

// ---------------------------------------------------------------- data helpers

export function checkPatchSet(s: PatchSet, what: string): void {
  const px = s.size * s.size;
  if (s.images.length !== s.count * px * s.channels) {
    throw new Error(`${what}: ${s.images.length} image values for ${s.count} patches of ${s.size}×${s.size}×${s.channels}`);
  }
  if (s.masks.length !== s.count * px) throw new Error(`${what}: ${s.masks.length} mask values for ${s.count} patches`);
  if (s.count === 0) throw new Error(`${what}: no patches`);
}

/** Seeded split into training and validation indices (validation gets ⌈n·fraction⌉, at least 1). */
export function splitIndices(n: number, fraction: number, seed: number): { train: number[]; val: number[] } {
  if (n < 2) throw new Error(`cannot split ${n} patch(es) into training and validation sets`);
  const idx = new Rng(seed ^ 0x5117).shuffle(Array.from({ length: n }, (_, i) => i));
  const nv = Math.min(n - 1, Math.max(1, Math.ceil(n * fraction)));
  return { val: idx.slice(0, nv).sort((a, b) => a - b), train: idx.slice(nv).sort((a, b) => a - b) };
}

/** Copies the given patches into contiguous batch arrays. */
export function gatherBatch(s: PatchSet, indices: number[]): { x: Float32Array; y: Float32Array } {
  const px = s.size * s.size;
  const per = px * s.channels;
  const x = new Float32Array(indices.length * per);
  const y = new Float32Array(indices.length * px);
  indices.forEach((i, b) => {
    x.set(s.images.subarray(i * per, (i + 1) * per), b * per);
    const m = s.masks.subarray(i * px, (i + 1) * px);
    for (let k = 0; k < px; k++) y[b * px + k] = m[k];
  });
  return { x, y };
}

/**
 * Binary cross-entropy from logits, mean over pixels: max(z,0) − z·y + log(1 + e^−|z|), what Keras computes
 * for a sigmoid output (it reaches through the sigmoid to its logits). Stable and never gradient-free.
 */
export function bceFromLogits(yTrue: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const l = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, yTrue)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    return tf.mean(l) as tf.Scalar;
  });
}

/** Binary cross-entropy of probabilities clipped to [1e-7, 1−1e-7] (Keras' formula without logits), mean over pixels. */
export function bceLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.clipByValue(yPred, 1e-7, 1 - 1e-7);
    const l = tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p))));
    return tf.neg(tf.mean(l)) as tf.Scalar;
  });
}

// ---------------------------------------------------------------- checkpoints

const CKPT_MAGIC = "DLABCKPT1\n";

interface CkptTensor {
  name: string;
  shape: number[];
  dtype: "float32" | "int32";
  offset: number;
  length: number;
}

export interface CheckpointHeader {
  format: "dlab-unet-checkpoint";
  version: 1;
  /** Epochs completed. */
  epoch: number;
  unet: UNetConfig;
  train: TrainConfig;
  shuffleRng: number;
  dropoutRng: number;
  bestEpoch: number;
  bestValF1: number;
  log: EpochLog[];
  trainCount: number;
  valCount: number;
  /** Model weights by name, then Adam's step ("optimizer/iter") and moments ("optimizer/<i>/m|v"). */
  tensors: CkptTensor[];
}

export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** Encodes a checkpoint: magic, header length (uint32 LE), header JSON, then the tensors' bytes. */
export function encodeCheckpoint(header: Omit<CheckpointHeader, "tensors">, arrays: NamedArray[]): Uint8Array {
  let offset = 0;
  const tensors: CkptTensor[] = arrays.map((a) => {
    const t: CkptTensor = {
      name: a.name,
      shape: a.shape,
      dtype: a.data instanceof Int32Array ? "int32" : "float32",
      offset,
      length: a.data.length,
    };
    offset += a.data.length * 4;
    return t;
  });
  const head = new TextEncoder().encode(JSON.stringify({ ...header, tensors }));
  const magic = new TextEncoder().encode(CKPT_MAGIC);
  const start = magic.length + 4 + head.length;
  const pad = (4 - (start % 4)) % 4;
  const out = new Uint8Array(start + pad + offset);
  out.set(magic, 0);
  new DataView(out.buffer).setUint32(magic.length, head.length + pad, true);
  out.set(head, magic.length + 4);
  out.fill(0x20, start, start + pad);
  for (const [i, a] of arrays.entries()) {
    out.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), start + pad + tensors[i].offset);
  }
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array, file: string): { header: CheckpointHeader; arrays: Map<string, NamedArray> } {
  const magic = new TextEncoder().encode(CKPT_MAGIC);
  const fail = (why: string): never => {
    throw new Error(`${file}: not a usable U-Net checkpoint (${why})`);
  };
  if (bytes.length < magic.length + 4 || new TextDecoder().decode(bytes.subarray(0, magic.length)) !== CKPT_MAGIC) fail("bad magic");
  const hlen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(magic.length, true);
  const start = magic.length + 4;
  if (start + hlen > bytes.length) fail("truncated header");
  let header: CheckpointHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(start, start + hlen))) as CheckpointHeader;
  } catch (e) {
    return fail(`header is not JSON: ${(e as Error).message}`);
  }
  if (header.format !== "dlab-unet-checkpoint" || header.version !== 1) fail(`format ${header.format} v${header.version}`);
  const base = start + hlen;
  const arrays = new Map<string, NamedArray>();
  for (const t of header.tensors) {
    const end = base + t.offset + t.length * 4;
    if (end > bytes.length) fail(`tensor ${t.name} runs past the end of the file (truncated?)`);
    const copy = bytes.slice(base + t.offset, end);
    const data = t.dtype === "int32" ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    arrays.set(t.name, { name: t.name, shape: t.shape, data });
  }
  return { header, arrays };
}

function writeFileAtomic(file: string, content: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

async function modelArrays(model: tf.LayersModel, opt: tf.Optimizer): Promise<NamedArray[]> {
  const out: NamedArray[] = [];
  const weights = model.weights;
  const values = model.getWeights();
  // `await data()`, never dataSync(): the webgpu backend cannot read back synchronously under Node.
  for (let i = 0; i < weights.length; i++) {
    out.push({ name: `model/${weights[i].originalName}`, shape: values[i].shape, data: (await values[i].data()) as Float32Array });
  }
  const ow = await opt.getWeights();
  // Adam keeps its moments in the order of the variables it was given (the model's trainable weights);
  // they are stored by that position because tfjs variable names change between processes.
  const nMoments = (ow.length - 1) / 2;
  for (let i = 0; i < ow.length; i++) {
    const w = ow[i];
    const name = i === 0 ? "optimizer/iter" : `optimizer/${(i - 1) % nMoments}/${i <= nMoments ? "m" : "v"}`;
    const data = (await w.tensor.data()) as Int32Array | Float32Array;
    out.push({ name, shape: w.tensor.shape, data });
  }
  return out;
}

async function restoreArrays(model: tf.LayersModel, opt: tf.Optimizer, arrays: Map<string, NamedArray>, file: string): Promise<void> {
  const weights = model.weights;
  const values = weights.map((w) => {
    const a = arrays.get(`model/${w.originalName}`);
    if (!a) throw new Error(`${file}: checkpoint has no weight ${w.originalName} (different architecture?)`);
    if (a.shape.join("x") !== w.shape.join("x")) {
      throw new Error(`${file}: weight ${w.originalName} is ${a.shape.join("×")}, the model needs ${w.shape.join("×")}`);
    }
    return tf.tensor(a.data, a.shape);
  });
  model.setWeights(values);
  values.forEach((v) => v.dispose());
  const iter = arrays.get("optimizer/iter");
  if (!iter) return; // saved before the first step
  const trainable = model.trainableWeights;
  const named: { name: string; tensor: tf.Tensor }[] = [{ name: "iter", tensor: tf.scalar(iter.data[0], "int32") }];
  for (const kind of ["m", "v"]) {
    trainable.forEach((w, i) => {
      const a = arrays.get(`optimizer/${i}/${kind}`);
      if (!a) throw new Error(`${file}: checkpoint lacks optimizer moment ${i}/${kind}`);
      named.push({ name: `${w.originalName}/${kind}`, tensor: tf.tensor(a.data, a.shape) });
    });
  }
  await opt.setWeights(named);
  named.forEach((n) => n.tensor.dispose());
}

// ---------------------------------------------------------------- logs

export function logCsv(log: EpochLog[]): string {
  const lines = [LOG_COLUMNS.join(",")];
  for (const r of log) lines.push(LOG_COLUMNS.map((c) => String(r[c])).join(","));
  return lines.join("\n") + "\n";
}

export function writeLogs(outDir: string, log: EpochLog[], meta: Record<string, unknown>): void {
  writeFileAtomic(join(outDir, "training-log.json"), JSON.stringify({ ...meta, epochs: log }, null, 1));
  writeFileAtomic(join(outDir, "training-log.csv"), logCsv(log));
}

/** Reads a training log written by `train` (for notebooks that plot a finished run). */
export function readTrainingLog(outDir: string): EpochLog[] {
  const f = join(outDir, "training-log.json");
  if (!existsSync(f)) throw new Error(`${f}: missing (no training run in ${outDir})`);
  return (JSON.parse(readFileSync(f, "utf8")) as { epochs: EpochLog[] }).epochs;
}

// ---------------------------------------------------------------- training

function subset(s: PatchSet, idx: number[]): PatchSet {
  const g = gatherBatch(s, idx);
  const masks = new Uint8Array(g.y.length);
  for (let i = 0; i < masks.length; i++) masks[i] = g.y[i];
  return { images: g.x, masks, count: idx.length, size: s.size, channels: s.channels, ids: s.ids && idx.map((i) => s.ids![i]) };
}

function metricsRow(prefix: "" | "val", m: EpochMetrics): Partial<EpochLog> {
  const k = (n: string): string => (prefix ? `val${n[0].toUpperCase()}${n.slice(1)}` : n);
  return {
    [k("loss")]: m.loss,
    [k("precision")]: m.precision,
    [k("recall")]: m.recall,
    [k("f1")]: m.f1,
    [k("kerasPrecision")]: m.kerasPrecision,
    [k("kerasRecall")]: m.kerasRecall,
    [k("kerasF1")]: m.kerasF1,
  } as Partial<EpochLog>;
}

/** Loss and metrics of `model` (inference mode) over a patch set. */
export async function evaluateSet(model: tf.LayersModel, s: PatchSet, batchSize: number, threshold: number): Promise<EpochMetrics> {
  const acc = new MetricAccumulator(threshold);
  const lm = logitsModel(model);
  for (let i = 0; i < s.count; i += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, s.count - i) }, (_, k) => i + k);
    const { x, y } = gatherBatch(s, idx);
    const [prob, loss] = tf.tidy(() => {
      const xt = tf.tensor4d(x, [idx.length, s.size, s.size, s.channels]);
      const yt = tf.tensor4d(y, [idx.length, s.size, s.size, 1]);
      if (lm) {
        const z = lm.predict(xt) as tf.Tensor;
        return [tf.sigmoid(z), bceFromLogits(yt, z)];
      }
      const p = model.predict(xt) as tf.Tensor;
      return [p, bceLoss(yt, p)];
    });
    acc.addBatch((await prob.data()) as Float32Array, y, (await loss.data())[0]);
    tf.dispose([prob, loss]);
    await yieldToEventLoop();
  }
  return acc.result();
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
  let valSet = opts.validation;
  if (valSet) {
    checkPatchSet(valSet, "validation data");
    if (valSet.channels !== data.channels || valSet.size !== data.size) throw new Error("validation data: patch size or channels differ from the training data");
  } else {
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

  let restored: Map<string, NamedArray> | undefined;
  if (opts.resume !== false && existsSync(ckptFile)) {
    const { header, arrays } = decodeCheckpoint(new Uint8Array(readFileSync(ckptFile)), ckptFile);
    const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
    if (!same(header.unet, unet)) throw new Error(`${ckptFile}: saved for a different U-Net configuration; use another outDir or resume=false`);
    const { epochs: _e, ...restSaved } = header.train;
    const { epochs: _c, ...restNow } = cfg;
    if (!same(restSaved, restNow)) throw new Error(`${ckptFile}: saved with different training settings (${JSON.stringify(header.train)})`);
    if (header.trainCount !== trainSet.count || header.valCount !== valSet.count) {
      throw new Error(`${ckptFile}: saved for ${header.trainCount}+${header.valCount} patches, this data has ${trainSet.count}+${valSet.count}`);
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
  if (gpu) loadIntoEngine(gpu, model, restored);
  // Patch sets the GPU can hold stay there: each step then gathers its batch on the device.
  const trainOnGpu = gpu ? await gpu.uploadDataset(trainSet.images, trainSet.masks, trainSet.count) : null;
  const valOnGpu = gpu && trainOnGpu ? await gpu.uploadDataset(valSet.images, valSet.masks, valSet.count) : null;
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
    valCount: valSet!.count,
    bestEpoch,
    bestValF1,
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
      const va = gpu ? await evaluateOnEngine(gpu, valSet, cfg.threshold, gatherBatch, valOnGpu) : await evaluateSet(model, valSet, cfg.batchSize, cfg.threshold);
      if (gpu) await storeIntoModel(gpu, model);
      const row = { epoch: epoch + 1, ...metricsRow("", tr), ...metricsRow("val", va), seconds: (Date.now() - t0) / 1000 } as EpochLog;
      log.push(row);
      bar.done(`loss ${tr.loss.toFixed(4)} val_loss ${va.loss.toFixed(4)} val_F1 ${va.f1.toFixed(3)}`);
      if (va.f1 > bestValF1) {
        bestValF1 = va.f1;
        bestEpoch = epoch + 1;
        const m: ModelMeta = { unet, features: opts.features, threshold: cfg.threshold, epoch: epoch + 1, valF1: va.f1, valPrecision: va.precision, valRecall: va.recall, seed: cfg.seed, backend: backendDetail };
        await saveModel(bestDir, model, m);
      }
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
        valCount: valSet.count,
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
    bestDir,
    model,
    backend: backendDetail,
    completed: log.length >= cfg.epochs,
    trainCount: trainSet.count,
    valCount: valSet.count,
  };
}
