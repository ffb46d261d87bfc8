/**
 * Deterministic simulated PS with known truth, for tests and for running the subway notebooks before
 * (or without) the PS step's output: points scattered along subway lines, stable background plus
 * subsidence zones placed on named station intervals, each zone with a logistic-in-time history, so
 * that per-segment statistics and site series have a known answer. (The full-cycle settlement series
 * of notebook 22 is src/settlement/simulate.ts.)
 */
import { yearsSince } from "../core/dates";
import { mulberry32, normal } from "../core/random";
import { fromMetric } from "../geometry/projection";
import { pointAtChainage } from "../geometry/polyline";
import type { MetricLine } from "./buffer";
import type { PsPoints } from "./ps";

export interface SubsidenceZone {
  line: string;
  /** The zone spans from one station to another (real lines) … */
  fromStation?: string;
  toStation?: string;
  /** … or between two fractions of the line's length (lines without stations). */
  fromFraction?: number;
  toFraction?: number;
  /** Total LOS displacement of the zone centre over its history, mm (negative = subsidence). */
  total: number;
  /** Date of the fastest subsidence (logistic midpoint) and the 5 %→95 % duration, years. */
  midDate: string;
  durationYears: number;
  /** Half-width across the line (Gaussian σ), metres. */
  lateralSigmaM: number;
}

export interface SimulatePsOptions {
  seed: number;
  dates: string[];
  /** Points per km of line, scattered within `maxOffsetM` of it. */
  pointsPerKm: number;
  maxOffsetM: number;
  /** Background velocity noise (σ, mm/yr) and per-date displacement noise (σ, mm). */
  velocityNoise: number;
  displacementNoise: number;
  zones: SubsidenceZone[];
}

function logisticHistory(total: number, t: number, tMid: number, duration: number): number {
  const c = (2 * Math.log(19)) / duration; // 5 % → 95 % over `duration`
  return total / (1 + Math.exp(-c * (t - tMid)));
}

/** Least-squares slope of y over t (years): the PS step's linear velocity. */
export function linearRate(t: ArrayLike<number>, y: ArrayLike<number>): number {
  let st = 0;
  let sy = 0;
  let n = 0;
  for (let i = 0; i < t.length; i++) {
    if (!Number.isFinite(y[i])) continue;
    st += t[i];
    sy += y[i];
    n++;
  }
  const mt = st / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < t.length; i++) {
    if (!Number.isFinite(y[i])) continue;
    num += (t[i] - mt) * (y[i] - my);
    den += (t[i] - mt) ** 2;
  }
  return num / den;
}

/**
 * PS points along the lines. Each zone covers its station interval along the line (with a smooth
 * cosine taper over the interval's outer fifth) and decays across the line as a Gaussian; its
 * history is a logistic step of `total` mm. Velocities are the least-squares rates of the simulated
 * series, as a PS processor would report them. Returns the points and, per point, the noise-free
 * velocity (`trueVelocity`).
 */
export function simulatePsAlongLines(lines: readonly MetricLine[], opts: SimulatePsOptions): { ps: PsPoints; trueVelocity: Float64Array } {
  const rnd = mulberry32(opts.seed);
  const gauss = normal(rnd);
  const m = opts.dates.length;
  const t = yearsSince(opts.dates);
  const lon: number[] = [];
  const lat: number[] = [];
  const vel: number[] = [];
  const vtrue: number[] = [];
  const disp: number[] = [];
  for (const line of lines) {
    const zones = opts.zones
      .filter((z) => z.line === line.code)
      .map((z) => {
        let c0: number;
        let c1: number;
        if (z.fromFraction !== undefined && z.toFraction !== undefined) {
          c0 = z.fromFraction * line.polyline.length;
          c1 = z.toFraction * line.polyline.length;
        } else {
          const a = line.stations.find((s) => s.name === z.fromStation);
          const b = line.stations.find((s) => s.name === z.toStation);
          if (!a || !b) throw new Error(`zone on line ${z.line}: station ${!a ? z.fromStation : z.toStation} not on the line`);
          c0 = a.chainage;
          c1 = b.chainage;
        }
        return { z, s0: Math.min(c0, c1), s1: Math.max(c0, c1), tMid: yearsSince([z.midDate], opts.dates[0])[0] };
      });
    const count = Math.round((line.polyline.length / 1000) * opts.pointsPerKm);
    for (let k = 0; k < count; k++) {
      const s = rnd() * line.polyline.length;
      const off = (2 * rnd() - 1) * opts.maxOffsetM;
      const [x0, y0] = pointAtChainage(line.polyline, s);
      const [x1, y1] = pointAtChainage(line.polyline, Math.min(line.polyline.length, s + 1));
      const [xb, yb] = pointAtChainage(line.polyline, Math.max(0, s - 1));
      const dx = x1 - xb;
      const dy = y1 - yb;
      const h = Math.hypot(dx, dy) || 1;
      const x = x0 - (dy / h) * off;
      const y = y0 + (dx / h) * off;
      const series = new Float64Array(m);
      for (const { z, s0, s1, tMid } of zones) {
        if (s < s0 || s > s1) continue;
        const u = (s - s0) / (s1 - s0);
        const taper = u < 0.2 ? 0.5 - 0.5 * Math.cos((Math.PI * u) / 0.2) : u > 0.8 ? 0.5 - 0.5 * Math.cos((Math.PI * (1 - u)) / 0.2) : 1;
        const w = taper * Math.exp(-0.5 * (off / z.lateralSigmaM) ** 2);
        for (let j = 0; j < m; j++) {
          series[j] += w * (logisticHistory(z.total, t[j], tMid, z.durationYears) - logisticHistory(z.total, 0, tMid, z.durationYears));
        }
      }
      const bg = opts.velocityNoise * gauss();
      for (let j = 0; j < m; j++) series[j] += bg * t[j];
      const trueRate = linearRate(t, series);
      for (let j = 0; j < m; j++) series[j] += opts.displacementNoise * gauss();
      const [plon, plat] = fromMetric(line.frame, x, y);
      lon.push(plon);
      lat.push(plat);
      vtrue.push(trueRate);
      vel.push(linearRate(t, series));
      for (let j = 0; j < m; j++) disp.push(series[j]);
    }
  }
  const n = lon.length;
  return {
    ps: {
      datum: "WGS84",
      dates: opts.dates.slice(),
      ids: Array.from({ length: n }, (_, i) => `sim${i}`),
      lon: Float64Array.from(lon),
      lat: Float64Array.from(lat),
      velocity: Float64Array.from(vel),
      velocityStd: new Float64Array(n).fill(opts.displacementNoise / Math.sqrt(m)),
      coherence: new Float64Array(n).fill(NaN),
      displacement: Float32Array.from(disp),
      source: `simulated PS along ${lines.map((l) => l.code).join(", ")} (seed ${opts.seed})`,
    },
    trueVelocity: Float64Array.from(vtrue),
  };
}
