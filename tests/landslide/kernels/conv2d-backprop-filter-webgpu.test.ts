import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { isSoftwareAdapter, selectBackend } from "../../../src/landslide/backend";
import { conv2DBackpropFilterWebgpu, planFilterGemm } from "../../../src/landslide/kernels/conv2d-backprop-filter-webgpu";
import { maxRelErr, randomArray, type ConvCase } from "./random";

/**
 * The webgpu GEMM filter gradient against the tfjs cpu reference kernel. Needs a WebGPU adapter through
 * the npm `webgpu` package (Dawn); without a GPU, Mesa's software Vulkan (lavapipe: Mesa 25.0 works, Debian 12's 22.3
 * lacks a feature Dawn requires) provides one. Skipped when none is found.
 */
async function webgpuAvailable(): Promise<boolean> {
  try {
    await selectBackend({ backend: "webgpu" });
    return true;
  } catch {
    return false;
  } finally {
    await selectBackend({ backend: "cpu" });
  }
}
const HAS_WEBGPU = await webgpuAvailable();
const SKIP_REASON = HAS_WEBGPU
  ? ""
  : " [SKIPPED: no WebGPU adapter found through the npm webgpu package; install a GPU driver or lavapipe (Mesa 25.0 works, 22.3 does not) to run]";

type Case = ConvCase;

const CASES: Case[] = [
  { name: "3x3 same stride 1 (U-Net conv), batch 2, odd sizes", x: [2, 9, 7, 5], filter: [3, 3, 5, 6], strides: [1, 1], pad: "same" },
  { name: "3x3 same stride 1, batch 1, 13x11, Ci 3 Co 7", x: [1, 13, 11, 3], filter: [3, 3, 3, 7], strides: [1, 1], pad: "same" },
  { name: "3x3 same stride 1, several M and N tiles (M 360, N 36)", x: [2, 10, 10, 40], filter: [3, 3, 40, 36], strides: [1, 1], pad: "same" },
  { name: "3x3 same stride 1, split-K (K 65536, first U-Net level)", x: [4, 128, 128, 11], filter: [3, 3, 11, 16], strides: [1, 1], pad: "same" },
  { name: "2x2 valid stride 2 (transposed-conv gradient), batch 3", x: [3, 8, 8, 6], filter: [2, 2, 6, 3], strides: [2, 2], pad: "valid" },
  { name: "2x2 valid stride 2, odd sizes 9x7, batch 1", x: [1, 9, 7, 5], filter: [2, 2, 5, 3], strides: [2, 2], pad: "valid" },
  { name: "2x2 same stride 2, batch 2, Ci 10 Co 5", x: [2, 16, 16, 10], filter: [2, 2, 10, 5], strides: [2, 2], pad: "same" },
  { name: "5x3 stride (2,1) explicit pad 1, odd sizes", x: [2, 11, 9, 2], filter: [5, 3, 2, 3], strides: [2, 1], pad: 1 },
  { name: "1x1 head", x: [4, 6, 6, 16], filter: [1, 1, 16, 1], strides: [1, 1], pad: "same" },
];

/** Reads back with `data()`: webgpu's `dataSync()` needs an OffscreenCanvas, which Node lacks. */
async function filterGrad(c: Case, xv: Float32Array, dyv: Float32Array, dyShape: number[]): Promise<Float32Array> {
  const out = tf.tidy(() => {
    const x = tf.tensor4d(xv, c.x);
    const dy = tf.tensor(dyv, dyShape);
    return tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
      strides: c.strides,
      pad: c.pad,
      dataFormat: "NHWC",
      filterShape: c.filter,
    }) as tf.Tensor;
  });
  const v = (await out.data()) as Float32Array;
  out.dispose();
  return v;
}

/** The definition summed in float64 (the float32 reference kernels drift over long sums). */
function filterGradFloat64(c: Case, xv: Float32Array, dyv: Float32Array, dyShape: number[]): Float64Array {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
  const [B, H, W, Ci] = c.x;
  const [fh, fw, , Co] = c.filter;
  const [, Ho, Wo] = dyShape;
  const out = new Float64Array(fh * fw * Ci * Co);
  for (let b = 0; b < B; b++)
    for (let y = 0; y < Ho; y++)
      for (let xo = 0; xo < Wo; xo++) {
        const dyOff = ((b * Ho + y) * Wo + xo) * Co;
        for (let kh = 0; kh < fh; kh++) {
          const r = y * info.strideHeight + kh - info.padInfo.top;
          if (r < 0 || r >= H) continue;
          for (let kw = 0; kw < fw; kw++) {
            const col = xo * info.strideWidth + kw - info.padInfo.left;
            if (col < 0 || col >= W) continue;
            const xOff = ((b * H + r) * W + col) * Ci;
            for (let ci = 0; ci < Ci; ci++) {
              const xval = xv[xOff + ci];
              const o = ((kh * fw + kw) * Ci + ci) * Co;
              for (let co = 0; co < Co; co++) out[o + co] += xval * dyv[dyOff + co];
            }
          }
        }
      }
  return out;
}

describe("software WebGPU adapters are not chosen by auto", () => {
  it("recognises lavapipe, SwiftShader and fallback adapters, not hardware ones", () => {
    expect(isSoftwareAdapter({ info: { architecture: "software", description: "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)" } })).toBe(true);
    expect(isSoftwareAdapter({ info: { description: "SwiftShader Device (Subzero)" } })).toBe(true);
    expect(isSoftwareAdapter({ isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ info: { architecture: "hopper", description: "NVIDIA H100 80GB HBM3" } })).toBe(false);
  });
});

describe("split-K plan for the webgpu filter-gradient GEMM", () => {
  it("covers K exactly once with slices that are multiples of the tile", () => {
    for (const [M, N, K] of [
      [99, 16, 262144],
      [2304, 256, 1024],
      [4, 1, 31],
      [144, 32, 65536],
      [1, 1, 1],
    ]) {
      const p = planFilterGemm(M, N, K);
      expect(p.kPerSplit % 32).toBe(0);
      expect(p.splits * p.kPerSplit).toBeGreaterThanOrEqual(K);
      expect((p.splits - 1) * p.kPerSplit).toBeLessThan(K);
      expect(p.splits).toBeGreaterThanOrEqual(1);
    }
    expect(planFilterGemm(99, 16, 262144).splits).toBeGreaterThan(1);
  });
});

describe.skipIf(!HAS_WEBGPU)(`Conv2DBackpropFilter on webgpu (tiled split-K GEMM) vs the cpu reference kernel${SKIP_REASON}`, () => {
  it("is the kernel registered for webgpu", async () => {
    await selectBackend({ backend: "webgpu" });
    expect(tf.getKernel("Conv2DBackpropFilter", "webgpu")?.kernelFunc).toBe(conv2DBackpropFilterWebgpu);
  });

  for (const [i, c] of CASES.entries()) {
    it(c.name, async () => {
      await selectBackend({ backend: "cpu" });
      const xv = randomArray(c.x.reduce((a, b) => a * b, 1), 31 + i);
      const outShape = tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad).shape);
      const dyv = randomArray(outShape.reduce((a, b) => a * b, 1), 131 + i);
      const ref = await filterGrad(c, xv, dyv, outShape);
      await selectBackend({ backend: "webgpu" });
      const got = await filterGrad(c, xv, dyv, outShape);
      expect(got.length).toBe(ref.length);
      const exact = filterGradFloat64(c, xv, dyv, outShape);
      expect(maxRelErr(got, ref)).toBeLessThan(1e-4);
      // The cpu kernel is itself within ~1e-7 of the float64 sum, so this is the same bound on the kernel.
      expect(maxRelErr(got, exact)).toBeLessThan(1e-4);
    }, 120_000);
  }

  it("gives the same filter gradients through tf.grad of conv2d and conv2dTranspose as cpu", async () => {
    const xv = randomArray(2 * 12 * 12 * 6, 7);
    const wv = randomArray(3 * 3 * 6 * 8, 8);
    const tv = randomArray(2 * 2 * 5 * 6, 9); // conv2dTranspose filter [h, w, outChannels, inChannels]
    const run = async (): Promise<Float32Array[]> => {
      const gs = tf.tidy(() => {
        const x = tf.tensor4d(xv, [2, 12, 12, 6]);
        const gConv = tf.grad((w: tf.Tensor) => tf.conv2d(x, w as tf.Tensor4D, 1, "same").square().sum())(
          tf.tensor4d(wv, [3, 3, 6, 8]),
        );
        const gT = tf.grad((w: tf.Tensor) =>
          tf.conv2dTranspose(x, w as tf.Tensor4D, [2, 24, 24, 5], 2, "same").square().sum(),
        )(tf.tensor4d(tv, [2, 2, 5, 6]));
        return [gConv, gT];
      });
      const vs = [(await gs[0].data()) as Float32Array, (await gs[1].data()) as Float32Array];
      tf.dispose(gs);
      return vs;
    };
    await selectBackend({ backend: "cpu" });
    const ref = await run();
    await selectBackend({ backend: "webgpu" });
    const got = await run();
    expect(maxRelErr(got[0], ref[0])).toBeLessThan(1e-4);
    expect(maxRelErr(got[1], ref[1])).toBeLessThan(1e-4);
  }, 120_000);
});
