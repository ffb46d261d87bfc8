/**
 * Point quality and velocity uncertainty: closed forms of the tiered integration, the arc-closure
 * measure and the acceptance rule; σ_v of a white-noise residual against its analytic value.
 */
import { describe, expect, it } from "vitest";
import { arcConsistency, integrateTiered } from "../../src/ps/quality-network";
import { integrateArcs } from "../../src/ps/integration";
import { delaunayArcs } from "../../src/ps/network";
import { acceptPoints, residualCoherence, REJECT } from "../../src/ps/quality";
import { highPassShare, velocitySigma } from "../../src/ps/quality-sigma";
import { localLinearSmoother } from "../../src/ps/filtering";
import { mulberry32, normal } from "../../src/core/random";

describe("tiered network integration", () => {
  // A 5×5 grid of PS (tier 1) with three DS (tier 2) between them; velocities and heights planted.
  const xs: number[] = [];
  const ys: number[] = [];
  for (let r = 0; r < 5; r++) for (let c = 0; c < 5; c++) {
    xs.push(c * 100 + (r % 2) * 9);
    ys.push(r * 100);
  }
  xs.push(150, 250, 340);
  ys.push(150, 260, 330);
  const n = xs.length;
  const tier = Uint8Array.from({ length: n }, (_, k) => (k < 25 ? 1 : 2));
  const v = xs.map((x, k) => 0.02 * x - 0.01 * ys[k] + (k === 7 ? 3 : 0));
  const z = xs.map((x, k) => Math.cos(k));
  const arcs = delaunayArcs(Float64Array.from(xs), Float64Array.from(ys), 250);
  const m = arcs.i.length;
  const dv = Float64Array.from({ length: m }, (_, e) => v[arcs.i[e]] - v[arcs.j[e]]);
  const dz = Float64Array.from({ length: m }, (_, e) => z[arcs.i[e]] - z[arcs.j[e]]);
  const gamma = new Float64Array(m).fill(0.9);
  const keep = new Uint8Array(m).fill(1);

  it("leaves the PS tier exactly as integrated alone, and attaches the DS with their planted values", () => {
    // A DS arc with a wrong Δv must not move any PS: disturb every DS arc by +2 mm/yr.
    const dvBad = Float64Array.from(dv, (d, e) => (tier[arcs.i[e]] === 2 || tier[arcs.j[e]] === 2 ? d + 2 : d));
    const q = new Float64Array(n).fill(1);
    const r = integrateTiered(n, arcs.i, arcs.j, dvBad, dz, gamma, keep, tier, q, { outlierSigma: 1e9, reference: 0 });
    const keepPs = Uint8Array.from({ length: m }, (_, e) => (tier[arcs.i[e]] === 1 && tier[arcs.j[e]] === 1 ? 1 : 0));
    const alone = integrateArcs(n, arcs.i, arcs.j, dv, dz, gamma, keepPs, { outlierSigma: 1e9, reference: 0 });
    for (let k = 0; k < 25; k++) {
      expect(r.velocity[k]).toBe(alone.velocity[k]);
      expect(r.velocity[k]).toBeCloseTo(v[k] - v[0], 6);
    }
    // Exact data: the DS come out at their planted values.
    const clean = integrateTiered(n, arcs.i, arcs.j, dv, dz, gamma, keep, tier, q, { outlierSigma: 4, reference: 0 });
    for (let k = 25; k < n; k++) {
      expect(clean.velocity[k]).toBeCloseTo(v[k] - v[0], 6);
      expect(clean.demError[k]).toBeCloseTo(z[k] - z[0], 6);
      expect(clean.connected[k]).toBe(1);
    }
  });

  it("weights a DS's arcs by its phase-linking coherence: γ_PL scales arcWeight(γ)", () => {
    const q = new Float64Array(n).fill(1);
    q[25] = 0.25;
    const r = integrateTiered(n, arcs.i, arcs.j, dv, dz, gamma, keep, tier, q, { outlierSigma: 4, reference: 0 });
    const wFull = (0.9 * 0.9) / (1 - 0.9 * 0.9);
    for (let e = 0; e < m; e++) {
      if (!r.arcKept[e]) continue;
      const touches25 = arcs.i[e] === 25 || arcs.j[e] === 25;
      const ds = tier[arcs.i[e]] === 2 && tier[arcs.j[e]] === 2 ? 1 : 0;
      if (ds) continue;
      expect(r.arcWeight[e]).toBeCloseTo(touches25 ? 0.25 * wFull : wFull, 9);
    }
  });

  it("arc closure: zero on consistent arcs; a point with one wrong Δv shows it", () => {
    const w = new Float64Array(m).fill(1);
    const vel = Float64Array.from(v);
    const c0 = arcConsistency(n, arcs.i, arcs.j, dv, vel, w, keep);
    for (let k = 0; k < n; k++) expect(c0.misclosure[k]).toBeCloseTo(0, 12);
    const e0 = 0;
    const dvBad = Float64Array.from(dv);
    dvBad[e0] += 4;
    const c1 = arcConsistency(n, arcs.i, arcs.j, dvBad, vel, w, keep);
    const a = arcs.i[e0];
    expect(c1.misclosure[a]).toBeCloseTo(4 / Math.sqrt(c1.arcs[a]), 12);
  });
});

describe("point acceptance", () => {
  it("residual coherence is |mean e^{iφ}|; DS need γ_PL, PS do not; the reference always passes", () => {
    const K = 4;
    const noise = Float64Array.from([0, 0, 0, 0, 0, Math.PI, 0, Math.PI, 0.1, -0.1, 0.1, -0.1]);
    const rc = residualCoherence(noise, K);
    expect(rc[0]).toBeCloseTo(1, 12);
    expect(rc[1]).toBeCloseTo(0, 12);
    expect(rc[2]).toBeCloseTo(Math.cos(0.1), 12);
    const connected = Uint8Array.from([1, 1, 1, 1, 0]);
    const tier = Uint8Array.from([1, 1, 2, 2, 2]);
    const res = Float64Array.from([0.9, 0.2, 0.9, 0.9, 0.9]);
    const link = [NaN, NaN, 0.7, 0.4, 0.9];
    expect(Array.from(acceptPoints(connected, tier, res, link, 0))).toEqual([REJECT.none, REJECT.residualCoherence, REJECT.none, REJECT.linkingCoherence, REJECT.disconnected]);
    expect(acceptPoints(connected, tier, res, link, 1)[1]).toBe(REJECT.none);
  });
});

describe("calibrated velocity σ", () => {
  it("the high-pass share f_k equals the variance of (I − S)·white noise, per date (Monte Carlo)", () => {
    const K = 40;
    const tDays = Float64Array.from({ length: K }, (_, k) => 12 * k);
    const f = highPassShare(tDays, 72);
    const S = localLinearSmoother(tDays, 72);
    const g = normal(mulberry32(3));
    const acc = new Float64Array(K);
    const R = 4000;
    const x = new Float64Array(K);
    for (let r = 0; r < R; r++) {
      for (let k = 0; k < K; k++) x[k] = g();
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let l = 0; l < K; l++) s += S[k * K + l] * x[l];
        acc[k] += (x[k] - s) ** 2;
      }
    }
    for (const k of [0, 1, 5, 20, K - 1]) expect(acc[k] / R).toBeCloseTo(f[k], 1);
    expect(f[20]).toBeGreaterThan(0.7);
    expect(f[0]).toBeLessThan(0.5);
  });

  it("σ_v of white phase noise σ_φ is σ_φ·(λ/4π)·‖Sᵀw‖ and matches the spread of the smoothed series' slope", () => {
    const K = 45;
    const n = 3000;
    const tDays = Float64Array.from({ length: K }, (_, k) => 12 * k);
    const tYears = tDays.map((d) => d / 365.25);
    const sig = 0.3;
    const g = normal(mulberry32(9));
    const residual = Float64Array.from({ length: n * K }, () => sig * g());
    const lambda = 0.0555;
    const out = velocitySigma({ residual, K, tYears, tDays, temporalFilterDays: 72, wavelength: lambda, active: new Uint8Array(n).fill(1) });
    // Analytic: u = Sᵀw.
    const S = localLinearSmoother(tDays, 72);
    const tm = tYears.reduce((a, b) => a + b, 0) / K;
    const stt = tYears.reduce((a, b) => a + (b - tm) ** 2, 0);
    const u = new Float64Array(K);
    for (let l = 0; l < K; l++) for (let k = 0; k < K; k++) u[k] += (S[l * K + k] * (tYears[l] - tm)) / stt;
    const toMm = (lambda / (4 * Math.PI)) * 1e3;
    const expected = sig * toMm * Math.sqrt(u.reduce((a, b) => a + b * b, 0));
    const sorted = Array.from(out.sigma).sort((a, b) => a - b);
    expect(sorted[n >> 1] / expected).toBeGreaterThan(0.95);
    expect(sorted[n >> 1] / expected).toBeLessThan(1.05);
    // The velocity the pipeline reports is the slope of the smoothed series: its spread over the points.
    let s2 = 0;
    for (let c = 0; c < n; c++) {
      let v = 0;
      for (let k = 0; k < K; k++) v += u[k] * residual[c * K + k];
      s2 += (v * toMm) ** 2;
    }
    expect(Math.sqrt(s2 / n) / expected).toBeGreaterThan(0.95);
    expect(Math.sqrt(s2 / n) / expected).toBeLessThan(1.05);
  });
});
