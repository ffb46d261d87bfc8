import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { writeH5 } from "../../src/io/hdf5";
import { main, parseModelArgs, unetFor } from "../../src/cli/landslide-model";
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
    const a = parseModelArgs(["train", "--epochs", "3", "--filters", "8,16", "--crop", "64", "--no-resume"]);
    expect(a).toMatchObject({ command: "train", train: { epochs: 3 }, filters: [8, 16], crop: 64, resume: false });
    expect(parseModelArgs(["--help"])).toBe("help");
    expect(() => parseModelArgs(["train", "--epochs", "0"])).toThrow(/--epochs must be an integer ≥ 1, not "0"/);
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
  });
});
