import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildL4S, slopeDegrees } from "../../src/samples/l4s";
import { mulberry32 } from "../../src/core/random";
import { readL4SFolder, patchBands, trainingArrays } from "../../src/landslide/l4s";
import { computeIndices } from "../../src/landslide/features";

describe("l4s simulator", () => {
  it("same seed → byte-identical files; another seed differs", async () => {
    const a = mkdtempSync(join(tmpdir(), "l4s-a-"));
    const b = mkdtempSync(join(tmpdir(), "l4s-b-"));
    const c = mkdtempSync(join(tmpdir(), "l4s-c-"));
    await buildL4S(a, { seed: 7, size: 0.0625, quiet: true });
    await new Promise((r) => setTimeout(r, 1100)); // HDF5 would stamp a different second
    await buildL4S(b, { seed: 7, size: 0.0625, quiet: true });
    await buildL4S(c, { seed: 8, size: 0.0625, quiet: true });
    const files = readdirSync(a).sort();
    expect(files).toEqual(["image_1.h5", "image_2.h5", "image_3.h5", "image_4.h5", "mask_1.h5", "mask_2.h5", "mask_3.h5", "mask_4.h5", "truth.json"]);
    for (const f of files) expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true);
    expect(readFileSync(join(a, "image_1.h5")).equals(readFileSync(join(c, "image_1.h5")))).toBe(false);
  });

  it("landslides look like real ones: low NDVI, high BSI, on steeper ground; masks match the truth", async () => {
    const dir = mkdtempSync(join(tmpdir(), "l4s-"));
    const truth = await buildL4S(dir, { seed: 3, size: 0.25, quiet: true });
    const ps = await readL4SFolder(dir);
    expect(ps.length).toBe(16);
    let ndviIn = 0, ndviOut = 0, bsiIn = 0, bsiOut = 0, slopeIn = 0, slopeOut = 0, nIn = 0, nOut = 0;
    ps.forEach((p, k) => {
      const px = p.mask!.reduce((s, v) => s + v, 0);
      expect(px).toBe(truth[k].landslidePixels);
      const bands = patchBands(p);
      const ix = computeIndices(bands);
      for (let i = 0; i < 128 * 128; i++) {
        if (p.mask![i]) { ndviIn += ix.ndvi[i]; bsiIn += ix.bsi[i]; slopeIn += bands.bands[12][i]; nIn++; }
        else { ndviOut += ix.ndvi[i]; bsiOut += ix.bsi[i]; slopeOut += bands.bands[12][i]; nOut++; }
      }
    });
    expect(truth.some((t) => t.landslides === 0)).toBe(true);
    expect(nIn / (nIn + nOut)).toBeGreaterThan(0.01);
    expect(nIn / (nIn + nOut)).toBeLessThan(0.1);
    expect(ndviIn / nIn).toBeLessThan(ndviOut / nOut - 0.2);
    expect(bsiIn / nIn).toBeGreaterThan(bsiOut / nOut + 0.15);
    expect(slopeIn / nIn).toBeGreaterThan(slopeOut / nOut);
    const t = trainingArrays(ps);
    expect(t.x.length).toBe(16 * 128 * 128 * 11);
  });

  it("slope of a plane of known gradient", () => {
    const w = 5, h = 4;
    const dem = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) dem[y * w + x] = 10 * x; // 10 m per 10 m pixel
    const s = slopeDegrees(dem, w, h, 10);
    for (const v of s) expect(v).toBeCloseTo(45, 4);
    const r = mulberry32(1);
    expect(r()).toBe(mulberry32(1)());
  });
});
