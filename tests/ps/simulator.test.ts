/**
 * The DS numerics on the second, independently built simulator (simulator-cholesky.ts: DS pixels drawn
 * from a Gaussian-decay coherence matrix through its Cholesky factor, fields off the multilook grid,
 * fractal atmosphere, seasonal motion, 60 dates), and the Monte-Carlo calibration of σ_v on it.
 */
import { describe, expect, it } from "vitest";
import { choleskyTruth, simulateCholesky } from "./simulator-cholesky";
import { runChain, type ChainPoint } from "./phase-link-chain";

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1];
const rms = (a: number[]): number => Math.sqrt(a.reduce((s, x) => s + x * x, 0) / a.length);

describe("second simulator (Cholesky-drawn DS, fractal atmosphere)", () => {
  it("draws DS pixels whose sample coherence follows the specified Γ", () => {
    const sim = simulateCholesky({ seed: 2, atmosphereStd: 0 });
    const K = sim.stack.meta.dates.length;
    const slc = Array.from({ length: K }, (_, k) => sim.stack.readRows(k, 0, sim.stack.meta.height));
    // Over all DS pixels, with each pixel's deformation + DEM phase removed: the sample coherence is the
    // mean of the specified Γ_mn (all pixels have the same power).
    const check = (m: number, n: number): [number, number] => {
      let re = 0;
      let pm = 0;
      let pn = 0;
      let expected = 0;
      let count = 0;
      for (let i = 0; i < sim.kind.length; i++) {
        if (sim.kind[i] !== 2) continue;
        const [a, b, c, d] = [slc[m][2 * i], slc[m][2 * i + 1], slc[n][2 * i], slc[n][2 * i + 1]];
        const dph = sim.truthPhase[i * K + m] - sim.truthPhase[i * K + n];
        re += (a * c + b * d) * Math.cos(dph) + (b * c - a * d) * Math.sin(dph);
        pm += a * a + b * b;
        pn += c * c + d * d;
        expected += sim.gamma(i, m, n);
        count++;
      }
      return [re / Math.sqrt(pm * pn), expected / count];
    };
    for (const [m, n] of [
      [10, 11],
      [5, 25],
      [5, 55],
    ]) {
      const [got, want] = check(m, n);
      expect(Math.abs(got - want)).toBeLessThan(0.03);
    }
    expect(check(10, 11)[1]).toBeGreaterThan(2 * check(5, 55)[1]);
  });

  it("EMI + tiered integration: ≥ 95 % of multilook points within 5 mm/yr, PS RMSE change ≤ 0.1; the paper's phase fails", async () => {
    const sim = simulateCholesky({ seed: 1 });
    const score = (pts: ChainPoint[]): { err: number; ds: boolean; kind: number; key: number }[] => {
      const rows = pts.flatMap((p) => {
        const t = choleskyTruth(sim, p.row, p.col, p.kind);
        return t && !p.rejected ? [{ err: p.velocity - t.v, ds: t.ds, kind: p.kind, key: t.pixel }] : [];
      });
      const med = median(rows.filter((r) => !r.ds).map((r) => r.err));
      return rows.map((r) => ({ ...r, err: r.err - med }));
    };
    const classic = score(await runChain(sim.stack, { classicOnly: true }));
    const paper = score(await runChain(sim.stack, { dsMethod: "paper" }));
    const emi = score(await runChain(sim.stack, { dsMethod: "emi" }));
    const w5 = (r: { err: number }[]): number => r.filter((x) => Math.abs(x.err) <= 5).length / r.length;
    const ml = emi.filter((r) => r.kind === 2);
    const ds = ml.filter((r) => r.ds);
    const paperDs = paper.filter((r) => r.kind === 2 && r.ds);
    // Measured (seed 1): EMI 97.8 % of the multilook points, 96.4 % of 472 DS; the paper 72 % of 373 DS.
    expect(ds.length).toBeGreaterThan(300);
    expect(w5(ml)).toBeGreaterThanOrEqual(0.95);
    expect(w5(ds)).toBeGreaterThanOrEqual(0.95);
    expect(w5(paperDs)).toBeLessThan(0.85);
    const inClassic = new Map(classic.filter((r) => !r.ds).map((r) => [r.key, r.err]));
    const both = emi.filter((r) => !r.ds && inClassic.has(r.key));
    expect(both.length).toBeGreaterThan(300);
    expect(Math.abs(rms(both.map((r) => r.err)) - rms(both.map((r) => inClassic.get(r.key)!)))).toBeLessThanOrEqual(0.1);
  });

  it("Monte Carlo over 12 seeds: PS velocity error spread / median reported σ_v in [0.8, 1.25]", async () => {
    const E: number[] = [];
    const S: number[] = [];
    for (let seed = 1; seed <= 12; seed++) {
      const sim = simulateCholesky({ seed });
      const pts = await runChain(sim.stack, { classicOnly: true });
      const e: number[] = [];
      const s: number[] = [];
      for (const p of pts) {
        const t = choleskyTruth(sim, p.row, p.col, p.kind);
        if (!t || t.ds) continue;
        e.push(p.velocity - t.v);
        s.push(p.sigma);
      }
      const med = median(e);
      e.forEach((v, i) => {
        E.push(v - med);
        S.push(s[i]);
      });
    }
    // Measured: 1.12 (per seed 0.61 … 2.31: the atmosphere is one realisation per scene, so single
    // scenes scatter widely and only the pooled ratio tests the calibration); RMS of error/σ 1.10.
    const ratio = rms(E) / median(S);
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.25);
    const z = rms(E.map((e, i) => e / S[i]));
    expect(z).toBeGreaterThan(0.8);
    expect(z).toBeLessThan(1.25);
  });
});

