import { describe, expect, it } from "vitest";
import { adjacentNetwork, amplitudeDispersion, selectCandidates } from "../../src/ps/selection";
import { simulatePsStack, truthLookup } from "../../src/samples/ps-stack";
import { FOSHAN_PS } from "../../src/studies/foshan/ps";

const sim = simulatePsStack({ seed: 21, width: 250, height: 120, quiet: true });
const base = { ...FOSHAN_PS };

describe("PS candidate selection", () => {
  it("pairs every date with its two temporally adjacent successors (paper §2)", () => {
    expect(adjacentNetwork(5, 2)).toEqual([
      [0, 1],
      [0, 2],
      [1, 2],
      [1, 3],
      [2, 3],
      [2, 4],
      [3, 4],
    ]);
  });

  it("amplitude dispersion is σ/μ of calibrated amplitudes", () => {
    const amps = [Float64Array.from([1, 2]), Float64Array.from([3, 4])];
    const d = amplitudeDispersion(amps, [1, 2]);
    // Pixel 0: amplitudes 1 and 3/2 after calibration → sample σ = 0.3536, μ = 1.25.
    expect(d[0]).toBeCloseTo(0.35355339 / 1.25, 6);
    expect(d[1]).toBeCloseTo(0, 12); // 2, 4/2 = 2: constant after calibration
  });

  it("calibration removes the per-date gains: true PS have low D_A, clutter the Rayleigh value ≈ 0.52", () => {
    const r = selectCandidates(sim.stack, base, { quiet: true });
    const pk = sim.truth.pixelKind;
    const ps: number[] = [];
    const clutter: number[] = [];
    r.dispersion.forEach((d, i) => (pk[i] === 1 ? ps : pk[i] === 0 ? clutter : []).push(d));
    const med = (a: number[]): number => a.sort((x, y) => x - y)[a.length >> 1];
    expect(med(ps)).toBeLessThan(0.15);
    expect(med(clutter)).toBeGreaterThan(0.45);
    expect(med(clutter)).toBeLessThan(0.6);
    const gains = sim.truth.gain;
    const gMean = gains.reduce((a, b) => a + b, 0) / gains.length;
    r.calibration.forEach((c, k) => expect(c).toBeCloseTo(gains[k] / gMean, 1));
  });

  it("the 5×1 multilook coherence adds the vegetated cells classic PS misses, with few false points", () => {
    const classic = selectCandidates(sim.stack, { ...base, useMultilook: false }, { quiet: true });
    const improved = selectCandidates(sim.stack, base, { quiet: true });
    const tr = sim.truth.scatterers;
    const find = truthLookup(sim.truth);
    const hitDs = (r: typeof improved): number => {
      const found = new Set<number>();
      for (let i = 0; i < r.candidates.n; i++) {
        const k = find(r.candidates.row[i], r.candidates.col[i], r.candidates.kind[i]);
        if (k !== undefined && tr.kind[k] === "ds") found.add(k);
      }
      return found.size;
    };
    const dsGood = tr.kind.filter((k, i) => k === "ds" && tr.gamma[i] >= 0.5).length;
    // A few bright pixels of highly coherent cells pass D_A < 0.25 on their own; most do not.
    expect(hitDs(classic)).toBeLessThan(0.25 * dsGood);
    expect(hitDs(improved)).toBeGreaterThan(0.85 * dsGood);
    let falses = 0;
    for (let i = 0; i < improved.candidates.n; i++) {
      if (find(improved.candidates.row[i], improved.candidates.col[i], improved.candidates.kind[i]) === undefined) falses++;
    }
    expect(falses / improved.candidates.n).toBeLessThan(0.02);
    expect(hitDs(improved) - hitDs(classic)).toBeGreaterThan(0.6 * dsGood);
    // Multilooked points sit at the first pixel of their 5-pixel cell; classic PS inside them gave way.
    for (let i = 0; i < improved.candidates.n; i++) if (improved.candidates.kind[i] === 2) expect(improved.candidates.col[i] % 5).toBe(0);
    expect(improved.counts.merged).toBe(improved.counts.classic - improved.counts.classicInsideMultilook + improved.counts.multilook);
  });

  it("the coherence threshold controls the count; row blocks under a small memory budget change nothing", () => {
    const counts = [0.3, 0.38, 0.5, 0.7].map((c) => selectCandidates(sim.stack, { ...base, coherenceThreshold: c }, { quiet: true }).counts.multilook);
    for (let q = 1; q < counts.length; q++) expect(counts[q]).toBeLessThan(counts[q - 1]);
    const big = selectCandidates(sim.stack, base, { quiet: true });
    const small = selectCandidates(sim.stack, { ...base, memoryBudgetMiB: 0.6 }, { quiet: true });
    expect(Array.from(small.coherence)).toEqual(Array.from(big.coherence));
    expect(Array.from(small.candidates.row)).toEqual(Array.from(big.candidates.row));
    const win = selectCandidates(sim.stack, { ...base, temporalCoherence: "windowCoherence", memoryBudgetMiB: 0.6 }, { quiet: true });
    const winBig = selectCandidates(sim.stack, { ...base, temporalCoherence: "windowCoherence" }, { quiet: true });
    expect(Array.from(win.coherence)).toEqual(Array.from(winBig.coherence));
  });
});
