import { describe, expect, it } from "vitest";
import { hornSlopeDegrees } from "../../src/grid/terrain";

const deg = (rad: number): number => (rad * 180) / Math.PI;

/** z = a·x + b·y on a north-up grid (x east, y north; row r lies at y = −r·dy). */
function plane(w: number, h: number, dx: number, dy: number, a: number, b: number): Float64Array {
  return Float64Array.from({ length: w * h }, (_, i) => a * (i % w) * dx + b * -Math.floor(i / w) * dy + 500);
}

describe("Horn slope", () => {
  it("gives atan(√(a²+b²)) for a plane everywhere, edges and corners included, with the real pixel size", () => {
    const [w, h, dx, dy, a, b] = [9, 7, 10, 12.5, 0.3, -0.4];
    const s = hornSlopeDegrees(plane(w, h, dx, dy, a, b), w, h, dx, -dy);
    const expected = deg(Math.atan(Math.hypot(a, b))); // 26.565…°
    for (let i = 0; i < w * h; i++) expect(s[i]).toBeCloseTo(expected, 4);
  });

  it("is Horn's 3×3 stencil in the interior", () => {
    // a b c / d e f / g h i with an off-plane centre row: dz/dx = ((c+2f+i) − (a+2d+g)) / 8dx
    const z = [1, 2, 4, 3, 9, 8, 2, 5, 7];
    const dzdx = (4 + 2 * 8 + 7 - (1 + 2 * 3 + 2)) / (8 * 10);
    const dzdy = (2 + 2 * 5 + 7 - (1 + 2 * 2 + 4)) / (8 * 10);
    const s = hornSlopeDegrees(z, 3, 3, 10, 10);
    expect(s[4]).toBeCloseTo(deg(Math.atan(Math.hypot(dzdx, dzdy))), 5);
  });

  it("flat ground is 0°, a NaN elevation gives NaN, and NaN neighbours fall back to one-sided differences", () => {
    expect(Array.from(hornSlopeDegrees(new Float32Array(12).fill(42), 4, 3, 10, 10))).toEqual(new Array(12).fill(0));
    const z = plane(5, 5, 10, 10, 0.2, 0);
    z[12] = NaN; // centre
    const s = hornSlopeDegrees(z, 5, 5, 10, 10);
    expect(s[12]).toBeNaN();
    // pixels beside the hole keep the plane's slope
    for (const i of [7, 11, 13, 17]) expect(s[i]).toBeCloseTo(deg(Math.atan(0.2)), 5);
    expect(() => hornSlopeDegrees(new Float32Array(5), 2, 2, 10, 10)).toThrow(/5 values, expected 2×2/);
  });
});
