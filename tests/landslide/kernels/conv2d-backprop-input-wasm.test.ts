import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { selectBackend } from "../../../src/landslide/backend";
import { rotateFilter180 } from "../../../src/landslide/kernels/conv2d-backprop-input-wasm";
import { maxRelErr, randomArray, type ConvCase } from "./random";

type Case = ConvCase;

const CASES: Case[] = [
  { name: "3x3 same stride 1 (U-Net conv input gradient)", x: [2, 9, 7, 5], filter: [3, 3, 5, 4], strides: [1, 1], pad: "same" },
  { name: "3x3 valid stride 1", x: [1, 8, 10, 3], filter: [3, 3, 3, 6], strides: [1, 1], pad: "valid" },
  { name: "5x3 explicit pad 1 stride 1 (tfjs shape quirk: falls back)", x: [2, 11, 9, 2], filter: [5, 3, 2, 3], strides: [1, 1], pad: 1 },
  { name: "3x5 explicit pad 2 stride 1", x: [2, 10, 12, 2], filter: [3, 5, 2, 3], strides: [1, 1], pad: 2 },
  { name: "2x2 stride 2 same (decoder transposed conv forward)", x: [3, 8, 6, 6], filter: [2, 2, 6, 4], strides: [2, 2], pad: "same" },
  { name: "3x3 stride 2 same (falls back to the stock kernel)", x: [2, 9, 9, 3], filter: [3, 3, 3, 2], strides: [2, 2], pad: "same" },
];

function inputGrad(c: Case, dyv: Float32Array, dyShape: number[], wv: Float32Array): Float32Array {
  return tf.tidy(() => {
    const dy = tf.tensor(dyv, dyShape);
    const filter = tf.tensor4d(wv, c.filter);
    const out = tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, { inputShape: c.x, strides: c.strides, pad: c.pad, dataFormat: "NHWC" }) as tf.Tensor;
    return out.dataSync() as Float32Array;
  });
}

describe("Conv2DBackpropInput on wasm (XNNPACK conv / GEMM) vs the cpu reference kernel", () => {
  for (const [i, c] of CASES.entries()) {
    it(c.name, async () => {
      await selectBackend({ backend: "cpu" });
      const outShape = tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad).shape;
      const dyv = randomArray(outShape.reduce((a, b) => a * b, 1), 21 + i);
      const wv = randomArray(c.filter.reduce((a, b) => a * b, 1), 41 + i);
      const ref = inputGrad(c, dyv, outShape, wv);
      await selectBackend({ backend: "wasm" });
      const got = inputGrad(c, dyv, outShape, wv);
      expect(got.length).toBe(ref.length);
      expect(maxRelErr(got, ref)).toBeLessThan(1e-5);
    });
  }

  it("conv2dTranspose forward and both its gradients match cpu (the decoder's path)", async () => {
    const xv = randomArray(2 * 4 * 4 * 8, 5);
    const wv = randomArray(2 * 2 * 4 * 8, 6);
    const run = (): Float32Array[] =>
      tf.tidy(() => {
        const x = tf.tensor4d(xv, [2, 4, 4, 8]);
        const w = tf.tensor4d(wv, [2, 2, 4, 8]);
        const f = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, 8, 8, 4], 2, "same").square().sum();
        const y = tf.conv2dTranspose(x, w, [2, 8, 8, 4], 2, "same");
        const [gx, gw] = tf.grads(f)([x, w]);
        return [y.dataSync() as Float32Array, gx.dataSync() as Float32Array, gw.dataSync() as Float32Array];
      });
    await selectBackend({ backend: "cpu" });
    const ref = run();
    await selectBackend({ backend: "wasm" });
    const got = run();
    for (let k = 0; k < 3; k++) expect(maxRelErr(got[k], ref[k])).toBeLessThan(1e-4);
  });

  it("rotates a filter by 180° and swaps its channel axes", () => {
    // fh=1, fw=2, ci=1, co=2: W[0,kw,0,o] = 10·kw + o
    const w = new Float32Array([0, 1, 10, 11]);
    // out[0, kw', o, 0] = W[0, 1−kw', 0, o]
    expect(Array.from(rotateFilter180(w, 1, 2, 1, 2))).toEqual([10, 11, 0, 1]);
  });
});
