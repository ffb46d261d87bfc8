import * as tf from "@tensorflow/tfjs";
import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { selectBackend } from "../../src/landslide/backend";
import {
  buildUNet,
  countParams,
  modelSummaryRows,
  PAPER_UNET,
  PAPER_UNET_PARAMS,
  Rng,
  unetParamCount,
  validateUNetConfig,
} from "../../src/landslide/unet";

beforeAll(async () => {
  await selectBackend({ backend: "cpu" });
});

describe("buildUNet (Zigui Fig 1)", () => {
  it("has 1,942,257 parameters with 11 input channels, in tfjs-layers and in closed form", () => {
    const { model } = buildUNet(PAPER_UNET, 1);
    expect(countParams(model)).toBe(PAPER_UNET_PARAMS);
    expect(unetParamCount(PAPER_UNET)).toBe(PAPER_UNET_PARAMS);
    expect(model.outputs[0].shape).toEqual([null, 128, 128, 1]);
    const rows = modelSummaryRows(model);
    expect(rows.filter((r) => r.type === "Conv2D")).toHaveLength(19);
    expect(rows.filter((r) => r.type === "Conv2DTranspose")).toHaveLength(4);
    expect(rows.filter((r) => r.type === "Dropout")).toHaveLength(9);
    expect(rows.map((r) => r.layer).slice(-2)).toEqual(["head_logits", "head"]);
    expect(rows.find((r) => r.layer === "enc5_conv2")?.["output shape"]).toBe("(None, 8, 8, 256)");
    expect(rows.find((r) => r.layer === "dec4_concat")?.["output shape"]).toBe("(None, 16, 16, 256)");
    expect(rows.reduce((s, r) => s + r.params, 0)).toBe(PAPER_UNET_PARAMS);
    model.dispose();
  });

  const torchAvailable = spawnSync("/usr/bin/python3", ["-c", "import torch"]).status === 0;
  it.skipIf(!torchAvailable)("PyTorch counts the same parameters for the same architecture (bench/unet-torch.py)", () => {
    for (const ch of [11, 14]) {
      const r = spawnSync("/usr/bin/python3", ["bench/unet-torch.py", "count", String(ch)], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const { params } = JSON.parse(r.stdout) as { params: number };
      const { model } = buildUNet({ ...PAPER_UNET, inputChannels: ch }, 1);
      expect(params).toBe(countParams(model));
      if (ch === 11) expect(params).toBe(1_942_257);
      model.dispose();
    }
  });

  it("closed-form count matches tfjs for other configurations", () => {
    const cfg = { ...PAPER_UNET, inputSize: 32, inputChannels: 14, filters: [4, 8, 12], encoderDropout: [0, 0, 0], decoderDropout: [0.1, 0.1] };
    const { model } = buildUNet(cfg, 3);
    expect(countParams(model)).toBe(unetParamCount(cfg));
    model.dispose();
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const cfg = { ...PAPER_UNET, inputSize: 16, filters: [4, 8], encoderDropout: [0.1, 0.1], decoderDropout: [0.1] };
    const w = (seed: number): number[] => {
      const { model } = buildUNet(cfg, seed);
      const v = Array.from(model.getWeights()[0].dataSync()).slice(0, 20);
      model.dispose();
      return v;
    };
    expect(w(5)).toEqual(w(5));
    expect(w(5)).not.toEqual(w(6));
  });

  it("seeded dropout is active only in training and replays from the generator state", () => {
    const cfg = { ...PAPER_UNET, inputSize: 16, inputChannels: 2, filters: [4, 8], encoderDropout: [0.5, 0.5], decoderDropout: [0.5] };
    const { model, dropoutRng } = buildUNet(cfg, 9);
    const x = tf.randomUniform([1, 16, 16, 2], 0, 1, "float32", 1);
    const a = (model.predict(x) as tf.Tensor).dataSync();
    const b = (model.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    const s0 = dropoutRng.state;
    const t1 = (model.apply(x, { training: true }) as tf.Tensor).dataSync();
    const t2 = (model.apply(x, { training: true }) as tf.Tensor).dataSync();
    expect(Array.from(t1)).not.toEqual(Array.from(t2));
    dropoutRng.state = s0;
    const t3 = (model.apply(x, { training: true }) as tf.Tensor).dataSync();
    expect(Array.from(t3)).toEqual(Array.from(t1));
    model.dispose();
  });

  it("rejects inconsistent configurations with a clear message", () => {
    expect(() => validateUNetConfig({ ...PAPER_UNET, decoderDropout: [0.1] })).toThrow(/decoderDropout has 1 rates for 4/);
    expect(() => validateUNetConfig({ ...PAPER_UNET, inputSize: 100 })).toThrow(/not divisible by 16/);
  });

  it("Rng shuffles reproducibly", () => {
    expect(new Rng(1).shuffle([1, 2, 3, 4, 5, 6])).toEqual(new Rng(1).shuffle([1, 2, 3, 4, 5, 6]));
  });
});

describe("buildUNet initialisation (Keras he_normal / glorot_uniform)", () => {
  it("each ReLU convolution's kernel has variance 2/fan_in, transposed convolutions 2/(fan_in+fan_out), biases 0", () => {
    const { model } = buildUNet(PAPER_UNET, 5);
    for (const name of ["enc4_conv2", "enc5_conv1", "enc5_conv2", "dec4_conv1"]) {
      const [k, b] = model.getLayer(name).getWeights();
      const w = k.dataSync() as Float32Array;
      const [kh, kw, cin] = k.shape as number[];
      const fanIn = kh * kw * cin;
      let s2 = 0;
      for (const v of w) s2 += v * v;
      // ≥ 147,456 draws: the sample variance is within 2 % of the closed form.
      expect(s2 / w.length / (2 / fanIn)).toBeGreaterThan(0.98);
      expect(s2 / w.length / (2 / fanIn)).toBeLessThan(1.02);
      expect(Math.max(...b.dataSync())).toBe(0);
    }
    const [up] = model.getLayer("dec4_up").getWeights();
    const [kh, kw, a, c] = up.shape as number[];
    const w = up.dataSync() as Float32Array;
    let s2 = 0;
    for (const v of w) s2 += v * v;
    expect(s2 / w.length / (2 / (kh * kw * (a + c)))).toBeGreaterThan(0.98);
    expect(s2 / w.length / (2 / (kh * kw * (a + c)))).toBeLessThan(1.02);
    model.dispose();
  });
});
