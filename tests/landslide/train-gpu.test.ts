import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { requestGpu } from "../../src/engine/gpu/device";
import * as tf from "@tensorflow/tfjs";
import { loadModel } from "../../src/landslide/infer";
import { bceFromLogits, train, type PatchSet } from "../../src/landslide/train";
import { logitsModel, type UNetConfig } from "../../src/landslide/unet";
import { simulatePatches } from "./synthetic";

/**
 * The training loop on the webgpu backend, where the GPU engine runs every step: it learns, its saved
 * model is what it evaluated, and an interrupted run resumes bit-identically. Needs a WebGPU adapter
 * (a GPU, or Mesa 25 lavapipe); skipped without one.
 */
process.env.DLAB_QUIET = "1";
const HAS = (await requestGpu(true).catch(() => null)) !== null;
const SKIP = HAS ? "" : " [SKIPPED: no WebGPU adapter through the npm webgpu package]";
const tmp = mkdtempSync(join(tmpdir(), "unet-train-gpu-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const unet: UNetConfig = { inputSize: 16, inputChannels: 3, filters: [8, 16], encoderDropout: [0.1, 0.1], decoderDropout: [0.1], kernelSize: 3, upsampleSize: 2 };

function take(s: PatchSet, from: number, n: number): PatchSet {
  const px = s.size * s.size;
  return { images: s.images.slice(from * px * s.channels, (from + n) * px * s.channels), masks: s.masks.slice(from * px, (from + n) * px), count: n, size: s.size, channels: s.channels };
}

describe.skipIf(!HAS)(`U-Net training on the GPU engine${SKIP}`, () => {
  it("lowers the loss, saves the weights it evaluated, and names the engine", async () => {
    // (Reaching a high F1 takes minutes on a software adapter; the same data and settings on wasm give
    // the same loss curve within dropout noise, and the engine's step is checked exactly in tests/engine/gpu.)
    const all = simulatePatches(60, 16, 3, 5);
    const trainSet = take(all, 0, 48);
    const valSet = take(all, 48, 12);
    const r = await train(trainSet, { outDir: join(tmp, "learn"), validation: valSet, backend: "webgpu", unet, config: { epochs: 6, batchSize: 8, seed: 2, learningRate: 3e-3 }, quiet: true });
    expect(r.backend).toMatch(/GPU engine \(\d+ dispatches\/step\)/);
    expect(r.log[5].loss).toBeLessThan(0.6 * r.log[0].loss);
    expect(r.log[5].valLoss).toBeLessThan(0.8 * r.log[0].valLoss);
    // The saved best model (tfjs) gives the validation loss the engine logged for that epoch.
    await tf.setBackend("cpu"); // synchronous reads; webgpu under Node has none
    const best = await loadModel(r.bestDir);
    const lm = logitsModel(best)!;
    const z = lm.predict(tf.tensor4d(valSet.images, [valSet.count, 16, 16, 3])) as tf.Tensor;
    const loss = bceFromLogits(tf.tensor4d(Float32Array.from(valSet.masks), [valSet.count, 16, 16, 1]), z).dataSync()[0];
    expect(loss).toBeCloseTo(r.log[r.bestEpoch - 1].valLoss, 4);
  }, 300_000);

  it("gives the loss curve of the wasm backend within dropout noise (same data, seed and settings)", async () => {
    const all = simulatePatches(60, 16, 3, 5);
    const opts = { validation: take(all, 48, 12), unet, config: { epochs: 5, batchSize: 8, seed: 2, learningRate: 3e-3 }, quiet: true };
    const gpu = await train(take(all, 0, 48), { ...opts, outDir: join(tmp, "cmp-gpu"), backend: "webgpu" });
    const cpu = await train(take(all, 0, 48), { ...opts, outDir: join(tmp, "cmp-wasm"), backend: "wasm" });
    // Same initial weights and batches; only the dropout masks differ (one seed per step on the GPU).
    expect(gpu.log[0].loss).toBeCloseTo(cpu.log[0].loss, 1);
    for (const [e, row] of gpu.log.entries()) {
      expect(Math.abs(row.loss - cpu.log[e].loss) / cpu.log[e].loss, `epoch ${e + 1} training loss`).toBeLessThan(0.1);
      expect(Math.abs(row.valLoss - cpu.log[e].valLoss) / cpu.log[e].valLoss, `epoch ${e + 1} validation loss`).toBeLessThan(0.1);
    }
  }, 300_000);

  it("resumes after an interruption and ends identical to an uninterrupted run", async () => {
    const data = simulatePatches(20, 16, 3, 7);
    const config = { epochs: 3, batchSize: 4, seed: 11 };
    const a = await train(data, { outDir: join(tmp, "straight"), backend: "webgpu", unet, config, quiet: true });
    const part = await train(data, { outDir: join(tmp, "resumed"), backend: "webgpu", unet, config, quiet: true, stopAfter: 2 });
    expect(part.log).toHaveLength(2);
    const b = await train(data, { outDir: join(tmp, "resumed"), backend: "webgpu", unet, config, quiet: true });
    const strip = (l: typeof a.log): unknown[] => l.map(({ seconds: _s, ...rest }) => rest);
    expect(strip(b.log)).toEqual(strip(a.log));
    expect(b.model.getWeights().map((t) => Array.from(t.dataSync()))).toEqual(a.model.getWeights().map((t) => Array.from(t.dataSync())));
  }, 300_000);
});
