import { describe, expect, it } from "vitest";
import { integrateArcs, solveArcLsq } from "../../src/ps/integration";
import { components, delaunayArcs } from "../../src/ps/network";

describe("network integration", () => {
  it("solves a weighted triangle in closed form", () => {
    // Arcs 1−0 = 1, 2−1 = 1, 2−0 = 2.3, equal weights: x1 = 1 + 0.3/3, x2 = 2 + 2·0.3/3.
    const x = solveArcLsq(
      { n: 3, i: Int32Array.from([1, 2, 2]), j: Int32Array.from([0, 1, 0]), w: Float64Array.from([1, 1, 1]) },
      Float64Array.from([1, 1, 2.3]),
      0,
      Uint8Array.from([1, 1, 1]),
    );
    expect(x[0]).toBe(0);
    expect(x[1]).toBeCloseTo(1.1, 10);
    expect(x[2]).toBeCloseTo(2.2, 10);
  });

  it("removes an inconsistent arc and reports disconnected nodes", () => {
    // A 6×6 grid of PS with known velocity; one arc carries a 19 mm/yr ambiguity error, one node is isolated.
    const xs: number[] = [];
    const ys: number[] = [];
    for (let r = 0; r < 6; r++) for (let c = 0; c < 6; c++) {
      xs.push(c * 100 + (r % 2) * 7);
      ys.push(r * 100);
    }
    xs.push(5000);
    ys.push(5000);
    const n = xs.length;
    const truthV = xs.map((x, k) => (k === n - 1 ? 0 : 0.01 * x - 0.005 * ys[k]));
    const truthZ = xs.map((x, k) => (k === n - 1 ? 0 : Math.sin(k)));
    const arcs = delaunayArcs(Float64Array.from(xs), Float64Array.from(ys), 300);
    const m = arcs.i.length;
    const dv = Float64Array.from({ length: m }, (_, e) => truthV[arcs.i[e]] - truthV[arcs.j[e]]);
    const dz = Float64Array.from({ length: m }, (_, e) => truthZ[arcs.i[e]] - truthZ[arcs.j[e]]);
    dv[7] += 19;
    const gamma = new Float64Array(m).fill(0.9);
    const r = integrateArcs(n, arcs.i, arcs.j, dv, dz, gamma, new Uint8Array(m).fill(1), { outlierSigma: 4, reference: 0 });
    expect(r.arcsRemovedInconsistent).toBe(1);
    expect(r.arcKept[7]).toBe(0);
    expect(r.connected[n - 1]).toBe(0);
    expect(r.otherComponents).toEqual([1]);
    expect(Number.isNaN(r.velocity[n - 1])).toBe(true);
    for (let k = 0; k < n - 1; k++) {
      expect(r.velocity[k]).toBeCloseTo(truthV[k] - truthV[0], 6);
      expect(r.demError[k]).toBeCloseTo(truthZ[k] - truthZ[0], 6);
    }
  });

  it("labels connected components", () => {
    const l = components(5, Int32Array.from([0, 1, 3]), Int32Array.from([1, 2, 4]));
    expect(l[0]).toBe(l[2]);
    expect(l[3]).toBe(l[4]);
    expect(l[0]).not.toBe(l[3]);
  });
});
