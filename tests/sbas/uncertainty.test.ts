/**
 * Velocity uncertainty checked by Monte Carlo: 30 simulated stacks (20×20 px, 45 dates 12 days apart,
 * each date paired with its 3 successors) with turbulent atmosphere per date and decorrelation noise per
 * interferogram, velocities against the truth at every pixel but the (fixed) reference. The measured
 * spread (RMS error) over the median reported σ must lie in [0.8, 1.25].
 */
import { describe, expect, it } from "vitest";
import { applyParams } from "../../src/core/params";
import { median } from "../../src/core/stats";
import { runSbas } from "../../src/sbas/pipeline";
import { SBAS_DEFAULTS, SBAS_SCHEMA } from "../../src/sbas/params";
import { networkCovariance } from "../../src/sbas/uncertainty";
import { simulateStack, type SimOptions } from "./sim";

async function calibration(sim: Partial<SimOptions>, method: string): Promise<{ ratio: number; spread: number; sigma: number }> {
  const err: number[] = [];
  const sig: number[] = [];
  for (let seed = 1; seed <= 30; seed++) {
    const s = simulateStack({ width: 20, height: 20, seed, ...sim });
    const p = applyParams(SBAS_SCHEMA, SBAS_DEFAULTS, { reference: "10,10", uncertaintyQuantification: method, minTempCoh: "0" });
    const r = await runSbas(s.stack, p);
    for (let i = 0; i < r.velocity.length; i++) {
      if (i === r.reference.index || r.velocity[i] !== r.velocity[i]) continue;
      err.push((r.velocity[i] - s.velocity[i]) * 1000);
      sig.push(r.velocityStd[i] * 1000);
    }
  }
  const spread = Math.sqrt(err.reduce((a, e) => a + e * e, 0) / err.length);
  return { ratio: spread / median(sig), spread, sigma: median(sig) };
}

describe("velocity uncertainty", () => {
  it("atmosphere: calibrated with turbulent atmosphere and decorrelation noise, where MintPy's residue σ is too small", async () => {
    const sim = { coherence: 0.5, atmStd: 0.003, atmRadius: 3 };
    const atm = await calibration(sim, "atmosphere");
    const res = await calibration(sim, "residue");
    console.log(`turbulent atmosphere 3 mm + coherence 0.5: spread ${atm.spread.toFixed(2)} mm/yr; median σ atmosphere ${atm.sigma.toFixed(2)} (ratio ${atm.ratio.toFixed(2)}), residue ${res.sigma.toFixed(2)} (ratio ${res.ratio.toFixed(2)})`);
    expect(atm.ratio).toBeGreaterThan(0.8);
    expect(atm.ratio).toBeLessThan(1.25);
    expect(res.ratio).toBeGreaterThan(1.5);
  }, 120_000);

  it("atmosphere: stays calibrated when the residuals are white (per-date atmosphere, little decorrelation)", async () => {
    const sim = { coherence: 0.9, atmStd: 0.005, atmRadius: 1 };
    const atm = await calibration(sim, "atmosphere");
    const res = await calibration(sim, "residue");
    console.log(`white residuals: ratio atmosphere ${atm.ratio.toFixed(2)}, residue ${res.ratio.toFixed(2)}`);
    for (const r of [atm, res]) {
      expect(r.ratio).toBeGreaterThan(0.8);
      expect(r.ratio).toBeLessThan(1.25);
    }
  }, 120_000);

  it("the network covariance of a chain of consecutive pairs is a random walk", () => {
    const dates = ["20230101", "20230113", "20230125", "20230206"];
    const c = networkCovariance({ dates, pairs: [[0, 1], [1, 2], [2, 3]] });
    // x_k = Σ_{i<k} n_i: Cov(x_i, x_j) = min(i, j)
    expect(Array.from(c)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 2, 2, 0, 1, 2, 3].map((v) => expect.closeTo(v, 10)));
  });
});
