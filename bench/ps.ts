/**
 * `npm run bench -- ps [--candidates=100000] [--dates=85] [--workers=2]`
 *
 * The arc-network half of the improved PS-InSAR at the paper's scale: 85 Sentinel-1 dates (paper §1)
 * and 100 000 PS candidates scattered over a 12 km × 12 km city, with planted velocities, DEM errors,
 * atmosphere and noise as unit phasors (an SLC stack of that many points would be ~3 GB to simulate).
 * Measures arcs/s of the eq. 1 periodogram, the time of each step and in total, and the peak resident
 * memory (sampled every 50 ms; worker threads share the process). A second, small part times candidate
 * selection on a simulated SLC stack (pixels/s of amplitude dispersion + 5×1 multilook coherence).
 */
import { FOSHAN_PS } from "../src/studies/foshan/ps";
import { simulatePsStack } from "../src/samples/ps-stack";
import { mulberry32 } from "../src/core/random";
import { delaunayArcs } from "../src/ps/network";
import { arcModel } from "../src/ps/periodogram";
import { SENTINEL1_GEOMETRY } from "../src/ps/stack";
import { searchArcs } from "../src/ps/arc-search";
import { arcWeight, integrateArcs } from "../src/ps/integration";
import { integrateResiduals, separateResidual } from "../src/ps/filtering";
import { selectCandidates } from "../src/ps/selection";

function flag(args: string[], name: string, dflt: number): number {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split("=")[1]) : dflt;
}

export async function run(args: string[] = []): Promise<object> {
  const N = flag(args, "candidates", 100_000);
  const K = flag(args, "dates", 85);
  const workers = flag(args, "workers", FOSHAN_PS.workers);
  const selectionSize = flag(args, "selection-size", 1);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const timings: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (name: string): void => {
    const t = performance.now();
    timings[name] = Number(((t - t0) / 1000).toFixed(2));
    t0 = t;
  };
  try {
    // ---- synthetic candidates
    const rand = mulberry32(2018);
    const side = 12_000 * Math.sqrt(N / 100_000);
    const x = Float64Array.from({ length: N }, () => side * rand());
    const y = Float64Array.from({ length: N }, () => side * rand());
    const t = Float64Array.from({ length: K }, (_, k) => (12 * k) / 365.25);
    const bperp = Float64Array.from({ length: K }, (_, k) => (k === 0 ? 0 : 90 * (rand() - 0.5)));
    const model = arcModel(t, bperp, SENTINEL1_GEOMETRY.wavelength, SENTINEL1_GEOMETRY.slantRange, SENTINEL1_GEOMETRY.incidenceDeg);
    const atm = Array.from({ length: K }, () => [(rand() - 0.5) * 4e-4, (rand() - 0.5) * 4e-4, 2 * Math.PI * rand()]);
    const velocity = new Float64Array(N);
    const phase = new Float32Array(new SharedArrayBuffer(N * K * 2 * 4));
    for (let i = 0; i < N; i++) {
      const v = -25 * Math.exp(-((x[i] - side / 3) ** 2 + (y[i] - side / 2) ** 2) / (2 * 1500 ** 2)) + 2 * Math.sin(x[i] / 3000);
      velocity[i] = v;
      const z = 30 * (rand() - 0.3);
      for (let k = 0; k < K; k++) {
        const a = atm[k];
        const ph = model.a[k] * v + model.b[k] * z + a[0] * x[i] + a[1] * y[i] + 0.5 * Math.sin(x[i] / 4000 + a[2]) + 0.6 * (rand() - 0.5);
        phase[(i * K + k) * 2] = Math.cos(ph);
        phase[(i * K + k) * 2 + 1] = Math.sin(ph);
      }
    }
    lap("simulate");
    const arcs = delaunayArcs(x, y, FOSHAN_PS.maxArcLength);
    lap("delaunay");
    const search = await searchArcs(phase, K, arcs.i, arcs.j, model, FOSHAN_PS, { workers, quiet: true });
    lap("periodogram");
    const keep = Uint8Array.from(search.gamma, (g) => (g >= FOSHAN_PS.arcCoherenceMin ? 1 : 0));
    const integ = integrateArcs(N, arcs.i, arcs.j, search.dv, search.dz, search.gamma, keep, { outlierSigma: FOSHAN_PS.arcOutlierSigma });
    lap("integration");
    const w = Float64Array.from(integ.arcKept, (kk, e) => (kk ? arcWeight(search.gamma[e]) : 0));
    const residual = integrateResiduals(phase, K, { n: N, i: arcs.i, j: arcs.j, w }, model, integ.velocity, integ.demError, integ.reference, integ.connected, { quiet: true, memoryBudgetMiB: FOSHAN_PS.memoryBudgetMiB });
    lap("residualIntegration");
    separateResidual(residual, K, Float64Array.from(t, (v) => v * 365.25), x, y, integ.connected, FOSHAN_PS);
    lap("filtering");
    const networkSeconds = Object.values(timings).reduce((a, b) => a + b, 0) - timings.simulate;
    let se = 0;
    let cnt = 0;
    const ref = integ.reference;
    for (let i = 0; i < N; i++) {
      if (!integ.connected[i]) continue;
      se += (integ.velocity[i] - (velocity[i] - velocity[ref])) ** 2;
      cnt++;
    }

    // ---- selection throughput on a simulated SLC stack
    const sim = simulatePsStack({ seed: 1, width: Math.round(400 * Math.sqrt(selectionSize) / 5) * 5, height: Math.round(200 * Math.sqrt(selectionSize)), dates: K, quiet: true });
    t0 = performance.now();
    const sel = selectCandidates(sim.stack, FOSHAN_PS, { quiet: true });
    lap("selection");
    const pixels = sim.stack.meta.width * sim.stack.meta.height;

    return {
      dates: K,
      candidates: N,
      arcs: arcs.i.length,
      workers: search.workers,
      periodogramArcsPerSecond: Math.round(search.arcsPerSecond),
      periodogramGrid: {
        velocity: `±${FOSHAN_PS.velocitySearch} step ${FOSHAN_PS.velocityStep} mm/yr`,
        dem: `±${FOSHAN_PS.demSearch} step ${FOSHAN_PS.demStep} m`,
      },
      arcsKept: integ.arcKept.reduce((a, b) => a + b, 0),
      arcsRemovedInconsistent: integ.arcsRemovedInconsistent,
      connectedCandidates: cnt,
      velocityRmseMmPerYear: Number(Math.sqrt(se / Math.max(1, cnt)).toFixed(3)),
      networkTotalSeconds: Number(networkSeconds.toFixed(2)),
      timingsSeconds: timings,
      selection: {
        pixels,
        dates: K,
        seconds: timings.selection,
        pixelsPerSecond: Math.round(pixels / timings.selection),
        candidates: sel.candidates.n,
      },
      peakRssMiB: Math.round(peak / 2 ** 20),
    };
  } finally {
    clearInterval(sampler);
  }
}
