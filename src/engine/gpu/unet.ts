/// <reference types="@webgpu/types" />
/**
 * The Zigui U-Net's training step as one WebGPU submission: forward, loss, backward and Adam for the whole
 * network are recorded once per plan (batch × patch size) as about 97 dispatches of pipelines built for that
 * plan's fixed shapes, with their bind groups made ahead; a step only uploads the batch, rewrites one
 * 48-byte uniform and replays them, then reads back 16 bytes (loss sum and confusion counts).
 *
 * Why not tfjs-backend-webgpu: it records one dispatch per tfjs op (~1,260 per step at the paper's
 * settings), each with its own uniform buffer, bind group and JavaScript bookkeeping, and its convolution
 * gradients are slow kernels. Here convolutions are implicit GEMMs with fused epilogues (src/engine/gpu/kernels).
 *
 * Weights and Adam moments go in and out in tfjs' layouts and names (`enc1_conv1/kernel`, …), so the tfjs
 * model stays the reference for saving, checkpoints and scene inference.
 */
import type { UNetConfig } from "../unet-spec";
import { buildTrainingGraph, type TrainingGraph } from "./graph";
import { gpuLayers, USAGE, weightsFromTfjs, weightsToTfjs, type GpuDataset, type GpuLayer, type GpuStepResult, type GpuUNetOptions } from "./layout";
import { GpuResources, type Op } from "./resources";
import { STEP_BYTES } from "./kernels";

export { gpuLayers, upKernelFromEngine, upKernelToEngine, type GpuDataset, type GpuLayer, type GpuStepResult, type GpuUNetOptions } from "./layout";

export class GpuUNet {
  readonly layers: GpuLayer[];
  readonly paramCount: number;
  readonly batch: number;
  readonly size: number;
  /** Adam steps taken (tfjs' `iter`). */
  stepCount = 0;
  /** Dispatches per training step (for reports). */
  dispatchesPerStep = 0;
  private readonly opts: Required<GpuUNetOptions>;
  private readonly config: UNetConfig;
  private readonly res: GpuResources;
  private g!: TrainingGraph;
  private readonly readbacks: GPUBuffer[] = [];

  private constructor(
    readonly device: GPUDevice,
    config: UNetConfig,
    opts: GpuUNetOptions,
  ) {
    this.config = config;
    this.res = new GpuResources(device);
    this.opts = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, threshold: 0.5, ...opts };
    const { layers, total } = gpuLayers(config);
    this.layers = layers;
    this.paramCount = total;
    this.batch = opts.batch;
    this.size = opts.size;
    const f = 2 ** (config.filters.length - 1);
    if (opts.size % f !== 0) throw new Error(`GPU engine: patch size ${opts.size} is not divisible by ${f}`);
    if (!(opts.batch >= 1)) throw new Error(`GPU engine: batch must be ≥ 1`);
    if (config.filters.length < 2) throw new Error(`GPU engine: the U-Net needs at least two levels`);
  }

  /** Builds buffers and pipelines for `opts.batch` patches of `opts.size` pixels. */
  static async create(device: GPUDevice, config: UNetConfig, opts: GpuUNetOptions): Promise<GpuUNet> {
    const net = new GpuUNet(device, config, opts);
    net.g = await buildTrainingGraph(net.res, config, net.layers, net.paramCount, net.batch, net.size);
    net.dispatchesPerStep = net.g.forwardOps.length + net.g.backwardOps.length;
    return net;
  }

  private writeStep(train: boolean, seed: number, count: number): void {
    const o = this.opts;
    const t = this.stepCount;
    const buf = new ArrayBuffer(STEP_BYTES);
    const u = new Uint32Array(buf);
    const fv = new Float32Array(buf);
    u[0] = seed >>> 0;
    u[1] = train ? 1 : 0;
    u[2] = count;
    fv[3] = 1 / (count * this.size * this.size);
    fv[4] = o.threshold;
    fv[5] = o.learningRate;
    fv[6] = o.beta1;
    fv[7] = o.beta2;
    fv[8] = o.epsilon;
    fv[9] = 1 - Math.pow(o.beta1, Math.max(1, t));
    fv[10] = 1 - Math.pow(o.beta2, Math.max(1, t));
    this.device.queue.writeBuffer(this.g.uniform, 0, buf);
  }

  private upload(x: Float32Array, y: ArrayLike<number>, count: number): void {
    const px = this.size * this.size;
    const need = count * px * this.config.inputChannels;
    if (!(count >= 1 && count <= this.batch)) throw new Error(`GPU engine: batch of ${count} patches, the plan takes 1–${this.batch}`);
    if (x.length !== need) throw new Error(`GPU engine: ${x.length} input values for ${count} patches of ${this.size}×${this.size}×${this.config.inputChannels}`);
    if (y.length !== count * px) throw new Error(`GPU engine: ${y.length} label values for ${count} patches of ${this.size}×${this.size}`);
    this.device.queue.writeBuffer(this.g.x, 0, x.buffer, x.byteOffset, x.byteLength);
    const yf = y instanceof Float32Array ? y : Float32Array.from(y);
    this.device.queue.writeBuffer(this.g.labels, 0, yf.buffer, yf.byteOffset, yf.byteLength);
  }

  private encode(ops: Op[], batch?: { data: GpuDataset; indices: number[] }): GPUCommandEncoder {
    const enc = this.device.createCommandEncoder();
    if (batch) {
      const per = this.size * this.size * this.config.inputChannels * 4;
      const px = this.size * this.size * 4;
      batch.indices.forEach((i, b) => {
        enc.copyBufferToBuffer(batch.data.images, i * per, this.g.x, b * per, per);
        enc.copyBufferToBuffer(batch.data.labels, i * px, this.g.labels, b * px, px);
      });
    }
    const pass = enc.beginComputePass();
    for (const op of ops) {
      pass.setPipeline(op.pipeline);
      pass.setBindGroup(0, op.group);
      pass.dispatchWorkgroups(op.dispatch[0], op.dispatch[1], op.dispatch[2]);
    }
    pass.end();
    return enc;
  }

  /** Submits the step and returns a promise of its stats; readback buffers are pooled so steps can overlap. */
  private finish(enc: GPUCommandEncoder, count: number): Promise<GpuStepResult> {
    const rb = this.readbacks.pop() ?? this.device.createBuffer({ size: 16, usage: USAGE.mapRead | USAGE.copyDst });
    enc.copyBufferToBuffer(this.g.stats, 0, rb, 0, 16);
    this.device.queue.submit([enc.finish()]);
    const pixels = count * this.size * this.size;
    return rb.mapAsync(1 /* GPUMapMode.READ */).then(() => {
      const s = new Float32Array(rb.getMappedRange().slice(0));
      rb.unmap();
      this.readbacks.push(rb);
      return { loss: s[0] / pixels, tp: s[1], fp: s[2], fn: s[3], tn: pixels - s[1] - s[2] - s[3], pixels };
    });
  }

  /**
   * One training step on `count` ≤ batch patches (channels-last `x`, 0/1 labels `y`): forward with dropout
   * drawn from `seed`, loss, backward, Adam. Resolves to the loss and confusion counts before the update.
   * The step is queued when this returns: the caller may prepare and enqueue the next batch before awaiting
   * this one (uploads are ordered on the GPU queue), which hides the readback's round trip.
   */
  trainStep(x: Float32Array, y: ArrayLike<number>, count: number, seed: number): Promise<GpuStepResult> {
    try {
      this.upload(x, y, count);
    } catch (e) {
      return Promise.reject(e);
    }
    this.stepCount++;
    this.writeStep(true, seed, count);
    return this.finish(this.encode([...this.g.forwardOps, ...this.g.backwardOps]), count);
  }

  /** Loss and confusion counts in inference mode (no dropout, no update); probabilities stay on the GPU (`probabilities()`). */
  evaluate(x: Float32Array, y: ArrayLike<number>, count: number): Promise<GpuStepResult> {
    try {
      this.upload(x, y, count);
    } catch (e) {
      return Promise.reject(e);
    }
    this.writeStep(false, 0, count);
    return this.finish(this.encode(this.g.forwardOps), count);
  }

  /**
   * Keeps a patch set on the GPU (channels-last images and 0/1 masks), so that steps gather their batches
   * with buffer copies on the device instead of uploading them (`trainStepOn`, `evaluateOn`). Resolves to
   * null when the GPU cannot hold it (the caller then uploads each batch); `DLAB_GPU_RESIDENT=off` declines.
   */
  async uploadDataset(images: Float32Array, masks: ArrayLike<number>, count: number): Promise<GpuDataset | null> {
    const px = this.size * this.size;
    if (images.length !== count * px * this.config.inputChannels || masks.length !== count * px) {
      throw new Error(`GPU engine: data set of ${count} patches has ${images.length} image and ${masks.length} mask values`);
    }
    const bytes = images.byteLength + count * px * 4;
    if (process.env.DLAB_GPU_RESIDENT === "off" || images.byteLength > this.device.limits.maxBufferSize) return null;
    this.device.pushErrorScope("out-of-memory");
    const usage = USAGE.copySrc | USAGE.copyDst;
    const img = this.device.createBuffer({ size: Math.max(16, images.byteLength), usage });
    const lab = this.device.createBuffer({ size: Math.max(16, count * px * 4), usage });
    if (await this.device.popErrorScope()) {
      img.destroy();
      lab.destroy();
      return null;
    }
    // In slices, so that Dawn's staging copies stay small for multi-gigabyte sets.
    const chunk = 16 << 20;
    for (let o = 0; o < images.length; o += chunk) {
      const part = images.subarray(o, Math.min(images.length, o + chunk));
      this.device.queue.writeBuffer(img, o * 4, part.buffer, part.byteOffset, part.byteLength);
    }
    for (let o = 0; o < count * px; o += chunk) {
      const n = Math.min(count * px, o + chunk) - o;
      const f = new Float32Array(n);
      for (let k = 0; k < n; k++) f[k] = masks[o + k];
      this.device.queue.writeBuffer(lab, o * 4, f);
    }
    this.res.track(img, lab);
    return { images: img, labels: lab, count, bytes };
  }

  private checkIndices(data: GpuDataset, indices: number[]): void {
    if (!(indices.length >= 1 && indices.length <= this.batch)) throw new Error(`GPU engine: batch of ${indices.length} patches, the plan takes 1–${this.batch}`);
    const bad = indices.find((i) => !(Number.isInteger(i) && i >= 0 && i < data.count));
    if (bad !== undefined) throw new Error(`GPU engine: patch index ${bad} outside the data set of ${data.count}`);
  }

  /** `trainStep` on patches `indices` of a data set kept on the GPU (`uploadDataset`). */
  trainStepOn(data: GpuDataset, indices: number[], seed: number): Promise<GpuStepResult> {
    try {
      this.checkIndices(data, indices);
    } catch (e) {
      return Promise.reject(e);
    }
    this.stepCount++;
    this.writeStep(true, seed, indices.length);
    return this.finish(this.encode([...this.g.forwardOps, ...this.g.backwardOps], { data, indices }), indices.length);
  }

  /** `evaluate` on patches `indices` of a data set kept on the GPU. */
  evaluateOn(data: GpuDataset, indices: number[]): Promise<GpuStepResult> {
    try {
      this.checkIndices(data, indices);
    } catch (e) {
      return Promise.reject(e);
    }
    this.writeStep(false, 0, indices.length);
    return this.finish(this.encode(this.g.forwardOps, { data, indices }), indices.length);
  }

  private async read(buf: GPUBuffer, floats: number): Promise<Float32Array> {
    const staging = this.device.createBuffer({ size: floats * 4, usage: USAGE.mapRead | USAGE.copyDst });
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(buf, 0, staging, 0, floats * 4);
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(1);
    const out = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    return out;
  }

  /** Probabilities of the last step or evaluation (count × size × size). */
  async probabilities(count = this.batch): Promise<Float32Array> {
    return this.read(this.g.probs, count * this.size * this.size);
  }

  /** Sets the weights from tfjs-layout arrays named `<layer>/kernel` and `<layer>/bias`. */
  setWeights(get: (name: string) => Float32Array | undefined): void {
    const flat = weightsFromTfjs(this.layers, this.paramCount, get, "weights");
    this.device.queue.writeBuffer(this.g.params, 0, flat);
  }

  async getWeights(): Promise<Map<string, Float32Array>> {
    return weightsToTfjs(this.layers, await this.read(this.g.params, this.paramCount));
  }

  /** Gradients of the last training step, tfjs layout. */
  async getGradients(): Promise<Map<string, Float32Array>> {
    return weightsToTfjs(this.layers, await this.read(this.g.grads, this.paramCount));
  }

  /** Adam's step count and moments in tfjs layout (for checkpoints). */
  async getOptimizerState(): Promise<{ step: number; m: Map<string, Float32Array>; v: Map<string, Float32Array> }> {
    return { step: this.stepCount, m: weightsToTfjs(this.layers, await this.read(this.g.mom1, this.paramCount)), v: weightsToTfjs(this.layers, await this.read(this.g.mom2, this.paramCount)) };
  }

  setOptimizerState(step: number, m: (name: string) => Float32Array | undefined, v: (name: string) => Float32Array | undefined): void {
    this.stepCount = step;
    this.device.queue.writeBuffer(this.g.mom1, 0, weightsFromTfjs(this.layers, this.paramCount, m, "Adam first moments"));
    this.device.queue.writeBuffer(this.g.mom2, 0, weightsFromTfjs(this.layers, this.paramCount, v, "Adam second moments"));
  }

  /**
   * Milliseconds per dispatch of each op of a training step, each timed alone (`repeats` back-to-back
   * dispatches in one submission, after the buffers hold a real step's values). For tuning; run after a step.
   */
  async profile(repeats = 20): Promise<{ label: string; ms: number; workgroups: number }[]> {
    const out: { label: string; ms: number; workgroups: number }[] = [];
    for (const op of [...this.g.forwardOps, ...this.g.backwardOps]) {
      const t0 = performance.now();
      this.device.queue.submit([this.encode(Array.from({ length: repeats }, () => op)).finish()]);
      await this.device.queue.onSubmittedWorkDone();
      out.push({ label: op.label, ms: (performance.now() - t0) / repeats, workgroups: op.dispatch[0] * op.dispatch[1] * op.dispatch[2] });
    }
    return out;
  }

  /** Waits for all queued GPU work (for timing). */
  async sync(): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
  }

  destroy(): void {
    this.res.destroy();
  }
}
