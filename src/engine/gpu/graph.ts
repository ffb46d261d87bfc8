/// <reference types="@webgpu/types" />
/**
 * The U-Net's training step recorded as dispatches: the activation and gradient buffers of one plan
 * (batch × patch size), and the forward, loss, backward and Adam ops in order, each a pipeline built for
 * the plan's fixed shapes with its bind group made ahead.
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

import { flatDispatch, USAGE, type GpuLayer } from "./layout";
import type { GpuResources, Kind, Op } from "./resources";

/** The buffers a step reads and writes from outside the graph, and the ops of a step. */
export interface TrainingGraph {
  params: GPUBuffer;
  mom1: GPUBuffer;
  mom2: GPUBuffer;
  grads: GPUBuffer;
  x: GPUBuffer;
  labels: GPUBuffer;
  probs: GPUBuffer;
  uniform: GPUBuffer;
  stats: GPUBuffer;
  forwardOps: Op[];
  backwardOps: Op[];
}

/** Builds buffers and pipelines for batches of `B` patches of `S` pixels. */
export async function buildTrainingGraph(res: GpuResources, c: UNetConfig, layers: GpuLayer[], paramCount: number, B: number, S: number): Promise<TrainingGraph> {
  const L = c.filters.length;
  const byName = new Map(layers.map((l) => [l.name, l]));
  const layer = (n: string): GpuLayer => byName.get(n)!;
  const P = paramCount;
  const g = {
    params: res.buffer(P),
    mom1: res.buffer(P),
    mom2: res.buffer(P),
    grads: res.buffer(P),
    x: res.buffer(B * S * S * c.inputChannels),
    labels: res.buffer(B * S * S),
    probs: res.buffer(B * S * S),
    uniform: res.buffer(STEP_BYTES / 4, USAGE.uniform | USAGE.copyDst),
    stats: res.buffer(4),
  };
  const dummy = res.buffer(4);

  const px = (i: number): number => B * (S >> i) ** 2;
  const fl = c.filters;
  // Activations. C[i]: the decoder's concatenation at level i ([up | skip]); the encoder's second
  // convolution writes the skip half directly.
  const D = fl.map((fi, i) => res.buffer(px(i) * fi));
  const C = fl.slice(0, L - 1).map((fi, i) => res.buffer(px(i) * 2 * fi));
  const Ebottom = res.buffer(px(L - 1) * fl[L - 1]);
  const Pool = fl.slice(0, L - 1).map((fi, i) => res.buffer(px(i + 1) * fi));
  const Dd = fl.slice(0, L - 1).map((fi, i) => res.buffer(px(i) * fi));
  const Y = fl.slice(0, L - 1).map((fi, i) => res.buffer(px(i) * fi));
  // Gradients with respect to each convolution's pre-activation output, and to concatenations and pools.
  const gE1 = fl.map((fi, i) => res.buffer(px(i) * fi));
  const gE2 = fl.map((fi, i) => res.buffer(px(i) * fi));
  const gD1 = fl.slice(0, L - 1).map((fi, i) => res.buffer(px(i) * fi));
  const gD2 = fl.slice(0, L - 1).map((fi, i) => res.buffer(px(i) * fi));
  const gC = fl.slice(0, L - 1).map((fi, i) => res.buffer(px(i) * 2 * fi));
  const gPool = fl.slice(0, L - 1).map((fi, i) => res.buffer(px(i + 1) * fi));
  const dz = res.buffer(B * S * S);
  const headGroups = Math.ceil((B * S * S) / 256);
  const statPart = res.buffer(headGroups * 4);

  const v = (stride: number, offset = 0): View => ({ stride, offset });
  const E = (i: number): { buf: GPUBuffer; view: View } => (i < L - 1 ? { buf: C[i], view: v(2 * fl[i], fl[i]) } : { buf: Ebottom, view: v(fl[i]) });
  const gemmKinds: Kind[] = ["ro", "ro", "rw", "ro", "uniform"];
  const pending: Promise<Op>[] = [];
  const fwd: (Promise<Op> | null)[] = [];
  const gemmOp = (spec: GemmSpec, a: GPUBuffer, b: GPUBuffer, dst: GPUBuffer, aux: GPUBuffer): Promise<Op> => {
    const p = (async (): Promise<Op> => ({
      label: spec.label,
      pipeline: await res.pipeline(gemmWgsl(spec), gemmKinds, spec.label),
      group: res.group(gemmKinds, [a, b, dst, aux, g.uniform]),
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
    const p = (async (): Promise<Op> => ({ label, pipeline: await res.pipeline(code, kinds, label), group: res.group(kinds, bufs), dispatch }))();
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
    const input = i === 0 ? { buf: g.x, view: v(c.inputChannels) } : { buf: Pool[i - 1], view: v(fl[i - 1]) };
    const c1 = layer(`enc${i + 1}_conv1`);
    const c2 = layer(`enc${i + 1}_conv2`);
    gemm(fwd, convForward(convShape(c1, i), input.view, v(fl[i]), { relu: true, dropout: c.encoderDropout[i], salt: salts[i] }), input.buf, g.params, D[i], g.params);
    const e = E(i);
    gemm(fwd, convForward(convShape(c2, i), v(fl[i]), e.view, { relu: true, dropout: 0, salt: 0 }), D[i], g.params, e.buf, g.params);
    if (i < L - 1) {
      const n = px(i + 1) * fl[i];
      simple(fwd, `pool ${i + 1}`, poolForwardWgsl(B, S >> i, S >> i, fl[i], e.view), gemmKinds, [e.buf, dummy, Pool[i], dummy, g.uniform], flatDispatch(n));
    }
  }
  for (let j = L - 2; j >= 0; j--) {
    const below = j === L - 2 ? E(L - 1) : { buf: Y[j + 1], view: v(fl[j + 1]) };
    const up = layer(`dec${j + 1}_up`);
    const c1 = layer(`dec${j + 1}_conv1`);
    const c2 = layer(`dec${j + 1}_conv2`);
    gemm(fwd, upForward(upShape(up, j), below.view, v(2 * fl[j], 0)), below.buf, g.params, C[j], g.params);
    gemm(fwd, convForward(convShape(c1, j), v(2 * fl[j]), v(fl[j]), { relu: true, dropout: c.decoderDropout[L - 2 - j], salt: salts[L + (L - 2 - j)] }), C[j], g.params, Dd[j], g.params);
    gemm(fwd, convForward(convShape(c2, j), v(fl[j]), v(fl[j]), { relu: true, dropout: 0, salt: 0 }), Dd[j], g.params, Y[j], g.params);
  }
  const head = layer("head_logits");
  const topY = L > 1 ? Y[0] : Ebottom;
  const headKinds: Kind[] = ["ro", "ro", "ro", "rw", "rw", "rw", "rw", "uniform"];
  const gTop = L > 1 ? gD2[0] : gE2[0];
  simple(fwd, "head + loss", headWgsl(B, S * S, fl[0], head.wOff, head.bOff), headKinds, [topY, g.params, g.labels, gTop, dz, g.probs, statPart, g.uniform], [headGroups, 1, 1]);
  simple(fwd, "stats", statsWgsl(headGroups), ["ro", "rw"], [statPart, g.stats], [1, 1, 1]);

  // ---------------- backward (gradients of each convolution's pre-activation output)
  wgrad(head, 0, { buf: topY, view: v(fl[0]) }, { buf: dz, view: v(1) });
  for (let j = 0; j <= L - 2; j++) {
    const up = layer(`dec${j + 1}_up`);
    const c1 = layer(`dec${j + 1}_conv1`);
    const c2 = layer(`dec${j + 1}_conv2`);
    const pd = c.decoderDropout[L - 2 - j];
    wgrad(c2, j, { buf: Dd[j], view: v(fl[j]) }, { buf: gD2[j], view: v(fl[j]) });
    gemm(bwdOrder, convInputGrad(convShape(c2, j), v(fl[j]), v(fl[j]), { relu: true, scale: 1 / (1 - pd), view: v(fl[j]) }), gD2[j], g.params, gD1[j], Dd[j]);
    wgrad(c1, j, { buf: C[j], view: v(2 * fl[j]) }, { buf: gD1[j], view: v(fl[j]) });
    gemm(bwdOrder, convInputGrad(convShape(c1, j), v(fl[j]), v(2 * fl[j]), null), gD1[j], g.params, gC[j], dummy);
    const below = j === L - 2 ? E(L - 1) : { buf: Y[j + 1], view: v(fl[j + 1]) };
    const gBelow = j === L - 2 ? gE2[L - 1] : gD2[j + 1];
    wgrad(up, j, below, { buf: gC[j], view: v(2 * fl[j], 0) });
    gemm(bwdOrder, upInputGrad(upShape(up, j), v(2 * fl[j], 0), v(fl[j + 1]), { relu: true, scale: 1, view: below.view }), gC[j], g.params, gBelow, below.buf);
  }
  for (let i = L - 1; i >= 0; i--) {
    const c1 = layer(`enc${i + 1}_conv1`);
    const c2 = layer(`enc${i + 1}_conv2`);
    const pe = c.encoderDropout[i];
    wgrad(c2, i, { buf: D[i], view: v(fl[i]) }, { buf: gE2[i], view: v(fl[i]) });
    gemm(bwdOrder, convInputGrad(convShape(c2, i), v(fl[i]), v(fl[i]), { relu: true, scale: 1 / (1 - pe), view: v(fl[i]) }), gE2[i], g.params, gE1[i], D[i]);
    const input = i === 0 ? { buf: g.x, view: v(c.inputChannels) } : { buf: Pool[i - 1], view: v(fl[i - 1]) };
    wgrad(c1, i, input, { buf: gE1[i], view: v(fl[i]) });
    if (i > 0) {
      gemm(bwdOrder, convInputGrad(convShape(c1, i), v(fl[i]), v(fl[i - 1]), null), gE1[i], g.params, gPool[i - 1], dummy);
      const e = E(i - 1);
      const n = px(i) * fl[i - 1];
      simple(bwdOrder, `pool ${i} backward`, poolBackwardWgsl(B, S >> (i - 1), S >> (i - 1), fl[i - 1], e.view, v(2 * fl[i - 1], fl[i - 1])), gemmKinds, [e.buf, gPool[i - 1], gE2[i - 1], gC[i - 1], g.uniform], flatDispatch(n));
    }
  }
  // Now the partial-sum buffer's size is known: create it and the filter-gradient ops in their places.
  const part = res.buffer(partFloats);
  for (const job of wgradJobs) bwdOrder[job.at] = gemmOp(job.spec, job.a, job.b, part, dummy);
  const scratch = res.buffer(Math.max(1, scratchFloats));
  for (const job of splitJobs) {
    job.list[job.at] = gemmOp(job.spec, job.a, job.b, scratch, dummy);
    const total = job.spec.M * job.spec.N;
    const p = (async (): Promise<Op> => ({
      label: `${job.spec.label} epilogue`,
      pipeline: await res.pipeline(splitEpilogueWgsl(job.spec), gemmKinds, `${job.spec.label} epilogue`),
      group: res.group(gemmKinds, [scratch, dummy, job.dst, job.aux, g.uniform]),
      dispatch: flatDispatch(total),
    }))();
    pending.push(p);
    job.list[job.at + 1] = p;
  }
  const adamKinds: Kind[] = ["rw", "rw", "rw", "rw", "ro", "uniform"];
  simple(bwdOrder, "gradient sums + Adam", adamWgsl(segments, paramCount), adamKinds, [g.params, g.mom1, g.mom2, g.grads, part, g.uniform], flatDispatch(paramCount));
  const settled = await Promise.allSettled(pending);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  const forwardOps = await Promise.all(fwd as Promise<Op>[]);
  const backwardOps = await Promise.all(bwdOrder as Promise<Op>[]);
  for (const op of [...forwardOps, ...backwardOps]) {
    if (op.dispatch.some((d) => d > 65535)) throw new Error(`GPU engine: ${op.label} needs ${op.dispatch.join("×")} workgroups (over 65,535 in one dimension); use a smaller batch`);
  }
  return { ...g, forwardOps, backwardOps };
}
