import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../src/engine/engine";
import { conv2dBackpropFilter, conv2dBackpropInput, conv2dForward, gemm, maxPool, maxPoolGrad } from "../../src/engine/ops";
import { geometry, maxRelErr, poolGeometry, randn, refBackpropFilter, refBackpropInput, refConv, refMaxPool } from "./reference";

// [batch, h, w, cin, cout, filter, stride, pad]: odd sizes, batch 1 and >1, channels not divisible by 4 or 8.
const CASES: [number, number, number, number, number, number, number, "same" | "valid"][] = [
  [1, 7, 5, 3, 5, 3, 1, "same"],
  [2, 9, 11, 11, 16, 3, 1, "same"],
  [3, 8, 8, 16, 13, 1, 1, "same"],
  [2, 10, 6, 6, 9, 2, 2, "valid"],
  [1, 13, 9, 5, 7, 3, 2, "same"],
  [2, 16, 16, 32, 16, 3, 1, "same"],
  [4, 5, 5, 1, 1, 1, 1, "valid"],
  // stride 2 with channels a multiple of 8 (implicit filter gradient), input larger than the windows cover
  [2, 10, 8, 16, 12, 2, 2, "valid"],
  [1, 9, 9, 8, 5, 3, 2, "same"],
  [2, 9, 7, 8, 6, 2, 2, "valid"],
  // filters large enough that packing and flipping run on all threads
  [1, 5, 5, 64, 130, 3, 1, "same"],
];

for (const flavour of ["relaxed", "plain"] as const) {
  for (const threads of [1, 2]) {
    describe(`engine ops (${flavour} SIMD, ${threads} thread${threads > 1 ? "s" : ""})`, () => {
      let e: Engine;
      beforeAll(async () => {
        e = await Engine.create({ threads, simd: flavour });
      });
      afterAll(async () => {
        await e.close();
      });

      it("reports the build and thread count it runs", () => {
        expect(e.threads).toBe(threads);
        expect(e.info.simd).toBe(flavour);
      });

      it("GEMM equals the float64 product on odd shapes", () => {
        for (const [M, N, K] of [[1, 1, 1], [5, 3, 7], [37, 19, 23], [64, 64, 64], [130, 17, 300], [40, 261, 300]]) {
          const a = randn(M * K, M + 1);
          const b = randn(K * N, N + 2);
          const ref = new Float64Array(M * N);
          for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) ref[i * N + j] += a[i * K + k] * b[k * N + j];
          expect(maxRelErr(gemm(e, a, b, M, N, K), ref)).toBeLessThan(1e-5);
        }
      });

      for (const [n, h, w, c, co, f, s, pad] of CASES) {
        const g = geometry(n, h, w, c, co, f, s, pad);
        const tag = `${n}×${h}×${w}×${c}→${co}, ${f}×${f}/${s} ${pad}`;
        const x = randn(n * h * w * c, 1);
        const wt = randn(f * f * c * co, 2);
        const bias = randn(co, 3);
        const dy = randn(n * g.outHeight * g.outWidth * co, 4);

        it(`conv2d forward with bias and ReLU: ${tag}`, () => {
          expect(maxRelErr(conv2dForward(e, x, wt, g), refConv(x, wt, g))).toBeLessThan(1e-5);
          expect(maxRelErr(conv2dForward(e, x, wt, g, { bias, activation: "relu" }), refConv(x, wt, g, bias, true))).toBeLessThan(1e-5);
        });
        it(`conv2d input gradient: ${tag}`, () => {
          expect(maxRelErr(conv2dBackpropInput(e, dy, wt, g), refBackpropInput(dy, wt, g))).toBeLessThan(1e-5);
        });
        it(`conv2d filter gradient: ${tag}`, () => {
          expect(maxRelErr(conv2dBackpropFilter(e, x, dy, g), refBackpropFilter(x, dy, g))).toBeLessThan(1e-5);
        });
      }

      it("filter gradient over many chunks and threads (U-Net level 2 shape)", () => {
        const g = geometry(3, 32, 32, 32, 32, 3, 1, "same");
        const x = randn(3 * 32 * 32 * 32, 5);
        const dy = randn(3 * 32 * 32 * 32, 6);
        expect(maxRelErr(conv2dBackpropFilter(e, x, dy, g), refBackpropFilter(x, dy, g))).toBeLessThan(1e-5);
      });

      for (const [n, h, w, c, f, s] of [[2, 8, 8, 16, 2, 2], [1, 7, 9, 5, 2, 2], [2, 9, 7, 6, 3, 2], [2, 6, 6, 7, 3, 3], [1, 8, 6, 12, 2, 2]]) {
        it(`max pool and gradient (ties at 0 as after ReLU): ${n}×${h}×${w}×${c}, ${f}/${s}`, () => {
          const g = poolGeometry(n, h, w, c, f, s);
          const x = randn(n * h * w * c, 7).map((v) => Math.max(0, v));
          const dy = randn(n * g.outHeight * g.outWidth * c, 8);
          const ref = refMaxPool(x, dy, g);
          expect(Array.from(maxPool(e, x, g))).toEqual(Array.from(ref.y));
          // Overlapping windows sum several dy in float32: equal to rounding.
          expect(maxRelErr(maxPoolGrad(e, dy, x, g), ref.dx)).toBeLessThan(1e-6);
        });
      }

      it("names the operator and the problem on wrong input sizes", () => {
        const g = geometry(1, 4, 4, 2, 3, 3, 1, "same");
        expect(() => conv2dForward(e, new Float32Array(5), new Float32Array(54), g)).toThrow(/conv2d input has 5 values, expected 32/);
      });
    });
  }
}

describe("engine loading", () => {
  it("names the missing module file and the command that builds it", async () => {
    const saved = process.env.DLAB_ENGINE_WASM_DIR;
    process.env.DLAB_ENGINE_WASM_DIR = "/nonexistent-engine-dir";
    try {
      await expect(Engine.create({ threads: 1, simd: "plain" })).rejects.toThrow(/cannot read \/nonexistent-engine-dir\/kernels-simd\.wasm.*npm run build:wasm/);
    } finally {
      if (saved === undefined) delete process.env.DLAB_ENGINE_WASM_DIR;
      else process.env.DLAB_ENGINE_WASM_DIR = saved;
    }
  });
});
