import { describe, expect, it, beforeAll } from "vitest";
import { existsSync, mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeH5 } from "../../src/io/hdf5";
import {
  pairL4SFolder,
  patchBands,
  readL4SFolder,
  readL4SImage,
  readL4SMask,
  trainingArrays,
} from "../../src/landslide/l4s";
import { computeIndices } from "../../src/landslide/features";
import { mirrorDir } from "../../src/notebook/environment";

const S = 128;

function image(kind: "f4" | "f8", seed: number): Float32Array | Float64Array {
  const a = kind === "f4" ? new Float32Array(S * S * 14) : new Float64Array(S * S * 14);
  for (let i = 0; i < S * S; i++) for (let c = 0; c < 14; c++) a[i * 14 + c] = seed + c + (i % 7) / 10;
  return a;
}

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "l4s-"));
  const mask = new Uint8Array(S * S);
  for (let i = 0; i < 300; i++) mask[i] = 1;
  await writeH5(join(dir, "ok/image_2.h5"), [{ name: "img", shape: [S, S, 14], data: image("f8", 2) }]);
  await writeH5(join(dir, "ok/mask_2.h5"), [{ name: "mask", shape: [S, S], data: mask }]);
  await writeH5(join(dir, "ok/image_10.h5"), [{ name: "img", shape: [S, S, 14], data: image("f4", 10) }]);
  await writeH5(join(dir, "ok/mask_10.h5"), [{ name: "mask", shape: [S, S], data: new Uint8Array(S * S) }]);
  // L4S release layout: img/ and mask/
  await writeH5(join(dir, "split/img/image_1.h5"), [{ name: "img", shape: [S, S, 14], data: image("f4", 1) }]);
  await writeH5(join(dir, "split/mask/mask_1.h5"), [{ name: "mask", shape: [S, S], data: mask }]);
  await writeH5(join(dir, "bad/image_1.h5"), [{ name: "img", shape: [S, S, 13], data: new Float32Array(S * S * 13) }]);
  await writeH5(join(dir, "bad/image_2.h5"), [{ name: "other", shape: [2], data: new Float32Array(2) }]);
  const badMask = new Uint8Array(S * S);
  badMask[5] = 7;
  await writeH5(join(dir, "bad/mask_3.h5"), [{ name: "mask", shape: [S, S], data: badMask }]);
  mkdirSync(join(dir, "corrupt"));
  writeFileSync(join(dir, "corrupt/image_1.h5"), "this is not HDF5");
  await writeH5(join(dir, "nomask/image_4.h5"), [{ name: "img", shape: [S, S, 14], data: image("f4", 4) }]);
  await writeH5(join(dir, "orphan/image_1.h5"), [{ name: "img", shape: [S, S, 14], data: image("f4", 4) }]);
  await writeH5(join(dir, "orphan/mask_1.h5"), [{ name: "mask", shape: [S, S], data: mask }]);
  await writeH5(join(dir, "orphan/mask_9.h5"), [{ name: "mask", shape: [S, S], data: mask }]);
});

describe("L4S reader", () => {
  it("reads float64 and float32 images channels-last with masks, sorted by id", async () => {
    const ps = await readL4SFolder(join(dir, "ok"));
    expect(ps.map((p) => p.id)).toEqual([2, 10]);
    expect(ps[0].img).toBeInstanceOf(Float64Array);
    expect(ps[1].img).toBeInstanceOf(Float32Array);
    expect(ps[0].img[3 * 14 + 5]).toBeCloseTo(2 + 5 + 0.3, 12);
    expect(ps[0].mask!.reduce((a, b) => a + b, 0)).toBe(300);
    const bands = patchBands(ps[0]);
    expect(bands.bands.length).toBe(14);
    expect(bands.bands[7][3]).toBeCloseTo(2 + 7 + 0.3, 12);
    const ix = computeIndices(bands);
    expect(ix.ndvi[0]).toBeCloseTo((9 - 5) / (9 + 5), 6);
    const t = trainingArrays(ps);
    expect(t.x.length).toBe(2 * S * S * 11);
    expect(t.y.length).toBe(2 * S * S);
    expect(t.y[299]).toBe(1);
    expect(t.y[300]).toBe(0);
  });

  it("reads the release layout img/ + mask/", async () => {
    const pairs = pairL4SFolder(join(dir, "split"));
    expect(pairs).toEqual([{ id: 1, image: join(dir, "split/img/image_1.h5"), mask: join(dir, "split/mask/mask_1.h5") }]);
  });

  it("rejects a wrong shape, a missing dataset, bad mask values and corrupt files, naming the file", async () => {
    await expect(readL4SImage(join(dir, "bad/image_1.h5"))).rejects.toThrow(/bad\/image_1\.h5.*shape \[128, 128, 13\], expected \[128, 128, 14\]/);
    await expect(readL4SImage(join(dir, "bad/image_2.h5"))).rejects.toThrow(/bad\/image_2\.h5.*no dataset "img"/);
    await expect(readL4SMask(join(dir, "bad/mask_3.h5"))).rejects.toThrow(/mask_3\.h5: mask value 7 at pixel 5/);
    await expect(readL4SImage(join(dir, "corrupt/image_1.h5"))).rejects.toThrow(/corrupt\/image_1\.h5/);
    await expect(readL4SImage(join(dir, "nope/image_1.h5"))).rejects.toThrow(/image_1\.h5: no such file/);
  });

  it("a missing mask is an error unless allowed; an orphan mask always is", async () => {
    expect(() => pairL4SFolder(join(dir, "nomask"))).toThrow(/image_4\.h5: has no mask_4\.h5/);
    const ps = await readL4SFolder(join(dir, "nomask"), { allowMissingMasks: true });
    expect(ps[0].mask).toBeUndefined();
    expect(() => trainingArrays(ps)).toThrow(/has no mask/);
    expect(() => pairL4SFolder(join(dir, "orphan"))).toThrow(/mask_9\.h5: mask without an image/);
    expect(() => pairL4SFolder(join(dir, "empty-nothing"))).toThrow(/no such folder/);
  });
});

const mirrorRoot = mirrorDir();
const mirror = mirrorRoot ? join(mirrorRoot, "l4s-sample") : "";

describe.skipIf(!mirror || !existsSync(mirror))("L4S reader (mirror: ../shared/data/l4s-sample)", () => {
  it("reads the 15 real float64 patches; ids 3 and 45 have empty masks", async () => {
    const ps = await readL4SFolder(mirror);
    expect(ps.length).toBe(15);
    expect(ps.every((p) => p.img instanceof Float64Array && p.width === 128)).toBe(true);
    const empty = ps.filter((p) => p.mask!.every((v) => v === 0)).map((p) => p.id);
    expect(empty).toEqual([3, 45]);
    const p1 = ps.find((p) => p.id === 1)!;
    expect(p1.mask!.reduce((a, b) => a + b, 0)).toBe(405);
    // Landslide pixels of real patches are redder and less vegetated (NDVI lower) than the rest.
    const ix = computeIndices(patchBands(p1));
    let inside = 0;
    let outside = 0;
    for (let i = 0; i < 128 * 128; i++) (p1.mask![i] ? (inside += ix.ndvi[i]) : (outside += ix.ndvi[i]));
    expect(inside / 405).toBeLessThan(outside / (128 * 128 - 405));
    const t = trainingArrays(ps);
    let finite = 0;
    for (let i = 0; i < t.x.length; i++) if (Number.isFinite(t.x[i])) finite++;
    expect(finite).toBe(t.x.length);
  });
});
