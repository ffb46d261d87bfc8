import * as tf from "@tensorflow/tfjs";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadModel, predictPatches, readModelMeta } from "../../src/landslide/infer";
import { confusion, prf } from "../../src/landslide/metrics";
import { bceFromLogits, bceLoss, decodeCheckpoint, encodeCheckpoint, splitIndices, train, type PatchSet } from "../../src/landslide/train";
import type { UNetConfig } from "../../src/landslide/unet";
import { simulatePatches } from "./synthetic";

process.env.DLAB_QUIET = "1";
const tmp = mkdtempSync(join(tmpdir(), "unet-train-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const small: UNetConfig = {
  inputSize: 32,
  inputChannels: 11,
  filters: [8, 16, 32],
  encoderDropout: [0.1, 0.1, 0.2],
  decoderDropout: [0.1, 0.1],
  kernelSize: 3,
  upsampleSize: 2,
};

function take(s: PatchSet, from: number, n: number): PatchSet {
  const px = s.size * s.size;
  return {
    images: s.images.slice(from * px * s.channels, (from + n) * px * s.channels),
    masks: s.masks.slice(from * px, (from + n) * px),
    count: n,
    size: s.size,
    channels: s.channels,
  };
}

describe("U-Net training", () => {
  it("with validationFraction 0 trains on every patch and exports final/ only", async () => {
    const all = simulatePatches(12, 32, 11, 4);
    const outDir = join(tmp, "all");
    const r = await train(all, { outDir, backend: "wasm", unet: small, config: { epochs: 2, batchSize: 6, seed: 1, validationFraction: 0 }, quiet: true });
    expect([r.trainCount, r.valCount]).toEqual([12, 0]);
    expect(r.bestDir).toBe(r.finalDir);
    expect(existsSync(join(outDir, "best"))).toBe(false);
    const meta = readModelMeta(r.finalDir);
    expect(meta).toMatchObject({ epoch: 2, trainCount: 12, valCount: 0, valF1: null });
    expect(r.log.map((l) => l.epoch)).toEqual([1, 2]);
    expect(Number.isNaN(r.log[1].valF1)).toBe(true);
  });


  it("reaches a validation F1 well above a trivial predictor on simulated landslides (wasm)", async () => {
    const all = simulatePatches(200, 32, 11, 1);
    const trainSet = take(all, 0, 160);
    const valSet = take(all, 160, 40);
    const outDir = join(tmp, "learn");
    const r = await train(trainSet, { outDir, validation: valSet, backend: "wasm", unet: small, config: { epochs: 10, batchSize: 8, seed: 3 }, quiet: true });
    // Trivial predictors: all background (F1 0) and all landslide (F1 = 2q/(1+q), q = landslide share).
    const q = Array.from(valSet.masks).reduce((s, v) => s + v, 0) / valSet.masks.length;
    const trivialF1 = (2 * q) / (1 + q);
    expect(q).toBeGreaterThan(0.02);
    expect(r.bestValF1).toBeGreaterThan(trivialF1 + 0.4);
    expect(r.bestValF1).toBeGreaterThan(0.7);
    expect(r.log).toHaveLength(10);
    expect(r.log[9].loss).toBeLessThan(r.log[0].loss);
    // The saved best model reproduces the logged validation F1 (pixel-global).
    const best = await loadModel(r.bestDir);
    const prob = await predictPatches(best, valSet.images, valSet.count, 32, 11);
    expect(prf(confusion(prob, valSet.masks, 0.5)).f1).toBeCloseTo(r.bestValF1, 5);
    expect(readModelMeta(r.bestDir).epoch).toBe(r.bestEpoch);
    // final/ beside best/: the model after the last epoch.
    expect(r.finalDir).toBe(join(outDir, "final"));
    expect(readModelMeta(r.finalDir).epoch).toBe(10);
    const csv = readFileSync(join(outDir, "training-log.csv"), "utf8").trim().split("\n");
    expect(csv[0]).toMatch(/^epoch,loss,precision,recall,f1,kerasPrecision/);
    expect(csv).toHaveLength(11);
  });

  it("resumes after an interruption and ends identical to an uninterrupted run", async () => {
    const data = simulatePatches(24, 16, 3, 7);
    const unet: UNetConfig = { ...small, inputSize: 16, inputChannels: 3, filters: [4, 8], encoderDropout: [0.2, 0.2], decoderDropout: [0.2] };
    const config = { epochs: 3, batchSize: 4, seed: 11 };
    const a = await train(data, { outDir: join(tmp, "straight"), backend: "cpu", unet, config, quiet: true });
    const part = await train(data, { outDir: join(tmp, "resumed"), backend: "cpu", unet, config, quiet: true, stopAfter: 2 });
    expect(part.completed).toBe(false);
    expect(part.log).toHaveLength(2);
    part.model.dispose();
    const b = await train(data, { outDir: join(tmp, "resumed"), backend: "cpu", unet, config, quiet: true });
    expect(b.completed).toBe(true);
    const strip = (l: typeof a.log): unknown[] => l.map(({ seconds: _s, ...rest }) => rest);
    expect(strip(b.log)).toEqual(strip(a.log));
    const wa = a.model.getWeights().map((t) => Array.from(t.dataSync()));
    const wb = b.model.getWeights().map((t) => Array.from(t.dataSync()));
    expect(wb).toEqual(wa);
    // Resuming with other settings is refused with the file named.
    await expect(train(data, { outDir: join(tmp, "resumed"), backend: "cpu", unet, config: { ...config, learningRate: 0.01 }, quiet: true })).rejects.toThrow(/checkpoint\.ckpt: saved with different training settings/);
  });

  it("checkpoint files round-trip and a truncated one is refused by name", () => {
    const header = { format: "dlab-unet-checkpoint" as const, version: 1 as const, epoch: 2, unet: small, train: { epochs: 3, batchSize: 4, learningRate: 1e-3, threshold: 0.5, validationFraction: 0.2, seed: 1 }, shuffleRng: 5, dropoutRng: 6, bestEpoch: 1, bestValF1: 0.5, log: [], trainCount: 3, valCount: 1 };
    const bytes = encodeCheckpoint(header, [
      { name: "a", shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
      { name: "optimizer/iter", shape: [], data: new Int32Array([7]) },
    ]);
    const { header: h, arrays } = decodeCheckpoint(bytes, "x.ckpt");
    expect(h.epoch).toBe(2);
    expect(Array.from(arrays.get("a")!.data)).toEqual([1, 2, 3, 4]);
    expect(arrays.get("optimizer/iter")!.data).toBeInstanceOf(Int32Array);
    const f = join(tmp, "bad.ckpt");
    writeFileSync(f, bytes.subarray(0, bytes.length - 3));
    expect(() => decodeCheckpoint(new Uint8Array(readFileSync(f)), f)).toThrow(/bad\.ckpt: not a usable U-Net checkpoint \(tensor optimizer\/iter runs past/);
  });

  it("takes the loss from logits: equal to BCE of probabilities, and still a gradient when the sigmoid saturates", () => {
    const y = tf.tensor([1, 0, 1, 0]);
    const z = tf.tensor([2, -1, 0.3, 0.5]);
    expect(bceFromLogits(y, z).dataSync()[0]).toBeCloseTo(bceLoss(y, tf.sigmoid(z)).dataSync()[0], 6);
    const ySat = tf.tensor([1]);
    const gLogits = tf.grad((t: tf.Tensor) => bceFromLogits(ySat, t))(tf.tensor([-60])).dataSync()[0];
    const gClipped = tf.grad((t: tf.Tensor) => bceLoss(ySat, tf.sigmoid(t)))(tf.tensor([-60])).dataSync()[0];
    expect(gLogits).toBeCloseTo(-1, 6); // d/dz of −log σ(z) = σ(z) − 1
    expect(gClipped).toBe(0); // why the probability form can stall training for good
  });

  it("splits reproducibly into disjoint sets", () => {
    const s = splitIndices(50, 0.2, 4);
    expect(s.val).toHaveLength(10);
    expect(new Set([...s.train, ...s.val]).size).toBe(50);
    expect(splitIndices(50, 0.2, 4)).toEqual(s);
    expect(() => splitIndices(1, 0.2, 4)).toThrow(/cannot split 1/);
  });
});


