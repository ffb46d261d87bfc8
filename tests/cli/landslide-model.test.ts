import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { writeH5 } from "../../src/io/hdf5";
import { main, MODEL_HELP, parseModelArgs, unetFor } from "../../src/cli/landslide-model";
import { UsageError } from "../../src/core/errors";
import { readRaster, writeRaster } from "../../src/io/raster";
import { Rng } from "../../src/landslide/unet";

process.env.DLAB_QUIET = "1";
const S = 128;
let dir: string;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cli-model-"));
  const rng = new Rng(3);
  for (let id = 1; id <= 3; id++) {
    const img = new Float32Array(S * S * 14);
    const mask = new Uint8Array(S * S);
    for (let i = 0; i < S * S; i++) {
      const slide = (i % S) > 40 && (i % S) < 70 && Math.floor(i / S) > 30 && Math.floor(i / S) < 60 ? 1 : 0;
      mask[i] = slide;
      for (let c = 0; c < 14; c++) img[i * 14 + c] = 0.5 + 0.3 * rng.next() + (slide && c === 3 ? 0.5 : 0);
    }
    await writeH5(join(dir, `l4s/image_${id}.h5`), [{ name: "img", shape: [S, S, 14], data: img }]);
    await writeH5(join(dir, `l4s/mask_${id}.h5`), [{ name: "mask", shape: [S, S], data: mask }]);
  }
});

async function capture(argv: string[]): Promise<string> {
  let out = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  try {
    await main(argv);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe("npm run landslide -- train | evaluate | predict", () => {
  it("parses options and refuses bad ones by name", () => {
    const a = parseModelArgs(["train", "--epochs", "3", "--filters", "8,16", "--crop", "64", "--no-resume", "--param", "midInfrared=12"]);
    expect(a).toMatchObject({ command: "train", params: { epochs: 3, midInfrared: 12, batchSize: 16 }, filters: [8, 16], crop: 64, resume: false, thresholdGiven: false });
    expect(parseModelArgs(["predict", "--input", "x", "--out", "y", "--threshold", "0.7"])).toMatchObject({ thresholdGiven: true, params: { threshold: 0.7 } });
    expect(parseModelArgs(["--help"])).toBe("help");
    expect(MODEL_HELP).toMatch(/validationFraction = 0\.2/);
    expect(() => parseModelArgs(["train", "--epochs", "0"])).toThrow(UsageError);
    expect(() => parseModelArgs(["train", "--epochs", "0"])).toThrow(/parameter epochs: 0 is below the minimum 1/);
    expect(() => parseModelArgs(["train", "--param", "epoch=3"])).toThrow(/unknown parameter "epoch" \(did you mean epochs\?\)/);
    expect(() => parseModelArgs(["fly"])).toThrow(/unknown command "fly"/);
    expect(() => parseModelArgs(["predict", "--input", "x.tif"])).toThrow(/--out <prob.tif> are required/);
    const u = unetFor([8, 16, 32], 64);
    expect(u.encoderDropout).toEqual([0.1, 0.1, 0.2]);
    expect(u.decoderDropout).toEqual([0.1, 0.1]);
  });

  it("trains, evaluates (JSON) and predicts a GeoTIFF end to end", async () => {
    const out = join(dir, "run");
    const t = JSON.parse(await capture(["train", "--data", join(dir, "l4s"), "--crop", "32", "--filters", "4,8", "--epochs", "1", "--batch-size", "8", "--out", out, "--backend", "cpu", "--validation-fraction", "0.25"]));
    expect(t).toMatchObject({ epochs: 1, completed: true, trainPatches: 36, valPatches: 12 });
    const e = JSON.parse(await capture(["evaluate", "--model", join(out, "best"), "--data", join(dir, "l4s"), "--crop", "32", "--backend", "cpu"]));
    expect(e.patches).toBe(48);
    for (const k of ["precision", "recall", "f1", "kerasPrecision", "kerasRecall", "kerasF1"]) expect(e[k]).toBeGreaterThanOrEqual(0);
    const feat = join(dir, "features.tif");
    const w = 40;
    const h = 36;
    writeRaster(feat, { width: w, height: h, bands: Array.from({ length: 11 }, (_, k) => Float32Array.from({ length: w * h }, (_, i) => ((i + k) % 9) / 9)), transform: { originX: 0, originY: 0, pixelWidth: 10, pixelHeight: -10 }, epsg: 32649 });
    const p = JSON.parse(await capture(["predict", "--model", join(out, "best"), "--input", feat, "--out", join(dir, "prob.tif"), "--backend", "cpu"]));
    expect(p).toMatchObject({ width: w, height: h });
    const r = await readRaster(join(dir, "prob.tif"));
    expect(r.bands[0].length).toBe(w * h);
    expect(p.thresholdFrom).toBe("model");
    // --threshold is honoured over the model's saved 0.5, and the polygons follow it.
    const hi = JSON.parse(await capture(["predict", "--model", join(out, "best"), "--input", feat, "--out", join(dir, "prob-hi.tif"), "--backend", "cpu", "--threshold", "0.999"]));
    expect(hi).toMatchObject({ threshold: 0.999, thresholdFrom: "command line" });
    const prob = r.bands[0];
    expect(hi.landslidePixels).toBe(Array.from(prob).filter((v) => v > 0.999).length);
    const gj = JSON.parse(readFileSync(hi.polygons.file, "utf8")) as { type: string; features: unknown[] };
    expect(hi.polygons.file).toBe(join(dir, "prob-hi.geojson"));
    expect(gj.type).toBe("FeatureCollection");
    expect(gj.features.length).toBe(hi.polygons.count);
    // A 14-band scene: features made by the model's stored recipe, tiles on its block grid.
    const sceneFile = join(dir, "scene14.tif");
    writeRaster(sceneFile, { width: w, height: h, bands: Array.from({ length: 14 }, (_, k) => Float32Array.from({ length: w * h }, (_, i) => 0.5 + ((i * (k + 1)) % 7) / 10)), transform: { originX: 0, originY: 0, pixelWidth: 10, pixelHeight: -10 }, epsg: 32649 });
    const ps = JSON.parse(await capture(["predict", "--model", join(out, "best"), "--input", sceneFile, "--out", join(dir, "prob-scene.tif"), "--backend", "cpu"]));
    expect(ps).toMatchObject({ input: "scene", width: w, height: h });
    // evaluate's Keras metrics are per patch: the inference batch does not change them.
    const e1 = JSON.parse(await capture(["evaluate", "--model", join(out, "best"), "--data", join(dir, "l4s"), "--crop", "32", "--backend", "cpu", "--batch", "1"]));
    const e5 = JSON.parse(await capture(["evaluate", "--model", join(out, "best"), "--data", join(dir, "l4s"), "--crop", "32", "--backend", "cpu", "--batch", "5"]));
    expect(e5.kerasF1).toBeCloseTo(e1.kerasF1, 6);
    expect(e5.kerasF1).toBeCloseTo(e.kerasF1, 6);
  });

  it("--validation-fraction 0 trains on all patches and writes final/ only", async () => {
    const out = join(dir, "run-all");
    const t = JSON.parse(await capture(["train", "--data", join(dir, "l4s"), "--crop", "64", "--filters", "4,8", "--epochs", "1", "--batch-size", "12", "--out", out, "--backend", "cpu", "--validation-fraction", "0"]));
    expect(t).toMatchObject({ trainPatches: 12, valPatches: 0, bestModel: null, finalModel: join(out, "final"), model: join(out, "final") });
    expect(existsSync(join(out, "final", "model.json"))).toBe(true);
    expect(existsSync(join(out, "best"))).toBe(false);
    const meta = JSON.parse(readFileSync(join(out, "final", "unet.json"), "utf8")) as { recipe: { extent: string; block: number; bands: { midInfrared: number } } };
    expect(meta.recipe).toMatchObject({ extent: "block", block: 128, bands: { midInfrared: 12 } });
  });
});
