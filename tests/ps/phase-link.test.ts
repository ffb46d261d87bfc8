/**
 * Phase linking: the hand-written linear algebra against closed forms, EMI against a noise-free
 * coherence matrix (exact) and against the Cramér–Rao bound on pixels drawn from a known coherence
 * matrix, and the stack driver on the ps-stack sample (PS-dominated cells, SHP, γ_PL).
 */
import { describe, expect, it } from "vitest";
import { choleskyHermitian, choleskyReal, inverseSpd, smallestEigenvector, solveHermitian } from "../../src/ps/phase-link-linalg";
import { coherenceMatrix, emiPhases, linkingCoherence, singleMasterPhases } from "../../src/ps/phase-link";
import { PHASE_LINK_DEFAULTS, phaseLinkCells } from "../../src/ps/phase-link-cells";
import { DS_SCHEMA, phaseLinkOptions } from "../../src/ps/phase-link-params";
import { POINT_QUALITY_DEFAULTS } from "../../src/ps/quality";
import { defaultsOf } from "../../src/core/params";
import { mulberry32, normal } from "../../src/core/random";
import { simulatePsStack } from "../../src/samples/ps-stack";

const wrap = (a: number): number => Math.atan2(Math.sin(a), Math.cos(a));

/** Exponential-decay-with-floor coherence matrix on 12-day dates. */
function gammaMatrix(N: number, g0: number, floor: number, tauDays: number): Float64Array {
  const G = new Float64Array(N * N);
  for (let m = 0; m < N; m++) for (let n = 0; n < N; n++) G[m * N + n] = m === n ? 1 : floor + (g0 - floor) * Math.exp((-12 * Math.abs(m - n)) / tauDays);
  return G;
}

/** L pixels × N dates drawn as s = Φ·chol(Γ)·z (interleaved re,im, pixel-major). */
function drawPixels(G: Float64Array, N: number, L: number, phi: number[], seed: number): Float64Array {
  const Lc = Float64Array.from(G);
  choleskyReal(Lc, N);
  const g = normal(mulberry32(seed));
  const s = new Float64Array(L * N * 2);
  const zr = new Float64Array(N);
  const zi = new Float64Array(N);
  for (let p = 0; p < L; p++) {
    for (let k = 0; k < N; k++) {
      zr[k] = g() / Math.SQRT2;
      zi[k] = g() / Math.SQRT2;
    }
    for (let k = 0; k < N; k++) {
      let xr = 0;
      let xi = 0;
      for (let j = 0; j <= k; j++) {
        xr += Lc[k * N + j] * zr[j];
        xi += Lc[k * N + j] * zi[j];
      }
      s[(p * N + k) * 2] = xr * Math.cos(phi[k]) - xi * Math.sin(phi[k]);
      s[(p * N + k) * 2 + 1] = xr * Math.sin(phi[k]) + xi * Math.cos(phi[k]);
    }
  }
  return s;
}

/** Cramér–Rao bound of θ_1…θ_{N−1} (θ_0 fixed) for L looks: X = 2L(Γ∘Γ⁻¹ − I) (Guarnieri & Tebaldini 2008). */
function crbSlopeStd(G: Float64Array, N: number, L: number, w: number[]): number {
  const gi = inverseSpd(G, N)!;
  const M = N - 1;
  const X = new Float64Array(M * M);
  for (let i = 1; i < N; i++) for (let j = 1; j < N; j++) X[(i - 1) * M + j - 1] = 2 * L * (G[i * N + j] * gi[i * N + j] - (i === j ? 1 : 0));
  const C = inverseSpd(X, M)!;
  let v = 0;
  for (let i = 0; i < M; i++) for (let j = 0; j < M; j++) v += w[i + 1] * C[i * M + j] * w[j + 1];
  return Math.sqrt(v);
}

describe("phase-linking linear algebra", () => {
  it("inverts an SPD matrix and refuses an indefinite one", () => {
    const A = Float64Array.from([4, 2, 0.6, 2, 5, 1, 0.6, 1, 3]);
    const Ai = inverseSpd(A, 3)!;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += A[i * 3 + k] * Ai[k * 3 + j];
        expect(s).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
    expect(inverseSpd(Float64Array.from([1, 2, 2, 1]), 2)).toBeNull();
  });

  it("solves a Hermitian system through its complex Cholesky factor", () => {
    // M = [[3, 1−i], [1+i, 2]], b = M·x for x = (1+2i, −1+0.5i).
    const mr = Float64Array.from([3, 1, 1, 2]);
    const mi = Float64Array.from([0, -1, 1, 0]);
    const x = [
      [1, 2],
      [-1, 0.5],
    ];
    const br = new Float64Array(2);
    const bi = new Float64Array(2);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        br[i] += mr[i * 2 + j] * x[j][0] - mi[i * 2 + j] * x[j][1];
        bi[i] += mr[i * 2 + j] * x[j][1] + mi[i * 2 + j] * x[j][0];
      }
    }
    const lr = Float64Array.from(mr);
    const li = Float64Array.from(mi);
    expect(choleskyHermitian(lr, li, 2)).toBe(true);
    solveHermitian(lr, li, 2, br, bi);
    expect(br[0]).toBeCloseTo(1, 12);
    expect(bi[0]).toBeCloseTo(2, 12);
    expect(br[1]).toBeCloseTo(-1, 12);
    expect(bi[1]).toBeCloseTo(0.5, 12);
  });

  it("finds the smallest eigenvector of Φ·T·Φᴴ (T the path Laplacian + I, eigenvectors in closed form)", () => {
    // T = tridiag(−1, 3, −1) (N×N): eigenvalues 3 − 2cos(kπ/(N+1)), eigenvectors sin(j·kπ/(N+1));
    // the smallest is k = 1. Φ = diag(e^{iφ_j}) rotates the eigenvector's phases by φ.
    const N = 12;
    const phi = Array.from({ length: N }, (_, j) => 0.7 * j - 0.05 * j * j);
    const mr = new Float64Array(N * N);
    const mi = new Float64Array(N * N);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        const t = i === j ? 3 : Math.abs(i - j) === 1 ? -1 : 0;
        mr[i * N + j] = t * Math.cos(phi[i] - phi[j]);
        mi[i * N + j] = t * Math.sin(phi[i] - phi[j]);
      }
    }
    const xr = new Float64Array(N).fill(1);
    const xi = new Float64Array(N);
    // Gap ratio λ1/λ2 ≈ 0.86: 2000 iterations (tol 0) converge to rounding.
    const lambda = smallestEigenvector(mr, mi, N, xr, xi, 2000, 0);
    expect(lambda).toBeCloseTo(3 - 2 * Math.cos(Math.PI / (N + 1)), 9);
    const a0 = Math.atan2(xi[0], xr[0]);
    let norm = 0;
    for (let j = 0; j < N; j++) norm += Math.sin(((j + 1) * Math.PI) / (N + 1)) ** 2;
    for (let j = 0; j < N; j++) {
      expect(wrap(Math.atan2(xi[j], xr[j]) - a0 - (phi[j] - phi[0]))).toBeCloseTo(0, 10);
      expect(Math.hypot(xr[j], xi[j])).toBeCloseTo(Math.sin(((j + 1) * Math.PI) / (N + 1)) / Math.sqrt(norm), 10);
    }
  });
});

describe("EMI phase linking", () => {
  it("recovers the phases of a noise-free coherence matrix exactly, with γ_PL = 1", () => {
    const N = 30;
    const G = gammaMatrix(N, 0.8, 0.1, 60);
    const phi = Array.from({ length: N }, (_, k) => 0.4 * k + Math.sin(k));
    const cr = Float64Array.from(G, (g, q) => g * Math.cos(phi[Math.floor(q / N)] - phi[q % N]));
    const ci = Float64Array.from(G, (g, q) => g * Math.sin(phi[Math.floor(q / N)] - phi[q % N]));
    const th = emiPhases(cr, ci, N, 0)!;
    for (let k = 0; k < N; k++) expect(wrap(th[k] - (phi[k] - phi[0]))).toBeCloseTo(0, 8);
    expect(linkingCoherence(cr, ci, N, th)).toBeCloseTo(1, 10);
    // A wrong series scores lower.
    expect(linkingCoherence(cr, ci, N, th.map((v, k) => v + 0.5 * (k % 2)))).toBeLessThan(0.95);
  });

  it("on pixels drawn from a decorrelating Γ: velocity error near the Cramér–Rao bound, far below the single-master phase's", () => {
    // 45 dates, γ0 = 0.7 decaying (τ = 100 d) to a 0.1 floor, 60 looks, 60 independent draws.
    const N = 45;
    const L = 60;
    const G = gammaMatrix(N, 0.7, 0.1, 100);
    const t = Array.from({ length: N }, (_, k) => (12 * k) / 365.25);
    const tm = t.reduce((a, b) => a + b, 0) / N;
    const stt = t.reduce((a, b) => a + (b - tm) ** 2, 0);
    const w = t.map((v) => (v - tm) / stt);
    const phi = Array.from({ length: N }, (_, k) => 2.5 * Math.sin(0.3 * k) + 0.6 * k);
    const slopeErr = (th: ArrayLike<number>): number => {
      let prev = 0;
      let s = 0;
      for (let k = 0; k < N; k++) {
        let d = wrap(th[k] - (phi[k] - phi[0]));
        while (d - prev > Math.PI) d -= 2 * Math.PI;
        while (d - prev < -Math.PI) d += 2 * Math.PI;
        prev = d;
        s += w[k] * d;
      }
      return s;
    };
    let se = 0;
    let sp = 0;
    let sq = 0;
    const R = 60;
    for (let r = 0; r < R; r++) {
      const s = drawPixels(G, N, L, phi, 1000 + r);
      const C = coherenceMatrix(s, L, N);
      const th = emiPhases(C.re, C.im, N)!;
      se += slopeErr(th) ** 2;
      sp += slopeErr(singleMasterPhases(s, L, N)) ** 2;
      sq += linkingCoherence(C.re, C.im, N, th);
    }
    const emi = Math.sqrt(se / R);
    const paper = Math.sqrt(sp / R);
    const crb = crbSlopeStd(G, N, L, w);
    // Measured (rad/yr): CRB 0.21, EMI 0.28–0.30, single master ≈ 2 (its long pairs are noise).
    expect(emi).toBeGreaterThan(0.9 * crb);
    expect(emi).toBeLessThan(1.6 * crb);
    expect(paper).toBeGreaterThan(4 * emi);
    expect(sq / R).toBeGreaterThan(0.3);
  });
});

describe("phase linking on the ps-stack sample", () => {
  it("flags PS-dominated urban cells, links DS cells over their SHP, and γ_PL is higher for slowly decorrelating DS", () => {
    const sim = simulatePsStack({ seed: 31, width: 200, height: 100, dates: 30, atmosphereStd: 0, dsDecorrelation: true, quiet: true });
    const tr = sim.truth.scatterers;
    const idx: number[] = [];
    for (let i = 0; i < tr.row.length; i++) if (tr.kind[i] === "ds" || (tr.kind[i] === "ps" && i % 7 === 0)) idx.push(i);
    const cellCol = idx.map((i) => tr.col[i] - (tr.col[i] % 5));
    const pl = phaseLinkCells(sim.stack, idx.map((i) => tr.row[i]), cellCol, { method: "emi" });
    const ds = idx.map((i, q) => ({ i, q })).filter(({ i }) => tr.kind[i] === "ds");
    const ps = idx.map((i, q) => ({ i, q })).filter(({ i }) => tr.kind[i] === "ps");
    expect(ps.filter(({ q }) => pl.psDominated[q]).length / ps.length).toBeGreaterThan(0.9);
    expect(ds.filter(({ q }) => pl.psDominated[q]).length / ds.length).toBeLessThan(0.03);
    const linked = ds.filter(({ q }) => pl.linked[q]);
    expect(linked.length / ds.length).toBeGreaterThan(0.7);
    const looks = linked.map(({ q }) => pl.looks[q]).sort((a, b) => a - b);
    expect(looks[looks.length >> 1]).toBeGreaterThanOrEqual(20);
    const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
    const slow = linked.filter(({ i }) => tr.gammaFloor[i] > 0.3 && tr.gamma[i] > 0.6).map(({ q }) => pl.quality[q]);
    const fast = linked.filter(({ i }) => tr.gammaFloor[i] < 0.1 && tr.decorrelationDays[i] < 100).map(({ q }) => pl.quality[q]);
    expect(slow.length).toBeGreaterThan(3);
    expect(fast.length).toBeGreaterThan(3);
    expect(mean(slow)).toBeGreaterThan(mean(fast) + 0.1);
    // "paper" keeps the multilooked single-master phase: no linking, the cell's own 5 looks.
    const paper = phaseLinkCells(sim.stack, idx.map((i) => tr.row[i]), cellCol, { method: "paper" });
    expect(Array.from(paper.linked).every((v) => v === 0)).toBe(true);
    expect(Array.from(paper.looks).every((v) => v === 5)).toBe(true);
  });
});

describe("phase linking: bad input", () => {
  it("names the stack and the cell outside it", () => {
    const sim = simulatePsStack({ seed: 1, width: 60, height: 40, dates: 20, quiet: true });
    expect(() => phaseLinkCells(sim.stack, [10, 40], [0, 5])).toThrow(/memory: phase linking: cell 1 at row 40, column 5 is outside the 60×40 stack/);
    expect(() => phaseLinkCells(sim.stack, [10], [0, 5])).toThrow(/1 cell rows but 2 cell columns/);
  });
});

describe("DS parameters", () => {
  it("the schema's defaults are the pure functions' defaults", () => {
    const p = defaultsOf(DS_SCHEMA);
    expect(phaseLinkOptions({ ...p, multilookRange: 5, multilookAzimuth: 1, memoryBudgetMiB: 512 })).toEqual(PHASE_LINK_DEFAULTS);
    expect(p.dsLinkingMin).toBe(POINT_QUALITY_DEFAULTS.dsLinkingMin);
  });
});
