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
import { gemmDispatch, gemmWgsl, splitEpilogueWgsl, splitForGrid, type GemmSpec } from "./gemm";
import {
  adamWgsl,
  dropoutSalts,
  chooseSplits,
  convFilterGrad,
  convForward,
  convInputGrad,
  headWgsl,
  poolBackwardWgsl,
  poolForwardWgsl,
  STEP_BYTES,
  statsWgsl,
  upFilterGrad,
  upForward,
  upInputGrad,
  type ConvShape,
  type GradSegment,
  type UpShape,
  type View,
} from "./kernels";

export interface GpuLayer {
  /** tfjs layer name (`enc1_conv1`, `dec4_up`, `head_logits`). */
  name: string;
  kind: "conv" | "up";
  k: number;
  cin: number;
  cout: number;
  /** Float offsets in the flat parameter buffer. */
  wOff: number;
  bOff: number;
}

/** The layers of `buildUNet(config)` in forward order, with their places in one flat parameter buffer. */
export function gpuLayers(c: Pick<UNetConfig, "filters" | "inputChannels" | "kernelSize" | "upsampleSize">): { layers: GpuLayer[]; total: number } {
  if (c.upsampleSize !== 2) throw new Error(`GPU engine: only 2×2 transposed convolutions are implemented (upsampleSize ${c.upsampleSize})`);
  if (c.kernelSize % 2 !== 1) throw new Error(`GPU engine: kernelSize must be odd ("same" padding), got ${c.kernelSize}`);
  const layers: GpuLayer[] = [];
  let off = 0;
  const add = (name: string, kind: "conv" | "up", k: number, cin: number, cout: number): void => {
    const w = kind === "conv" ? k * k * cin * cout : 4 * cin * cout;
    layers.push({ name, kind, k, cin, cout, wOff: off, bOff: off + w });
    off += w + cout;
  };
  const L = c.filters.length;
  let cin = c.inputChannels;
  for (let i = 0; i < L; i++) {
    add(`enc${i + 1}_conv1`, "conv", c.kernelSize, cin, c.filters[i]);
    add(`enc${i + 1}_conv2`, "conv", c.kernelSize, c.filters[i], c.filters[i]);
    cin = c.filters[i];
  }
  for (let j = L - 2; j >= 0; j--) {
    const fj = c.filters[j];
    add(`dec${j + 1}_up`, "up", 2, cin, fj);
    add(`dec${j + 1}_conv1`, "conv", c.kernelSize, 2 * fj, fj);
    add(`dec${j + 1}_conv2`, "conv", c.kernelSize, fj, fj);
    cin = fj;
  }
  add("head_logits", "conv", 1, cin, 1);
  return { layers, total: off };
}

/** tfjs conv2dTranspose kernel [a][b][cout][cin] → engine [cin][tap = 2a+b][cout]. */
export function upKernelToEngine(w: Float32Array, cin: number, cout: number, out = new Float32Array(4 * cin * cout)): Float32Array {
  for (let tap = 0; tap < 4; tap++) for (let co = 0; co < cout; co++) for (let ci = 0; ci < cin; ci++) out[(ci * 4 + tap) * cout + co] = w[(tap * cout + co) * cin + ci];
  return out;
}

/** Engine [cin][tap][cout] → tfjs [a][b][cout][cin]. */
export function upKernelFromEngine(w: Float32Array, cin: number, cout: number, out = new Float32Array(4 * cin * cout)): Float32Array {
  for (let tap = 0; tap < 4; tap++) for (let co = 0; co < cout; co++) for (let ci = 0; ci < cin; ci++) out[(tap * cout + co) * cin + ci] = w[(ci * 4 + tap) * cout + co];
  return out;
}

export interface GpuUNetOptions {
  /** Largest batch a step takes (smaller ones are padded and masked). */
  batch: number;
  /** Patch side in pixels. */
  size: number;
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Probability above which a pixel counts as landslide in the returned counts. */
  threshold?: number;
}

export interface GpuStepResult {
  /** Mean binary cross-entropy over the batch's pixels. */
  loss: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  pixels: number;
}

/** A patch set kept in GPU memory (`GpuUNet.uploadDataset`). */
export interface GpuDataset {
  images: GPUBuffer;
  labels: GPUBuffer;
  count: number;
  bytes: number;
}

type Kind = "ro" | "rw" | "uniform";

interface Op {
  label: string;
  pipeline: GPUComputePipeline;
  group: GPUBindGroup;
  dispatch: [number, number, number];
}

const USAGE = { storage: 0x80, copySrc: 0x04, copyDst: 0x08, uniform: 0x40, mapRead: 0x01 };
const STAGE_COMPUTE = 0x4;

/** Workgroup counts for `n` threads of 256 as a 2-D grid (WebGPU caps each dimension at 65,535). */
function flatDispatch(n: number): [number, number, number] {
  const g = Math.max(1, Math.ceil(n / 256));
  if (g <= 65535) return [g, 1, 1];
  const y = Math.ceil(g / 65535);
  return [Math.ceil(g / y), y, 1];
}

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
  private readonly buffers: GPUBuffer[] = [];
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  private params!: GPUBuffer;
  private mom1!: GPUBuffer;
  private mom2!: GPUBuffer;
  private grads!: GPUBuffer;
  private x!: GPUBuffer;
  private labels!: GPUBuffer;
  private probs!: GPUBuffer;
  private stats!: GPUBuffer;
  private uniform!: GPUBuffer;
  private readonly readbacks: GPUBuffer[] = [];
  private forwardOps: Op[] = [];
  private backwardOps: Op[] = [];

  private constructor(
    readonly device: GPUDevice,
    config: UNetConfig,
    opts: GpuUNetOptions,
  ) {
    this.config = config;
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
    await net.build();
    return net;
  }

  private buffer(floats: number, usage = USAGE.storage | USAGE.copySrc | USAGE.copyDst): GPUBuffer {
    const b = this.device.createBuffer({ size: Math.max(16, Math.ceil((floats * 4) / 16) * 16), usage });
    this.buffers.push(b);
    return b;
  }

  private layout(kinds: Kind[]): GPUBindGroupLayout {
    const key = kinds.join(",");
    let l = this.layouts.get(key);
    if (!l) {
      l = this.device.createBindGroupLayout({
        entries: kinds.map((k, i) => ({
          binding: i,
          visibility: STAGE_COMPUTE,
          buffer: { type: k === "uniform" ? "uniform" : k === "ro" ? "read-only-storage" : "storage" },
        })),
      });
      this.layouts.set(key, l);
    }
    return l;
  }

  private async pipeline(code: string, kinds: Kind[], label: string): Promise<GPUComputePipeline> {
    const module = this.device.createShaderModule({ code, label });
    const layout = this.device.createPipelineLayout({ bindGroupLayouts: [this.layout(kinds)] });
    try {
      return await this.device.createComputePipelineAsync({ layout, compute: { module, entryPoint: "main" }, label });
    } catch (e) {
      const info = await module.getCompilationInfo();
      const msgs = info.messages.map((m) => `${m.type} ${m.lineNum}:${m.linePos} ${m.message}`).join("; ");
      throw new Error(`GPU engine: pipeline "${label}" failed: ${(e as Error).message}${msgs ? ` (${msgs})` : ""}`);
    }
  }

  private group(kinds: Kind[], buffers: GPUBuffer[]): GPUBindGroup {
    return this.device.createBindGroup({ layout: this.layout(kinds), entries: buffers.map((buffer, i) => ({ binding: i, resource: { buffer } })) });
  }

  private async build(): Promise<void> {
    const c = this.config;
    const L = c.filters.length;
    const B = this.batch;
    const S = this.size;
    const byName = new Map(this.layers.map((l) => [l.name, l]));
    const layer = (n: string): GpuLayer => byName.get(n)!;
    const P = this.paramCount;
    this.params = this.buffer(P);
    this.mom1 = this.buffer(P);
    this.mom2 = this.buffer(P);
    this.grads = this.buffer(P);
    this.x = this.buffer(B * S * S * c.inputChannels);
    this.labels = this.buffer(B * S * S);
    this.probs = this.buffer(B * S * S);
    this.uniform = this.buffer(STEP_BYTES / 4, USAGE.uniform | USAGE.copyDst);
    const dummy = this.buffer(4);

    const px = (i: number): number => B * (S >> i) ** 2;
    const fl = c.filters;
    // Activations. C[i]: the decoder's concatenation at level i ([up | skip]); the encoder's second
    // convolution writes the skip half directly.
    const D = fl.map((fi, i) => this.buffer(px(i) * fi));
    const C = fl.slice(0, L - 1).map((fi, i) => this.buffer(px(i) * 2 * fi));
    const Ebottom = this.buffer(px(L - 1) * fl[L - 1]);
    const Pool = fl.slice(0, L - 1).map((fi, i) => this.buffer(px(i + 1) * fi));
    const Dd = fl.slice(0, L - 1).map((fi, i) => this.buffer(px(i) * fi));
    const Y = fl.slice(0, L - 1).map((fi, i) => this.buffer(px(i) * fi));
    // Gradients with respect to each convolution's pre-activation output, and to concatenations and pools.
    const gE1 = fl.map((fi, i) => this.buffer(px(i) * fi));
    const gE2 = fl.map((fi, i) => this.buffer(px(i) * fi));
    const gD1 = fl.slice(0, L - 1).map((fi, i) => this.buffer(px(i) * fi));
    const gD2 = fl.slice(0, L - 1).map((fi, i) => this.buffer(px(i) * fi));
    const gC = fl.slice(0, L - 1).map((fi, i) => this.buffer(px(i) * 2 * fi));
    const gPool = fl.slice(0, L - 1).map((fi, i) => this.buffer(px(i + 1) * fi));
    const dz = this.buffer(B * S * S);
    const headGroups = Math.ceil((B * S * S) / 256);
    const statPart = this.buffer(headGroups * 4);
    this.stats = this.buffer(4);

    const v = (stride: number, offset = 0): View => ({ stride, offset });
    const E = (i: number): { buf: GPUBuffer; view: View } => (i < L - 1 ? { buf: C[i], view: v(2 * fl[i], fl[i]) } : { buf: Ebottom, view: v(fl[i]) });
    const gemmKinds: Kind[] = ["ro", "ro", "rw", "ro", "uniform"];
    const pending: Promise<Op>[] = [];
    const fwd: (Promise<Op> | null)[] = [];
    const gemmOp = (spec: GemmSpec, a: GPUBuffer, b: GPUBuffer, dst: GPUBuffer, aux: GPUBuffer): Promise<Op> => {
      const p = (async (): Promise<Op> => ({
        label: spec.label,
        pipeline: await this.pipeline(gemmWgsl(spec), gemmKinds, spec.label),
        group: this.group(gemmKinds, [a, b, dst, aux, this.uniform]),
        dispatch: gemmDispatch(spec),
      }))();
      pending.push(p);
      return p;
    };
    // GEMMs whose grid is too small for a large GPU run as split-K into `scratch` plus an epilogue pass;
    // scratch is sized once the whole graph is known, so their ops are made at the end.
    const splitJobs: { list: (Promise<Op> | null)[]; at: number; spec: GemmSpec; a: GPUBuffer; b: GPUBuffer; dst: GPUBuffer; aux: GPUBuffer }[] = [];
    let scratchFloats = 0;
    const gemm = (list: (Promise<Op> | null)[], spec: GemmSpec, a: GPUBuffer, b: GPUBuffer, dst: GPUBuffer, aux: GPUBuffer): void => {
      const split = process.env.DLAB_GPU_SPLIT === "off" ? null : splitForGrid(spec);
      if (!split) {
        list.push(gemmOp(spec, a, b, dst, aux));
        return;
      }
      scratchFloats = Math.max(scratchFloats, split.zCount * split.M * split.N);
      splitJobs.push({ list, at: list.length, spec: split, a, b, dst, aux });
      list.push(null, null);
    };
    const simple = (list: (Promise<Op> | null)[], label: string, code: string, kinds: Kind[], bufs: GPUBuffer[], dispatch: [number, number, number]): void => {
      const p = (async (): Promise<Op> => ({ label, pipeline: await this.pipeline(code, kinds, label), group: this.group(kinds, bufs), dispatch }))();
      list.push(p);
      pending.push(p);
    };
    const convShape = (l: GpuLayer, level: number): ConvShape => ({ batch: B, height: S >> level, width: S >> level, cin: l.cin, cout: l.cout, k: l.k, wOff: l.wOff, bOff: l.bOff });
    const segments: GradSegment[] = [];
    let partFloats = 0;
    const addSegment = (l: GpuLayer, spec: GemmSpec): number => {
      const off = partFloats;
      const splitSize = (spec.M + 1) * spec.N; // filter rows and the bias row
      partFloats += splitSize * spec.zCount;
      segments.push({ paramOff: l.wOff, weights: l.bOff - l.wOff, biases: l.cout, partOff: off, splitSize, splits: spec.zCount, fold: l.kind === "up" ? 4 : 1 });
      return off;
    };
    // Filter-gradient specs need the partial buffer, which is sized once all are known.
    const wgradJobs: { spec: GemmSpec; a: GPUBuffer; b: GPUBuffer; at: number }[] = [];
    const wgrad = (l: GpuLayer, level: number, input: { buf: GPUBuffer; view: View }, grad: { buf: GPUBuffer; view: View }): void => {
      const make = (partOff: number, splits: number): GemmSpec =>
        l.kind === "conv" ? convFilterGrad(convShape(l, level), input.view, grad.view, partOff, splits) : upFilterGrad(upShape(l, level), input.view, grad.view, partOff, splits);
      const probe = make(0, 1);
      const pixels = l.kind === "conv" ? px(level) : px(level + 1);
      const splits = chooseSplits(pixels, Math.ceil(probe.M / probe.tile.BM) * Math.ceil(probe.N / probe.tile.BN));
      const spec = make(addSegment(l, make(0, splits)), splits);
      wgradJobs.push({ spec, a: input.buf, b: grad.buf, at: bwdOrder.length });
      bwdOrder.push(null);
    };
    // Input height/width of an up layer at decoder level j is that of level j + 1.
    const upShape = (l: GpuLayer, level: number): UpShape => ({ batch: B, height: S >> (level + 1), width: S >> (level + 1), cin: l.cin, cout: l.cout, wOff: l.wOff, bOff: l.bOff });
    const bwdOrder: (Promise<Op> | null)[] = [];

    // ---------------- forward
    const salts = dropoutSalts(L);
    for (let i = 0; i < L; i++) {
      const input = i === 0 ? { buf: this.x, view: v(c.inputChannels) } : { buf: Pool[i - 1], view: v(fl[i - 1]) };
      const c1 = layer(`enc${i + 1}_conv1`);
      const c2 = layer(`enc${i + 1}_conv2`);
      gemm(fwd, convForward(convShape(c1, i), input.view, v(fl[i]), { relu: true, dropout: c.encoderDropout[i], salt: salts[i] }), input.buf, this.params, D[i], this.params);
      const e = E(i);
      gemm(fwd, convForward(convShape(c2, i), v(fl[i]), e.view, { relu: true, dropout: 0, salt: 0 }), D[i], this.params, e.buf, this.params);
      if (i < L - 1) {
        const n = px(i + 1) * fl[i];
        simple(fwd, `pool ${i + 1}`, poolForwardWgsl(B, S >> i, S >> i, fl[i], e.view), gemmKinds, [e.buf, dummy, Pool[i], dummy, this.uniform], flatDispatch(n));
      }
    }
    for (let j = L - 2; j >= 0; j--) {
      const below = j === L - 2 ? E(L - 1) : { buf: Y[j + 1], view: v(fl[j + 1]) };
      const up = layer(`dec${j + 1}_up`);
      const c1 = layer(`dec${j + 1}_conv1`);
      const c2 = layer(`dec${j + 1}_conv2`);
      gemm(fwd, upForward(upShape(up, j), below.view, v(2 * fl[j], 0)), below.buf, this.params, C[j], this.params);
      gemm(fwd, convForward(convShape(c1, j), v(2 * fl[j]), v(fl[j]), { relu: true, dropout: c.decoderDropout[L - 2 - j], salt: salts[L + (L - 2 - j)] }), C[j], this.params, Dd[j], this.params);
      gemm(fwd, convForward(convShape(c2, j), v(fl[j]), v(fl[j]), { relu: true, dropout: 0, salt: 0 }), Dd[j], this.params, Y[j], this.params);
    }
    const head = layer("head_logits");
    const topY = L > 1 ? Y[0] : Ebottom;
    const headKinds: Kind[] = ["ro", "ro", "ro", "rw", "rw", "rw", "rw", "uniform"];
    const gTop = L > 1 ? gD2[0] : gE2[0];
    simple(fwd, "head + loss", headWgsl(B, S * S, fl[0], head.wOff, head.bOff), headKinds, [topY, this.params, this.labels, gTop, dz, this.probs, statPart, this.uniform], [headGroups, 1, 1]);
    simple(fwd, "stats", statsWgsl(headGroups), ["ro", "rw"], [statPart, this.stats], [1, 1, 1]);

    // ---------------- backward (gradients of each convolution's pre-activation output)
    wgrad(head, 0, { buf: topY, view: v(fl[0]) }, { buf: dz, view: v(1) });
    for (let j = 0; j <= L - 2; j++) {
      const up = layer(`dec${j + 1}_up`);
      const c1 = layer(`dec${j + 1}_conv1`);
      const c2 = layer(`dec${j + 1}_conv2`);
      const pd = c.decoderDropout[L - 2 - j];
      wgrad(c2, j, { buf: Dd[j], view: v(fl[j]) }, { buf: gD2[j], view: v(fl[j]) });
      gemm(bwdOrder, convInputGrad(convShape(c2, j), v(fl[j]), v(fl[j]), { relu: true, scale: 1 / (1 - pd), view: v(fl[j]) }), gD2[j], this.params, gD1[j], Dd[j]);
      wgrad(c1, j, { buf: C[j], view: v(2 * fl[j]) }, { buf: gD1[j], view: v(fl[j]) });
      gemm(bwdOrder, convInputGrad(convShape(c1, j), v(fl[j]), v(2 * fl[j]), null), gD1[j], this.params, gC[j], dummy);
      const below = j === L - 2 ? E(L - 1) : { buf: Y[j + 1], view: v(fl[j + 1]) };
      const gBelow = j === L - 2 ? gE2[L - 1] : gD2[j + 1];
      wgrad(up, j, below, { buf: gC[j], view: v(2 * fl[j], 0) });
      gemm(bwdOrder, upInputGrad(upShape(up, j), v(2 * fl[j], 0), v(fl[j + 1]), { relu: true, scale: 1, view: below.view }), gC[j], this.params, gBelow, below.buf);
    }
    for (let i = L - 1; i >= 0; i--) {
      const c1 = layer(`enc${i + 1}_conv1`);
      const c2 = layer(`enc${i + 1}_conv2`);
      const pe = c.encoderDropout[i];
      wgrad(c2, i, { buf: D[i], view: v(fl[i]) }, { buf: gE2[i], view: v(fl[i]) });
      gemm(bwdOrder, convInputGrad(convShape(c2, i), v(fl[i]), v(fl[i]), { relu: true, scale: 1 / (1 - pe), view: v(fl[i]) }), gE2[i], this.params, gE1[i], D[i]);
      const input = i === 0 ? { buf: this.x, view: v(c.inputChannels) } : { buf: Pool[i - 1], view: v(fl[i - 1]) };
      wgrad(c1, i, input, { buf: gE1[i], view: v(fl[i]) });
      if (i > 0) {
        gemm(bwdOrder, convInputGrad(convShape(c1, i), v(fl[i]), v(fl[i - 1]), null), gE1[i], this.params, gPool[i - 1], dummy);
        const e = E(i - 1);
        const n = px(i) * fl[i - 1];
        simple(bwdOrder, `pool ${i} backward`, poolBackwardWgsl(B, S >> (i - 1), S >> (i - 1), fl[i - 1], e.view, v(2 * fl[i - 1], fl[i - 1])), gemmKinds, [e.buf, gPool[i - 1], gE2[i - 1], gC[i - 1], this.uniform], flatDispatch(n));
      }
    }
    // Now the partial-sum buffer's size is known: create it and the filter-gradient ops in their places.
    const part = this.buffer(partFloats);
    for (const job of wgradJobs) bwdOrder[job.at] = gemmOp(job.spec, job.a, job.b, part, dummy);
    const scratch = this.buffer(Math.max(1, scratchFloats));
    for (const job of splitJobs) {
      job.list[job.at] = gemmOp(job.spec, job.a, job.b, scratch, dummy);
      const total = job.spec.M * job.spec.N;
      const p = (async (): Promise<Op> => ({
        label: `${job.spec.label} epilogue`,
        pipeline: await this.pipeline(splitEpilogueWgsl(job.spec), gemmKinds, `${job.spec.label} epilogue`),
        group: this.group(gemmKinds, [scratch, dummy, job.dst, job.aux, this.uniform]),
        dispatch: flatDispatch(total),
      }))();
      pending.push(p);
      job.list[job.at + 1] = p;
    }
    const adamKinds: Kind[] = ["rw", "rw", "rw", "rw", "ro", "uniform"];
    simple(bwdOrder, "gradient sums + Adam", adamWgsl(segments, this.paramCount), adamKinds, [this.params, this.mom1, this.mom2, this.grads, part, this.uniform], flatDispatch(this.paramCount));
    const settled = await Promise.allSettled(pending);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    this.forwardOps = await Promise.all(fwd as Promise<Op>[]);
    this.backwardOps = await Promise.all(bwdOrder as Promise<Op>[]);
    this.dispatchesPerStep = this.forwardOps.length + this.backwardOps.length;
    for (const op of [...this.forwardOps, ...this.backwardOps]) {
      if (op.dispatch.some((d) => d > 65535)) throw new Error(`GPU engine: ${op.label} needs ${op.dispatch.join("×")} workgroups (over 65,535 in one dimension); use a smaller batch`);
    }
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
    this.device.queue.writeBuffer(this.uniform, 0, buf);
  }

  private upload(x: Float32Array, y: ArrayLike<number>, count: number): void {
    const px = this.size * this.size;
    const need = count * px * this.config.inputChannels;
    if (!(count >= 1 && count <= this.batch)) throw new Error(`GPU engine: batch of ${count} patches, the plan takes 1–${this.batch}`);
    if (x.length !== need) throw new Error(`GPU engine: ${x.length} input values for ${count} patches of ${this.size}×${this.size}×${this.config.inputChannels}`);
    if (y.length !== count * px) throw new Error(`GPU engine: ${y.length} label values for ${count} patches of ${this.size}×${this.size}`);
    this.device.queue.writeBuffer(this.x, 0, x.buffer, x.byteOffset, x.byteLength);
    const yf = y instanceof Float32Array ? y : Float32Array.from(y);
    this.device.queue.writeBuffer(this.labels, 0, yf.buffer, yf.byteOffset, yf.byteLength);
  }

  private encode(ops: Op[], batch?: { data: GpuDataset; indices: number[] }): GPUCommandEncoder {
    const enc = this.device.createCommandEncoder();
    if (batch) {
      const per = this.size * this.size * this.config.inputChannels * 4;
      const px = this.size * this.size * 4;
      batch.indices.forEach((i, b) => {
        enc.copyBufferToBuffer(batch.data.images, i * per, this.x, b * per, per);
        enc.copyBufferToBuffer(batch.data.labels, i * px, this.labels, b * px, px);
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
    enc.copyBufferToBuffer(this.stats, 0, rb, 0, 16);
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
    return this.finish(this.encode([...this.forwardOps, ...this.backwardOps]), count);
  }

  /** Loss and confusion counts in inference mode (no dropout, no update); probabilities stay on the GPU (`probabilities()`). */
  evaluate(x: Float32Array, y: ArrayLike<number>, count: number): Promise<GpuStepResult> {
    try {
      this.upload(x, y, count);
    } catch (e) {
      return Promise.reject(e);
    }
    this.writeStep(false, 0, count);
    return this.finish(this.encode(this.forwardOps), count);
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
    this.buffers.push(img, lab);
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
    return this.finish(this.encode([...this.forwardOps, ...this.backwardOps], { data, indices }), indices.length);
  }

  /** `evaluate` on patches `indices` of a data set kept on the GPU. */
  evaluateOn(data: GpuDataset, indices: number[]): Promise<GpuStepResult> {
    try {
      this.checkIndices(data, indices);
    } catch (e) {
      return Promise.reject(e);
    }
    this.writeStep(false, 0, indices.length);
    return this.finish(this.encode(this.forwardOps, { data, indices }), indices.length);
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
    return this.read(this.probs, count * this.size * this.size);
  }

  private toTfjs(flat: Float32Array): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const l of this.layers) {
      const w = flat.subarray(l.wOff, l.bOff);
      out.set(`${l.name}/kernel`, l.kind === "up" ? upKernelFromEngine(w, l.cin, l.cout) : w.slice());
      out.set(`${l.name}/bias`, flat.slice(l.bOff, l.bOff + l.cout));
    }
    return out;
  }

  private fromTfjs(get: (name: string) => Float32Array | undefined, what: string): Float32Array {
    const flat = new Float32Array(this.paramCount);
    for (const l of this.layers) {
      const w = get(`${l.name}/kernel`);
      const b = get(`${l.name}/bias`);
      const nw = l.bOff - l.wOff;
      if (!w || !b) throw new Error(`GPU engine: ${what} lacks ${l.name}/${w ? "bias" : "kernel"}`);
      if (w.length !== nw || b.length !== l.cout) throw new Error(`GPU engine: ${what} ${l.name} has ${w.length}+${b.length} values, the layer needs ${nw}+${l.cout}`);
      if (l.kind === "up") upKernelToEngine(w, l.cin, l.cout, flat.subarray(l.wOff, l.bOff));
      else flat.set(w, l.wOff);
      flat.set(b, l.bOff);
    }
    return flat;
  }

  /** Sets the weights from tfjs-layout arrays named `<layer>/kernel` and `<layer>/bias`. */
  setWeights(get: (name: string) => Float32Array | undefined): void {
    const flat = this.fromTfjs(get, "weights");
    this.device.queue.writeBuffer(this.params, 0, flat);
  }

  async getWeights(): Promise<Map<string, Float32Array>> {
    return this.toTfjs(await this.read(this.params, this.paramCount));
  }

  /** Gradients of the last training step, tfjs layout. */
  async getGradients(): Promise<Map<string, Float32Array>> {
    return this.toTfjs(await this.read(this.grads, this.paramCount));
  }

  /** Adam's step count and moments in tfjs layout (for checkpoints). */
  async getOptimizerState(): Promise<{ step: number; m: Map<string, Float32Array>; v: Map<string, Float32Array> }> {
    return { step: this.stepCount, m: this.toTfjs(await this.read(this.mom1, this.paramCount)), v: this.toTfjs(await this.read(this.mom2, this.paramCount)) };
  }

  setOptimizerState(step: number, m: (name: string) => Float32Array | undefined, v: (name: string) => Float32Array | undefined): void {
    this.stepCount = step;
    this.device.queue.writeBuffer(this.mom1, 0, this.fromTfjs(m, "Adam first moments"));
    this.device.queue.writeBuffer(this.mom2, 0, this.fromTfjs(v, "Adam second moments"));
  }

  /**
   * Milliseconds per dispatch of each op of a training step, each timed alone (`repeats` back-to-back
   * dispatches in one submission, after the buffers hold a real step's values). For tuning; run after a step.
   */
  async profile(repeats = 20): Promise<{ label: string; ms: number; workgroups: number }[]> {
    const out: { label: string; ms: number; workgroups: number }[] = [];
    for (const op of [...this.forwardOps, ...this.backwardOps]) {
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
    for (const b of this.buffers) b.destroy();
    this.buffers.length = 0;
  }
}
