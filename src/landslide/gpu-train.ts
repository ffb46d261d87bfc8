/**
 * The GPU engine (src/engine/gpu) inside the U-Net training loop: when the webgpu backend is active, the
 * training steps and validation passes run as whole-network WebGPU submissions instead of tfjs ops, with
 * weights, Adam moments and step moved between the engine and the tfjs model in tfjs' names and layouts, so
 * checkpoints, the saved best model and everything downstream stay as they are. `DLAB_GPU_ENGINE=off`
 * keeps training on tfjs-backend-webgpu.
 *
 * The engine draws one dropout seed per step from the model's dropout generator (tfjs draws one per
 * dropout layer call), so a GPU run is reproducible and resumes bit-for-bit on the same GPU, but its
 * dropout masks differ from a CPU run with the same seed.
 */
import * as tf from "@tensorflow/tfjs";
import { requestGpu } from "../engine/gpu/device";
import { GpuUNet, type GpuDataset, type GpuStepResult } from "../engine/gpu/unet";
import { MetricAccumulator, type EpochMetrics } from "./metrics";
import type { NamedArray } from "./checkpoint";
import type { PatchSet } from "./patchset";
import type { TrainConfig } from "./train-config";
import type { UNetConfig } from "../engine/unet-spec";

/** The engine for this run, or null when it is switched off or no WebGPU device is available. */
export async function openGpuTrainer(unet: UNetConfig, cfg: TrainConfig, size: number): Promise<GpuUNet | null> {
  if (process.env.DLAB_GPU_ENGINE === "off") return null;
  if (unet.upsampleSize !== 2 || unet.kernelSize % 2 !== 1 || unet.filters.length < 2) return null;
  try {
    // The backend choice already decided whether a software adapter is acceptable.
    const ctx = await requestGpu(true);
    if (!ctx) return null;
    return await GpuUNet.create(ctx.device, { ...unet, inputSize: size }, { batch: cfg.batchSize, size, learningRate: cfg.learningRate, threshold: cfg.threshold });
  } catch (e) {
    // tfjs-backend-webgpu still trains (slower): say why the engine is not used rather than fail the run.
    process.stderr.write(`warning: GPU engine unavailable (${(e as Error).message}); training with tfjs-backend-webgpu's kernels\n`);
    return null;
  }
}

/** Copies the tfjs model's weights (and, when resuming, Adam's state from checkpoint arrays) into the engine. */
export async function loadIntoEngine(gpu: GpuUNet, model: tf.LayersModel, arrays?: Map<string, NamedArray>): Promise<void> {
  const values = model.getWeights();
  // `await data()`: weights initialised on the webgpu backend cannot be read back synchronously under Node.
  const data = await Promise.all(values.map((v) => v.data() as Promise<Float32Array>));
  const byName = new Map(model.weights.map((w, i) => [w.originalName, data[i]]));
  gpu.setWeights((n) => byName.get(n));
  const iter = arrays?.get("optimizer/iter");
  if (!arrays || !iter) return;
  const index = new Map(model.trainableWeights.map((w, i) => [w.originalName, i]));
  const moment = (kind: "m" | "v") => (n: string): Float32Array | undefined => arrays.get(`optimizer/${index.get(n)}/${kind}`)?.data as Float32Array | undefined;
  gpu.setOptimizerState(iter.data[0], moment("m"), moment("v"));
}

/** Copies the engine's weights into the tfjs model (before saving it or evaluating it with tfjs). */
export async function storeIntoModel(gpu: GpuUNet, model: tf.LayersModel): Promise<void> {
  const w = await gpu.getWeights();
  const tensors = model.weights.map((v) => tf.tensor(w.get(v.originalName)!, v.shape as number[]));
  model.setWeights(tensors);
  tf.dispose(tensors);
}

/** Checkpoint arrays (the same names and order as the tfjs path writes) from the engine. */
export async function engineArrays(gpu: GpuUNet, model: tf.LayersModel): Promise<NamedArray[]> {
  const w = await gpu.getWeights();
  const out: NamedArray[] = model.weights.map((v) => ({ name: `model/${v.originalName}`, shape: v.shape as number[], data: w.get(v.originalName)! }));
  const st = await gpu.getOptimizerState();
  out.push({ name: "optimizer/iter", shape: [], data: Int32Array.of(st.step) });
  for (const kind of ["m", "v"] as const) {
    model.trainableWeights.forEach((v, i) => out.push({ name: `optimizer/${i}/${kind}`, shape: v.shape as number[], data: (kind === "m" ? st.m : st.v).get(v.originalName)! }));
  }
  return out;
}

/** Loss and metrics of the engine's current weights (inference mode) over a patch set; Keras metrics per patch. */
export async function evaluateOnEngine(
  gpu: GpuUNet,
  s: PatchSet,
  threshold: number,
  gather: (s: PatchSet, idx: number[]) => { x: Float32Array; y: Float32Array },
  resident: GpuDataset | null = null,
): Promise<EpochMetrics> {
  const acc = new MetricAccumulator(threshold);
  for (let i = 0; i < s.count; i += gpu.batch) {
    const idx = Array.from({ length: Math.min(gpu.batch, s.count - i) }, (_, k) => i + k);
    let r: GpuStepResult;
    const { x, y } = gather(s, idx);
    if (resident) r = await gpu.evaluateOn(resident, idx);
    else r = await gpu.evaluate(x, y, idx.length);
    // Per-patch Keras metrics need the probabilities (the engine returns only the batch's counts).
    acc.addPatches(await gpu.probabilities(idx.length), y, r.loss, s.size * s.size);
  }
  return acc.result();
}
