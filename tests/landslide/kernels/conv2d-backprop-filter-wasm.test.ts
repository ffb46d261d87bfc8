import * as tf from "@tensorflow/tfjs";
import { describe, expect, it, beforeAll } from "vitest";
import { selectBackend } from "../../../src/landslide/backend";
import { filterGradStrategy, im2colNHWC } from "../../../src/landslide/kernels/conv2d-backprop-filter-wasm";

import { randomArray, type ConvCase } from "./random";

type Case = ConvCase;

const CASES: Case[] = [
  { name: "3x3 same stride 1 (U-Net conv)", x: [2, 9, 7, 5], filter: [3, 3, 5, 4], strides: [1, 1], pad: "same" },
  { name: "3x3 valid stride 1", x: [1, 8, 8, 3], filter: [3, 3, 3, 6], strides: [1, 1], pad: "valid" },
  { name: "2x2 stride 2 same (transposed-conv gradient shape)", x: [3, 8, 8, 6], filter: [2, 2, 6, 3], strides: [2, 2], pad: "same" },
  { name: "5x3 stride (2,1) explicit pad 1, odd sizes", x: [2, 11, 9, 2], filter: [5, 3, 2, 3], strides: [2, 1], pad: 1 },
  { name: "1x1 head", x: [4, 6, 6, 16], filter: [1, 1, 16, 1], strides: [1, 1], pad: "same" },
];

function filterGrad(c: Case, xv: Float32Array, dyv: Float32Array, dyShape: number[]): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, c.x);
    const dy = tf.tensor(dyv, dyShape);
    const out = tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
      strides: c.strides,
      pad: c.pad,
      dataFormat: "NHWC",
      filterShape: c.filter,
    }) as tf.Tensor;
    return out.dataSync() as Float32Array;
  });
}

describe("Conv2DBackpropFilter on wasm (im2col + matMul) vs the cpu reference kernel", () => {
  beforeAll(async () => {
    await selectBackend({ backend: "cpu" });
  });

  for (const [i, c] of CASES.flatMap((c) => (["conv", "im2col"] as const).map((st) => ({ ...c, strategy: st }))).entries()) {
    it(`${c.name} [stride-1 path: ${c.strategy}]`, async () => {
      filterGradStrategy.stride1 = c.strategy;
      await selectBackend({ backend: "cpu" });
      const xv = randomArray(c.x.reduce((a, b) => a * b, 1), 11 + i);
      const outShape = tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad).shape;
      const dyv = randomArray(outShape.reduce((a, b) => a * b, 1), 101 + i);
      const ref = filterGrad(c, xv, dyv, outShape);
      await selectBackend({ backend: "wasm" });
      const got = filterGrad(c, xv, dyv, outShape);
      expect(got.length).toBe(ref.length);
      let maxErr = 0;
      for (let k = 0; k < ref.length; k++) maxErr = Math.max(maxErr, Math.abs(got[k] - ref[k]) / (1 + Math.abs(ref[k])));
      expect(maxErr).toBeLessThan(1e-5);
      filterGradStrategy.stride1 = "auto";
    });
  }

  it("gives the same gradient of a conv2d through tf.grad as cpu (the path training takes)", async () => {
    const xv = randomArray(2 * 16 * 16 * 3, 7);
    const wv = randomArray(3 * 3 * 3 * 8, 8);
    const run = (): Float32Array =>
      tf.tidy(() => {
        const x = tf.tensor4d(xv, [2, 16, 16, 3]);
        const g = tf.grad((w: tf.Tensor) => tf.conv2d(x, w as tf.Tensor4D, 1, "same").square().sum())(
          tf.tensor4d(wv, [3, 3, 3, 8]),
        );
        return g.dataSync() as Float32Array;
      });
    await selectBackend({ backend: "cpu" });
    const ref = run();
    await selectBackend({ backend: "wasm" });
    const got = run();
    for (let k = 0; k < ref.length; k++) expect(got[k]).toBeCloseTo(ref[k], 3);
  });

  it("im2col handles chunked image ranges identically to one pass", () => {
    const info = tf.backend_util.computeConv2DInfo([3, 5, 4, 2], [3, 3, 2, 1], 1, 1, "same");
    const x = randomArray(3 * 5 * 4 * 2, 3);
    const K = 18;
    const all = new Float32Array(3 * 20 * K);
    im2colNHWC(x, info, 0, 3, all);
    const part = new Float32Array(20 * K);
    im2colNHWC(x, info, 1, 1, part);
    expect(Array.from(part)).toEqual(Array.from(all.subarray(20 * K, 40 * K)));
    // Top-left output pixel of image 0: the 3×3 window centred on (0,0) has zeros outside the image.
    expect(all[0]).toBe(0);
    expect(all[4 * 2]).toBe(x[0]); // centre tap (kh=1,kw=1) is x[0,0,0,0]
  });
});
