/**
 * The engine's tfjs kernels against tfjs's own `cpu` kernels: each op and its gradients on random inputs of
 * odd shapes, on the `cpu` and the `wasm` backend, and the gradients of a small U-Net-shaped model.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { fastKernelNames, isFastKernel, registerFastKernels } from "../../src/engine/kernels";
import { maxRelErr, randn } from "./reference";

type Case = { name: string; run: () => tf.Tensor[] };

function t4(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  return tf.tensor4d(randn(shape[0] * shape[1] * shape[2] * shape[3], seed), shape);
}

const cases: Case[] = [];
// conv2d (+ fused bias/ReLU) and both gradients, through tf.grads as training uses them.
for (const [n, h, w, c, co, f, s, pad] of [
  [1, 7, 5, 3, 5, 3, 1, "same"],
  [2, 9, 11, 11, 16, 3, 1, "same"],
  [3, 8, 8, 16, 13, 1, 1, "valid"],
  [2, 9, 7, 6, 9, 3, 2, "same"],
] as const) {
  cases.push({
    name: `fused conv2d ${n}×${h}×${w}×${c}→${co} ${f}×${f}/${s} ${pad} + grads`,
    run: () => {
      const x = t4([n, h, w, c], 11);
      const k = t4([f, f, c, co], 12);
      const b = tf.tensor1d(randn(co, 13));
      const fwd = (xx: tf.Tensor, kk: tf.Tensor, bb: tf.Tensor) =>
        tf.fused.conv2d({ x: xx as tf.Tensor4D, filter: kk as tf.Tensor4D, bias: bb, strides: s, pad, activation: "relu" });
      const y = fwd(x, k, b);
      const gy = t4(y.shape as [number, number, number, number], 14);
      const grads = tf.grads((xx: tf.Tensor, kk: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(fwd(xx, kk, bb), gy)))([x, k, b]);
      const plain = tf.conv2d(x, k, s, pad);
      return [y, plain, ...grads];
    },
  });
}
// conv2dTranspose 2×2 stride 2 (the U-Net's upsampling) and its gradients.
for (const [n, h, w, c, co] of [[1, 4, 3, 8, 5], [2, 5, 5, 32, 16]] as const) {
  cases.push({
    name: `conv2dTranspose ${n}×${h}×${w}×${c}→${co} 2×2/2 + grads`,
    run: () => {
      const x = t4([n, h, w, c], 21);
      const k = t4([2, 2, co, c], 22);
      const fwd = (xx: tf.Tensor, kk: tf.Tensor) => tf.conv2dTranspose(xx as tf.Tensor4D, kk as tf.Tensor4D, [n, 2 * h, 2 * w, co], 2, "valid");
      const y = fwd(x, k);
      const gy = t4(y.shape as [number, number, number, number], 23);
      return [y, ...tf.grads((xx: tf.Tensor, kk: tf.Tensor) => tf.sum(tf.mul(fwd(xx, kk), gy)))([x, k])];
    },
  });
}
// max pool 2×2/2 after ReLU (ties at 0) and its gradient, even and odd sizes.
for (const [n, h, w, c] of [[2, 8, 8, 16], [1, 7, 9, 5]] as const) {
  cases.push({
    name: `maxPool ${n}×${h}×${w}×${c} 2×2/2 + grad`,
    run: () => {
      const x = tf.relu(t4([n, h, w, c], 31));
      const y = tf.maxPool(x, 2, 2, "valid");
      const gy = t4(y.shape as [number, number, number, number], 32);
      return [y, tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xx as tf.Tensor4D, 2, 2, "valid"), gy)))(x)];
    },
  });
}
// Sums: the bias-gradient form (all leading axes, with and without keepDims) and others that fall back.
cases.push({
  name: "sum over leading axes (bias gradient), keepDims, other axes, identity",
  run: () => {
    const x = t4([3, 5, 7, 13], 61);
    const big = t4([2, 128, 128, 16], 62);
    return [tf.sum(x, [0, 1, 2]), tf.sum(x, [2, 0, 1], true), tf.sum(big, [0, 1, 2]), tf.sum(x, 3), tf.sum(x, [1, 2]), tf.sum(x), tf.clone(x), tf.sum(tf.reshape(x, [105, 13]), 0)];
  },
});
// Concat and split along channels (the U-Net's skip connections and their gradient), other axes, int32.
cases.push({
  name: "concat and split (channels, other axes, uneven sizes)",
  run: () => {
    const a = t4([2, 5, 3, 7], 71);
    const b = t4([2, 5, 3, 16], 72);
    const c = t4([2, 5, 3, 1], 73);
    const cat = tf.concat([a, b, c], 3);
    const parts = tf.split(cat, [7, 16, 1], 3);
    const big = tf.concat([t4([1, 4, 4, 80], 74), t4([1, 4, 4, 100], 75)], -1);
    const rows = tf.concat([a, t4([3, 5, 3, 7], 76)], 0);
    const mid = tf.concat([a, t4([2, 2, 3, 7], 77)], 1);
    const halves = tf.split(t4([2, 6, 4, 8], 78), 2, 1);
    const ints = tf.concat([tf.tensor2d([1, 2, 3, 4], [2, 2], "int32"), tf.tensor2d([5, 6], [2, 1], "int32")], 1).cast("float32");
    return [cat, ...parts, big, rows, mid, ...halves, ints];
  },
});
// A two-level U-Net in miniature: every replaced kernel in one backward pass.
cases.push({
  name: "mini U-Net loss gradients",
  run: () => {
    const x = t4([2, 12, 12, 11], 41);
    const w1 = t4([3, 3, 11, 8], 42).mul(0.3);
    const w2 = t4([3, 3, 8, 16], 43).mul(0.3);
    const wu = t4([2, 2, 8, 16], 44).mul(0.3);
    const w3 = t4([3, 3, 16, 8], 45).mul(0.3);
    const wh = t4([1, 1, 8, 1], 46).mul(0.3);
    const target = tf.tensor4d(randn(2 * 12 * 12, 47).map((v) => (v > 0 ? 1 : 0)), [2, 12, 12, 1]);
    const loss = (a: tf.Tensor, b: tf.Tensor, u: tf.Tensor, c: tf.Tensor, hd: tf.Tensor) => {
      const l1 = tf.fused.conv2d({ x, filter: a as tf.Tensor4D, strides: 1, pad: "same", activation: "relu" });
      const p = tf.maxPool(l1, 2, 2, "valid");
      const l2 = tf.fused.conv2d({ x: p, filter: b as tf.Tensor4D, strides: 1, pad: "same", activation: "relu" });
      const up = tf.conv2dTranspose(l2, u as tf.Tensor4D, [2, 12, 12, 8], 2, "valid");
      const cat = tf.concat([up, l1], 3);
      const l3 = tf.fused.conv2d({ x: cat, filter: c as tf.Tensor4D, strides: 1, pad: "same", activation: "relu" });
      const out = tf.sigmoid(tf.conv2d(l3, hd as tf.Tensor4D, 1, "same"));
      return tf.losses.sigmoidCrossEntropy(target, tf.log(tf.div(out, tf.sub(1, out))));
    };
    return tf.grads(loss)([w1, w2, wu, w3, wh]);
  },
});

async function evaluate(backend: string): Promise<Float32Array[][]> {
  await tf.setBackend(backend);
  const out: Float32Array[][] = [];
  for (const c of cases) {
    const ts = tf.tidy(c.run);
    out.push(ts.map((t) => t.dataSync() as Float32Array));
    tf.dispose(ts);
  }
  return out;
}

describe("engine tfjs kernels against the tfjs cpu kernels", () => {
  let reference: Float32Array[][];
  beforeAll(async () => {
    reference = await evaluate("cpu"); // stock kernels, before registration
  });

  for (const backend of ["cpu", "wasm"] as const) {
    describe(`on the ${backend} backend`, () => {
      let results: Float32Array[][];
      beforeAll(async () => {
        await tf.setBackend(backend);
        const names = await registerFastKernels(backend);
        expect(names).toEqual(fastKernelNames(backend));
        // Idempotent: a second call changes nothing and names the same kernels.
        expect(await registerFastKernels(backend)).toEqual(names);
        for (const n of fastKernelNames(backend)) expect(isFastKernel(backend, n)).toBe(true);
        results = await evaluate(backend);
      });
      cases.forEach((c, i) => {
        it(c.name, () => {
          expect(results[i].length).toBe(reference[i].length);
          results[i].forEach((r, j) => {
            expect(r.length).toBe(reference[i][j].length);
            expect(maxRelErr(r, reference[i][j])).toBeLessThan(2e-5);
          });
        });
      });
    });
  }

  it("shares data in the wasm Identity without leaking or freeing early", async () => {
    await tf.setBackend("wasm");
    await registerFastKernels("wasm");
    const before = tf.memory().numBytes;
    const x = tf.tensor1d([1, 2, 3, 4]);
    const y = tf.clone(x);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    y.dispose();
    expect(tf.memory().numBytes).toBe(before);
    const z = tf.tensor1d([5, 6]);
    expect(Array.from(z.dataSync())).toEqual([5, 6]);
    z.dispose();
  });

  it("registers nothing for webgpu (no GPU kernels in this engine yet) and rejects unknown backends", async () => {
    expect(await registerFastKernels("webgpu")).toEqual([]);
    await expect(registerFastKernels("gpu" as "cpu")).rejects.toThrow(/unknown backend "gpu"/);
  });

  it("falls back to the previous kernel for attributes the engine does not cover (dilation)", async () => {
    await tf.setBackend("cpu");
    const x = t4([1, 9, 9, 3], 51);
    const k = t4([3, 3, 3, 4], 52);
    const y = tf.conv2d(x, k, 1, "same", "NHWC", 2);
    expect(y.shape).toEqual([1, 9, 9, 4]);
    expect(Number.isFinite(y.sum().dataSync()[0])).toBe(true);
  });
});
