/**
 * A small in-memory interferogram stack with known truth, for the reference-point and uncertainty
 * tests: a velocity field (stable ground, optionally a Gaussian subsidence bowl), per-acquisition
 * turbulent atmosphere (white noise smoothed by a box of `atmRadius` pixels, std `atmStd` m), and
 * per-interferogram decorrelation noise from coherence (Cramér–Rao, L looks). Sentinel-1 wavelength,
 * geographic grid at 110° E 31° N, 0.001° pixels, no DEM (no topographic correction).
 */
import { mulberry32, normal } from "../../src/core/random";
import type { IfgramStack } from "../../src/sbas/types";

export interface SimOptions {
  width: number;
  height: number;
  nDates: number;
  /** Days between acquisitions. */
  revisit: number;
  /** Each date is paired with this many successors. */
  neighbours: number;
  atmStd: number;
  atmRadius: number;
  looks: number;
  /** Coherence of ordinary pixels (before temporal decorrelation) and of the bowl's core. */
  coherence: number;
  bowl?: { row: number; col: number; sigma: number; velocity: number; coherence: number };
  seed: number;
}

export const SIM_DEFAULTS: SimOptions = {
  width: 40,
  height: 40,
  nDates: 45,
  revisit: 12,
  neighbours: 3,
  atmStd: 0.003,
  atmRadius: 3,
  looks: 20,
  coherence: 0.85,
  seed: 1,
};

export const WAVELENGTH = 0.05546576;

function addDays(d0: string, days: number): string {
  const t = Date.UTC(+d0.slice(0, 4), +d0.slice(4, 6) - 1, +d0.slice(6, 8)) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10).replaceAll("-", "");
}

function smooth(a: Float64Array, w: number, h: number, r: number): Float64Array {
  if (r <= 0) return a;
  const out = new Float64Array(a.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      let n = 0;
      for (let dy = -r; dy <= r; dy++)
        for (let dx = -r; dx <= r; dx++) {
          const yy = (y + dy + h) % h;
          const xx = (x + dx + w) % w;
          s += a[yy * w + xx];
          n++;
        }
      out[y * w + x] = s / n;
    }
  let m = 0;
  for (const v of out) m += v;
  m /= out.length;
  let v2 = 0;
  for (const v of out) v2 += (v - m) ** 2;
  const sd = Math.sqrt(v2 / out.length);
  return out.map((v) => (v - m) / sd);
}

export function simulateStack(o: Partial<SimOptions> = {}): { stack: IfgramStack; velocity: Float32Array; truth: Float32Array[] } {
  const s = { ...SIM_DEFAULTS, ...o };
  const { width: W, height: H } = s;
  const nPix = W * H;
  const rand = mulberry32(s.seed);
  const gauss = normal(rand);
  const dates = Array.from({ length: s.nDates }, (_, i) => addDays("20230101", i * s.revisit));
  const years = dates.map((_, i) => (i * s.revisit) / 365.25);
  const velocity = new Float32Array(nPix);
  const coh0 = new Float32Array(nPix).fill(s.coherence);
  if (s.bowl) {
    const b = s.bowl;
    for (let p = 0; p < nPix; p++) {
      const r2 = ((Math.floor(p / W) - b.row) ** 2 + ((p % W) - b.col) ** 2) / (b.sigma * b.sigma);
      velocity[p] = b.velocity * Math.exp(-r2 / 2);
      if (r2 < 1) coh0[p] = b.coherence;
    }
  }
  const truth = years.map((t) => Float32Array.from(velocity, (v) => v * t));
  const atm = dates.map(() => smooth(Float64Array.from({ length: nPix }, gauss), W, H, s.atmRadius).map((v) => v * s.atmStd));
  const pairs: [number, number][] = [];
  for (let i = 0; i < s.nDates; i++) for (let j = i + 1; j <= Math.min(s.nDates - 1, i + s.neighbours); j++) pairs.push([i, j]);
  const k = (-4 * Math.PI) / WAVELENGTH;
  const unwrapPhase: Float32Array[] = [];
  const coherence: Float32Array[] = [];
  for (const [i, j] of pairs) {
    const dt = (j - i) * s.revisit;
    const ph = new Float32Array(nPix);
    const co = new Float32Array(nPix);
    for (let p = 0; p < nPix; p++) {
      const g = coh0[p] * Math.exp(-dt / 400);
      const sig = Math.sqrt((1 - g * g) / (2 * s.looks * g * g));
      ph[p] = k * (truth[j][p] + atm[j][p] - truth[i][p] - atm[i][p]) + sig * gauss() + 10;
      co[p] = g;
    }
    unwrapPhase.push(ph);
    coherence.push(co);
  }
  const stack: IfgramStack = {
    source: "simulated",
    width: W,
    height: H,
    dates,
    pairs,
    unwrapPhase,
    coherence,
    bperp: new Float64Array(pairs.length),
    keep: pairs.map(() => true),
    wavelength: WAVELENGTH,
    geometry: {},
    transform: { originX: 110, originY: 31, pixelWidth: 0.001, pixelHeight: -0.001 },
    epsg: 4326,
    attrs: { NCORRLOOKS: s.looks },
  };
  return { stack, velocity, truth };
}
