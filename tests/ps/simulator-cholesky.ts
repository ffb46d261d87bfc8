/**
 * A second, independent SLC-stack simulator for the DS numerics, built differently from
 * src/samples/ps-stack.ts on purpose:
 * - each distributed-scatterer pixel is drawn from its coherence matrix directly, s = Φ·L·z with
 *   L·Lᵀ = Γ (Cholesky of the full N×N covariance, z white complex Gaussian), for a Gaussian-shaped
 *   decay plus floor Γ_mn = γ∞ + (γ0 − γ∞)·e^{−(Δt/τ)²} (not the sample's exponential AR(1) sequence);
 * - DS fields are rectangles at arbitrary pixel offsets (not aligned to the 5×1 multilook grid), so
 *   cells can be partly DS;
 * - the atmosphere is a fractal (power-law, Kolmogorov-like phase spectrum ∝ k^(−11/3)) screen per
 *   date from random Fourier modes between 200 m and 20 km, not a ramp plus three waves;
 * - deformation holds a seasonal (sinusoidal, annual) term besides a bowl and a tilt;
 * - 60 dates at 12 days, uniform ±100 m baselines, another place and pixel grid.
 */
import { choleskyReal } from "../../src/ps/phase-link-linalg";
import { memoryStack, type StackSource } from "../../src/ps/stack";
import { mulberry32, normal } from "../../src/core/random";

export interface CholeskySim {
  stack: StackSource;
  /** Per pixel: 0 clutter, 1 PS, 2 DS. */
  kind: Uint8Array;
  /** Per pixel truth velocity (LSQ slope of the displacement, mm/yr), PS and DS pixels. */
  velocity: Float64Array;
  width: number;
  /** Deformation + DEM phase per pixel and date (n×K, rad; no atmosphere). */
  truthPhase: Float64Array;
  /** The specified coherence Γ_mn of a DS pixel. */
  gamma(pixel: number, m: number, n: number): number;
}

export interface CholeskySimOptions {
  seed: number;
  width?: number;
  height?: number;
  dates?: number;
  /** Atmosphere std over the scene per date, rad. */
  atmosphereStd?: number;
}

export function simulateCholesky(o: CholeskySimOptions): CholeskySim {
  const W = o.width ?? 160;
  const H = o.height ?? 100;
  const K = o.dates ?? 60;
  const rand = mulberry32(o.seed ^ 0x5eed);
  const g = normal(rand);
  const wavelength = 0.0555;
  const R = 850_000;
  const inc = 36;
  const dx = 3.7;
  const dy = 13.9;
  const t = Float64Array.from({ length: K }, (_, k) => (12 * k) / 365.25);
  const bperp = Float64Array.from({ length: K }, (_, k) => (k === 0 ? 0 : -100 + 200 * rand()));
  const n = W * H;
  const xm = Float64Array.from({ length: n }, (_, i) => (i % W) * dx);
  const ym = Float64Array.from({ length: n }, (_, i) => Math.floor(i / W) * dy);
  const bowl = { x: W * dx * (0.3 + 0.4 * rand()), y: H * dy * (0.3 + 0.4 * rand()), r: 250, v: -25 };
  const velAt = (x: number, y: number): number => 2 * (y / (H * dy)) + bowl.v * Math.exp(-((x - bowl.x) ** 2 + (y - bowl.y) ** 2) / (2 * bowl.r ** 2));
  const seasonal = 3; // mm amplitude, annual

  // Scatterers: PS in the eastern 60 %, DS fields (rectangles) in the western 60 %.
  const kind = new Uint8Array(n);
  const amp = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (i % W > 0.4 * W && rand() < 1 / 25) {
      kind[i] = 1;
      amp[i] = 4 + 6 * rand();
    }
  }
  const fields: { x0: number; y0: number; w: number; h: number; L: Float64Array; G: Float64Array }[] = [];
  const nFields = Math.round((0.6 * W * H * 0.3) / 60);
  for (let f = 0; f < nFields; f++) {
    const w = 6 + Math.floor(15 * rand());
    const h = 3 + Math.floor(6 * rand());
    const x0 = Math.floor(rand() * (0.6 * W - w));
    const y0 = Math.floor(rand() * (H - h));
    const g0 = 0.45 + 0.5 * rand();
    const floor = g0 * 0.5 * rand();
    const tau = 30 + 400 * rand();
    const G = new Float64Array(K * K);
    for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) G[a * K + b] = a === b ? 1 : floor + (g0 - floor) * Math.exp(-((((t[a] - t[b]) * 365.25) / tau) ** 2));
    const Lc = Float64Array.from(G);
    if (!choleskyReal(Lc, K)) throw new Error("simulator: coherence matrix not positive definite");
    fields.push({ x0, y0, w, h, L: Lc, G });
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) if (kind[y * W + x] === 0) kind[y * W + x] = 2;
  }
  const fieldOf = new Int32Array(n).fill(-1);
  fields.forEach((f, q) => {
    for (let y = f.y0; y < f.y0 + f.h; y++) for (let x = f.x0; x < f.x0 + f.w; x++) if (kind[y * W + x] === 2 && fieldOf[y * W + x] < 0) fieldOf[y * W + x] = q;
  });

  // Deformation + DEM phase per coherent pixel; truth velocity = LSQ slope.
  const tm = t.reduce((a, b) => a + b, 0) / K;
  let stt = 0;
  for (let k = 0; k < K; k++) stt += (t[k] - tm) ** 2;
  const velocity = new Float64Array(n).fill(NaN);
  const f4 = (4 * Math.PI) / wavelength;
  const bcoef = Float64Array.from(bperp, (b) => (f4 * b) / (R * Math.sin((inc * Math.PI) / 180)));
  const phase = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    if (!kind[i]) continue;
    const v = velAt(xm[i], ym[i]);
    const z = kind[i] === 1 ? 30 * rand() - 5 : 2 * g();
    let sxy = 0;
    for (let k = 0; k < K; k++) {
      const d = v * t[k] + seasonal * Math.sin(2 * Math.PI * t[k]);
      sxy += (t[k] - tm) * d;
      phase[i * K + k] = f4 * d * 1e-3 + bcoef[k] * z;
    }
    velocity[i] = sxy / stt;
  }

  // Fractal atmosphere: per date M random Fourier modes, amplitude ∝ k^(−11/6)·√(Δk·k) on a log-k grid.
  const M = 40;
  const kMin = (2 * Math.PI) / 20_000;
  const kMax = (2 * Math.PI) / 200;
  const atm = new Float64Array(n * K);
  for (let k = 1; k < K; k++) {
    const modes = Array.from({ length: M }, () => {
      const kk = kMin * Math.exp(Math.log(kMax / kMin) * rand());
      const dir = 2 * Math.PI * rand();
      return { kx: kk * Math.cos(dir), ky: kk * Math.sin(dir), a: kk ** (-11 / 6) * kk * g(), p: 2 * Math.PI * rand() };
    });
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (const md of modes) v += md.a * Math.cos(md.kx * xm[i] + md.ky * ym[i] + md.p);
      atm[i * K + k] = v;
      s += v;
      s2 += v * v;
    }
    const sd = Math.sqrt(Math.max(1e-30, s2 / n - (s / n) ** 2));
    const scale = (o.atmosphereStd ?? 0.8) / sd;
    for (let i = 0; i < n; i++) atm[i * K + k] = (atm[i * K + k] - s / n) * scale;
  }

  const slc = Array.from({ length: K }, () => new Float32Array(2 * n));
  const zr = new Float64Array(K);
  const zi = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    if (kind[i] === 2) {
      const L = fields[fieldOf[i]].L;
      for (let k = 0; k < K; k++) {
        zr[k] = g() / Math.SQRT2;
        zi[k] = g() / Math.SQRT2;
      }
      for (let k = 0; k < K; k++) {
        let xr = 0;
        let xi = 0;
        for (let j = 0; j <= k; j++) {
          xr += L[k * K + j] * zr[j];
          xi += L[k * K + j] * zi[j];
        }
        const ph = phase[i * K + k] + atm[i * K + k];
        slc[k][2 * i] = 1.6 * (xr * Math.cos(ph) - xi * Math.sin(ph));
        slc[k][2 * i + 1] = 1.6 * (xr * Math.sin(ph) + xi * Math.cos(ph));
      }
    } else {
      for (let k = 0; k < K; k++) {
        let re = g() / Math.SQRT2;
        let im = g() / Math.SQRT2;
        if (kind[i] === 1) {
          const ph = phase[i * K + k] + atm[i * K + k];
          re += amp[i] * Math.cos(ph);
          im += amp[i] * Math.sin(ph);
        }
        slc[k][2 * i] = re;
        slc[k][2 * i + 1] = im;
      }
    }
  }
  // A place and pixel grid of its own (north-up, 45.5°N).
  const lat0 = 45.5;
  const lon = Float64Array.from({ length: n }, (_, i) => 9.1 + xm[i] / (111_320 * Math.cos((lat0 * Math.PI) / 180)));
  const lat = Float64Array.from({ length: n }, (_, i) => lat0 + ym[i] / 110_574);
  const dates = Array.from({ length: K }, (_, k) => new Date(Date.UTC(2019, 0, 3) + 12 * k * 86400e3).toISOString().slice(0, 10));
  const stack = memoryStack({ source: "cholesky-sim", dates, width: W, height: H, bperp, wavelength, slantRange: R, incidenceDeg: inc, lon, lat }, slc);
  return { stack, kind, velocity, width: W, truthPhase: phase, gamma: (i, m, nn) => fields[fieldOf[i]].G[m * K + nn] };
}

/**
 * Truth velocity for a chain point: a classic point is its pixel's; a multilooked cell (first pixel at
 * row, col) is its PS pixel's if it holds one, else the mean of its DS pixels' when at least 3 of the 5
 * are DS. Undefined = no truth (a false or mixed detection).
 */
export function choleskyTruth(sim: CholeskySim, row: number, col: number, kind: number): { v: number; ds: boolean; pixel: number } | undefined {
  const W = sim.width;
  if (kind === 1) {
    const i = row * W + col;
    return sim.kind[i] ? { v: sim.velocity[i], ds: sim.kind[i] === 2, pixel: i } : undefined;
  }
  let ds = 0;
  let s = 0;
  for (let p = 0; p < 5 && col + p < W; p++) {
    const i = row * W + col + p;
    if (sim.kind[i] === 1) return { v: sim.velocity[i], ds: false, pixel: i };
    if (sim.kind[i] === 2) {
      ds++;
      s += sim.velocity[i];
    }
  }
  return ds >= 3 ? { v: s / ds, ds: true, pixel: row * W + col } : undefined;
}
