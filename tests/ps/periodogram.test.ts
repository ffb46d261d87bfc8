import { describe, expect, it } from "vitest";
import { arcCoherence, arcModel, arcSearchKernel } from "../../src/ps/periodogram";
import { searchArcs } from "../../src/ps/arc-search";
import { mulberry32 } from "../../src/core/random";

const K = 40;
const t = Float64Array.from({ length: K }, (_, k) => (12 * k) / 365.25);
const rand = mulberry32(7);
const bperp = Float64Array.from({ length: K }, (_, k) => (k === 0 ? 0 : 90 * (rand() - 0.5)));
const model = arcModel(t, bperp, 0.05546576, 875000, 39);
const grid = { velocitySearch: 60, velocityStep: 2, demSearch: 40, demStep: 4 };

/** Candidates with known velocity/DEM error and optional phase noise, as unit phasors. */
function phasors(v: number[], z: number[], noise = 0): Float32Array {
  const out = new Float32Array(v.length * K * 2);
  v.forEach((vi, c) => {
    for (let k = 0; k < K; k++) {
      const ph = model.a[k] * vi + model.b[k] * z[c] + noise * (rand() - 0.5) * 2;
      out[(c * K + k) * 2] = Math.cos(ph);
      out[(c * K + k) * 2 + 1] = Math.sin(ph);
    }
  });
  return out;
}

describe("eq. 1 arc periodogram", () => {
  it("model coefficients follow eq. 1: 4π/λ·t and 4π/λ·B⊥/(R sinθ)", () => {
    expect(model.a[10]).toBeCloseTo(((4 * Math.PI) / 0.05546576) * (120 / 365.25) * 1e-3, 12);
    expect(model.b[3]).toBeCloseTo(((4 * Math.PI) / 0.05546576) * bperp[3] / (875000 * Math.sin((39 * Math.PI) / 180)), 12);
  });

  it("recovers Δv and Δz off the grid exactly for noise-free arcs (γ = 1)", () => {
    const v = [0, -17.3, 8.9, 33.1];
    const z = [0, 12.7, -21.5, 5.3];
    const ph = phasors(v, z);
    const ai = Int32Array.from([1, 2, 3]);
    const aj = Int32Array.from([0, 0, 1]);
    const out = new Float64Array(9);
    arcSearchKernel(ph, K, ai, aj, 0, 3, model.a, model.b, grid.velocitySearch, grid.velocityStep, grid.demSearch, grid.demStep, out);
    for (let e = 0; e < 3; e++) {
      expect(out[3 * e]).toBeCloseTo(v[ai[e]] - v[aj[e]], 1);
      expect(out[3 * e + 1]).toBeCloseTo(z[ai[e]] - z[aj[e]], 0);
      expect(out[3 * e + 2]).toBeGreaterThan(0.999);
    }
    expect(arcCoherence(ph, K, 1, 0, model, out[0], out[1])).toBeCloseTo(out[2], 6);
  });

  it("worker threads give the same answers as the in-process search", async () => {
    const n = 300;
    const v = Array.from({ length: n }, () => 40 * (rand() - 0.5));
    const z = Array.from({ length: n }, () => 30 * (rand() - 0.5));
    const ph = phasors(v, z, 0.6);
    const m = 2100;
    const ai = Int32Array.from({ length: m }, () => Math.floor(rand() * n));
    const aj = Int32Array.from(ai, (i) => (i + 1 + Math.floor(rand() * (n - 1))) % n);
    const local = await searchArcs(ph, K, ai, aj, model, grid, { workers: 0, quiet: true });
    const pooled = await searchArcs(ph, K, ai, aj, model, grid, { workers: 2, quiet: true });
    expect(pooled.workers).toBe(2);
    expect(Array.from(pooled.dv)).toEqual(Array.from(local.dv));
    expect(Array.from(pooled.gamma)).toEqual(Array.from(local.gamma));
    // Least-squares bound for uniform ±0.6 rad noise on both ends: σ_v = σ_Δφ / √Σ(a_k − ā)².
    const aMean = model.a.reduce((p, q) => p + q, 0) / K;
    const saa = model.a.reduce((p, q) => p + (q - aMean) ** 2, 0);
    const bound = (Math.SQRT2 * 0.6) / Math.sqrt(3) / Math.sqrt(saa);
    let se = 0;
    for (let e = 0; e < m; e++) se += (local.dv[e] - (v[ai[e]] - v[aj[e]])) ** 2;
    expect(Math.sqrt(se / m)).toBeLessThan(1.3 * bound);
  });
});
