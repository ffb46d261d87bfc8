import { describe, expect, it } from "vitest";
import { invertNetwork } from "../../src/sbas/inversion";
import { designMatrixB, type Network } from "../../src/sbas/network";
import { tbaseYears } from "../../src/sbas/dates";
import { weightFunction } from "../../src/sbas/weights";

const dates = ["20230101", "20230113", "20230125", "20230206", "20230218", "20230302", "20230314"];
const t = tbaseYears(dates);

function pairsNearest(n: number, k: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j <= Math.min(n - 1, i + k); j++) out.push([i, j]);
  return out;
}

describe("network inversion", () => {
  it("recovers an exact time series (all weights), temporal coherence 1", () => {
    const net: Network = { dates, pairs: pairsNearest(dates.length, 3) };
    const truth = dates.map((_, i) => (i === 0 ? 0 : 3 * t[i] + Math.sin(i)));
    for (const wf of ["no", "coh", "fim", "var"] as const) {
      const phase = net.pairs.map(([i, j]) => Float32Array.of(truth[j] - truth[i], 2 * (truth[j] - truth[i])));
      const coherence = net.pairs.map((_, k) => Float32Array.of(0.3 + 0.05 * k, 0.9));
      const r = invertNetwork(net, { nPix: 2, phase, coherence }, { weightFunc: wf, minRedundancy: 1, looks: 10 });
      for (let d = 0; d < dates.length; d++) {
        expect(r.ts[d][0]).toBeCloseTo(truth[d], 5);
        expect(r.ts[d][1]).toBeCloseTo(2 * truth[d], 5);
      }
      expect(r.temporalCoherence[0]).toBeCloseTo(1, 6);
      expect(r.numInvIfgram[0]).toBe(net.pairs.length);
    }
  });

  it("gives the least-squares solution with noise (checks normal equations)", () => {
    const net: Network = { dates, pairs: pairsNearest(dates.length, 2) };
    const m = net.pairs.length;
    const n = dates.length - 1;
    const y = net.pairs.map((_, k) => Math.cos(3 * k) * 0.7);
    const r = invertNetwork(net, { nPix: 1, phase: y.map((v) => Float32Array.of(v)) }, { weightFunc: "no", minRedundancy: 1, looks: 1 });
    const B = designMatrixB(net);
    const dt = Array.from({ length: n }, (_, s) => t[s + 1] - t[s]);
    const v = Array.from({ length: n }, (_, s) => (r.ts[s + 1][0] - r.ts[s][0]) / dt[s]);
    // Bᵀ(y − Bv) = 0
    for (let s = 0; s < n; s++) {
      let g = 0;
      for (let k = 0; k < m; k++) {
        let bv = 0;
        for (let q = 0; q < n; q++) bv += B[k * n + q] * v[q];
        g += B[k * n + s] * (Math.fround(y[k]) - bv);
      }
      expect(Math.abs(g)).toBeLessThan(1e-5);
    }
    expect(r.temporalCoherence[0]).toBeLessThan(1);
  });

  it("solves a disconnected network with the minimum-norm velocity (gap interval gets zero)", () => {
    // dates 0..3 linked, 4..6 linked, no pair across the 3→4 interval
    const pairs: [number, number][] = [[0, 1], [1, 2], [2, 3], [0, 2], [4, 5], [5, 6], [4, 6]];
    const net: Network = { dates, pairs };
    const vel = [1, 2, 3, 4, 5, 6];
    const dt = Array.from({ length: 6 }, (_, s) => t[s + 1] - t[s]);
    const ph = pairs.map(([i, j]) => {
      let s = 0;
      for (let q = i; q < j; q++) s += vel[q] * dt[q];
      return Float32Array.of(s);
    });
    for (const wf of ["no", "coh"] as const) {
      const r = invertNetwork(net, { nPix: 1, phase: ph, coherence: pairs.map(() => Float32Array.of(0.8)) }, { weightFunc: wf, minRedundancy: 1, looks: 1 });
      expect(r.rankDeficient).toBe(1);
      const v = Array.from({ length: 6 }, (_, s) => (r.ts[s + 1][0] - r.ts[s][0]) / dt[s]);
      expect(v[3]).toBeCloseTo(0, 5);
      for (const s of [0, 1, 2, 4, 5]) expect(v[s]).toBeCloseTo(vel[s], 4);
    }
  });

  it("drops no-data observations per pixel and applies minimum redundancy", () => {
    const net: Network = { dates, pairs: pairsNearest(dates.length, 2) };
    const truth = dates.map((_, i) => 0.5 * i);
    const phase = net.pairs.map(([i, j]) => Float32Array.of(truth[j] - truth[i], truth[j] - truth[i], NaN));
    // pixel 1: remove every pair touching the last date but one -> below redundancy 1 is impossible
    net.pairs.forEach(([i, j], k) => {
      if (j === 6) phase[k][1] = 0; // zero = no data
    });
    phase[0][0] = NaN;
    const r = invertNetwork(net, { nPix: 3, phase }, { weightFunc: "no", minRedundancy: 1, looks: 1 });
    for (let d = 0; d < dates.length; d++) expect(r.ts[d][0]).toBeCloseTo(truth[d], 5);
    expect(r.numInvIfgram[0]).toBe(net.pairs.length - 1);
    expect(r.numInvIfgram[1]).toBe(0); // date 6 unobserved -> skipped like MintPy
    expect(r.numInvIfgram[2]).toBe(0);
    expect(r.temporalCoherence[2]).toBe(0);
  });

  it("weights follow MintPy's functions", () => {
    const fim = weightFunction("fim", 10);
    expect(fim(0.5)).toBeCloseTo((2 * 10 * 0.25) / 0.75, 10);
    expect(weightFunction("coh", 1)(0.01)).toBeCloseTo(0.05, 10);
    const v = weightFunction("var", 10);
    // inverse phase variance grows with coherence; near-zero coherence ≈ uniform phase (π²/3)
    expect(1 / v(0.0)).toBeGreaterThan(2.5);
    expect(1 / v(0.0)).toBeLessThan(3.4);
    expect(v(0.9)).toBeGreaterThan(v(0.5));
  });
});

describe("row blocks and worker threads", () => {
  it("gives identical results on one thread, in small blocks and on two worker threads", async () => {
    const { invertStack, invertStackParallel } = await import("../../src/sbas/inversion-stack");
    const W = 30;
    const H = 24;
    const net: Network = { dates, pairs: pairsNearest(dates.length, 3) };
    let seed = 7;
    const rand = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const truth = dates.map((_, d) => Float32Array.from({ length: W * H }, (_, p) => (d * (p % 13)) / 10));
    const phase = net.pairs.map(([i, j]) => Float32Array.from({ length: W * H }, (_, p) => (rand() < 0.05 ? NaN : truth[j][p] - truth[i][p] + 0.2 * (rand() - 0.5) + 3)));
    const coherence = net.pairs.map(() => Float32Array.from({ length: W * H }, () => 0.2 + 0.7 * rand()));
    const input = { net, width: W, height: H, phase, coherence, refPhase: new Float64Array(net.pairs.length).fill(3), maxMemoryBytes: 1 << 30, quiet: true };
    const opts = { weightFunc: "var" as const, minRedundancy: 1, looks: 5 };
    const one = invertStack(input, opts);
    const small = invertStack({ ...input, maxMemoryBytes: W * net.pairs.length * 8 * 3 }, opts);
    const par = await invertStackParallel(input, opts, 2);
    for (const other of [small, par]) {
      expect(Array.from(other.temporalCoherence)).toEqual(Array.from(one.temporalCoherence));
      for (let d = 0; d < dates.length; d++) expect(Array.from(other.ts[d])).toEqual(Array.from(one.ts[d]));
    }
    expect(one.inverted).toBe(W * H);
  });
});
