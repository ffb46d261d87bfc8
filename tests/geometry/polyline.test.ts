import { describe, expect, it } from "vitest";
import { bufferOutline, metricPolyline, nearestOnPolyline, pointAtChainage } from "../../src/geometry/polyline";
import { fromMetric, localFrame, toMetric, utmEpsg, utmFrame, utmZone } from "../../src/geometry/projection";

describe("polylines (closed forms)", () => {
  // An L: (0,0) → (100,0) → (100,50).
  const L = metricPolyline(Float64Array.from([0, 0, 100, 0, 100, 50]));
  it("length and chainage", () => {
    expect(L.length).toBe(150);
    expect(Array.from(L.chainage)).toEqual([0, 100, 150]);
  });
  it("nearest point: perpendicular foot, vertex and end caps", () => {
    const a = nearestOnPolyline(L, 30, 7);
    expect(a.distance).toBeCloseTo(7, 12);
    expect(a.chainage).toBeCloseTo(30, 12);
    const b = nearestOnPolyline(L, 110, 20);
    expect(b.distance).toBeCloseTo(10, 12);
    expect(b.chainage).toBeCloseTo(120, 12);
    const c = nearestOnPolyline(L, -3, -4);
    expect(c.distance).toBeCloseTo(5, 12);
    expect(c.chainage).toBe(0);
    const d = nearestOnPolyline(L, 103, 54);
    expect(d.distance).toBeCloseTo(5, 12);
    expect(d.chainage).toBe(150);
  });
  it("pointAtChainage inverts chainage and clamps", () => {
    expect(pointAtChainage(L, 125)).toEqual([100, 25]);
    expect(pointAtChainage(L, -1)).toEqual([0, 0]);
    expect(pointAtChainage(L, 1e9)).toEqual([100, 50]);
  });
  it("each capsule of the outline lies at the radius from its own segment, never beyond it from the line", () => {
    const rings = bufferOutline(L, 600, 8);
    expect(rings.length).toBe(2);
    rings.forEach((ring, k) => {
      const seg = metricPolyline(L.xy.slice(2 * k, 2 * k + 4));
      for (let i = 0; i < ring.length; i += 2) {
        expect(nearestOnPolyline(seg, ring[i], ring[i + 1]).distance).toBeCloseTo(600, 6);
        expect(nearestOnPolyline(L, ring[i], ring[i + 1]).distance).toBeLessThanOrEqual(600 + 1e-6);
      }
    });
  });
  it("refuses degenerate lines", () => {
    expect(() => metricPolyline(Float64Array.from([1, 1]))).toThrow(/at least 2 vertices/);
    expect(() => metricPolyline(Float64Array.from([1, 1, 1, 1]))).toThrow(/zero-length/);
  });
});

describe("projections", () => {
  it("Foshan is in UTM zone 49N (EPSG:32649)", () => {
    expect(utmZone(113.1)).toBe(49);
    expect(utmEpsg(113.1, 23)).toBe(32649);
    expect(utmFrame(113.1, 23).lon0).toBe(111);
  });
  it("UTM false easting and the central meridian", () => {
    const [x] = toMetric(utmFrame(111, 23), [111, 23]);
    expect(x).toBeCloseTo(500000, 6);
  });
  it("local frame round trips to 1e-9° and has unit scale on its meridian", () => {
    const f = localFrame(113.1, 23);
    const [x, y] = toMetric(f, [113.1, 23.0]);
    expect(x).toBeCloseTo(0, 6);
    expect(y).toBeCloseTo(0, 6);
    const p = fromMetric(f, 1234.5, -987.6);
    const [x2, y2] = toMetric(f, p);
    expect(x2).toBeCloseTo(1234.5, 6);
    expect(y2).toBeCloseTo(-987.6, 6);
  });
});
