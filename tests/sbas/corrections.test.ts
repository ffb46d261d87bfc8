import { describe, expect, it } from "vitest";
import { demErrorCorrection, deramp, referenceDate, residualRms, troposphereElevation } from "../../src/sbas/corrections";
import { timeFuncDesign } from "../../src/sbas/timefunc";

const W = 40;
const H = 30;
const n = W * H;
const dates = Array.from({ length: 20 }, (_, i) => {
  const d = new Date(Date.UTC(2023, 0, 1) + i * 24 * 86_400_000);
  return d.toISOString().slice(0, 10).replace(/-/g, "");
});

describe("corrections", () => {
  it("deramp removes a linear ramp exactly and re-references to the reference pixel", () => {
    const signal = Float32Array.from({ length: n }, (_, p) => (p % 7 === 0 ? 0.01 : 0));
    const ts = [0.002, -0.004].map((a, d) =>
      Float32Array.from({ length: n }, (_, p) => signal[p] + a * (p % W) + 0.001 * (d + 1) * Math.floor(p / W) + 0.3),
    );
    const mask = Uint8Array.from(signal, (s) => (s === 0 ? 1 : 0));
    const ref = 5 * W + 3;
    const r = deramp(ts, W, H, "linear", mask, ref);
    expect(r.coefficients[0][1]).toBeCloseTo(0.002, 6);
    expect(r.coefficients[1][0]).toBeCloseTo(0.002, 6);
    // MintPy zeroes the ramp at the reference pixel: the reference keeps its value, differences are ramp-free
    for (const t of ts) for (let p = 0; p < n; p++) expect(t[p] - t[ref]).toBeCloseTo(signal[p] - signal[ref], 5);
  });

  it("phase–elevation correction removes a stratified delay (relative to the reference pixel)", () => {
    const dem = Float32Array.from({ length: n }, (_, p) => 200 + 30 * (p % W) + 5 * Math.sin(p));
    const k = [0, 2e-5, -1e-5];
    const defo = Float32Array.from({ length: n }, (_, p) => (Math.floor(p / W) > 25 ? -0.02 : 0));
    const ts = k.map((kk, d) => Float32Array.from(dem, (h, p) => kk * h + d * defo[p]));
    const mask = Uint8Array.from(defo, (v) => (v === 0 ? 1 : 0));
    const r = troposphereElevation(ts, dem, W, H, mask, 0, { polyOrder: 1, looks: 2, minCorrelation: 0 });
    expect(r.coefficients[1][1]).toBeCloseTo(2e-5, 9);
    expect(r.coefficients[2][1]).toBeCloseTo(-1e-5, 9);
    for (let d = 0; d < 3; d++) for (let p = 0; p < n; p++) expect(ts[d][p]).toBeCloseTo(d * defo[p] + k[d] * dem[0], 5);
  });

  it("DEM error (Fattahi & Amelung 2013) is recovered exactly beside a quadratic deformation", () => {
    const bperp = dates.map((_, i) => 80 * Math.sin(1.7 * i) + 3 * i);
    const inc = 38;
    const rng = 850_000;
    const dz = Float32Array.from({ length: 6 }, (_, p) => 25 * (p - 2.5));
    const model = { polynomial: 2, periodic: [], stepDates: [] };
    const G = timeFuncDesign(dates, model);
    const defo = (p: number, i: number): number => 0.001 * p + (-0.03 - 0.004 * p) * G[i * 3 + 1] + 0.01 * G[i * 3 + 2];
    const geomTerm = (i: number, p: number): number => (bperp[i] / (rng * Math.sin((inc * Math.PI) / 180))) * dz[p];
    const ts = dates.map((_, i) => Float32Array.from(dz, (_, p) => defo(p, i) + geomTerm(i, p)));
    const r = demErrorCorrection(ts, dates, bperp, inc, rng, { model, excludeDates: [] });
    dz.forEach((v, p) => expect(r.demError[p]).toBeCloseTo(v, 2));
    dates.forEach((_, i) => dz.forEach((__, p) => expect(ts[i][p]).toBeCloseTo(defo(p, i), 6)));
    for (const res of r.residual) for (const v of res) expect(Math.abs(v)).toBeLessThan(1e-6);
  });

  it("residual RMS picks the quietest date and reference date re-references every pixel", () => {
    const res = [0.004, 0.001, 0.003].map((a) => Float32Array.from({ length: n }, (_, p) => (p % 2 ? a : -a)));
    const rms = residualRms(res, W, H, undefined, "no");
    expect(Array.from(rms).map((v) => Number(v.toFixed(6)))).toEqual([0.004, 0.001, 0.003]);
    const ts = [Float32Array.of(0, 1), Float32Array.of(2, 5)];
    referenceDate(ts, 1);
    expect(Array.from(ts[0])).toEqual([-2, -4]);
    expect(Array.from(ts[1])).toEqual([0, 0]);
  });
});
