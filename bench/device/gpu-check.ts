// Device-run check of the GPU engine on real hardware (bundled like gpu-entry.ts): one training step of the
// paper's U-Net (64×64 patches, a partial batch of 3 in a plan of 4) against the tf-ops reference on the
// tfjs cpu backend with the same weights and dropout masks; prints max |Δ|/max |g| per parameter tensor.
// The bound is 1e-3: at initialisation this deep ReLU network amplifies float32 rounding ~1e4-fold, so the
// engine's split-K summation order alone moves gradients by ~3e-4 against the cpu kernels' order
// (bench/notes/gpu-engine.md); without split-K (DLAB_GPU_SPLIT=off) the agreement is ~1e-6.
// Then tfjs-backend-webgpu with our Conv2DBackpropFilter kernel (issue 4's webgpu path) against the cpu
// backend on the U-Net's filter-gradient shapes, through tf.grad of conv2d and conv2dTranspose.
import * as tf from "@tensorflow/tfjs";
import { writeFileSync } from "node:fs";
import { requestGpu } from "../../src/engine/gpu/device";
import { bceFromLogitsOps, maxRelErr, referenceLogits } from "../../src/engine/gpu/reference";
import { GpuUNet } from "../../src/engine/gpu/unet";
import { buildUNet, PAPER_UNET } from "../../src/landslide/unet";
import { selectBackend } from "../../src/landslide/backend";

const S = 64;
const count = 3;
const cfg = { ...PAPER_UNET, inputSize: S };
const rand = (n: number, seed: number): Float32Array => {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 8) / 16777216);
};
await tf.setBackend("cpu");
const ctx = await requestGpu(false);
if (!ctx) throw new Error("no hardware WebGPU adapter");
const { model } = buildUNet(cfg, 9);
const values = model.getWeights();
const names = model.weights.map((w) => w.originalName);
const net = await GpuUNet.create(ctx.device, cfg, { batch: 4, size: S, learningRate: 1e-3 });
const byName = new Map(names.map((n, i) => [n, values[i].dataSync() as Float32Array]));
net.setWeights((n) => byName.get(n));
const x = rand(count * S * S * 11, 1);
const y = Float32Array.from(rand(count * S * S, 2), (v) => (v > 0.8 ? 1 : 0));
const seed = 4242;
const r = await net.trainStep(x, y, count, seed);
const g = await net.getGradients();
// The same step again from the same state must give bit-identical gradients (no races between dispatches).
net.setWeights((n) => byName.get(n));
const zeros = (n: string): Float32Array => new Float32Array(byName.get(n)!.length);
net.setOptimizerState(0, zeros, zeros);
await net.trainStep(x, y, count, seed);
const g2 = await net.getGradients();
const repeatable = names.every((n) => g.get(n)!.every((v, k) => Object.is(v, g2.get(n)![k])));
const vars = names.map((n, i) => tf.variable(values[i], true, `v${i}`));
const wv = new Map(names.map((n, i) => [n, vars[i] as tf.Tensor]));
const { value, grads } = tf.variableGrads(() => bceFromLogitsOps(referenceLogits(tf.tensor4d(x, [count, S, S, 11]), wv, cfg, seed), tf.tensor4d(y, [count, S, S, 1])), vars);
const rows = names.map((n, i) => ({ tensor: n, maxRelErr: maxRelErr(g.get(n)!, grads[vars[i].name].dataSync()) }));
const referenceLoss = value.dataSync()[0];

// tfjs webgpu: filter gradients of the U-Net's convolutions (forward conv and transposed conv) vs cpu.
const cases: { name: string; x: [number, number, number, number]; w: [number, number, number, number]; up: boolean }[] = [
  { name: "conv 3x3 128x128 11->16, batch 4", x: [4, 128, 128, 11], w: [3, 3, 11, 16], up: false },
  { name: "conv 3x3 16x16 256->128, batch 4", x: [4, 16, 16, 256], w: [3, 3, 256, 128], up: false },
  { name: "transposed 2x2 s2 8x8 256->128, batch 4", x: [4, 8, 8, 256], w: [2, 2, 128, 256], up: true },
];
const tfjsRows: { name: string; maxRelErr: number }[] = [];
for (const [i, c] of cases.entries()) {
  const xv = rand(c.x.reduce((a, b) => a * b, 1), 10 + i).map((v) => v - 0.5);
  const wv = rand(c.w.reduce((a, b) => a * b, 1), 20 + i).map((v) => v - 0.5);
  const grad = async (): Promise<Float32Array> => {
    const g = tf.tidy(() => {
      const x = tf.tensor4d(xv, c.x);
      return tf.grad((w: tf.Tensor) =>
        (c.up ? tf.conv2dTranspose(x, w as tf.Tensor4D, [c.x[0], 2 * c.x[1], 2 * c.x[2], c.w[2]], 2, "same") : tf.conv2d(x, w as tf.Tensor4D, 1, "same")).square().sum(),
      )(tf.tensor4d(wv, c.w));
    });
    const d = (await g.data()) as Float32Array;
    g.dispose();
    return d;
  };
  await selectBackend({ backend: "cpu" });
  const ref = await grad();
  await selectBackend({ backend: "webgpu" });
  tfjsRows.push({ name: c.name, maxRelErr: maxRelErr(await grad(), ref) });
}
const out = { adapter: ctx.adapter, dispatches: net.dispatchesPerStep, repeatable, loss: r.loss, referenceLoss, worst: Math.max(...rows.map((q) => q.maxRelErr)), rows, tfjsWebgpu: tfjsRows };
if (process.env.OUT) writeFileSync(`${process.env.OUT}/gpu-check.json`, JSON.stringify(out, null, 1));
net.destroy();
process.stdout.write(JSON.stringify({ repeatable, dispatches: out.dispatches, loss: out.loss, referenceLoss: out.referenceLoss, worst: out.worst, tensors: rows.length, tfjsWebgpu: tfjsRows }) + "\n");
process.exit(repeatable && out.worst < 1e-3 && tfjsRows.every((q) => q.maxRelErr < 1e-4) ? 0 : 1);
