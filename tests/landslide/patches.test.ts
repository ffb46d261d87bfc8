import { describe, expect, it } from "vitest";
import { cropPatches, positiveShare } from "../../src/landslide/patches";
import type { PatchSet } from "../../src/landslide/train";

describe("cropPatches", () => {
  it("cuts patches into tiles that reassemble to the original", () => {
    const size = 4;
    const C = 2;
    const count = 2;
    const images = Float32Array.from({ length: count * size * size * C }, (_, i) => i);
    const masks = Uint8Array.from({ length: count * size * size }, (_, i) => i % 3 === 0 ? 1 : 0);
    const s: PatchSet = { images, masks, count, size, channels: C, ids: ["a", "b"] };
    const t = cropPatches(s, 2);
    expect(t.count).toBe(8);
    expect(t.ids?.slice(0, 4)).toEqual(["a:0,0", "a:0,1", "a:1,0", "a:1,1"]);
    // Tile b:1,0 pixel (r=1,c=1) = patch b pixel (3,1).
    const tile = 6;
    const px = (1 * size + 3) * size + 1;
    expect(t.images[(tile * 4 + 1 * 2 + 1) * C + 1]).toBe(images[px * C + 1]);
    expect(t.masks[tile * 4 + 3]).toBe(masks[px]);
    expect(positiveShare(t)).toBeCloseTo(positiveShare(s), 12);
    expect(() => cropPatches(s, 3)).toThrow(/crop 3 must divide the patch size 4/);
  });
});
