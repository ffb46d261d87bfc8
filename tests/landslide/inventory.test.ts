import { describe, expect, it } from "vitest";
import { matchInventory } from "../../src/landslide/inventory";

describe("matchInventory", () => {
  it("counts pixels and objects", () => {
    // reference: two bodies; identified: one overlapping body 1 partly, one false alarm
    const ref = [
      1, 1, 0, 0, 0, 0,
      1, 1, 0, 0, 1, 1,
      0, 0, 0, 0, 1, 1,
    ];
    const idf = [
      0, 0.9, 0, 0, 0, 0,
      0, 0.6, 0.7, 0, 0, 0,
      0, 0, 0, 0, 0, 0.2,
    ];
    const idfFalse = idf.slice();
    idfFalse[5] = 0.99; // an isolated false alarm at row 0, col 5
    const m = matchInventory(idfFalse, ref, 6, 3);
    expect(m.truePositivePixels).toBe(2);
    expect(m.falsePositivePixels).toBe(2);
    expect(m.falseNegativePixels).toBe(6);
    expect(m.precision).toBeCloseTo(0.5, 12);
    expect(m.recall).toBeCloseTo(0.25, 12);
    expect(m.f1).toBeCloseTo(1 / 3, 12);
    expect(m.referenceObjects).toBe(2);
    expect(m.referenceFound).toBe(1);
    expect(m.identifiedObjects).toBe(2);
    expect(m.identifiedCorrect).toBe(1);
    expect(() => matchInventory([1], ref, 6, 3)).toThrow(/6×3/);
  });
});
