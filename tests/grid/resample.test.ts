import { describe, expect, it } from "vitest";
import proj4 from "proj4";
import { accumulate, crsTransform, finish, newAccumulator, uncoveredFraction, type Grid, type Source } from "../../src/grid/resample";

/** A grid of `w`×`h` pixels of `px` metres with its upper-left corner at (x0, y0). */
function grid(w: number, h: number, px: number, x0: number, y0: number, epsg = 32649): Grid {
  return { width: w, height: h, epsg, transform: { originX: x0, originY: y0, pixelWidth: px, pixelHeight: -px } };
}

/** Samples f at the pixel centres of a grid. */
function sampled(g: Grid, f: (x: number, y: number) => number): Float64Array {
  const t = g.transform;
  return Float64Array.from({ length: g.width * g.height }, (_, i) =>
    f(t.originX + ((i % g.width) + 0.5) * t.pixelWidth, t.originY + (Math.floor(i / g.width) + 0.5) * t.pixelHeight),
  );
}

const X0 = 450000;
const Y0 = 3420000;
const ramp = (x: number, y: number): number => 3 + 0.02 * (x - X0) - 0.01 * (y - Y0);

/** Target pixels whose centre lies within the hull of a source's pixel centres. */
function inside(t: Grid, s: Grid): (i: number) => boolean {
  return (i) => {
    const x = t.transform.originX + ((i % t.width) + 0.5) * t.transform.pixelWidth;
    const y = t.transform.originY + (Math.floor(i / t.width) + 0.5) * t.transform.pixelHeight;
    const st = s.transform;
    const u = (x - st.originX) / st.pixelWidth - 0.5;
    const v = (y - st.originY) / st.pixelHeight - 0.5;
    return u >= 0 && v >= 0 && u <= s.width - 1 && v <= s.height - 1;
  };
}

describe("resampling and mosaicking", () => {
  it("copies an aligned grid exactly and interpolates a 20 m ramp onto 10 m exactly (bilinear)", () => {
    const target = grid(40, 30, 10, X0, Y0);
    const same = grid(50, 40, 10, X0 - 50, Y0 + 30);
    const acc = newAccumulator(target);
    accumulate(acc, { ...same, data: sampled(same, ramp) });
    expect(Array.from(finish(acc))).toEqual(Array.from(Float32Array.from(sampled(target, ramp))));

    const coarse = grid(20, 15, 20, X0, Y0);
    const acc2 = newAccumulator(target);
    accumulate(acc2, { ...coarse, data: sampled(coarse, ramp) });
    const out = finish(acc2);
    const want = sampled(target, ramp);
    const interior = inside(target, coarse);
    let checked = 0;
    for (let i = 0; i < out.length; i++) {
      if (!interior(i)) continue;
      expect(out[i]).toBeCloseTo(want[i], 5);
      checked++;
    }
    expect(checked).toBe(38 * 28); // all but the outer ring of 10 m pixels
    expect(uncoveredFraction(acc2)).toBe(0); // the outer ring is reached too (clamped)
    expect(out[0]).toBeCloseTo(ramp(X0 + 10, Y0 - 10), 5); // corner: the corner 20 m pixel
  });

  it("nearest copies the 20 m pixel whose footprint holds the 10 m centre", () => {
    const target = grid(4, 4, 10, X0, Y0);
    const coarse = grid(2, 2, 20, X0, Y0);
    const acc = newAccumulator(target);
    accumulate(acc, { ...coarse, data: [1, 2, 3, 4] }, "nearest");
    expect(Array.from(finish(acc))).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it("applies (raw + offset) × gain and leaves no-data values out", () => {
    const target = grid(3, 1, 10, X0, Y0);
    const acc = newAccumulator(target);
    accumulate(acc, { ...target, data: new Uint16Array([2000, 0, 65535]), noData: [0, 65535], offset: -1000, gain: 1e-4 });
    const out = finish(acc);
    expect(out[0]).toBeCloseTo(0.1, 7);
    // pixels 1 and 2 have only no-data in their own place: bilinear at an exact centre reaches nothing else
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeNaN();
    expect(uncoveredFraction(acc)).toBeCloseTo(2 / 3, 12);
  });

  it("joins abutting tiles of one lattice without a seam and lets the interior tile decide in overlaps", () => {
    const target = grid(60, 20, 10, X0, Y0);
    // 12.5 m tiles: left covers x0…x0+300, right x0+300…x0+600 (abutting), both on one lattice
    const left = grid(24, 16, 12.5, X0, Y0);
    const right = grid(24, 16, 12.5, X0 + 300, Y0);
    const acc = newAccumulator(target);
    for (const s of [left, right]) accumulate(acc, { ...s, data: sampled(s, ramp) });
    const out = finish(acc);
    const want = sampled(target, ramp);
    const joined = grid(48, 16, 12.5, X0, Y0);
    const interior = inside(target, joined);
    let n = 0;
    for (let i = 0; i < out.length; i++) {
      if (!interior(i)) continue;
      expect(out[i]).toBeCloseTo(want[i], 5);
      n++;
    }
    expect(n).toBeGreaterThan(58 * 18 - 60); // the seam columns (x ≈ 300 m) are among them
    // Overlap: a tile whose edge falls inside its neighbour does not bias the neighbour's interior.
    const a = grid(10, 10, 60, X0, Y0);
    const b = grid(10, 10, 60, X0 + 480, Y0);
    const acc2 = newAccumulator(grid(100, 40, 10, X0, Y0));
    for (const s of [a, b]) accumulate(acc2, { ...s, data: sampled(s, ramp) });
    const out2 = finish(acc2);
    // x = 595 m: beyond a's last centre (570 m), inside b (first centre 510 m)
    const i595 = 10 * 100 + 59;
    expect(out2[i595]).toBeCloseTo(ramp(X0 + 595, Y0 - 105), 5);
  });

  it("reprojects a source in another UTM zone (proj4, lattice-interpolated transforms)", () => {
    // A ramp defined in zone 50 coordinates, sampled on a zone 50 grid; resampled onto zone 49.
    const to50 = proj4("+proj=utm +zone=49 +datum=WGS84 +units=m +no_defs", "+proj=utm +zone=50 +datum=WGS84 +units=m +no_defs");
    const [cx, cy] = to50.forward([786000, 3420000]); // near 114°E, the zone boundary
    const f50 = (x: number, y: number): number => 100 + 0.05 * (x - cx) + 0.03 * (y - cy);
    const src = grid(120, 120, 12.5, Math.round(cx) - 750, Math.round(cy) + 750, 32650);
    const target = grid(80, 80, 10, 786000 - 400, 3420000 + 400, 32649);
    const acc = newAccumulator(target);
    accumulate(acc, { ...src, data: sampled(src, f50) });
    const out = finish(acc);
    const back = crsTransform(32649, 32650);
    let maxErr = 0;
    for (let r = 0; r < 80; r += 7) {
      for (let c = 0; c < 80; c += 3) {
        const [x, y] = back(786000 - 400 + (c + 0.5) * 10, 3420000 + 400 - (r + 0.5) * 10);
        maxErr = Math.max(maxErr, Math.abs(out[r * 80 + c] - f50(x, y)));
      }
    }
    // gradient ≈ 0.06 per metre: 1e-5 in value is well under a millimetre of position
    expect(maxErr).toBeLessThan(1e-5);
    expect(uncoveredFraction(acc)).toBe(0);
  });

  it("rejects a source whose data do not match its size", () => {
    const g = grid(2, 2, 10, X0, Y0);
    const bad: Source = { ...g, data: new Float32Array(3) };
    expect(() => accumulate(newAccumulator(g), bad)).toThrow(/3 samples, expected 2×2/);
    expect(() => crsTransform(32649, 2154)).toThrow(/EPSG:2154 is not supported/);
  });
});
