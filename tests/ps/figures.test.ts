import { describe, expect, it } from "vitest";
import { areaSeries, flowFigure, precisionHistogram, subsidenceAreas, velocityMapFigure } from "../../src/ps/figures";
import { gridVelocity } from "../../src/ps/outputs";
import type { PsResult } from "../../src/ps/io";

const dates = ["2015-06-15", "2015-06-27", "2015-07-09"];
// A 20×20 grid of PS 50 m apart with a bowl at its centre.
const points = Array.from({ length: 400 }, (_, i) => {
  const lon = 113.1 + (i % 20) * 0.0005;
  const lat = 23.0 + Math.floor(i / 20) * 0.00045;
  const d2 = ((i % 20) - 10) ** 2 + (Math.floor(i / 20) - 10) ** 2;
  const v = -30 * Math.exp(-d2 / 8);
  return { id: i + 1, lon, lat, velocity: v, velocityStd: 0.5, coherence: 0.9, demError: 0, displacement: [0, v / 30, v / 15] };
});
const r: PsResult = { dates, points };

describe("notebook 20 figures", () => {
  it("finds the planted bowl as area A and averages its series", () => {
    const areas = subsidenceAreas(r, 3, 100, 300, 2);
    expect(areas[0].name).toBe("A");
    expect(Math.abs(areas[0].lon - (113.1 + 10 * 0.0005))).toBeLessThan(0.001);
    const s = areaSeries(r, [{ name: "A", lon: areas[0].lon, lat: areas[0].lat, radiusM: 60 }]);
    expect(s[0].count).toBeGreaterThan(0);
    expect(s[0].velocity).toBeLessThan(-15);
    expect(s[0].meanMm[0]).toBe(0);
  });

  it("grids velocities into cells whose counts add up to the PS", () => {
    const g = gridVelocity(r, 100);
    expect(Array.from(g.count).reduce((a, b) => a + b, 0)).toBe(400);
    const finite = Array.from(g.velocity).filter(Number.isFinite);
    expect(Math.min(...finite)).toBeLessThan(-15);
  });

  it("draws Fig 2 from the steps, Fig 3 with lines and areas, and the precision histogram", () => {
    const f2 = flowFigure([
      { step: "SLC stack", detail: "3 dates", count: 3 },
      { step: "Multilook 5×1 + network", detail: "x", count: 2 },
    ]);
    expect((f2.layout!.shapes as unknown[]).length).toBe(2);
    const f3 = velocityMapFigure(r, { lines: [{ name: "L", coordinates: [[113.1, 23], [113.11, 23.01]] }], areas: [{ name: "A", lon: 113.105, lat: 23.0045, radiusM: 100 }] });
    expect(f3.data).toHaveLength(2);
    expect((f3.layout!.shapes as unknown[]).length).toBe(1);
    expect((precisionHistogram(r).data[0] as { x: number[] }).x).toHaveLength(400);
  });
});
