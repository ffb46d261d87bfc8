import { describe, expect, it } from "vitest";
import { separateResidual, spatialLowPass, temporalLowPass } from "../../src/ps/filtering";
import { mulberry32 } from "../../src/core/random";

describe("spatio-temporal filtering", () => {
  it("temporal low-pass keeps constants and lines, removes alternating noise", () => {
    const K = 60;
    const t = Float64Array.from({ length: K }, (_, k) => 12 * k);
    const m = new Float64Array(2 * K);
    for (let k = 0; k < K; k++) {
      m[k] = 3;
      m[K + k] = k % 2 ? 1 : -1;
    }
    const lp = temporalLowPass(m, K, t, 180);
    for (let k = 0; k < K; k++) expect(lp[k]).toBeCloseTo(3, 12);
    for (let k = 20; k < K - 20; k++) expect(Math.abs(lp[K + k])).toBeLessThan(1e-3);
  });

  it("spatial low-pass keeps a smooth field, averages out white noise", () => {
    const rand = mulberry32(3);
    const n = 4000;
    const x = Float64Array.from({ length: n }, () => 3000 * rand());
    const y = Float64Array.from({ length: n }, () => 3000 * rand());
    const smooth = Float64Array.from(x, (xi, i) => Math.sin(xi / 1500) + Math.cos(y[i] / 2000));
    const noisy = Float64Array.from(smooth, (s) => s + (rand() - 0.5) * 2);
    const f = spatialLowPass(noisy, x, y, 200);
    let se = 0;
    let cnt = 0;
    for (let i = 0; i < n; i++) {
      if (x[i] < 600 || x[i] > 2400 || y[i] < 600 || y[i] > 2400) continue;
      se += (f[i] - smooth[i]) ** 2;
      cnt++;
    }
    expect(Math.sqrt(se / cnt)).toBeLessThan(0.1);
  });

  it("separates a spatially smooth white-in-time atmosphere from a temporally smooth deformation", () => {
    const rand = mulberry32(5);
    const n = 1500;
    const K = 60;
    const x = Float64Array.from({ length: n }, () => 3000 * rand());
    const y = Float64Array.from({ length: n }, () => 3000 * rand());
    const tDays = Float64Array.from({ length: K }, (_, k) => 12 * k);
    const ramps = Array.from({ length: K }, () => [(rand() - 0.5) / 1000, (rand() - 0.5) / 1000]);
    const res = new Float64Array(n * K);
    const def = new Float64Array(n * K);
    const atm = new Float64Array(n * K);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < K; k++) {
        def[i * K + k] = 2 * Math.sin((2 * Math.PI * tDays[k]) / 1000) * (x[i] / 3000);
        atm[i * K + k] = ramps[k][0] * (x[i] - 1500) + ramps[k][1] * (y[i] - 1500);
        res[i * K + k] = def[i * K + k] + atm[i * K + k] + 0.2 * (rand() - 0.5);
      }
    }
    const s = separateResidual(res, K, tDays, x, y, new Uint8Array(n).fill(1), { temporalFilterDays: 120, spatialFilterMeters: 400 });
    let eDef = 0;
    let eRaw = 0;
    let cnt = 0;
    for (let i = 0; i < n; i++) {
      if (x[i] < 500 || x[i] > 2500 || y[i] < 500 || y[i] > 2500) continue;
      for (let k = 5; k < K - 5; k++) {
        eDef += (s.nonlinear[i * K + k] - def[i * K + k]) ** 2;
        eRaw += (res[i * K + k] - def[i * K + k]) ** 2;
        cnt++;
      }
    }
    expect(Math.sqrt(eDef / cnt)).toBeLessThan(0.4 * Math.sqrt(eRaw / cnt));
  });
});
