/**
 * A few Adam steps of a small U-Net-shaped model (conv/ReLU, max-pool, transposed conv, concat, sigmoid
 * head, BCE) from the same weights: stock tfjs `cpu` against `wasm` with the engine's kernels. Losses and
 * final weights agree to float32 rounding, so training with the engine follows the same trajectory.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { describe, expect, it } from "vitest";
import { registerFastKernels } from "../../src/engine/kernels";
import { maxRelErr, randn } from "./reference";

function miniUNet(): tf.LayersModel {
  const conv = (f: number) => tf.layers.conv2d({ filters: f, kernelSize: 3, padding: "same", activation: "relu", kernelInitializer: "heNormal" });
  const input = tf.input({ shape: [16, 16, 11] });
  const a = conv(8).apply(conv(8).apply(input)) as tf.SymbolicTensor;
  const p = tf.layers.maxPooling2d({ poolSize: 2 }).apply(a) as tf.SymbolicTensor;
  const b = conv(16).apply(conv(16).apply(p)) as tf.SymbolicTensor;
  const u = tf.layers.conv2dTranspose({ filters: 8, kernelSize: 2, strides: 2, padding: "same" }).apply(b) as tf.SymbolicTensor;
  const c = tf.layers.concatenate().apply([u, a]) as tf.SymbolicTensor;
  const d = conv(8).apply(c) as tf.SymbolicTensor;
  const out = tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: "sigmoid" }).apply(d) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

async function train(backend: string, init: Float32Array[]): Promise<{ losses: number[]; weights: Float32Array[] }> {
  await tf.setBackend(backend);
  if (backend === "wasm") await registerFastKernels("wasm");
  const model = miniUNet();
  model.setWeights(init.map((w, i) => tf.tensor(w, model.getWeights()[i].shape)));
  model.compile({ optimizer: tf.train.adam(1e-2), loss: "binaryCrossentropy" });
  const x = tf.tensor4d(randn(3 * 16 * 16 * 11, 5), [3, 16, 16, 11]);
  const y = tf.tensor4d(randn(3 * 16 * 16, 6).map((v) => (v > 0.3 ? 1 : 0)), [3, 16, 16, 1]);
  const losses: number[] = [];
  for (let i = 0; i < 4; i++) losses.push((await model.trainOnBatch(x, y)) as number);
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  tf.dispose([x, y]);
  model.dispose();
  return { losses, weights };
}

describe("training with the engine", () => {
  it("follows stock tfjs cpu over four Adam steps", async () => {
    await tf.setBackend("cpu");
    const ref = miniUNet();
    const init = ref.getWeights().map((w) => w.dataSync().slice() as Float32Array);
    ref.dispose();
    const stock = await train("cpu", init);
    const fast = await train("wasm", init);
    expect(stock.losses[3]).toBeLessThan(stock.losses[0]); // it trains at all
    for (let i = 0; i < 4; i++) expect(Math.abs(fast.losses[i] - stock.losses[i])).toBeLessThan(1e-4 * Math.max(1, stock.losses[i]));
    fast.weights.forEach((w, i) => expect(maxRelErr(w, stock.weights[i])).toBeLessThan(1e-3));
  });
});
