// Device-run check of the GPU engine on real hardware (bundled like gpu-entry.ts): one training step of the
// paper's U-Net (64×64 patches, a partial batch of 3 in a plan of 4) against the tf-ops reference on the
// tfjs cpu backend with the same weights and dropout masks; prints max |Δ|/max |g| per parameter tensor.
import * as tf from "@tensorflow/tfjs";
import { writeFileSync } from "node:fs";
import { requestGpu } from "../../src/engine/gpu/device";
import { bceFromLogitsOps, referenceLogits } from "../../src/engine/gpu/reference";
import { GpuUNet } from "../../src/engine/gpu/unet";
import { buildUNet, PAPER_UNET } from "../../src/landslide/unet";

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
const vars = names.map((n, i) => tf.variable(values[i], true, `v${i}`));
const wv = new Map(names.map((n, i) => [n, vars[i] as tf.Tensor]));
const { value, grads } = tf.variableGrads(() => bceFromLogitsOps(referenceLogits(tf.tensor4d(x, [count, S, S, 11]), wv, cfg, seed), tf.tensor4d(y, [count, S, S, 1])), vars);
const rows = names.map((n, i) => {
  const ref = grads[vars[i].name].dataSync();
  const got = g.get(n)!;
  let scale = 0;
  let err = 0;
  for (let k = 0; k < ref.length; k++) {
    scale = Math.max(scale, Math.abs(ref[k]));
    err = Math.max(err, Math.abs(ref[k] - got[k]));
  }
  return { tensor: n, maxRelErr: err / scale };
});
const out = { adapter: ctx.adapter, loss: r.loss, referenceLoss: value.dataSync()[0], worst: Math.max(...rows.map((q) => q.maxRelErr)), rows };
if (process.env.OUT) writeFileSync(`${process.env.OUT}/gpu-check.json`, JSON.stringify(out, null, 1));
process.stdout.write(JSON.stringify({ loss: out.loss, referenceLoss: out.referenceLoss, worst: out.worst, tensors: rows.length }) + "\n");
process.exit(out.worst < 1e-3 ? 0 : 1);
