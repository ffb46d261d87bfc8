import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestGpu, type GpuContext } from "../../../src/engine/gpu/device";
import { dropoutKeep } from "../../../src/engine/gpu/kernels";
import { bceFromLogitsOps as bce, maxRelErr as maxRel, referenceLogits as reference } from "../../../src/engine/gpu/reference";
import { gpuLayers, GpuUNet, upKernelFromEngine, upKernelToEngine } from "../../../src/engine/gpu/unet";
import { buildUNet, unetParamCount, PAPER_UNET, type UNetConfig } from "../../../src/landslide/unet";

/**
 * The GPU engine's whole training step against a float32 tfjs (cpu backend) reference built from tf ops with
 * the same weights and the same dropout masks: loss, every parameter's gradient, the Adam update, the
 * inference-mode probabilities and a padded partial batch. Needs a WebGPU adapter through the npm `webgpu`
 * package; Mesa's lavapipe (25.0) is enough. Skipped without one.
 */
const ctx: GpuContext | null = await requestGpu(true).catch(() => null);
const SKIP = ctx ? "" : " [SKIPPED: no WebGPU adapter through the npm webgpu package (a GPU driver or Mesa 25 lavapipe runs it)]";

const CONFIG: UNetConfig = {
  inputSize: 16,
  inputChannels: 3,
  filters: [4, 8, 12],
  encoderDropout: [0.1, 0.2, 0.3],
  decoderDropout: [0.2, 0.1],
  kernelSize: 3,
  upsampleSize: 2,
};

function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((s >>> 8) / 16777216) * (hi - lo);
  }
  return out;
}

describe("GPU engine layout", () => {
  it("places the paper's 1,942,257 parameters in forward order, one block per layer", () => {
    const { layers, total } = gpuLayers(PAPER_UNET);
    expect(total).toBe(unetParamCount(PAPER_UNET));
    expect(total).toBe(1_942_257);
    expect(layers.map((l) => l.name).slice(0, 3)).toEqual(["enc1_conv1", "enc1_conv2", "enc2_conv1"]);
    expect(layers.at(-1)!.name).toBe("head_logits");
  });

  it("converts transposed-convolution kernels to and from tfjs' [a][b][cout][cin]", () => {
    const w = rand(4 * 3 * 5, 7);
    const e = upKernelToEngine(w, 3, 5);
    // tfjs element (a=1, b=0, co=4, ci=2) is engine element (ci=2, tap=2, co=4)
    expect(e[(2 * 4 + 2) * 5 + 4]).toBe(w[((1 * 2 + 0) * 5 + 4) * 3 + 2]);
    expect(Array.from(upKernelFromEngine(e, 3, 5))).toEqual(Array.from(w));
  });

  it("draws dropout masks at the requested rate", () => {
    let kept = 0;
    for (let i = 0; i < 100_000; i++) if (dropoutKeep(12345, 678, i, 0.3)) kept++;
    expect(kept / 100_000).toBeCloseTo(0.7, 2);
  });
});

// The wide bottom level (K = 9·64 = 576) makes its forward and input-gradient GEMMs run split-K with an
// epilogue pass (splitForGrid), and its 144- and 576-row filter gradients use balanced tile heights.
const WIDE: UNetConfig = { ...CONFIG, inputSize: 8, filters: [4, 16, 64] };

describe.skipIf(!ctx).each([
  ["small", CONFIG],
  ["wide bottom (split-K forward and input gradients)", WIDE],
])(`GPU engine training step vs tf ops on cpu: %s${SKIP}`, (_name, CONFIG) => {
  const B = 2;
  const S = CONFIG.inputSize;
  let net: GpuUNet;
  let weights: Map<string, tf.Tensor>;
  const x = rand(B * S * S * CONFIG.inputChannels, 1, 0, 1);
  const y = Float32Array.from(rand(B * S * S, 2, 0, 1), (v) => (v > 0.7 ? 1 : 0));
  const seed = 987654321;

  beforeAll(async () => {
    await tf.setBackend("cpu");
    const { model } = buildUNet(CONFIG, 5);
    weights = new Map();
    const values = model.getWeights();
    model.weights.forEach((w, i) => weights.set(w.originalName, values[i]));
    // Non-zero biases so that their gradients and placement are tested too.
    for (const [k, t] of weights) if (k.endsWith("/bias")) weights.set(k, tf.tensor(rand(t.size, k.length, -0.1, 0.1), t.shape));
    net = await GpuUNet.create(ctx!.device, CONFIG, { batch: B, size: S, learningRate: 1e-3 });
    net.setWeights((n) => weights.get(n)?.dataSync() as Float32Array | undefined);
  }, 120_000);

  afterAll(() => net?.destroy());

  it("gives the reference probabilities in inference mode", async () => {
    const r = await net.evaluate(x, y, B);
    const z = reference(tf.tensor4d(x, [B, S, S, CONFIG.inputChannels]), weights, CONFIG, null);
    const p = tf.sigmoid(z).dataSync() as Float32Array;
    const got = await net.probabilities();
    expect(maxRel(got, p)).toBeLessThan(1e-5);
    const loss = bce(z, tf.tensor4d(y, [B, S, S, 1])).dataSync()[0];
    expect(r.loss).toBeCloseTo(loss, 5);
    let tp = 0;
    for (let i = 0; i < p.length; i++) if (p[i] > 0.5 && y[i] > 0.5) tp++;
    expect(r.tp).toBe(tp);
    expect(r.tp + r.fp + r.fn + r.tn).toBe(B * S * S);
  });

  it("gives the reference loss, gradients (every layer) and Adam update in a training step with dropout", async () => {
    const names = [...weights.keys()];
    const vars = names.map((n) => tf.variable(weights.get(n)!.clone(), true, `ref_${CONFIG.filters.join("-")}_${n.replace(/\//g, "_")}`));
    const wv = new Map(names.map((n, i) => [n, vars[i] as tf.Tensor]));
    const xt = tf.tensor4d(x, [B, S, S, CONFIG.inputChannels]);
    const yt = tf.tensor4d(y, [B, S, S, 1]);
    const { value, grads } = tf.variableGrads(() => bce(reference(xt, wv, CONFIG, seed), yt), vars);
    const r = await net.trainStep(x, y, B, seed);
    expect(r.loss).toBeCloseTo(value.dataSync()[0], 5);
    const g = await net.getGradients();
    const errs = names.map((n, i) => ({ n, err: maxRel(g.get(n)!, grads[vars[i].name].dataSync() as Float32Array) }));
    const bad = errs.filter((e) => !(e.err < 2e-4));
    expect(bad, "layers whose gradient differs (max |Δ| / max |g|)").toEqual([]);
    // First Adam step from zero moments: p − lr·ĝ/(|ĝ| + ε) per element (tfjs' formula).
    const after = await net.getWeights();
    for (const n of names) {
      const p0 = weights.get(n)!.dataSync();
      const gg = g.get(n)!;
      const p1 = after.get(n)!;
      for (let i = 0; i < p0.length; i++) {
        const m = 0.1 * gg[i];
        const v = 0.001 * gg[i] * gg[i];
        const want = p0[i] - (1e-3 * (m / 0.1)) / (Math.sqrt(v / 0.001) + 1e-7);
        expect(Math.abs(p1[i] - want)).toBeLessThan(2e-6);
      }
    }
    const st = await net.getOptimizerState();
    expect(st.step).toBe(1);
    net.setWeights((n) => weights.get(n)?.dataSync() as Float32Array | undefined);
  });

  it("masks the padding of a partial batch out of the loss and gradients", async () => {
    const one = x.subarray(0, S * S * CONFIG.inputChannels);
    const yOne = y.subarray(0, S * S);
    const names = [...weights.keys()];
    const vars = names.map((n) => tf.variable(weights.get(n)!.clone(), true, `pb_${CONFIG.filters.join("-")}_${n.replace(/\//g, "_")}`));
    const wv = new Map(names.map((n, i) => [n, vars[i] as tf.Tensor]));
    const { value, grads } = tf.variableGrads(() => bce(reference(tf.tensor4d(one, [1, S, S, CONFIG.inputChannels]), wv, CONFIG, seed), tf.tensor4d(yOne, [1, S, S, 1])), vars);
    const r = await net.trainStep(one, yOne, 1, seed);
    expect(r.pixels).toBe(S * S);
    expect(r.loss).toBeCloseTo(value.dataSync()[0], 5);
    const g = await net.getGradients();
    for (const [i, n] of names.entries()) expect(maxRel(g.get(n)!, grads[vars[i].name].dataSync() as Float32Array), n).toBeLessThan(2e-4);
  });

  it("gives bit-identical steps and evaluations from a data set kept on the GPU (batches gathered on the device)", async () => {
    // Three patches on the GPU; the batch is patches 2 and 0, in that order.
    const per = S * S * CONFIG.inputChannels;
    const px = S * S;
    const images = new Float32Array(3 * per);
    const masks = new Uint8Array(3 * px);
    images.set(x.subarray(per, 2 * per), 2 * per);
    images.set(x.subarray(0, per), 0);
    images.set(rand(per, 77), per);
    masks.set(y.subarray(px, 2 * px), 2 * px);
    masks.set(y.subarray(0, px), 0);
    const ds = (await net.uploadDataset(images, masks, 3))!;
    expect(ds).not.toBeNull();
    const batchX = new Float32Array(2 * per);
    batchX.set(images.subarray(2 * per, 3 * per), 0);
    batchX.set(images.subarray(0, per), per);
    const batchY = new Float32Array(2 * px);
    batchY.set(masks.subarray(2 * px, 3 * px), 0);
    batchY.set(masks.subarray(0, px), px);
    const reset = (): void => {
      net.setWeights((n) => weights.get(n)?.dataSync() as Float32Array | undefined);
      const zeros = (n: string): Float32Array => new Float32Array(weights.get(n)!.size);
      net.setOptimizerState(0, zeros, zeros);
    };
    reset();
    const a = await net.trainStep(batchX, batchY, 2, seed);
    const ga = await net.getGradients();
    reset();
    const b = await net.trainStepOn(ds, [2, 0], seed);
    const gb = await net.getGradients();
    expect(b).toEqual(a);
    for (const [n, v] of ga) expect(Array.from(gb.get(n)!), n).toEqual(Array.from(v));
    reset();
    expect(await net.evaluateOn(ds, [2, 0])).toEqual(await net.evaluate(batchX, batchY, 2));
    await expect(net.trainStepOn(ds, [0, 3], seed)).rejects.toThrow(/patch index 3 outside the data set of 3/);
  });

  it("rejects inputs of the wrong size with a message naming the shapes", async () => {
    await expect(net.trainStep(new Float32Array(5), y, B, 1)).rejects.toThrow(new RegExp(`5 input values for 2 patches of ${S}×${S}×3`));
    await expect(net.trainStep(x, y, 3, 1)).rejects.toThrow(/batch of 3 patches, the plan takes 1–2/);
  });
});
