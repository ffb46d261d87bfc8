import * as tf from "@tensorflow/tfjs";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selectBackend } from "../../src/landslide/backend";
import { bandsToChannelsLast, cutTiles, edgeRamp, loadModel, predictGeoTiff, predictScene, readModelMeta, saveModel, sceneTiles, TileBlend, tileStarts } from "../../src/landslide/infer";
import { readRaster, writeRaster } from "../../src/io/raster";
import { buildUNet, PAPER_UNET, Rng, type UNetConfig } from "../../src/landslide/unet";

const tmp = mkdtempSync(join(tmpdir(), "unet-infer-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await selectBackend({ backend: "cpu" });
});

const small: UNetConfig = { ...PAPER_UNET, inputSize: 32, inputChannels: 4, filters: [4, 8, 8], encoderDropout: [0.1, 0.1, 0.1], decoderDropout: [0.1, 0.1] };

function randomScene(w: number, h: number, c: number, seed: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: w * h * c }, () => r.next());
}

function direct(model: tf.LayersModel, x: Float32Array, w: number, h: number, c: number): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor4d(x, [1, h, w, c])) as tf.Tensor).dataSync() as Float32Array);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("tiling helpers", () => {
  it("places tiles with the requested overlap and the last one flush with the edge", () => {
    expect(tileStarts(128, 128, 32)).toEqual([0]);
    expect(tileStarts(100, 128, 32)).toEqual([0]);
    expect(tileStarts(300, 128, 32)).toEqual([0, 96, 172]);
    expect(() => tileStarts(300, 128, 128)).toThrow(/overlap 128 must be smaller/);
    const r = edgeRamp(8, 3);
    expect(Array.from(r)).toEqual(Array.from(new Float32Array([0.5 / 3, 1.5 / 3, 2.5 / 3, 1, 1, 2.5 / 3, 1.5 / 3, 0.5 / 3])));
  });

  it("sceneTiles goes row by row; cutTiles mirrors past the edge; TileBlend of each pixel's own value gives it back", () => {
    expect(sceneTiles(10, 7, 4, 1)).toEqual([[0, 0], [3, 0], [6, 0], [0, 3], [3, 3], [6, 3]]);
    expect(sceneTiles(3, 2, 4, 1)).toEqual([[0, 0]]);
    // A 3×2 scene, two channels (value, 10·value): a 4×4 tile mirrors columns 0 1 2 1 and rows 0 1 0 1.
    const f = Float32Array.from([0, 1, 2, 3, 4, 5].flatMap((v) => [v, 10 * v]));
    const t = cutTiles(f, 3, 2, 2, 4, [[0, 0]]);
    expect(Array.from(t.filter((_, i) => i % 2 === 0))).toEqual([0, 1, 2, 1, 3, 4, 5, 4, 0, 1, 2, 1, 3, 4, 5, 4]);
    // Overlapping tiles that each carry the pixel's own value blend back to exactly that value.
    const w = 10;
    const h = 7;
    const truth = Float32Array.from({ length: w * h }, (_, i) => i / 100);
    const tiles = sceneTiles(w, h, 4, 2);
    const blend = new TileBlend(w, h, 4, 2);
    const cut = cutTiles(truth, w, h, 1, 4, tiles);
    blend.add(tiles, cut);
    const got = blend.result();
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(truth[i], 6);
  });
});

describe("predictScene", () => {
  it("a one-tile scene equals a direct forward pass", async () => {
    const { model } = buildUNet(small, 1);
    const x = randomScene(32, 32, 4, 2);
    const tiled = await predictScene(model, x, 32, 32);
    expect(maxAbsDiff(tiled, direct(model, x, 32, 32, 4))).toBeLessThan(1e-6);
    model.dispose();
  });

  it("tiled == untiled for every pixel when the network is pixel-wise (blending sums to one, no seams, edges covered)", async () => {
    const input = tf.input({ shape: [null, null, 3] });
    const h = tf.layers.conv2d({ filters: 5, kernelSize: 1, activation: "relu", kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
    const out = tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: "sigmoid", kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(h) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    for (const [w, hgt, tile, overlap] of [[70, 45, 32, 8], [33, 97, 16, 5], [20, 25, 32, 8]]) {
      const x = randomScene(w, hgt, 3, w * hgt);
      const tiled = await predictScene(model, x, w, hgt, { tileSize: tile, overlap, batchSize: 3 });
      expect(maxAbsDiff(tiled, direct(model, x, w, hgt, 3))).toBeLessThan(1e-6);
    }
    model.dispose();
  });

  it("a U-Net run over a whole scene in one tile equals the untiled network on the same pixels; small overlaps stay close", async () => {
    const { model } = buildUNet({ ...small, variableInputSize: true }, 4);
    const x = randomScene(64, 64, 4, 9);
    const untiled = direct(model, x, 64, 64, 4);
    const one = await predictScene(model, x, 64, 64, { tileSize: 64 });
    expect(maxAbsDiff(one, untiled)).toBeLessThan(1e-6);
    let calls = 0;
    const tiled = await predictScene(model, x, 64, 64, { tileSize: 32, overlap: 16, onProgress: () => calls++ });
    expect(calls).toBeGreaterThan(0);
    expect(tiled.every((v) => v >= 0 && v <= 1)).toBe(true);
    // Different zero-padding context at tile borders is the only source of difference.
    expect(maxAbsDiff(tiled, untiled)).toBeLessThan(0.05);
    model.dispose();
  });

  it("rejects features of the wrong size with the expected count", async () => {
    const { model } = buildUNet(small, 1);
    await expect(predictScene(model, new Float32Array(10), 32, 32)).rejects.toThrow(/10 feature values for a 32×32 scene of 4 channels \(expected 4096\)/);
    model.dispose();
  });
});

describe("saveModel / loadModel", () => {
  it("round-trips weights and metadata in stock tfjs layers format", async () => {
    const { model } = buildUNet(small, 5);
    const dir = join(tmp, "m");
    await saveModel(dir, model, { unet: small, threshold: 0.5, features: ["a", "b", "c", "d"] });
    await saveModel(dir, model, { unet: small, threshold: 0.5, features: ["a", "b", "c", "d"] }); // replaces atomically
    const mj = readFileSync(join(dir, "model.json"), "utf8");
    expect(mj).not.toContain("SeededDropout");
    expect(mj).toContain('"class_name":"Dropout"');
    const loaded = await loadModel(dir);
    const x = randomScene(32, 32, 4, 3);
    expect(maxAbsDiff(direct(loaded, x, 32, 32, 4), direct(model, x, 32, 32, 4))).toBe(0);
    expect(readModelMeta(dir).unet).toEqual(small);
    expect(existsSync(`${dir}.tmp-${process.pid}`)).toBe(false);
    writeFileSync(join(dir, "weights.bin"), new Uint8Array(12));
    await expect(loadModel(dir)).rejects.toThrow(/weights hold 12 bytes but model.json describes/);
    await expect(loadModel(join(tmp, "nope"))).rejects.toThrow(/nope\/model.json: missing/);
    model.dispose();
  });
});

describe("predictGeoTiff", () => {
  it("reads a feature GeoTIFF and writes probabilities on the same grid", async () => {
    const { model } = buildUNet(small, 6);
    const w = 50;
    const h = 40;
    const planes = [0, 1, 2, 3].map((k) => Float32Array.from({ length: w * h }, (_, i) => ((i * (k + 3)) % 17) / 17));
    const transform = { originX: 300000, originY: 3400000, pixelWidth: 10, pixelHeight: -10 };
    const inFile = join(tmp, "features.tif");
    writeRaster(inFile, { width: w, height: h, bands: planes, transform, epsg: 32649 });
    const outFile = join(tmp, "prob.tif");
    const { prob } = await predictGeoTiff(model, inFile, outFile, { overlap: 8 });
    const r = await readRaster(outFile);
    expect([r.width, r.height, r.epsg]).toEqual([w, h, 32649]);
    expect(r.transform).toEqual(transform);
    expect(r.bandNames).toEqual(["landslide_probability"]);
    expect(Array.from(r.bands[0])).toEqual(Array.from(prob));
    const direct = await predictScene(model, bandsToChannelsLast(planes, w * h), w, h, { overlap: 8 });
    expect(Array.from(direct)).toEqual(Array.from(prob));
    writeRaster(join(tmp, "three.tif"), { width: w, height: h, bands: planes.slice(0, 3), transform, epsg: 32649 });
    await expect(predictGeoTiff(model, join(tmp, "three.tif"), undefined)).rejects.toThrow(/three\.tif: has 3 bands; the model takes 4/);
    model.dispose();
  });
});
