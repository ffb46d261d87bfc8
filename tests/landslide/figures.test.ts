import { describe, expect, it } from "vitest";
import { downsample, outlineLines, panelsFigure } from "../../src/landslide/figures";

describe("figure helpers", () => {
  it("block-averages ignoring NaN", () => {
    const p = [1, 3, 5, NaN, 2, 4, 6, NaN];
    const d = downsample(p, 4, 2, 2);
    expect(d.factor).toBe(2);
    expect(d.z).toEqual([[2.5, 5.5]]);
  });
  it("outlines a square mask and builds one heatmap per panel", () => {
    const mask = new Uint8Array(16);
    mask[5] = mask[6] = mask[9] = mask[10] = 1;
    const o = outlineLines(mask, 4, 4, 1);
    expect(o.x.filter((v) => v === null).length).toBe(1);
    expect(o.x.slice(0, 5)).toEqual([0.5, 2.5, 2.5, 0.5, 0.5]);
    const f = panelsFigure([mask, mask], ["a", "b"], 4, 4, { outline: mask });
    expect((f.data as Array<{ type: string }>).filter((t) => t.type === "heatmap").length).toBe(2);
  });
});
